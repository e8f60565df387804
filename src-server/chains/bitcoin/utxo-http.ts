// HTTP with failover over several base URLs, for both UTXO backends (Esplora REST, bitcoind
// JSON-RPC): each request goes to the first healthy URL and moves on when that URL fails
// (connection refused, timeout, HTTP 401/403/429, an answer the caller cannot read). A failed URL
// sits out a cool-down (a 429: its Retry-After, within bounds), then gets traffic again. An answer
// that refuses the request itself (a JSON-RPC "invalid parameter", say) is not a failure of the
// URL: another URL would say the same, so it is thrown at once.
// Counts every HTTP request sent, per URL and per route.
import { createEndpointPool, type EndpointState, newEndpointState, parseRetryAfter, redactRpcUrl } from '../endpoint-pool.ts';
import type { RpcEndpointHealth } from '../types.ts';
import { type ChainLogger, silentLogger } from '../evm/chain-logger.ts';

export interface BasicAuth {
  username: string;
  password: string;
}

export interface UtxoHttpOptions {
  /** Network id, for messages and logs, e.g. 'bitcoin'. */
  chain: string;
  /** What is being spoken to, for messages: 'Esplora', 'bitcoind RPC'. */
  service: string;
  /** Base URLs, tried in this order. Userinfo in a URL becomes that URL's Basic auth. */
  urls: readonly string[];
  /** Basic auth for URLs that carry no userinfo of their own. */
  auth?: BasicAuth;
  /** Per HTTP request, body included. Default 15 s. */
  timeoutMs?: number;
  /** How long a failed URL is passed over. Default 30 s. */
  cooldownMs?: number;
  logger?: ChainLogger;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface HttpRequestInit {
  method: 'GET' | 'POST';
  /** JSON text for POST. */
  body?: string;
  accept?: string;
}

export interface UtxoHttp {
  /**
   * Sends `init` to `path` under each base URL in turn until one answers in a way `interpret`
   * accepts. `route` names the request in counts ('/block/:hash/raw', 'getblock'). `interpret`
   * returns the value, throws UtxoRequestRefusedError when the answer refuses the request itself
   * (no failover), or throws anything else when the answer is unusable (next URL).
   */
  request<T>(route: string, path: string, init: HttpRequestInit, interpret: (answer: HttpAnswer) => T): Promise<T>;
  health(): RpcEndpointHealth[];
  requestCount(): number;
  requestCountsByRoute(): Record<string, number>;
  /** How many base URLs there are. */
  readonly size: number;
}

export class UtxoUnavailableError extends Error {
  readonly chain: string;
  readonly route: string;
  constructor(chain: string, service: string, route: string, attempts: readonly string[], cause: unknown) {
    super(`every ${service} endpoint for ${chain} failed ${route}: ${attempts.join('; ')}`, { cause });
    this.name = 'UtxoUnavailableError';
    this.chain = chain;
    this.route = route;
  }
}

/** The endpoint answered and refused the request itself; another endpoint would answer the same. */
export class UtxoRequestRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UtxoRequestRefusedError';
  }
}

/** The endpoint answered with something that is not what was asked for. */
export class UtxoMalformedResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UtxoMalformedResponseError';
  }
}

