// The one admin client of the page (same origin, cookie session, CSRF header) and the hooks the
// pages load and submit through. Types come from the server's contract, so a renamed field fails tsc.
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { AdminApiError, createAdminClient } from '../../../src-server/admin/client.ts';
import type { AdminOutput, AdminRoute } from '../../../src-server/admin/contract.ts';

export { AdminApiError };
export const api = createAdminClient();
export type Out<K extends AdminRoute> = AdminOutput<K>;

/** Set by the app shell: a 401 anywhere means the session ended, so it shows the sign-in page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

function noteError(error: unknown): void {
  if (error instanceof AdminApiError && error.status === 401) onUnauthorized();
}

export interface Loaded<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (update: (current: T | undefined) => T | undefined) => void;
}

/** Runs `load` when deps change; a newer load wins over a slower older one. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await loadRef.current();
      if (mine !== generation.current) return;
      setDataState(value);
      setError(null);
    } catch (e) {
      if (mine !== generation.current) return;
      noteError(e);
      setError(e as Error);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => void reload(), deps);
  const setData = useCallback((update: (current: T | undefined) => T | undefined) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}

export interface Submitter {
  busy: boolean;
  error: Error | null;
  /** Runs the action, keeping its error for the fields to show; resolves undefined on failure. */
  run: <T>(action: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
}

export function useSubmit(): Submitter {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (e) {
      noteError(e);
      setError(e as Error);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

/** Whether an error's `param` names this field or something inside it (`rpc_urls[0]` belongs to `rpc_urls`). */
export function paramMatches(param: string | null, field: string): boolean {
  if (!param) return false;
  return param === field || param.startsWith(`${field}.`) || param.startsWith(`${field}[`);
}

/** The message to show beside `field`, if the error is about it (without the "field: " prefix the label already says). */
export function fieldError(error: Error | null, field: string): string | null {
  if (!(error instanceof AdminApiError) || !paramMatches(error.param, field)) return null;
  const prefix = `${error.param}: `;
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** The message to show above the form: the error unless one of the form's fields shows it. */
export function formError(error: Error | null, fields: readonly string[]): string | null {
  if (!error) return null;
  if (error instanceof AdminApiError && fields.some((f) => paramMatches(error.param, f))) return null;
  return error.message;
}
