// The public listener: the only surface a tunnel may expose. It mounts customer-facing routes
// only (public-routes.ts); nothing of the merchant API, dashboard, docs, health or metrics lives here.
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { createPublicViews, type CheckoutSessionsPort, type PaymentLinksPort } from '../checkout/public-views.ts';
import { createPaymentSimulator } from '../checkout/simulate-payment.ts';
import { loadCheckoutAssets } from '../checkout/static-assets.ts';
import type { PaymentIntentsService } from '../payments/payment-intents-service.ts';
import type { Storage } from '../storage/index.ts';
import { randomBase62 } from '../util/ids.ts';
import { toApiError } from './errors.ts';
import type { TestHelpersPort } from './payment-intents-routes.ts';
import { publicRoutes, type PublicRoutesDeps } from './public-routes.ts';
import { clientAddress } from './client-address.ts';

export interface PublicAppDeps {
  logger: Logger;
  storage: Storage;
  intents: PaymentIntentsService;
  testHelpers: () => TestHelpersPort | null;
  checkoutSessions?: () => CheckoutSessionsPort | null;
  paymentLinks?: () => PaymentLinksPort | null;
  publicBaseUrl?: () => string;
  /** Requests per client address per minute over the whole listener. Default 600. */
  requestsPerMinute?: number;
  /** Tuning of the routes (stream caps, simulator rate). */
  routes?: Pick<PublicRoutesDeps, 'streamsPerIp' | 'simulationsPerMinute' | 'streamPollMs' | 'heartbeatMs' | 'streamMaxMs'>;
  /** Pause between blocks a simulated payment mines (ms). */
  simulatedBlockIntervalMs?: number;
}

const errorBody = (type: string, code: string, message: string) => ({ error: { type, code, message, param: null } });

export function createPublicApp(deps: PublicAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
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
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    req.requestId = `req_${randomBase62(16)}`;
    res.setHeader('Request-Id', req.requestId);
    next();
  });
  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.requestsPerMinute ?? 600,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // Behind a tunnel every customer arrives from loopback: limit by the address the proxy reports.
      keyGenerator: (req: Request) => clientAddress(req),
      handler: (_req: Request, res: Response) => {
        res.status(429).json(errorBody('rate_limit_error', 'rate_limited', 'Too many requests; slow down.'));
      },
    }),
  );

  const views = createPublicViews({ storage: deps.storage, intents: deps.intents });
  const simulator = createPaymentSimulator({
    intentRow: views.intentRow,
    testHelpers: deps.testHelpers,
    logger: deps.logger,
    ...(deps.simulatedBlockIntervalMs !== undefined ? { blockIntervalMs: deps.simulatedBlockIntervalMs } : {}),
  });
  app.use(
    publicRoutes({
      logger: deps.logger,
      views,
      simulator,
      canSimulate: () => deps.testHelpers() !== null,
      checkoutSessions: deps.checkoutSessions ?? (() => null),
      paymentLinks: deps.paymentLinks ?? (() => null),
      assets: loadCheckoutAssets(),
      publicBaseUrl: deps.publicBaseUrl ?? (() => ''),
      ...deps.routes,
    }),
  );

  app.use((_req: Request, res: Response) => {
    res.status(404).json(errorBody('invalid_request_error', 'not_found', 'Not found.'));
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return void res.end();
    const apiError = toApiError(err);
    if (apiError) return void res.status(apiError.status).set(apiError.headers).json(apiError.toBody());
    const e = err as { type?: string; status?: number };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      return void res.status(e.status).json(errorBody('invalid_request_error', 'bad_request', 'The request could not be read.'));
    }
    deps.logger.error({ requestId: req.requestId, err: err instanceof Error ? err.message : String(err) }, 'public listener error');
    res.status(500).json(errorBody('api_error', 'internal_error', `Something went wrong (request ${req.requestId}).`));
  });
  return app;
}