class HttpStatusError extends Error {
  readonly status: number;
  readonly retryAfterMs: number | null;
  constructor(status: number, body: string, retryAfterMs: number | null = null) {
    super(`HTTP ${status}${body ? `: ${body}` : ''}`);
    this.name = 'HttpStatusError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

interface Endpoint extends EndpointState {
  /** Base URL as fetch gets it: no userinfo. */
  fetchUrl: string;
  /** Strings that must never reach a log: the configured URL, its password. */
  secrets: string[];
  authorization: string | null;
}

const MIN_RATE_LIMIT_WAIT_MS = 1_000;

/** `path` under the base URL's own path, keeping its query (some providers put a key there). */
export function joinBaseUrl(base: string, path: string): string {
  const url = new URL(base);
  if (path) url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url.toString();
}

function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

function endpointFor(raw: string, auth: BasicAuth | undefined, chain: string, service: string): Endpoint {
  if (!URL.canParse(raw)) throw new Error(`invalid ${service} URL for ${chain}: ${redactRpcUrl(raw)}`);
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${service} URL for ${chain} must be http(s): ${redactRpcUrl(raw)}`);
  }
  const secrets = [raw];
  let authorization: string | null = null;
  if (url.username || url.password) {
    const username = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    authorization = basicAuthorization(username, password);
    if (password) secrets.push(password, url.password);
    url.username = '';
    url.password = '';
  } else if (auth) {
    authorization = basicAuthorization(auth.username, auth.password);
    if (auth.password) secrets.push(auth.password);
  }
  return {
    ...newEndpointState(raw),
    fetchUrl: url.toString(),
    secrets: secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length),
    authorization,
  };
}

export function createUtxoHttp(options: UtxoHttpOptions): UtxoHttp {
  if (options.urls.length === 0) throw new Error(`no ${options.service} URL configured for ${options.chain}`);
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const endpoints = options.urls.map((url) => endpointFor(url, options.auth, options.chain, options.service));
  const pool = createEndpointPool(endpoints, {
    chain: options.chain,
    label: options.service,
    cooldownMs: options.cooldownMs ?? 30_000,
    // A 429 cools the URL down like any failure, for its Retry-After when it gave one.
    rateLimit: { kind: 'cool', minWaitMs: MIN_RATE_LIMIT_WAIT_MS },
    describeError,
    logger,
  });

  /** Error text fit for logs and /healthz: no URL secrets, no password, one short line. */
  function describeError(error: unknown, endpoint: Endpoint): string {
    let text: string;
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      text = `timed out after ${timeoutMs} ms`;
    } else if (error instanceof TypeError && error.message === 'fetch failed') {
      const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
      text = `connection failed${cause ? `: ${String(cause.code ?? cause.message)}` : ''}`;
    } else {
      text = error instanceof Error ? error.message : String(error);
    }
    text = text.split(endpoint.fetchUrl).join(endpoint.displayUrl);
    for (const secret of endpoint.secrets) text = text.split(secret).join('***');
    return text.replace(/\s+/g, ' ').slice(0, 300);
  }

  async function sendOnce(endpoint: Endpoint, route: string, path: string, init: HttpRequestInit): Promise<HttpAnswer> {
    pool.countRequest(endpoint, route);
    const headers: Record<string, string> = { accept: init.accept ?? '*/*' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (endpoint.authorization) headers.authorization = endpoint.authorization;
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(joinBaseUrl(endpoint.fetchUrl, path), { method: init.method, headers, body: init.body, signal });
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status === 429) {
      throw new HttpStatusError(429, 'rate limited', parseRetryAfter(response.headers.get('retry-after'), Date.now()));
    }
    // Wrong or missing credentials: this URL cannot serve us, another one may.
    if (response.status === 401 || response.status === 403) throw new HttpStatusError(response.status, 'not authorized');
    return { status: response.status, headers: response.headers, body };
  }

  function request<T>(route: string, path: string, init: HttpRequestInit, interpret: (answer: HttpAnswer) => T): Promise<T> {
    return pool.send({
      attempt: async (endpoint) => interpret(await sendOnce(endpoint, route, path, init)),
      judge(error) {
        if (error instanceof UtxoRequestRefusedError) return { kind: 'refused' };
        if (error instanceof HttpStatusError && error.status === 429) return { kind: 'rate-limited', retryAfterMs: error.retryAfterMs };
        return { kind: 'failed' };
      },
      unavailable: (attempts, lastError) => new UtxoUnavailableError(options.chain, options.service, route, attempts, lastError),
      logFields: { route },
    });
  }

  return {
    request,
    size: endpoints.length,
    health: pool.health,
    requestCount: pool.requestCount,
    requestCountsByRoute: pool.requestCountsByKey,
  };
}

/** Statuses that mean "this URL is unwell" whatever the route: 5xx from a proxy, 502/503/504. */
export function failIfServerError(answer: HttpAnswer): void {
  if (answer.status >= 500) throw new HttpStatusError(answer.status, answer.body.toString('utf8', 0, 120).trim());
}

export function httpStatusError(answer: HttpAnswer): Error {
  return new HttpStatusError(answer.status, answer.body.toString('utf8', 0, 120).trim());
}
