// The customer-facing routes of the public listener: checkout pages, payment-link pages, their
// static assets, the public status JSON/stream of one object by id, and the test-mode simulator.
// Every id is hostile input: only the shapes we issue are looked up, and nothing is echoed raw.
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { MESSAGES, pickLanguage, type Lang } from '../checkout/i18n.ts';
import {
  isTerminalIntentStatus,
  safeHttpUrl,
  type CheckoutSessionsPort,
  type PaymentLinksPort,
  type PublicCheckoutSession,
  type PublicViews,
} from '../checkout/public-views.ts';
import { qrDataUrl, renderIntentPage, renderLinkPage, renderNotFoundPage, renderSessionPage } from '../checkout/render.ts';
import type { PaymentSimulator } from '../checkout/simulate-payment.ts';
import type { CheckoutAssets } from '../checkout/static-assets.ts';
import { isWellFormedId } from '../util/ids.ts';
import { ApiError } from './errors.ts';
import { clientAddress } from './client-address.ts';

export interface PublicRoutesDeps {
  logger: Logger;
  views: PublicViews;
  simulator: PaymentSimulator;
  /** Whether this node can simulate test payments (a devnet runs). */
  canSimulate: () => boolean;
  checkoutSessions: () => CheckoutSessionsPort | null;
  paymentLinks: () => PaymentLinksPort | null;
  assets: CheckoutAssets;
  /** The URL customers reach this listener at; its origin counts as same-origin. */
  publicBaseUrl: () => string;
  /** Open live-status streams one client address may hold. Default 8. */
  streamsPerIp?: number;
  /** "Simulate payment" calls per client address per minute. Default 10. */
  simulationsPerMinute?: number;
  /** Server-side poll of a streamed object (ms). Default 500. */
  streamPollMs?: number;
  /** Comment frames that keep idle proxies from closing a stream (ms). Default 15000. */
  heartbeatMs?: number;
  /** A stream ends after this long; the browser reconnects (ms). Default 30 min. */
  streamMaxMs?: number;
}

const notFound = () => new ApiError(404, 'invalid_request_error', 'resource_missing', 'No such object.', 'id');

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function langOf(req: Request): Lang {
  return pickLanguage(req.get('accept-language'), firstString(req.query.lang));
}

function sendHtml(res: Response, status: number, html: string): void {
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Vary', 'Accept-Language');
  res.send(html);
}

/**
 * A state-changing request must come from our own page: Sec-Fetch-Site says so in current browsers,
 * else the Origin must be this listener's host or the public base URL's.
 */
export function isSameOrigin(req: Request, publicBaseUrl: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = req.get('origin');
  if (!origin || origin === 'null') return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  if (host === req.get('host')) return true;
  try {
    return publicBaseUrl !== '' && new URL(publicBaseUrl).host === host;
  } catch {
    return false;
  }
}


