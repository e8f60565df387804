// A typed client of the admin API for the dashboard and the tests: `fetch` only, and nothing but
// `import type` from the contract, so a browser bundle carries no server code.
import type { AdminInput, AdminOutput, AdminRoute } from './contract.ts';

export const CSRF_HEADER = 'X-Kassa-CSRF';
export const ADMIN_BASE_PATH = '/api/admin';

/** The error envelope of both listeners, thrown as a value the UI can show next to its field. */
export class AdminApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param: string | null;
  constructor(status: number, body: { type?: string; code?: string; message?: string; param?: string | null } | undefined) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = 'AdminApiError';
    this.status = status;
    this.type = body?.type ?? 'api_error';
    this.code = body?.code ?? 'http_error';
    this.param = body?.param ?? null;
  }
}

export interface AdminClientOptions {
  /** Origin of the merchant listener; '' for same-origin (the dashboard). */
  baseUrl?: string;
  /** Cookie header for non-browser callers (tests); browsers send the HttpOnly cookie themselves. */
  cookie?: () => string | undefined;
  fetch?: typeof fetch;
}

/** Fills `:name` segments from params, URI-encoded. */
export function adminPath(route: AdminRoute, params?: Record<string, string>): { method: string; path: string } {
  const space = route.indexOf(' ');
  const method = route.slice(0, space);
  const path = route.slice(space + 1).replace(/:([a-z_]+)/g, (_m, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${route}`);
    return encodeURIComponent(value);
  });
  return { method, path: ADMIN_BASE_PATH + path };
}

export function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function createAdminClient(opts: AdminClientOptions = {}) {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const base = opts.baseUrl ?? '';
  let csrfToken: string | null = null;

  async function call<K extends AdminRoute>(route: K, ...args: keyof AdminInput<K> extends never ? [input?: AdminInput<K>] : [input: AdminInput<K>]): Promise<AdminOutput<K>> {
    const input = (args[0] ?? {}) as { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown };
    const { method, path } = adminPath(route, input.params);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET') {
      headers['content-type'] = 'application/json';
      if (csrfToken) headers[CSRF_HEADER] = csrfToken;
    }
    const cookie = opts.cookie?.();
    if (cookie) headers.cookie = cookie;
    const res = await doFetch(base + path + queryString(input.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: method === 'GET' ? undefined : JSON.stringify(input.body ?? {}),
    });
    const text = await res.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) throw new AdminApiError(res.status, (body as { error?: ConstructorParameters<typeof AdminApiError>[1] } | undefined)?.error);
    const data = (body as { data: AdminOutput<K> }).data;
    // Every answer that describes the session refreshes the CSRF token this client sends.
    if (route === 'GET /session' || route === 'POST /auth/login' || route === 'POST /auth/launch') {
      csrfToken = (data as { csrf_token: string | null }).csrf_token;
    }
    return data;
  }

  return {
    call,
    /** URL of a csv or sse route (for a download link or an EventSource). */
    url<K extends AdminRoute>(route: K, input?: { params?: Record<string, string>; query?: Record<string, unknown> }): string {
      const { path } = adminPath(route, input?.params);
      return base + path + queryString(input?.query);
    },
    setCsrfToken(token: string | null) {
      csrfToken = token;
    },
  };
}
export type AdminClient = ReturnType<typeof createAdminClient>;
