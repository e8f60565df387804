// Runs one tunnel at a time: connects through a provider, reconnects with capped exponential
// backoff and jitter when it drops or a connect fails, and stops cleanly. The state it reports
// (stopped | starting | connected | reconnecting | error) is what /healthz, the API and the CLI show.
import type { Logger } from 'pino';
import {
  oneLine,
  TunnelError,
  type TunnelConnection,
  type TunnelOptions,
  type TunnelProvider,
  type TunnelProviderName,
  type TunnelState,
  type TunnelTarget,
} from './types.ts';

export interface ReconnectPolicy {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** Cap of the exponential growth. */
  maxDelayMs: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1]. */
  jitter: number;
}

export const DEFAULT_RECONNECT: Readonly<ReconnectPolicy> = Object.freeze({ initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.5 });

/** Delay before retry number `attempt` (1-based): initial·2^(attempt-1), capped, minus up to `jitter` of it. */
export function reconnectDelay(attempt: number, policy: ReconnectPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  return Math.round(base * (1 - policy.jitter * random()));
}

export interface TunnelSpec {
  provider: TunnelProviderName;
  options: TunnelOptions;
}

export interface TunnelManagerDeps {
  providers: Readonly<Record<TunnelProviderName, TunnelProvider>>;
  /** Read at each attempt: the public listener's address (known once it listens). */
  target: () => TunnelTarget;
  logger: Logger;
  reconnect?: ReconnectPolicy;
  /** A connect attempt that takes longer fails (and is retried). */
  connectTimeoutMs?: number;
  clock?: () => Date;
  random?: () => number;
}

export interface TunnelManager {
  /** Resolves once the new tunnel is `starting` (the previous one closed); connecting goes on after. */
  start(spec: TunnelSpec): Promise<void>;
  stop(): Promise<void>;
  state(): TunnelState;
  spec(): TunnelSpec | null;
  /** Called after every state change. */
  onChange(listener: (state: TunnelState) => void): () => void;
  /** Resolves at the first state matching `predicate` (now, if the current one does), or null after `timeoutMs`. */
  waitFor(predicate: (state: TunnelState) => boolean, timeoutMs: number): Promise<TunnelState | null>;
}

export function createTunnelManager(deps: TunnelManagerDeps): TunnelManager {
  const policy = deps.reconnect ?? DEFAULT_RECONNECT;
  const connectTimeoutMs = deps.connectTimeoutMs ?? 30_000;
  const clock = deps.clock ?? (() => new Date());
  const listeners = new Set<(state: TunnelState) => void>();
  const logger = deps.logger.child({ component: 'tunnel' });

  let current: TunnelState = {
    provider: null, status: 'stopped', url: null, since: clock().toISOString(),
    last_error: null, last_error_at: null, attempts: 0, next_retry_at: null,
  };
  let spec: TunnelSpec | null = null;
  // Every start/stop begins a new generation; callbacks of an older one are ignored.
  let generation = 0;
  let connection: TunnelConnection | null = null;
  let attemptAbort: AbortController | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  // A dropped tunnel still closing; the next attempt waits for it.
  let closing: Promise<void> = Promise.resolve();

  function update(patch: Partial<TunnelState>): void {
    const next = { ...current, ...patch };
    if (next.status !== current.status || next.url !== current.url) next.since = clock().toISOString();
    current = next;
    for (const listener of listeners) {
      try {
        listener(current);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'tunnel state listener failed');
      }
    }
  }

  async function closeConnection(): Promise<void> {
    const open = connection;
    connection = null;
    if (!open) return;
    try {
      await open.close();
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'closing the tunnel failed');
    }
  }

  function scheduleRetry(gen: number, err: Error): void {
    const attempts = current.attempts + 1;
    const delay = reconnectDelay(attempts, policy, deps.random);
    const message = oneLine(err.message);
    logger.warn({ provider: spec?.provider, attempts, retryInMs: delay, err: message }, 'tunnel down; reconnecting');
    update({
      status: 'reconnecting', url: null, attempts, last_error: message, last_error_at: clock().toISOString(),
      next_retry_at: new Date(clock().getTime() + delay).toISOString(),
    });
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (gen === generation) void attempt(gen);
    }, delay);
  }

  async function attempt(gen: number): Promise<void> {
    await closing;
    if (gen !== generation) return;
    const active = spec!;
    const provider = deps.providers[active.provider];
    const abort = new AbortController();
    attemptAbort = abort;
    const timeout = setTimeout(() => abort.abort(new TunnelError('connect_timeout', `${active.provider}: no tunnel after ${Math.round(connectTimeoutMs / 1000)} s`, { retryable: true })), connectTimeoutMs);
    let downReported = false;
    const onDown = (err: Error) => {
      // Only the live connection of this generation may report; a second report is the same drop.
      if (gen !== generation || downReported || !connection || connection !== opened) return;
      downReported = true;
      closing = closeConnection();
      scheduleRetry(gen, err);
    };
    let opened: TunnelConnection | null = null;
    let abandoned = false;
    const connecting = Promise.resolve().then(() => provider.connect({ target: deps.target(), options: active.options, signal: abort.signal, onDown, logger }));
    // A provider that finishes connecting after we gave up on it: close what it opened.
    connecting.then((late) => (abandoned ? late.close().catch(() => {}) : undefined), () => {});
    try {
      opened = await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          if (abort.signal.aborted) reject(abort.signal.reason);
          abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
        }),
      ]);
    } catch (err) {
      abandoned = true;
      clearTimeout(timeout);
      if (attemptAbort === abort) attemptAbort = null;
      if (gen !== generation) return;
      const error = err instanceof Error ? err : new Error(String(err));
      if (error instanceof TunnelError && !error.retryable) {
        const message = oneLine(error.message);
        logger.error({ provider: active.provider, code: error.code, err: message }, 'tunnel failed; not retrying');
        update({ status: 'error', url: null, last_error: message, last_error_at: clock().toISOString(), next_retry_at: null });
        return;
      }
      scheduleRetry(gen, error);
      return;
    }
    clearTimeout(timeout);
    if (attemptAbort === abort) attemptAbort = null;
    if (gen !== generation) {
      // Stopped or restarted while connecting: this tunnel is no longer wanted.
      await opened.close().catch(() => {});
      return;
    }
    connection = opened;
    logger.info({ provider: active.provider, url: opened.url }, 'tunnel connected');
    update({ status: 'connected', url: opened.url, attempts: 0, next_retry_at: null });
  }

  async function halt(): Promise<void> {
    generation += 1;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    attemptAbort?.abort(new TunnelError('stopped', 'the tunnel was stopped', { retryable: false }));
    attemptAbort = null;
    await closeConnection();
  }

  return {
    start(next) {
      const gen = generation + 1;
      return halt().then(() => {
        if (gen !== generation) return; // a later start or stop won
        spec = next;
        update({ provider: next.provider, status: 'starting', url: null, attempts: 0, next_retry_at: null, last_error: null, last_error_at: null });
        void attempt(gen);
      });
    },
    async stop() {
      await halt();
      const wasRunning = current.status !== 'stopped';
      if (wasRunning) logger.info({ provider: spec?.provider }, 'tunnel stopped');
      update({ status: 'stopped', url: null, next_retry_at: null, attempts: 0 });
    },
    state: () => current,
    spec: () => spec,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitFor(predicate, timeoutMs) {
      if (predicate(current)) return Promise.resolve(current);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          off();
          resolve(null);
        }, timeoutMs);
        const off = this.onChange((state) => {
          if (!predicate(state)) return;
          clearTimeout(timer);
          off();
          resolve(state);
        });
      });
    },
  };
}
