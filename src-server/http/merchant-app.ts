// The merchant listener (loopback by default): /api/v1 with API keys, /healthz, /metrics,
// /docs and the OpenAPI document; the dashboard (`/`, /api/admin, /auth/…) with sessions.
// It translates HTTP to service calls and holds no business rule.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Counter, Histogram } from 'prom-client';
import type { ApiKeysService } from '../keys/api-keys-service.ts';
import type { Storage } from '../storage/index.ts';
import { randomBase62 } from '../util/ids.ts';
import { ADMIN_API_PREFIX } from '../admin/admin-app.ts';
import { createDashboardRouter } from '../admin/dashboard.ts';
import { createErrorEdge, requireJsonBody } from './error-edge.ts';
import { ApiError, routeNotFound } from './errors.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { mountRoutes, type ResponseSealer, type RouteDef } from './routes.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface MerchantAppDeps {
  storage: Storage;
  apiKeys: ApiKeysService;
  routes: RouteDef[];
  /** Seals idempotent replays of responses that show a secret; null without a key store. */
  sealer: ResponseSealer | null;
  logger: Logger;
  metrics: Registry;
  health: () => { status: 'ok' | 'degraded'; [k: string]: unknown };
  version: string;
  /** The dashboard's API (/api/admin) and its login pages (/auth/…); they never accept API keys. */
  admin?: { router: express.Router; pages: express.Router };
  /** The built dashboard served at `/`; absent: no dashboard on this listener. */
  dashboard?: { dir?: string };
}

/** A request's path as the log shows it: a login link's token never (routing ignores case, so must this). */
export function requestLogPath(path: string): string {
  return /^\/+auth\/one-time(\/|$)/i.test(path) ? '/auth/one-time/:token' : path;
}

export function createMerchantApp(deps: MerchantAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  const httpRequests = new Counter({
    name: 'kassa_http_requests_total',
    help: 'HTTP requests on the merchant listener',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [deps.metrics],
  });
  const httpDuration = new Histogram({
    name: 'kassa_http_request_duration_seconds',
    help: 'Merchant API request duration',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [deps.metrics],
  });

  app.use((req: Request, res: Response, next: NextFunction) => {
    req.requestId = `req_${randomBase62(16)}`;
    res.setHeader('Request-Id', req.requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      httpDuration.observe({ method: req.method, route }, seconds);
      // Path only: query strings and headers may carry secrets; so does a one-time login link's path.
      deps.logger.debug({ requestId: req.requestId, method: req.method, path: requestLogPath(req.path), status: res.statusCode, ms: Math.round(seconds * 1000) }, 'http');
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    const health = deps.health();
    res.status(health.status === 'ok' ? 200 : 503).json(health);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });

  const openapi = buildOpenApiDocument(deps.routes, deps.version);
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  // Swagger UI from the npm package, served locally: no third-party requests, no inline script.
  const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  app.use('/docs', (_req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
    );
    next();
  });
  app.get('/docs', (_req, res) => res.sendFile(join(here, 'docs', 'index.html')));
  app.get('/docs/init.js', (_req, res) => res.sendFile(join(here, 'docs', 'init.js')));
  app.use('/docs/assets', express.static(swaggerDir, { index: false, fallthrough: false }));

  // Before the API-key gate below: the dashboard and its API authenticate with a session instead.
  if (deps.admin) {
    app.use(deps.admin.pages);
    app.use(ADMIN_API_PREFIX, deps.admin.router);
  }
  if (deps.dashboard) app.use(createDashboardRouter({ dir: deps.dashboard.dir }));

  const api = express.Router();
  api.use(
    express.json({ limit: '100kb', strict: true, type: ['application/json', 'application/*+json'] }),
  );
  const limiter = createRateLimiter();
  api.use(requireJsonBody);
  api.use((req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) {
      return next(new ApiError(401, 'authentication_error', 'api_key_missing', 'No API key provided. Send "Authorization: Bearer sk_test_…".'));
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      return next(new ApiError(401, 'authentication_error', 'api_key_invalid', 'Authorization must be "Bearer <api key>".'));
    }
    const key = deps.apiKeys.authenticate(match[1]!);
    if (!key) return next(new ApiError(401, 'authentication_error', 'api_key_invalid', 'Invalid or revoked API key.'));
    if (key.rateLimit !== null) {
      const retryAfter = limiter.take(key.id, key.rateLimit);
      if (retryAfter > 0) {
        return next(
          new ApiError(429, 'rate_limit_error', 'rate_limited', `Too many requests for this API key (limit ${key.rateLimit}/s); retry after ${retryAfter}s.`, null, { 'Retry-After': String(retryAfter) }),
        );
      }
    }
    req.apiKey = key;
    next();
  });
  mountRoutes(api, deps.routes, { storage: deps.storage, logger: deps.logger, sealer: deps.sealer });
  app.use(api);
  app.use((req, _res, next) => next(routeNotFound(req.method, req.path)));

  // The one error-to-status edge: typed errors keep their status, anything else is a logged 500.
  app.use(createErrorEdge(deps.logger));
  return app;
}

/**
 * Requests Node's HTTP parser refuses before express sees them (a request line and headers over
 * 16 kB, malformed HTTP, headers too slow) get the error envelope too, not a bare status line.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, code, message]: [number, string, string, string] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request line and headers are larger than 16 kB (a query string that long?).']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'request_timeout', 'The request was not received in time.']
          : [400, 'Bad Request', 'bad_request', 'The request is not valid HTTP.'];
    const body = JSON.stringify(new ApiError(status, 'invalid_request_error', code, message, null).toBody());
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`);
  });
}
