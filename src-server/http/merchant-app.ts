// The merchant listener (loopback by default): /api/v1 with API keys, /healthz, /metrics,
// /docs and the OpenAPI document. It translates HTTP to service calls and holds no business rule.
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
import { ApiError, routeNotFound, toApiError } from './errors.ts';
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
      // Path only: query strings and headers may carry secrets.
      deps.logger.debug({ requestId: req.requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'http');
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

  const api = express.Router();
  api.use(
    express.json({ limit: '100kb', strict: true, type: ['application/json', 'application/*+json'] }),
  );
  const limiter = createRateLimiter();
  // A body in another format would be ignored and the request read as empty ("asset is required"): say what is wrong.
  api.use((req: Request, _res: Response, next: NextFunction) => {
    const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
    if (hasBody && !req.is(['application/json', 'application/*+json'])) {
      return next(new ApiError(415, 'invalid_request_error', 'unsupported_media_type', `Send the request body as JSON with "Content-Type: application/json" (got "${String(req.get('content-type') ?? '').slice(0, 100)}").`, null));
    }
    next();
  });
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
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let apiError = toApiError(err);
    const e = err as { type?: string; status?: number };
    if (!apiError && e?.type === 'entity.parse.failed') {
      apiError = new ApiError(400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.', null);
    } else if (!apiError && (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported')) {
      apiError = new ApiError(415, 'invalid_request_error', 'unsupported_media_type', 'Send the request body as UTF-8 JSON, without a Content-Encoding.', null);
    } else if (!apiError && e?.type === 'entity.too.large') {
      apiError = new ApiError(413, 'invalid_request_error', 'body_too_large', 'The request body is larger than 100 kB.', null);
    } else if (!apiError && typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      apiError = new ApiError(e.status, 'invalid_request_error', 'bad_request', 'The request could not be read.', null);
    }
    if (apiError && apiError.status >= 500) {
      // The disk (full, read-only, failing), not the request: say so once per request, without a stack.
      deps.logger.warn({ requestId: req.requestId, code: apiError.code, err: err instanceof Error ? err.message : String(err) }, 'storage unavailable');
    }
    if (!apiError) {
      deps.logger.error({ requestId: req.requestId, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'internal error');
      apiError = new ApiError(500, 'api_error', 'internal_error', `Something went wrong on our side (request ${req.requestId}).`);
    }
    res.status(apiError.status).set(apiError.headers).json(apiError.toBody());
  });
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
