import type { ZodError } from 'zod';

export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'idempotency_error'
  | 'api_error';

/** An error a caller can act on; the edge turns it into `{"error":{type,code,message,param}}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly code: string;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    type: ApiErrorType,
    code: string,
    message: string,
    param: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.headers = headers;
  }

  toBody() {
    return { error: { type: this.type, code: this.code, message: this.message, param: this.param } };
  }
}

export const invalidParam = (param: string, message: string, code = 'parameter_invalid') =>
  new ApiError(400, 'invalid_request_error', code, message, param);

export const missingParam = (param: string, message = `${param} is required`) =>
  new ApiError(400, 'invalid_request_error', 'parameter_missing', message, param);

export const notFound = (what: string, id: string, param: string | null = 'id') =>
  new ApiError(404, 'invalid_request_error', 'resource_missing', `No such ${what}: '${id.slice(0, 80)}'`, param);

export const conflict = (code: string, message: string, param: string | null = null) =>
  new ApiError(409, 'invalid_request_error', code, message, param);

export const unprocessable = (code: string, message: string, param: string | null = null) =>
  new ApiError(422, 'invalid_request_error', code, message, param);

export const routeNotFound = (method: string, path: string) =>
  new ApiError(404, 'invalid_request_error', 'route_not_found', `Unrecognized request URL (${method} ${path.slice(0, 200)})`);

function isAbsent(input: unknown, path: readonly PropertyKey[]): boolean {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return true;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node === undefined;
}

/** The first zod issue becomes the error; its path names the field. Pass `input` so a field that is absent reads as missing whatever its type (unions report no `received undefined`). */
export function fromZodError(err: ZodError, where: 'body' | 'query' | 'path' = 'body', input?: unknown): ApiError {
  const issue = err.issues[0]!;
  let path = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : String(k)));
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    path = [...path, key];
    message = `unknown parameter`;
  }
  // metadata.tags[2], as the services name array entries too.
  const param = path.reduce((out, k) => (k.startsWith('[') || !out ? out + k : `${out}.${k}`), '') || null;
  const isMissing =
    issue.code !== 'unrecognized_keys' &&
    ((input !== undefined && issue.path.length > 0 && isAbsent(input, issue.path)) ||
      (issue.code === 'invalid_type' && /received undefined/.test(issue.message)));
  const label = param ?? (where === 'body' ? 'request body' : where);
  return new ApiError(
    400,
    'invalid_request_error',
    isMissing ? 'parameter_missing' : issue.code === 'unrecognized_keys' ? 'parameter_unknown' : 'parameter_invalid',
    isMissing ? `${label} is required` : `${label}: ${message}`,
    param,
  );
}

/**
 * SQLite failures that are the machine's, not the request's: the disk is full, the file system went
 * read-only, an I/O error, the database locked past busy_timeout. Nothing was applied (the
 * transaction rolled back), so the caller gets a 503 it can retry, never a generic 500.
 */
export function storageErrorOf(err: unknown): ApiError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  const retry = { 'Retry-After': '30' };
  if (code === 'SQLITE_FULL') {
    return new ApiError(503, 'api_error', 'storage_full', "The node's disk is full: nothing was saved. Free disk space on the node's machine, then retry.", null, retry);
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new ApiError(503, 'api_error', 'storage_read_only', "The node's database is read-only (file permissions or a read-only file system): nothing was saved. Make it writable, then retry.", null, retry);
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) {
    return new ApiError(503, 'api_error', 'storage_unavailable', "The node cannot write its database (an I/O error: a read-only or failing disk): nothing was saved. Check the node's disk, then retry.", null, retry);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new ApiError(503, 'api_error', 'storage_busy', 'The database is busy: nothing was saved. Retry shortly.', null, { 'Retry-After': '1' });
  }
  return null;
}

/** Typed service errors become API errors here, the one place that maps errors to statuses. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  const storage = storageErrorOf(err);
  if (storage) return storage;
  if (!(err instanceof Error)) return null;
  const e = err as Error & { status?: number; code?: string; param?: string | null; fix?: string; field?: string };
  switch (e.name) {
    case 'PaymentInputError':
    case 'TunnelInputError':
    case 'WebhookInputError':
      return new ApiError(e.status ?? 400, 'invalid_request_error', e.code ?? 'parameter_invalid', e.message, e.param ?? null);
    case 'WalletError':
      return new ApiError(422, 'invalid_request_error', e.code ?? 'wallet_error', `${e.message} ${e.fix ?? ''}`.trim(), null);
    case 'KeyInputError':
      return new ApiError(400, 'invalid_request_error', 'parameter_invalid', e.message, e.field ?? null);
    default:
      return null;
  }
}
