// The admin API (/api/admin) from the one contract: every route of `adminApi` is mounted here with
// the same edge as the merchant API (JSON only, 100 kB, zod-validated input naming the field),
// plus the dashboard's guards: a session unless the route is public, CSRF on every write, no
// other site and no rebinding host name. Outputs are validated too: a mismatch is our bug (500).
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { createErrorEdge, requireJsonBody } from '../http/error-edge.ts';
import { ApiError, fromZodError, routeNotFound } from '../http/errors.ts';
import { findBodyShapeError } from '../http/routes.ts';
import type { AdminAuth, ResolvedSession } from './auth/admin-auth.ts';
import { sessionCookieValue } from './auth/auth-handlers.ts';
import { crossSiteReason, CSRF_HEADER, csrfTokenMatches, isAllowedHost } from './auth/request-guards.ts';
import { adminApi, type AdminEndpoint } from './contract.ts';
import type { AdminCallContext, AdminHandlers } from './handler-types.ts';

export const ADMIN_API_PREFIX = '/api/admin';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const STREAM_SESSION_CHECK_MS = 5000;

export interface AdminRouterDeps {
  /** Handlers by contract key; a route without one answers 501 not_implemented. */
  handlers: Partial<AdminHandlers>;
  auth: AdminAuth;
  logger: Logger;
  /** The merchant listener binds loopback: only IP literals and localhost may name it. */
  loopbackOnly: boolean;
  /** The route table; the contract's unless a test passes its own. */
  api?: Record<string, AdminEndpoint>;
  /** How often an open stream checks that its session still stands (tests pass less). */
  streamSessionCheckMs?: number;
}

type AnyHandler = (input: Record<string, unknown>, ctx: AdminCallContext) => unknown;

/** "METHOD /path" → its express method and path. */
export function splitRouteKey(key: string): { method: 'get' | 'post' | 'put' | 'patch' | 'delete'; path: string } {
  const space = key.indexOf(' ');
  return { method: key.slice(0, space).toLowerCase() as 'get', path: key.slice(space + 1) };
}

const sessionRequired = () => new ApiError(401, 'authentication_error', 'session_required', 'Sign in to the dashboard first.');
const notImplemented = (key: string) => new ApiError(501, 'api_error', 'not_implemented', `${key} is not implemented by this node yet.`);

/** Mount at ADMIN_API_PREFIX on the merchant app. */
export function createAdminRouter(deps: AdminRouterDeps): express.Router {
  const api = deps.api ?? (adminApi as Record<string, AdminEndpoint>);
  const router = express.Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (!isAllowedHost(req.get('host'), deps.loopbackOnly)) {
      return next(new ApiError(403, 'permission_error', 'host_not_allowed', 'The dashboard answers only at 127.0.0.1, [::1] or localhost; open it at the address the node printed.'));
    }
    next();
  });
  router.use(express.json({ limit: '100kb', strict: true, type: ['application/json', 'application/*+json'] }));
  router.use(requireJsonBody);

  /** An open stream ends with its session (logout, a password change elsewhere, expiry): it would otherwise outlive it. */
  function endWithSession(session: ResolvedSession, res: Response): void {
    if (res.writableEnded) return;
    const timer = setInterval(() => {
      try {
        if (!deps.auth.isLive(session)) res.end();
      } catch {
        // The database may be closing with the node; the stream closes with it.
      }
    }, deps.streamSessionCheckMs ?? STREAM_SESSION_CHECK_MS);
    timer.unref();
    res.once('close', () => clearInterval(timer));
  }

  async function run(key: string, endpoint: AdminEndpoint, req: Request, res: Response): Promise<void> {
    const session = deps.auth.sessionFromCookie(sessionCookieValue(req));
    if (!endpoint.public && !session) throw sessionRequired();
    if (!SAFE_METHODS.has(req.method)) {
      const reason = crossSiteReason({ host: req.get('host'), origin: req.get('origin'), 'sec-fetch-site': req.get('sec-fetch-site') });
      if (reason) throw new ApiError(403, 'permission_error', 'cross_site_request', `Refused a request from another site (${reason}).`);
      if (session && !endpoint.public && !csrfTokenMatches(req.get(CSRF_HEADER), session.csrfToken)) {
        throw new ApiError(403, 'permission_error', 'csrf_token_invalid', 'Missing or wrong X-Kassa-CSRF header: send the csrf_token from GET /api/admin/session.', 'X-Kassa-CSRF');
      }
    }
    const handler = deps.handlers[key as keyof AdminHandlers] as AnyHandler | undefined;
    if (!handler) throw notImplemented(key);

    const input: Record<string, unknown> = {};
    if (endpoint.params) {
      const params = endpoint.params.safeParse({ ...req.params });
      if (!params.success) throw fromZodError(params.error, 'path', req.params);
      input.params = params.data;
    }
    if (endpoint.query) {
      const queryInput = { ...(req.query as Record<string, unknown>) };
      const query = endpoint.query.safeParse(queryInput);
      if (!query.success) throw fromZodError(query.error, 'query', queryInput);
      input.query = query.data;
    }
    if (endpoint.body) {
      const bodyInput: unknown = req.body === undefined ? {} : req.body;
      const shapeError = findBodyShapeError(bodyInput);
      if (shapeError) throw shapeError;
      const body = endpoint.body.safeParse(bodyInput);
      if (!body.success) throw fromZodError(body.error, 'body', bodyInput);
      input.body = body.data;
    }

    const ctx: AdminCallContext = { session, requestId: req.requestId ?? '', req, res };
    if (endpoint.kind === 'csv' || endpoint.kind === 'sse') {
      await handler(input, ctx);
      if (endpoint.kind === 'sse' && session) endWithSession(session, res);
      return;
    }
    const result = await handler(input, ctx);
    const checked = endpoint.output.safeParse(result);
    if (!checked.success) {
      deps.logger.error({ route: key, issues: checked.error.issues.slice(0, 3), requestId: req.requestId }, 'admin response failed its schema');
      throw new Error(`admin response of ${key} failed its schema`);
    }
    res.status(200).type('application/json').send(JSON.stringify({ data: checked.data }));
  }

  for (const [key, endpoint] of Object.entries(api)) {
    const { method, path } = splitRouteKey(key);
    router[method](path, (req: Request, res: Response, next: NextFunction) => {
      run(key, endpoint, req, res).catch(next);
    });
  }
  router.use((req: Request, _res: Response, next: NextFunction) => next(routeNotFound(req.method, req.baseUrl + req.path)));
  router.use(createErrorEdge(deps.logger));
  return router;
}
