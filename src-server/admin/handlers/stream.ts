// The dashboard's live feed (server-sent events): `invoice` whenever an invoice of the mode
// changes, `delivery` when a webhook attempt's outcome is recorded, `sync` every 2 s, a comment every 15 s so idle proxies keep the connection open.
import { ApiError } from '../../http/errors.ts';
import type { ApiEvent } from '../../webhooks/events-service.ts';
import type { AdminStreamEvent } from '../contract.ts';
import type { AdminHandlers } from '../handler-types.ts';
import { deliveryObject } from '../../webhooks/webhook-objects.ts';
import { ADMIN_STORE_ID, intentView, type HandlerContext } from './context.ts';

export const MAX_STREAMS_PER_SESSION = 20;
const SYNC_EVERY_MS = 2000;
const HEARTBEAT_EVERY_MS = 15_000;
/** Changes without an event (a confirmation count moving) are found by update time, looking back this far. */
const CATCH_UP_WINDOW_MS = 5000;

/** One SSE frame; JSON never contains a raw newline, so `data:` is one line. */
export function sseFrame(event: AdminStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** The invoice an event is about: the intent itself, or the intent of a payment. */
export function intentIdOf(event: Pick<ApiEvent, 'data'>): string | null {
  const object = event.data.object as { object?: unknown; id?: unknown; payment_intent?: unknown };
  if (object.object === 'payment_intent' && typeof object.id === 'string') return object.id;
  if (object.object === 'payment' && typeof object.payment_intent === 'string') return object.payment_intent;
  return null;
}

export function invoiceStream(ctx: HandlerContext): AdminHandlers['GET /stream'] {
  const { deps } = ctx;
  const openPerSession = new Map<string, number>();

  return ({ query }, { res, session }) => {
    const sessionId = session?.id ?? 'none';
    const open = openPerSession.get(sessionId) ?? 0;
    if (open >= MAX_STREAMS_PER_SESSION) {
      throw new ApiError(429, 'rate_limit_error', 'too_many_streams', `At most ${MAX_STREAMS_PER_SESSION} live streams per session; close a dashboard tab first.`, null, { 'Retry-After': '10' });
    }
    openPerSession.set(sessionId, open + 1);
    const livemode = query.mode === 'live';

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 3000\n\n');

    /** Last updated_at sent per invoice: one change is sent once, whichever path finds it first. */
    const sent = new Map<string, string>();
    const queued = new Set<string>();
    let flushScheduled = false;
    let closed = false;

    const send = (event: AdminStreamEvent) => {
      if (!closed) res.write(sseFrame(event));
    };
    const sendInvoice = (id: string) => {
      const row = deps.storage.intents.get(id);
      if (!row || row.store_id !== ADMIN_STORE_ID || row.livemode !== (livemode ? 1 : 0)) return;
      if (sent.size > 5000) sent.clear();
      sent.set(id, row.updated_at);
      send({ type: 'invoice', data: intentView(deps.intents.serialize(row)) });
    };
    const flushQueued = () => {
      flushScheduled = false;
      if (closed) return;
      try {
        for (const id of queued) sendInvoice(id);
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message }, 'admin stream: reading an invoice failed');
      }
      queued.clear();
    };
    // Listeners run right after a commit: read the rows on the next turn, not inside the writer's call.
    const unsubscribe = deps.events.onEvent((event) => {
      if (event.livemode !== livemode) return;
      const id = intentIdOf(event);
      if (!id) return;
      queued.add(id);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushQueued);
      }
    });

    // A webhook attempt's outcome: the detail page's deliveries update without polling.
    const unsubscribeDeliveries = deps.onDeliveryOutcome?.((deliveryId) => {
      setImmediate(() => {
        if (closed) return;
        try {
          const row = deps.storage.webhooks.getDelivery(deliveryId);
          if (!row || row.livemode !== (livemode ? 1 : 0)) return;
          if (deps.storage.webhooks.getEndpoint(row.endpoint_id)?.store_id !== ADMIN_STORE_ID) return;
          send({ type: 'delivery', data: deliveryObject(row, deps.storage.webhooks.attemptsOf(row.id)) });
        } catch (err) {
          deps.logger.warn({ err: (err as Error).message }, 'admin stream: reading a delivery failed');
        }
      });
    });

    const catchUp = () => {
      const since = new Date(ctx.clock().getTime() - CATCH_UP_WINDOW_MS).toISOString();
      for (const row of deps.storage.intents.updatedSince(ADMIN_STORE_ID, livemode, since, 200)) {
        if (sent.get(row.id) !== row.updated_at && !queued.has(row.id)) sendInvoice(row.id);
      }
    };
    const tick = () => {
      try {
        catchUp();
        send({ type: 'sync', data: ctx.sync.views(query.mode) });
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message }, 'admin stream: tick failed');
      }
    };
    send({ type: 'sync', data: ctx.sync.views(query.mode) });
    const syncTimer = setInterval(tick, SYNC_EVERY_MS);
    const heartbeat = setInterval(() => {
      if (!closed) res.write(': keep-alive\n\n');
    }, HEARTBEAT_EVERY_MS);

    const finish = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      unsubscribeDeliveries?.();
      clearInterval(syncTimer);
      clearInterval(heartbeat);
      const left = (openPerSession.get(sessionId) ?? 1) - 1;
      if (left <= 0) openPerSession.delete(sessionId);
      else openPerSession.set(sessionId, left);
      if (!res.writableEnded) res.end();
    };
    // The response closes with the connection (a request's own 'close' may come as soon as it is read).
    res.once('close', finish);
    res.once('error', finish);
  };
}