export function publicRoutes(deps: PublicRoutesDeps): express.Router {
  const router = express.Router();
  const streamsPerIp = deps.streamsPerIp ?? 8;
  const pollMs = deps.streamPollMs ?? 500;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const streamMaxMs = deps.streamMaxMs ?? 30 * 60_000;
  const openStreams = new Map<string, number>();

  const sessionOf = (id: string): PublicCheckoutSession | null => {
    if (!isWellFormedId(id, 'cs')) return null;
    const session = deps.checkoutSessions()?.getPublic(id) ?? null;
    return session ? { ...session, success_url: safeHttpUrl(session.success_url), cancel_url: safeHttpUrl(session.cancel_url) } : null;
  };

  const notFoundPage = (req: Request, res: Response) => {
    // The language switcher links back to this path only when it holds an id of a shape we issue.
    const id = /^\/(?:checkout|pay|l)\/([A-Za-z0-9_]{1,64})$/.exec(req.path)?.[1];
    const path = id && (isWellFormedId(id, 'pi') || isWellFormedId(id, 'cs') || isWellFormedId(id, 'plink')) ? req.path : '/checkout/';
    sendHtml(res, 404, renderNotFoundPage({ lang: langOf(req), assets: deps.assets, path }));
  };

  // --- static assets: content-hashed names, cached for a year ---
  router.get('/assets/:file', (req: Request, res: Response, next: NextFunction) => {
    const asset = deps.assets.byPath(req.path);
    if (!asset) return next();
    res.setHeader('Content-Type', asset.contentType);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('ETag', asset.etag);
    if (req.get('if-none-match') === asset.etag) return void res.status(304).end();
    res.send(asset.body);
  });

  // --- checkout pages ---
  const checkoutPage = async (req: Request, res: Response, id: string | undefined) => {
    const lang = langOf(req);
    if (id !== undefined && isWellFormedId(id, 'pi')) {
      const view = deps.views.intent(id);
      if (!view) return notFoundPage(req, res);
      const sessionParam = firstString(req.query.session);
      const session = sessionParam ? sessionOf(sessionParam) : null;
      const sessionId = session && session.options.some((o) => o.payment_intent === id) ? session.id : null;
      return sendHtml(res, 200, await renderIntentPage({ view, lang, assets: deps.assets, sessionId, canSimulate: deps.canSimulate() }));
    }
    if (id !== undefined && isWellFormedId(id, 'cs')) {
      const session = sessionOf(id);
      if (!session) return notFoundPage(req, res);
      // A primary option first, as the merchant asked.
      const primary = (session as { primary?: string | null }).primary ?? null;
      const options = [...session.options].sort((a, b) => Number(b.payment_intent === primary) - Number(a.payment_intent === primary));
      return sendHtml(res, 200, renderSessionPage({ session: { ...session, options }, lang, assets: deps.assets }));
    }
    return notFoundPage(req, res);
  };
  router.get('/checkout/:id', (req, res) => checkoutPage(req, res, req.params.id));
  router.get('/pay/:id', (req, res) => checkoutPage(req, res, req.params.id));
  // Seed 000's form: /checkout/?id=pi_…
  router.get('/checkout', (req, res) => checkoutPage(req, res, firstString(req.query.id)));

  // --- payment links: GET shows the form, POST opens a new session and sends the customer to it ---
  router.get('/l/:id', (req, res) => {
    const link = isWellFormedId(req.params.id, 'plink') ? (deps.paymentLinks()?.getPublic(req.params.id) ?? null) : null;
    if (!link) return notFoundPage(req, res);
    sendHtml(res, 200, renderLinkPage({ link, lang: langOf(req), assets: deps.assets }));
  });
  router.post('/l/:id', express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 10 }), (req, res) => {
    const lang = langOf(req);
    const links = deps.paymentLinks();
    const link = isWellFormedId(req.params.id, 'plink') && links ? links.getPublic(req.params.id) : null;
    if (!link || !links) return notFoundPage(req, res);
    if (!isSameOrigin(req, deps.publicBaseUrl())) {
      throw new ApiError(403, 'invalid_request_error', 'cross_origin', 'This form can only be sent from its own page.');
    }
    const raw = firstString((req.body as Record<string, unknown> | undefined)?.amount);
    const typed = raw === undefined ? undefined : raw.trim().replace(',', '.');
    const amount = typed?.slice(0, 40);
    try {
      // Longer than the form allows is refused, never cut: a cut amount is not what the customer typed.
      if (link.amount === null && typed !== undefined && typed.length > 40) {
        throw Object.assign(new Error('amount must be at most 40 characters'), { status: 400, param: 'amount' });
      }
      const session = links.openSession(link.id, link.amount === null ? { amount: amount ?? '' } : {});
      res.redirect(303, `/checkout/${session.id}?lang=${lang}`);
    } catch (err) {
      const e = err as { status?: unknown; param?: unknown; message?: unknown };
      if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500) throw err;
      if (e.status === 404) return notFoundPage(req, res);
      const current = links.getPublic(link.id) ?? link;
      const m = MESSAGES[lang];
      const message = !current.active ? m.link_inactive : lang === 'en' && typeof e.message === 'string' ? e.message : m.amount_invalid;
      sendHtml(res, e.status === 409 ? 409 : 400, renderLinkPage({ link: current, lang, assets: deps.assets, error: message, amount: amount ?? '' }));
    }
  });

  // --- public status: JSON, stream, QR ---
  router.get('/api/public/payment-intents/:id', (req, res) => {
    const view = deps.views.intent(req.params.id);
    if (!view) throw notFound();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ data: view });
  });
  router.get('/api/public/checkout-sessions/:id', (req, res) => {
    const session = sessionOf(req.params.id);
    if (!session) throw notFound();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ data: session });
  });
  router.get('/api/public/payment-intents/:id/qr.svg', async (req, res) => {
    const view = deps.views.intent(req.params.id);
    if (!view) throw notFound();
    const dataUrl = await qrDataUrl(view.payment_uri || view.receive_address);
    res.setHeader('Content-Type', 'image/svg+xml');
    res.setHeader('Cache-Control', 'no-store');
    res.send(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
  });

  /** Server-Sent Events: the object's view on every change, heartbeats, the end at a terminal state. */
  function stream(req: Request, res: Response, load: () => { status: string } | null, terminal: (status: string) => boolean): void {
    const first = load();
    if (!first) throw notFound();
    const ip = clientAddress(req);
    const open = openStreams.get(ip) ?? 0;
    if (open >= streamsPerIp) {
      throw new ApiError(429, 'rate_limit_error', 'too_many_streams', `At most ${streamsPerIp} live status streams per client; close one first.`, null, { 'Retry-After': '10' });
    }
    openStreams.set(ip, open + 1);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    let last = '';
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(poller);
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      const left = (openStreams.get(ip) ?? 1) - 1;
      if (left > 0) openStreams.set(ip, left);
      else openStreams.delete(ip);
      res.end();
    };
    const push = (view: { status: string } | null) => {
      if (finished) return;
      if (!view) {
        res.write('event: end\ndata: {}\n\n');
        return finish();
      }
      const json = JSON.stringify(view);
      if (json !== last) {
        last = json;
        res.write(`event: update\ndata: ${json}\n\n`);
      }
      if (terminal(view.status)) {
        res.write('event: end\ndata: {}\n\n');
        finish();
      }
    };
    const poller = setInterval(() => {
      try {
        push(load());
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message }, 'public stream: read failed');
        finish();
      }
    }, pollMs);
    const heartbeat = setInterval(() => {
      if (!finished) res.write(': keep-alive\n\n');
    }, heartbeatMs);
    const lifetime = setTimeout(finish, streamMaxMs);
    req.on('close', finish);
    res.on('error', finish);
    push(first);
  }
  router.get('/api/public/payment-intents/:id/stream', (req, res) => {
    const id = req.params.id;
    stream(req, res, () => deps.views.intent(id), isTerminalIntentStatus);
  });
  router.get('/api/public/checkout-sessions/:id/stream', (req, res) => {
    const id = req.params.id;
    stream(req, res, () => sessionOf(id), (s) => s !== 'open');
  });

  // --- test mode: "Simulate payment" ---
  const simulateLimiter = rateLimit({
    windowMs: 60_000,
    limit: deps.simulationsPerMinute ?? 10,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req: Request, res: Response) => {
      res.status(429).json({ error: { type: 'rate_limit_error', code: 'rate_limited', message: 'Too many simulated payments; wait a minute.', param: null } });
    },
  });
  router.post('/api/public/payment-intents/:id/simulate', simulateLimiter, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!isWellFormedId(id, 'pi')) throw notFound();
    if (!isSameOrigin(req, deps.publicBaseUrl())) {
      throw new ApiError(403, 'invalid_request_error', 'cross_origin', 'Simulate payment works only from the checkout page itself.');
    }
    let outcome;
    try {
      outcome = await deps.simulator.simulate(id);
    } catch (err) {
      deps.logger.warn({ intent: id, err: (err as Error).message }, 'simulated payment failed');
      throw new ApiError(422, 'invalid_request_error', 'simulation_failed', 'The devnet could not send the test payment; try again.');
    }
    if (!outcome.ok) {
      if (outcome.reason === 'not_found') throw notFound();
      if (outcome.reason === 'devnet_unavailable') throw new ApiError(422, 'invalid_request_error', 'devnet_unavailable', 'This node has no devnet for this network, so payments cannot be simulated.');
      if (outcome.reason === 'in_progress') throw new ApiError(409, 'invalid_request_error', 'simulation_in_progress', 'A simulated payment for this intent is already on its way.');
      throw new ApiError(409, 'invalid_request_error', 'nothing_due', 'Nothing is due on this payment intent.');
    }
    // A form post (no script) goes back to the page; a script gets JSON.
    if (req.accepts(['application/json', 'text/html']) !== 'application/json') return void res.redirect(303, `/checkout/${id}`);
    res.status(202).json({ data: { object: 'simulated_payment', payment_intent: id, txid: outcome.txid } });
  });

  return router;
}
