// The one error-to-status edge of the merchant listener (the merchant API and the admin API):
// typed errors keep their status, body-parser failures get their 4xx, anything else is a logged 500.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ApiError, toApiError } from './errors.ts';

/** The API error an error answers as; null means an unexpected error (a 500). */
export function apiErrorOf(err: unknown): ApiError | null {
  const apiError = toApiError(err);
  if (apiError) return apiError;
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.parse.failed') {
    return new ApiError(400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.', null);
  }
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
    return new ApiError(415, 'invalid_request_error', 'unsupported_media_type', 'Send the request body as UTF-8 JSON, without a Content-Encoding.', null);
  }
  if (e?.type === 'entity.too.large') {
    return new ApiError(413, 'invalid_request_error', 'body_too_large', 'The request body is larger than 100 kB.', null);
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new ApiError(e.status, 'invalid_request_error', 'bad_request', 'The request could not be read.', null);
  }
  return null;
}

/** A body in another format would be ignored and the request read as empty ("asset is required"): say what is wrong. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    return next(new ApiError(415, 'invalid_request_error', 'unsupported_media_type', `Send the request body as JSON with "Content-Type: application/json" (got "${String(req.get('content-type') ?? '').slice(0, 100)}").`, null));
  }
  next();
}

export function createErrorEdge(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let apiError = apiErrorOf(err);
    if (apiError && apiError.status >= 500) {
      // The disk (full, read-only, failing), not the request: say so once per request, without a stack.
      logger.warn({ requestId: req.requestId, code: apiError.code, err: err instanceof Error ? err.message : String(err) }, apiError.code.startsWith('storage_') ? 'storage unavailable' : 'unavailable');
    }
    if (!apiError) {
      logger.error({ requestId: req.requestId, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'internal error');
      apiError = new ApiError(500, 'api_error', 'internal_error', `Something went wrong on our side (request ${req.requestId}).`);
    }
    if (res.headersSent) {
      // A streaming answer (csv, sse) failed midway: the status is gone, end the stream.
      res.end();
      return;
    }
    res.status(apiError.status).set(apiError.headers).json(apiError.toBody());
  };
}
