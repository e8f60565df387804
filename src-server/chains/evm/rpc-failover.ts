// A viem transport over several RPC URLs: each request goes to the first healthy URL and moves on
// when that URL fails (connection refused, timeout, HTTP error, node-side error); a failed URL
// sits out a cool-down, then gets traffic again. Counts every request sent, per URL.
//
// Why not viem's `fallback`: it always starts at the first URL (no cool-down, so a dead primary
// costs a failed request every time), also fails over on errors that are the request's fault
// (a too-large eth_getLogs range, which we want to split instead), and its transport-level
// retries would hide how many requests were really sent.
import { BaseError, custom, http, HttpRequestError, TimeoutError, type CustomTransport, type EIP1193RequestFn } from 'viem';
import { getHttpRpcClient, type HttpRpcClient } from 'viem/utils';
import { createEndpointPool, type EndpointState, newEndpointState } from '../endpoint-pool.ts';
import type { RpcEndpointHealth } from '../types.ts';
import { type ChainLogger, silentLogger } from './chain-logger.ts';
import { isRangeTooLargeError } from './transfer-logs.ts';

// Lives in the shared pool now; node.ts and the tests import it from here.
export { redactRpcUrl } from '../endpoint-pool.ts';

export interface FailoverRpcOptions {
  chain: string;
  rpcUrls: readonly string[];
  /** When set, each URL's eth_chainId is checked before its first use; a mismatch disables it. */
  chainId?: number;
  /** Per request, per URL. Default 10 s. */
  requestTimeoutMs?: number;
  /** How long a failed URL is passed over before it is tried again. Default 30 s. */
  cooldownMs?: number;
  logger?: ChainLogger;
}

/** One answer of a JSON-RPC batch, in the order of the calls. */
export type BatchAnswer = { ok: true; result: unknown } | { ok: false; code: number; message: string };

export interface FailoverRpc {
  transport: CustomTransport;
  /** Sends one JSON-RPC request with failover (what the viem transport calls). */
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  /**
   * Sends `calls` as one JSON-RPC batch (one HTTP request) with failover. An answer that is not a
   * complete batch, or an item error that says the endpoint is unwell (rate limit, node error),
   * fails the whole batch over to the next URL; an item error that is the call's own (a revert)
   * comes back as that item's answer.
   */
  requestBatch(calls: readonly { method: string; params: unknown[] }[]): Promise<BatchAnswer[]>;
  health(): RpcEndpointHealth[];
  requestCount(): number;
}

export class RpcUnavailableError extends Error {
  readonly chain: string;
  readonly method: string;
  constructor(chain: string, method: string, attempts: readonly string[], cause: unknown) {
    super(`every RPC endpoint for ${chain} failed ${method}: ${attempts.join('; ')}`, { cause });
    this.name = 'RpcUnavailableError';
    this.chain = chain;
    this.method = method;
  }
}

export class RpcChainIdMismatchError extends Error {
  constructor(url: string, expected: number, actual: number) {
    super(`RPC endpoint ${url} serves chain id ${actual}, expected ${expected}`);
    this.name = 'RpcChainIdMismatchError';
  }
}

interface Endpoint extends EndpointState {
  url: string;
  send: EIP1193RequestFn;
  /** The same URL for JSON-RPC batches (viem's transport sends one call per request). */
  batch: HttpRpcClient;
  /** True once eth_chainId matched (or when no chain id is expected). */
  chainVerified: boolean;
  chainCheck: Promise<void> | null;
}

// JSON-RPC errors that are the request's own fault: another endpoint would answer the same.
const REQUEST_FAULT_CODES = new Set([
  -32700, // parse error
  -32600, // invalid request
  -32602, // invalid params
  3, // execution reverted
]);

