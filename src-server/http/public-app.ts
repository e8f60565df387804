// The public listener: the only surface a tunnel may expose. It mounts customer-facing routes
// only (the checkout issue adds the pages); nothing of the merchant API or dashboard lives here.
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Logger } from 'pino';

export function createPublicApp(deps: { logger: Logger; requestsPerMinute?: number }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.requestsPerMinute ?? 600,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req: Request, res: Response) => {
        res.status(429).json({ error: { type: 'rate_limit_error', code: 'rate_limited', message: 'Too many requests; slow down.', param: null } });
      },
    }),
  );
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { type: 'invalid_request_error', code: 'not_found', message: 'Not found.', param: null } });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'public listener error');
    res.status(500).json({ error: { type: 'api_error', code: 'internal_error', message: 'Something went wrong.', param: null } });
  });
  return app;
}
