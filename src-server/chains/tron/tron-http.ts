// A client for the java-tron HTTP API (TronGrid and self-hosted full nodes) over several base
// URLs: each request goes to the first healthy URL and moves on when that URL fails (connection
// refused, timeout, non-2xx, java-tron's `{"Error": …}`, a body that is not JSON or not the shape
// asked for). A failed URL sits out a cool-down, then gets traffic again; a rate-limited URL
// (HTTP 429) is not sent anything until its Retry-After (or an exponential back-off) has passed,
// and when every URL is rate-limited a request waits for the soonest one, within a bound.
// Counts every HTTP request sent, per URL and per path.
import { createEndpointPool, type EndpointState, newEndpointState, parseRetryAfter, redactRpcUrl } from '../endpoint-pool.ts';
import type { RpcEndpointHealth } from '../types.ts';
import { type ChainLogger, silentLogger } from '../evm/chain-logger.ts';

// Live in the shared pool now; the tests import them from here.
export { parseRetryAfter, rateLimitBackoffMs } from '../endpoint-pool.ts';

export interface TronHttpOptions {
  /** Network id, for messages and logs, e.g. 'tron'. */
  chain: string;
  /** Base URLs (e.g. https://api.trongrid.io), tried in this order. */
  urls: readonly string[];
  /** Sent as the TRON-PRO-API-KEY header (TronGrid); never logged. */
  apiKey?: string;
  /** Per HTTP request, body included. Default 15 s. */
  requestTimeoutMs?: number;
  /** How long a failed URL is passed over. Default 30 s. */
  cooldownMs?: number;
  /** First back-off after a 429 without Retry-After; doubles per consecutive 429. Default 1 s. */
  backoffBaseMs?: number;
  /** Longest exponential back-off (a Retry-After is honoured up to 10 min). Default 60 s. */
  backoffCapMs?: number;
  /** How long one request may wait for a rate-limited URL when no other URL can answer. Default 15 s. */
  maxRateLimitWaitMs?: number;
  logger?: ChainLogger;
}

export interface TronHttp {
  /**
   * POSTs `body` as JSON to `path` (e.g. '/wallet/getnowblock') with failover. `parse` turns the
   * decoded JSON into what the caller needs and throws when the shape is wrong; that counts as
   * the endpoint's failure and the next endpoint is asked.
   */
  post<T>(path: string, body: Record<string, unknown>, parse: (json: unknown) => T): Promise<T>;
  health(): RpcEndpointHealth[];
  /** HTTP requests sent, every attempt counted. */
  requestCount(): number;
  /** HTTP requests sent per path. */
  requestCountsByPath(): Record<string, number>;
}

export class TronUnavailableError extends Error {
  readonly chain: string;
  readonly path: string;
  constructor(chain: string, path: string, attempts: readonly string[], cause: unknown) {
    super(`every Tron API endpoint for ${chain} failed ${path}: ${attempts.join('; ')}`, { cause });
    this.name = 'TronUnavailableError';
    this.chain = chain;
    this.path = path;
  }
}

/** The endpoint answered with something that is not the JSON we asked for. */
export class TronMalformedResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TronMalformedResponseError';
  }
}

/** HTTP 429: the endpoint wants us to slow down for `retryAfterMs` (null = it did not say). */
export class TronRateLimitError extends Error {
  readonly retryAfterMs: number | null;
  constructor(retryAfterMs: number | null) {
    super(`HTTP 429 rate limited${retryAfterMs === null ? '' : ` (Retry-After ${Math.ceil(retryAfterMs / 1000)} s)`}`);
    this.name = 'TronRateLimitError';
    this.retryAfterMs = retryAfterMs;
  }
}

class TronHttpStatusError extends Error {
  constructor(status: number, body: string) {
    super(`HTTP ${status}${body ? `: ${body}` : ''}`);
    this.name = 'TronHttpStatusError';
  }
}

/** java-tron's way of failing: HTTP 200 with `{"Error": "class … : message"}`. */
class TronNodeError extends Error {
  constructor(message: string) {
    super(`node error: ${message}`);
    this.name = 'TronNodeError';
  }
}

/**
 * JSON.parse that keeps integers beyond 2^53 exact, as bigint (java-tron prints int64 amounts as
 * bare JSON numbers). Safe integers stay numbers.
 */
