// Failover bookkeeping shared by the chain clients that spread requests over several URLs (EVM
// JSON-RPC, java-tron HTTP, Esplora / bitcoind): per-URL health, the order to try URLs in,
// cool-downs, 429 back-off, request counts, and the loop that walks the URLs for one request.
// No protocol here: each client sends, judges and words its own errors.
import type { ChainLogger } from './evm/chain-logger.ts';
import type { RpcEndpointHealth } from './types.ts';

/** What the pool keeps per URL; a client's endpoint record extends it with its own fields. */
export interface EndpointState {
  /** What health and logs show: the URL without credentials or key-like path segments. */
  readonly displayUrl: string;
  requests: number;
  failures: number;
  ok: boolean;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Epoch ms before which this endpoint is only tried when every other one failed. */
  coolingUntil: number;
  /** Epoch ms before which this endpoint is sent nothing at all (a held 429). */
  rateLimitedUntil: number;
  consecutiveRateLimits: number;
}

export function newEndpointState(rawUrl: string): EndpointState {
  return {
    displayUrl: redactRpcUrl(rawUrl),
    requests: 0,
    failures: 0,
    ok: true,
    lastError: null,
    lastErrorAt: null,
    coolingUntil: 0,
    rateLimitedUntil: 0,
    consecutiveRateLimits: 0,
  };
}

/**
 * A path segment that looks like an API key (Infura's /v3/<32 hex>, Alchemy's /v2/<key>, a UUID):
 * long and token-like, or shorter but mixing letters and digits. Words and numbers stay readable.
 */
export function isKeyLikeSegment(segment: string): boolean {
  if (!/^[A-Za-z0-9._~%=+-]+$/.test(segment)) return false;
  if (segment.length >= 16) return true;
  return segment.length >= 8 && /[A-Za-z]/.test(segment) && /\d/.test(segment);
}

/** Hides API keys: userinfo, query strings, fragments and key-like path segments. */
export function redactRpcUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[invalid url]';
  }
  if (url.username || url.password) {
    url.username = '***';
    url.password = '';
  }
  if (url.search) url.search = '?***';
  if (url.hash) url.hash = '#***';
  url.pathname = url.pathname
    .split('/')
    .map((segment) => (isKeyLikeSegment(segment) ? '***' : segment))
    .join('/');
  return url.toString().replace(/\/$/, '');
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3);
 * null when absent or unreadable.
 */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Back-off after the `consecutive`-th 429 in a row (1-based): base · 2^(n−1), at most `cap`. */
export function rateLimitBackoffMs(consecutive: number, baseMs: number, capMs: number): number {
  const exponent = Math.min(Math.max(consecutive, 1) - 1, 30);
  return Math.min(capMs, baseMs * 2 ** exponent);
}

/**
 * What a client does with a URL that answered HTTP 429. Without a policy a 429 is a failure like
 * any other.
 */
export type RateLimitPolicy =
  /** The URL cools down like any failed one, for its Retry-After (at least `minWaitMs`) when it gave one. */
  | { kind: 'cool'; minWaitMs: number }
  /**
   * The URL is sent nothing until its Retry-After (at least `minWaitMs`) or else an exponential
   * back-off has passed; a request with no other URL left waits for it, up to `maxWaitMs`.
   */
  | { kind: 'hold'; minWaitMs: number; backoffBaseMs: number; backoffCapMs: number; maxWaitMs: number };

/** A client's verdict on an error from one attempt. */
export type AttemptVerdict =
  /** The endpoint answered and refused the request itself: another would say the same, so it is thrown at once. */
  | { kind: 'refused' }
  /** The endpoint is unwell: it cools down for `cooldownMs` (default: the pool's). */
  | { kind: 'failed'; cooldownMs?: number }
  /** HTTP 429; `retryAfterMs` null when the endpoint did not say how long. */
  | { kind: 'rate-limited'; retryAfterMs: number | null };

type FailureVerdict = Exclude<AttemptVerdict, { kind: 'refused' }>;
interface FailurePolicy {
  cooldownMs: number;
  rateLimit?: RateLimitPolicy;
}

// A Retry-After beyond this is taken as a misconfigured server, not an instruction to go quiet for hours.
const MAX_RETRY_AFTER_MS = 10 * 60_000;
// Waits for a held endpoint per request; bounds a server that keeps saying "retry now".
const MAX_PASSES = 6;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Ready endpoints in configured order, then cooling ones, soonest back first; never a held or excluded one. */
export function attemptOrder<E extends EndpointState>(endpoints: readonly E[], now: number, exclude: ReadonlySet<E> = new Set()): E[] {
  const usable = endpoints.filter((e) => !exclude.has(e) && e.rateLimitedUntil <= now);
  const ready = usable.filter((e) => e.coolingUntil <= now);
  const cooling = usable.filter((e) => e.coolingUntil > now).sort((a, b) => a.coolingUntil - b.coolingUntil);
  return [...ready, ...cooling];
}

/** The endpoint answered (with a result or a refusal of the request): it is healthy. */
export function markAnswered(endpoint: EndpointState): void {
  endpoint.ok = true;
  endpoint.coolingUntil = 0;
  endpoint.rateLimitedUntil = 0;
  endpoint.consecutiveRateLimits = 0;
}