/** Whether an error says "this endpoint is unwell" (try the next) rather than "this request is wrong". */
export function isEndpointFailure(error: unknown, method: string): boolean {
  if (method === 'eth_getLogs' && isRangeTooLargeError(error)) return false;
  if (error instanceof TimeoutError || error instanceof HttpRequestError) return true;
  if (error instanceof RpcChainIdMismatchError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') return !REQUEST_FAULT_CODES.has(code);
  return true;
}

function describeError(error: unknown, endpoint: Endpoint): string {
  let text: string;
  if (error instanceof HttpRequestError) {
    // viem wraps a body it cannot parse (an error page, an answer cut off) without a status: the endpoint answered.
    const kind = error.status ? `HTTP ${error.status}` : error.cause instanceof SyntaxError ? 'response is not JSON' : 'connection failed';
    text = `${kind}${error.details ? `: ${error.details}` : ''}`;
  } else if (error instanceof BaseError) {
    text = error.details && error.details !== error.shortMessage ? `${error.shortMessage} ${error.details}` : error.shortMessage;
  } else {
    text = error instanceof Error ? error.message : String(error);
  }
  return text.split(endpoint.url).join(endpoint.displayUrl).slice(0, 300);
}

export function createFailoverRpc(options: FailoverRpcOptions): FailoverRpc {
  if (options.rpcUrls.length === 0) throw new Error(`no RPC URL configured for ${options.chain}`);
  const logger = options.logger ?? silentLogger;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const timeout = options.requestTimeoutMs ?? 10_000;

  const endpoints: Endpoint[] = options.rpcUrls.map((url) => ({
    ...newEndpointState(url),
    url,
    // retryCount 0: retrying is this module's job, and every attempt must be counted.
    send: http(url, { retryCount: 0, timeout })({ retryCount: 0 }).request,
    batch: getHttpRpcClient(url, { timeout }),
    chainVerified: options.chainId === undefined,
    chainCheck: null,
  }));
  const pool = createEndpointPool(endpoints, { chain: options.chain, label: 'RPC', cooldownMs, describeError, logger });

  async function sendCounted(endpoint: Endpoint, method: string, params: unknown): Promise<unknown> {
    pool.countRequest(endpoint);
    return endpoint.send({ method, params } as never);
  }

  /** Once per endpoint; concurrent first requests share one eth_chainId. */
  function verifyChainId(endpoint: Endpoint): Promise<void> {
    const expected = options.chainId;
    if (endpoint.chainVerified || expected === undefined) return Promise.resolve();
    endpoint.chainCheck ??= sendCounted(endpoint, 'eth_chainId', [])
      .then((answer) => {
        const actual = Number.parseInt(String(answer), 16);
        if (actual !== expected) throw new RpcChainIdMismatchError(endpoint.displayUrl, expected, actual);
        endpoint.chainVerified = true;
      })
      .finally(() => {
        endpoint.chainCheck = null;
      });
    return endpoint.chainCheck;
  }

  async function request({ method, params }: { method: string; params?: unknown }): Promise<unknown> {
    return pool.send({
      async attempt(endpoint) {
        await verifyChainId(endpoint);
        return sendCounted(endpoint, method, params ?? []);
      },
      judge(error) {
        if (!isEndpointFailure(error, method)) return { kind: 'refused' };
        // A wrong chain is a configuration error, not a hiccup: keep it out for much longer.
        return { kind: 'failed', cooldownMs: error instanceof RpcChainIdMismatchError ? cooldownMs * 20 : cooldownMs };
      },
      unavailable: (attempts, lastError) => new RpcUnavailableError(options.chain, method, attempts, lastError),
      logFields: { method },
    });
  }

  async function sendBatchOnce(endpoint: Endpoint, calls: readonly { method: string; params: unknown[] }[]): Promise<BatchAnswer[]> {
    await verifyChainId(endpoint);
    pool.countRequest(endpoint);
    const body = calls.map((call, id) => ({ jsonrpc: '2.0' as const, id, method: call.method, params: call.params }));
    const raw: unknown = await endpoint.batch.request({ body });
    return parseBatchAnswers(raw, calls);
  }

  async function requestBatch(calls: readonly { method: string; params: unknown[] }[]): Promise<BatchAnswer[]> {
    if (calls.length === 0) return [];
    return pool.send({
      attempt: (endpoint) => sendBatchOnce(endpoint, calls),
      judge: (error) =>
        error instanceof RpcBatchRefusedError
          ? { kind: 'refused' }
          : { kind: 'failed', cooldownMs: error instanceof RpcChainIdMismatchError ? cooldownMs * 20 : cooldownMs },
      unavailable: (attempts, lastError) => new RpcUnavailableError(options.chain, `batch of ${calls.length}`, attempts, lastError),
      logFields: { method: 'batch', calls: calls.length },
    });
  }

  return {
    // retryCount 0 on viem's side too; the name shows up in viem's error messages.
    transport: custom({ request }, { key: 'kassa-failover', name: `Kassa failover (${options.chain})`, retryCount: 0 }),
    request,
    requestBatch,
    health: pool.health,
    requestCount: pool.requestCount,
  };
}

/** The endpoint's answer to a batch is not one answer per call: it does not do batches, or it broke off. */
export class RpcBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcBatchError';
  }
}