export function parseTronJson(text: string): unknown {
  return JSON.parse(text, (_key: string, value: unknown, context?: { source?: string }) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  });
}

/** `path` under the base URL's own path, keeping its query (some providers put the key there). */
export function joinUrl(base: string, path: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url.toString();
}

interface Endpoint extends EndpointState {
  /** Base URL as configured (may carry a key in its path or query). */
  url: string;
}

const MIN_RATE_LIMIT_WAIT_MS = 100;

export function createTronHttp(options: TronHttpOptions): TronHttp {
  if (options.urls.length === 0) throw new Error(`no Tron API URL configured for ${options.chain}`);
  for (const url of options.urls) {
    if (!URL.canParse(url)) throw new Error(`invalid Tron API URL for ${options.chain}: ${redactRpcUrl(url)}`);
  }
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  const apiKey = options.apiKey?.trim() || undefined;
  const endpoints: Endpoint[] = options.urls.map((url) => ({ ...newEndpointState(url), url }));
  const pool = createEndpointPool(endpoints, {
    chain: options.chain,
    label: 'Tron API',
    cooldownMs: options.cooldownMs ?? 30_000,
    // A 429 holds the URL back; when no other URL can answer, the request waits for it.
    rateLimit: {
      kind: 'hold',
      minWaitMs: MIN_RATE_LIMIT_WAIT_MS,
      backoffBaseMs: options.backoffBaseMs ?? 1_000,
      backoffCapMs: options.backoffCapMs ?? 60_000,
      maxWaitMs: options.maxRateLimitWaitMs ?? 15_000,
    },
    describeError,
    logger,
  });

  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey) headers['TRON-PRO-API-KEY'] = apiKey;

  /** Error text fit for logs and /healthz: no URL secrets, no API key, one short line. */
  function describeError(error: unknown, endpoint: Endpoint): string {
    let text: string;
    if (error instanceof Error && error.name === 'TimeoutError') {
      text = `timed out after ${timeoutMs} ms`;
    } else if (error instanceof TypeError && error.message === 'fetch failed') {
      const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
      text = `connection failed${cause ? `: ${String(cause.code ?? cause.message)}` : ''}`;
    } else {
      text = error instanceof Error ? error.message : String(error);
    }
    text = text.split(endpoint.url).join(endpoint.displayUrl);
    if (apiKey) text = text.split(apiKey).join('***');
    return text.replace(/\s+/g, ' ').slice(0, 300);
  }

  async function sendOnce<T>(endpoint: Endpoint, path: string, body: string, parse: (json: unknown) => T): Promise<T> {
    pool.countRequest(endpoint, path);
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(joinUrl(endpoint.url, path), { method: 'POST', headers, body, signal });
    const text = await response.text();
    if (response.status === 429) throw new TronRateLimitError(parseRetryAfter(response.headers.get('retry-after'), Date.now()));
    if (!response.ok) throw new TronHttpStatusError(response.status, text.slice(0, 120));
    let json: unknown;
    try {
      json = parseTronJson(text);
    } catch {
      throw new TronMalformedResponseError(`response to ${path} is not JSON: ${JSON.stringify(text.slice(0, 60))}`);
    }
    const nodeError = (json as { Error?: unknown } | null)?.Error;
    if (typeof nodeError === 'string' && json !== null && typeof json === 'object' && !Array.isArray(json)) {
      throw new TronNodeError(nodeError);
    }
    try {
      return parse(json);
    } catch (error) {
      throw new TronMalformedResponseError(`unexpected response to ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function post<T>(path: string, body: Record<string, unknown>, parse: (json: unknown) => T): Promise<T> {
    const payload = JSON.stringify(body);
    return pool.send({
      attempt: (endpoint) => sendOnce(endpoint, path, payload, parse),
      judge: (error) => (error instanceof TronRateLimitError ? { kind: 'rate-limited', retryAfterMs: error.retryAfterMs } : { kind: 'failed' }),
      unavailable: (attempts, lastError) => new TronUnavailableError(options.chain, path, attempts, lastError),
      logFields: { path },
    });
  }

  return {
    post,
    health: pool.health,
    requestCount: pool.requestCount,
    requestCountsByPath: pool.requestCountsByKey,
  };
}
