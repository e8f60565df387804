// One table of routes: express handlers and the OpenAPI document are both built from it.
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response, Router } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AuthenticatedKey, Scope } from '../keys/api-keys-service.ts';
import type { Storage } from '../storage/index.ts';
import { ApiError, fromZodError, routeNotFound, toApiError } from './errors.ts';

export interface RouteContext<B, Q, P> {
  key: AuthenticatedKey;
  body: B;
  query: Q;
  params: P;
  req: Request;
}

export interface RouteDef<B = unknown, Q = unknown, P = unknown> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express-style path, e.g. `/api/v1/payment-intents/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  scope: Scope;
  /** Test keys only; with a live key the route does not exist (404). */
  testOnly?: boolean;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** Shape of `data` in the 2xx response. */
  response: z.ZodType;
  /** Whether `data` wraps the response (single objects) or the response is the list itself. */
  envelope: 'data' | 'list';
  status: 200 | 201;
  /** The response shows a secret once (a webhook signing secret): an idempotent replay keeps it sealed at rest. */
  responseHasSecret?: boolean;
  handler: (ctx: RouteContext<B, Q, P>) => unknown | Promise<unknown>;
}

export function defineRoute<B, Q, P>(def: RouteDef<B, Q, P>): RouteDef {
  return def as unknown as RouteDef;
}

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: AuthenticatedKey;
    requestId?: string;
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** No request body of ours nests deeper than this; deeper input is refused before anything walks it. */
export const MAX_BODY_DEPTH = 32;

const pathText = (path: string[]) => path.map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i ? `.${k}` : k)).join('');

/**
 * The first problem a JSON body's shape alone makes: a `__proto__` key anywhere (schemas would drop
 * it silently) or nesting deeper than MAX_BODY_DEPTH (recursive walkers would overflow the stack).
 * Iterative, so no input can overflow it.
 */
export function findBodyShapeError(value: unknown): ApiError | null {
  const stack: { node: unknown; path: string[] }[] = [{ node: value, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (!node || typeof node !== 'object') continue;
    if (path.length >= MAX_BODY_DEPTH) {
      const param = pathText(path.slice(0, 3)) || null;
      return new ApiError(400, 'invalid_request_error', 'parameter_invalid', `${param ?? 'request body'}: nested deeper than ${MAX_BODY_DEPTH} levels`, param);
    }
    for (const key of Object.keys(node)) {
      if (key === '__proto__') {
        const param = pathText([...path, key]);
        return new ApiError(400, 'invalid_request_error', 'parameter_invalid', `${param}: "__proto__" is a reserved key`, param);
      }
      stack.push({ node: (node as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return null;
}

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** Mounts every route with validation, scope checks, idempotency and response validation. */
/** Seals text at rest under the key store's data key; null when the node has no key store. */
export interface ResponseSealer {
  seal(text: string, context: string): string;
  open(sealed: string, context: string): string;
}

export function mountRoutes(
  router: Router,
  routes: RouteDef[],
  deps: { storage: Storage; logger: Logger; clock?: () => Date; sealer?: ResponseSealer | null },
): void {
  const clock = deps.clock ?? (() => new Date());
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const key = req.apiKey!;
        if (route.testOnly && key.livemode) throw routeNotFound(req.method, req.path);
        if (!key.scopes.has(route.scope)) {
          throw new ApiError(403, 'permission_error', 'permission_denied', `This API key lacks the "${route.scope}" scope.`);
        }
        const params = route.params ? route.params.safeParse(req.params) : { success: true as const, data: req.params };
        if (!params.success) throw fromZodError(params.error, 'path', req.params);
        const queryInput = { ...req.query };
        const query = route.query ? route.query.safeParse(queryInput) : { success: true as const, data: {} };
        if (!query.success) throw fromZodError(query.error, 'query', queryInput);
        let bodyInput: unknown = req.body;
        if (bodyInput === undefined) bodyInput = {};
        const shapeError = findBodyShapeError(bodyInput);
        if (shapeError) throw shapeError;
        const body = route.body ? route.body.safeParse(bodyInput) : { success: true as const, data: undefined };
        if (!body.success) throw fromZodError(body.error, 'body', bodyInput);

        const idemKey = route.method !== 'get' ? req.get('idempotency-key') : undefined;
        let claimed = false;
        if (idemKey !== undefined) {
          if (idemKey.length === 0 || idemKey.length > 255) {
            throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'Idempotency-Key must be 1 to 255 characters', 'Idempotency-Key');
          }
          const requestHash = createHash('sha256').update(`${route.method} ${req.path}\n${canonicalJson(bodyInput)}`).digest('hex');
          let row = deps.storage.idempotency.get(key.id, idemKey);
          if (row && Date.parse(row.created_at) < clock().getTime() - IDEMPOTENCY_TTL_MS) {
            deps.storage.idempotency.expireBefore(new Date(clock().getTime() - IDEMPOTENCY_TTL_MS).toISOString());
            row = null;
          }
          if (row) {
            if (row.request_hash !== requestHash) {
              throw new ApiError(409, 'idempotency_error', 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request (method, path or body). Use a new key for a new request.', 'Idempotency-Key');
            }
            if (row.state === 'in_progress') {
              throw new ApiError(409, 'idempotency_error', 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry shortly.', 'Idempotency-Key');
            }
            const stored = route.responseHasSecret && deps.sealer ? deps.sealer.open(row.response_body!, `idempotency:${key.id}:${idemKey}`) : row.response_body;
            res.status(row.status_code!).set('Idempotent-Replayed', 'true').type('application/json').send(stored);
            return;
          }
          claimed = deps.storage.idempotency.claim({ api_key_id: key.id, key: idemKey, method: route.method, path: req.path, request_hash: requestHash, created_at: clock().toISOString() });
          if (!claimed) throw new ApiError(409, 'idempotency_error', 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry shortly.', 'Idempotency-Key');
        }

        let status: number = route.status;
        let payload: unknown;
        try {
          const result = await route.handler({ key, body: body.data, query: query.data, params: params.data, req });
          const checked = route.response.safeParse(result);
          if (!checked.success) {
            deps.logger.error({ route: route.operationId, issues: checked.error.issues.slice(0, 3), requestId: req.requestId }, 'response failed its schema');
            throw new Error('response failed its schema');
          }
          payload = route.envelope === 'data' ? { data: result } : result;
        } catch (err) {
          const apiError = toApiError(err);
          if (apiError && apiError.status < 500 && apiError.status !== 429) {
            status = apiError.status;
            payload = apiError.toBody();
          } else {
            if (claimed) {
              try {
                deps.storage.idempotency.release(key.id, idemKey!);
              } catch (releaseErr) {
                // A full or read-only disk fails this too: the original error is the one to answer with.
                deps.logger.warn({ requestId: req.requestId, err: (releaseErr as Error).message }, 'could not release the Idempotency-Key claim');
              }
            }
            throw err;
          }
        }
        const text = JSON.stringify(payload);
        if (claimed) {
          try {
            if (!route.responseHasSecret) deps.storage.idempotency.finish(key.id, idemKey!, status, text);
            // A secret never reaches the disk in plaintext: the replay copy is sealed, or not kept at all.
            else if (deps.sealer) deps.storage.idempotency.finish(key.id, idemKey!, status, deps.sealer.seal(text, `idempotency:${key.id}:${idemKey}`));
            else deps.storage.idempotency.release(key.id, idemKey!);
          } catch (finishErr) {
            // The work is committed: answer with it. The key stays claimed (a retry gets 409, never a duplicate).
            deps.logger.warn({ requestId: req.requestId, err: (finishErr as Error).message }, 'could not store the idempotent replay');
          }
        }
        res.status(status).type('application/json').send(text);
      } catch (err) {
        next(err);
      }
    });
  }
}