/**
 * The endpoint answered a batch with one JSON-RPC "invalid request" error: it takes no batches, or
 * none this large. Its own refusal (no failover): the caller sends smaller batches.
 */
export class RpcBatchRefusedError extends RpcBatchError {
  readonly code: number;
  constructor(code: number, message: string) {
    super(`batch refused: ${message.slice(0, 120)} (code ${code})`);
    this.name = 'RpcBatchRefusedError';
    this.code = code;
  }
}

/**
 * A JSON-RPC 2.0 batch answer (items in any order, matched by id) as one BatchAnswer per call,
 * in call order. Throws RpcBatchError when it is not a complete batch answer, or when an item's
 * error is the endpoint's (see isEndpointFailure) rather than the call's own.
 */
export function parseBatchAnswers(raw: unknown, calls: readonly { method: string }[]): BatchAnswer[] {
  if (!Array.isArray(raw)) {
    const error = (raw as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof error?.code === 'number' ? error.code : Number.NaN;
    const message = String(error?.message ?? JSON.stringify(error));
    if (error && !isEndpointFailure({ code }, 'batch')) throw new RpcBatchRefusedError(code, message);
    throw new RpcBatchError(`batch answered with ${error ? `an error: ${message.slice(0, 120)} (code ${code})` : 'something other than an array'}`);
  }
  const answers = new Array<BatchAnswer | undefined>(calls.length);
  for (const item of raw) {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= calls.length || answers[id] !== undefined) {
      throw new RpcBatchError(`batch answer has an unknown or repeated id ${JSON.stringify(id)}`);
    }
    const { result, error } = item as { result?: unknown; error?: { code?: unknown; message?: unknown } };
    if (error !== undefined && error !== null) {
      const code = typeof error.code === 'number' ? error.code : Number.NaN;
      const message = typeof error.message === 'string' ? error.message : 'unknown error';
      const method = (calls[id] as { method: string }).method;
      if (isEndpointFailure({ code }, method)) throw new RpcBatchError(`${method} in a batch failed: ${message.slice(0, 120)} (code ${code})`);
      answers[id] = { ok: false, code, message };
    } else if (result === undefined) {
      throw new RpcBatchError(`batch answer ${id} has neither result nor error`);
    } else {
      answers[id] = { ok: true, result };
    }
  }
  const missing = answers.findIndex((a) => a === undefined);
  if (missing >= 0) throw new RpcBatchError(`batch answer lacks call ${missing} of ${calls.length}`);
  return answers as BatchAnswer[];
}

/** The RpcUnavailableError inside viem's wrapping, if that is what went wrong. */
export function unwrapRpcError(error: unknown): unknown {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RpcUnavailableError) return e;
  }
  return error;
}