/** Records a failed attempt; true when the endpoint is now held for a 429 rather than cooling down. */
export function markFailed(
  endpoint: EndpointState,
  verdict: FailureVerdict,
  description: string,
  now: number,
  policy: FailurePolicy,
): boolean {
  endpoint.failures++;
  endpoint.ok = false;
  endpoint.lastError = description;
  endpoint.lastErrorAt = new Date(now).toISOString();
  const rateLimit = policy.rateLimit;
  if (verdict.kind === 'rate-limited' && rateLimit?.kind === 'hold') {
    endpoint.consecutiveRateLimits++;
    const wait = verdict.retryAfterMs ?? rateLimitBackoffMs(endpoint.consecutiveRateLimits, rateLimit.backoffBaseMs, rateLimit.backoffCapMs);
    endpoint.rateLimitedUntil = now + boundedWait(wait, rateLimit.minWaitMs);
    return true;
  }
  endpoint.coolingUntil = now + cooldownFor(verdict, policy);
  return false;
}

function cooldownFor(verdict: FailureVerdict, policy: FailurePolicy): number {
  if (verdict.kind === 'failed') return verdict.cooldownMs ?? policy.cooldownMs;
  if (policy.rateLimit?.kind === 'cool' && verdict.retryAfterMs !== null) return boundedWait(verdict.retryAfterMs, policy.rateLimit.minWaitMs);
  return policy.cooldownMs;
}

function boundedWait(ms: number, minMs: number): number {
  return Math.min(Math.max(ms, minMs), MAX_RETRY_AFTER_MS);
}

/** The soonest time a held endpoint (not excluded) may be asked again; null when none is held. */
export function soonestHeldUntil(endpoints: readonly EndpointState[], now: number, exclude: ReadonlySet<EndpointState>): number | null {
  const held = endpoints.filter((e) => !exclude.has(e) && e.rateLimitedUntil > now);
  return held.length === 0 ? null : Math.min(...held.map((e) => e.rateLimitedUntil));
}

export interface EndpointPoolOptions<E extends EndpointState> {
  /** Network id, for logs. */
  chain: string;
  /** Names the endpoints in logs: 'RPC', 'Tron API', 'Esplora'. */
  label: string;
  /** How long a failed URL is passed over. */
  cooldownMs: number;
  rateLimit?: RateLimitPolicy;
  /** The client's one-line wording of an error, fit for logs and health: no URL secrets. */
  describeError(error: unknown, endpoint: E): string;
  logger: ChainLogger;
}

export interface FailoverRequest<E extends EndpointState, T> {
  /** One attempt against one endpoint; it counts its own requests (countRequest). */
  attempt(endpoint: E): Promise<T>;
  judge(error: unknown): AttemptVerdict;
  /** The error thrown when no endpoint could answer. */
  unavailable(attempts: readonly string[], lastError: unknown): Error;
  /** What names the request in logs, e.g. { method }. */
  logFields: Record<string, unknown>;
}

export interface EndpointPool<E extends EndpointState> {
  /** Tries the endpoints in attempt order until one answers; see RateLimitPolicy for 429s. */
  send<T>(request: FailoverRequest<E, T>): Promise<T>;
  /** Counts one request sent to `endpoint`, and under `key` (a path, a route) when given. */
  countRequest(endpoint: E, key?: string): void;
  health(): RpcEndpointHealth[];
  requestCount(): number;
  requestCountsByKey(): Record<string, number>;
}

export function createEndpointPool<E extends EndpointState>(endpoints: readonly E[], options: EndpointPoolOptions<E>): EndpointPool<E> {
  const { chain, label, logger } = options;
  let total = 0;
  const byKey: Record<string, number> = {};

  async function send<T>(request: FailoverRequest<E, T>): Promise<T> {
    const attempts: string[] = [];
    // Endpoints that failed this request for a reason other than a held 429: not asked twice.
    const failed = new Set<E>();
    const waitDeadline = Date.now() + (options.rateLimit?.kind === 'hold' ? options.rateLimit.maxWaitMs : 0);
    let lastError: unknown;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      for (const endpoint of attemptOrder(endpoints, Date.now(), failed)) {
        try {
          const result = await request.attempt(endpoint);
          if (!endpoint.ok) logger.info({ chain, url: endpoint.displayUrl }, `${label} endpoint recovered`);
          markAnswered(endpoint);
          return result;
        } catch (error) {
          const verdict = request.judge(error);
          if (verdict.kind === 'refused') {
            markAnswered(endpoint);
            throw error;
          }
          const description = options.describeError(error, endpoint);
          if (!markFailed(endpoint, verdict, description, Date.now(), options)) failed.add(endpoint);
          attempts.push(`${endpoint.displayUrl}: ${description}`);
          lastError = error;
          logger.warn({ chain, url: endpoint.displayUrl, ...request.logFields, error: description }, `${label} endpoint failed, trying next`);
        }
      }
      // Nothing left to try now: wait for the soonest held endpoint if that is soon enough.
      const now = Date.now();
      const soonest = soonestHeldUntil(endpoints, now, failed);
      if (soonest === null) break;
      if (soonest > waitDeadline) {
        attempts.push(`rate limited for ${Math.ceil((soonest - now) / 1000)} s more, longer than this request waits`);
        break;
      }
      await sleep(soonest - now);
    }
    throw request.unavailable(attempts, lastError);
  }

  return {
    send,
    countRequest(endpoint, key) {
      endpoint.requests++;
      total++;
      if (key !== undefined) byKey[key] = (byKey[key] ?? 0) + 1;
    },
    health: () =>
      endpoints.map((e) => ({
        url: e.displayUrl,
        ok: e.ok,
        lastError: e.lastError,
        lastErrorAt: e.lastErrorAt,
        requests: e.requests,
        failures: e.failures,
      })),
    requestCount: () => total,
    requestCountsByKey: () => ({ ...byKey }),
  };
}
