// The retry schedule's end, as a shop with a broken endpoint sees it: a delivery that keeps failing
// becomes `failed` after the last scheduled attempt and is never sent again by itself; an endpoint
// failing longer than `disableAfter` is disabled (and says so with an event), its pending deliveries
// wait, and they go out when the shop enables it again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/node.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';
import {
  createEndpoint,
  createIntent,
  deliveriesOfEvent,
  deliveryWithStatus,
  eventIdOf,
  eventTypeOf,
  expectVerified,
  getEndpoint,
  requestsAbout,
  startWebhookNode,
  type WebhookNode,
} from './webhook-test-kit.ts';

let twoRetries: WebhookNode;
let quickDisable: WebhookNode;
const receivers: WebhookReceiver[] = [];
async function receiver(...args: Parameters<typeof startWebhookReceiver>): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(...args);
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  [twoRetries, quickDisable] = await Promise.all([
    startWebhookNode({ retrySchedule: [0.3, 0.3], jitter: 0, timeoutMs: 1_000 }),
    startWebhookNode({ retrySchedule: [0.5, 0.5, 0.5, 0.5, 0.5], jitter: 0, disableAfter: 1 }),
  ]);
});
afterAll(async () => {
  await Promise.all([twoRetries?.node.stop(), quickDisable?.node.stop(), ...receivers.map((r) => r.close())]);
});

describe('retries run out', () => {
  it('with 2 retries and an always-500 endpoint: failed after 3 attempts, no 4th request', async () => {
    const { api } = twoRetries;
    const shop = await receiver({ respond: (_req, nth) => ({ status: 500, body: `down ${nth}` }) });
    const ep = await createEndpoint(api, { url: shop.url, events: ['payment_intent.created'] });
    const first = await createIntent(api, '1.00');
    const attempts = await shop.waitFor((all) => { const m = requestsAbout(all, first.id); return m.length >= 3 ? m : null; }, 'three attempts');
    const eventId = eventIdOf(attempts[0]!)!;
    for (const req of attempts) expectVerified(req, ep.secret);

    const failed = await deliveryWithStatus(api, ep.id, eventId, 'failed');
    expect(failed).toMatchObject({ status: 'failed', attempt_count: 3, next_attempt_at: null, delivered_at: null });
    expect(failed.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(failed.attempts.map((a: { response: { status: number } }) => a.response.status)).toEqual([500, 500, 500]);

    // No 4th request: a later event runs its whole schedule (3 attempts, 0.6 s) meanwhile.
    const second = await createIntent(api, '1.01');
    await shop.waitFor((all) => requestsAbout(all, second.id).length >= 3, 'the three attempts of the later event');
    await deliveryWithStatus(api, ep.id, eventIdOf(requestsAbout(shop.received, second.id)[0]!)!, 'failed');
    expect(shop.received.filter((r) => eventIdOf(r) === eventId)).toHaveLength(3);

    // A failed delivery can still be redelivered by hand, and this time the shop is up.
    shop.setRespond(() => ({ status: 200 }));
    const again = await api.post(`/api/v1/webhook-endpoints/${ep.id}/deliveries/${failed.id}/redeliver`, {});
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.data).toMatchObject({ event_id: eventId, redelivery_of: failed.id });
    await shop.waitFor((all) => all.filter((r) => eventIdOf(r) === eventId).length === 4, 'the manual redelivery');
    await eventually(async () => (await api.get(`/api/v1/webhook-endpoints/${ep.id}/deliveries/${again.body.data.id}`)).body.data?.status === 'succeeded', 'the redelivery to succeed');
  });
});

describe('timeouts', () => {
  it('an answer slower than timeoutMs counts as a failure and the event is sent again', async () => {
    const { api } = twoRetries;
    // The first answer comes after 2.5 s (timeoutMs is 1 s); the retry is answered at once.
    const shop = await receiver({ respond: (_req, nth) => (nth === 1 ? { status: 200, delayMs: 2_500 } : { status: 200 }) });
    const ep = await createEndpoint(api, { url: shop.url, events: ['payment_intent.created'] });
    const intent = await createIntent(api, '1.50');
    const [first, second] = await shop.waitFor((all) => { const m = requestsAbout(all, intent.id); return m.length >= 2 ? m : null; }, 'the retry after the timeout');
    expect(eventIdOf(second!)).toBe(eventIdOf(first!));
    // Not before the timeout (1 s) and the wait (0.3 s) had passed.
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1_200);
    const delivery = await deliveryWithStatus(api, ep.id, eventIdOf(first!)!, 'succeeded');
    expect(delivery.attempt_count).toBe(2);
    expect(delivery.attempts[0]).toMatchObject({ outcome: 'failed', response: null });
    expect(delivery.attempts[0].error).toMatch(/timed out/i);
    expect(delivery.attempts[0].duration_ms).toBeGreaterThanOrEqual(900);
    expect(delivery.attempts[0].duration_ms).toBeLessThan(2_500);
    expect(delivery.attempts[1]).toMatchObject({ outcome: 'succeeded', response: { status: 200 } });
  });
});

describe('auto-disable', () => {
  it('an endpoint failing longer than disableAfter is disabled (failing), announced, and resumes when enabled', async () => {
    const { api } = quickDisable;
    const broken = await receiver({ respond: () => ({ status: 500, body: 'still broken' }) });
    const watcher = await receiver();
    const failing = await createEndpoint(api, { url: broken.url, events: ['payment_intent.created'] });
    const healthy = await createEndpoint(api, { url: watcher.url, events: ['*'] });

    const first = await createIntent(api, '2.00');
    const disabled = await eventually(async () => {
      const ep = await getEndpoint(api, failing.id);
      return ep.enabled === false ? ep : null;
    }, 'the failing endpoint to be disabled', 15_000);
    expect(disabled).toMatchObject({ enabled: false, disabled_reason: 'failing' });
    expect(disabled.failing_since).not.toBeNull();
    const requestsWhenDisabled = broken.received.length;
    expect(requestsWhenDisabled).toBeGreaterThanOrEqual(2);
    // Disabled before the schedule ran out: the delivery waits, still pending.
    const firstEventId = eventIdOf(broken.received[0]!)!;
    const waiting = await deliveryWithStatus(api, failing.id, firstEventId, 'pending');
    expect(waiting.attempt_count).toBeLessThan(6);

    // One webhook_endpoint.disabled event, about this endpoint, with no secret in it ...
    const listed = await api.get('/api/v1/events?type=webhook_endpoint.disabled');
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    const [event] = listed.body.data;
    expect(event).toMatchObject({ object: 'event', type: 'webhook_endpoint.disabled', livemode: false });
    expect(event.data.object).toMatchObject({ object: 'webhook_endpoint', id: failing.id, enabled: false, disabled_reason: 'failing' });
    expect(JSON.stringify(event)).not.toContain(failing.secret);
    // ... which the shop's healthy endpoint receives, signed.
    const [announced] = await watcher.waitFor((all) => { const m = all.filter((r) => eventIdOf(r) === event.id); return m.length ? m : null; }, 'the disabled event at the healthy endpoint');
    expect(eventTypeOf(announced!)).toBe('webhook_endpoint.disabled');
    expect(expectVerified(announced!, healthy.secret).data.object.id).toBe(failing.id);

    // While disabled, nothing is sent to it: a later event reaches the healthy endpoint only, and is
    // not queued for the disabled one at all (as with Stripe: a disabled endpoint subscribes to nothing).
    const second = await createIntent(api, '2.01');
    const [secondReq] = await watcher.waitFor((all) => { const m = requestsAbout(all, second.id); return m.length ? m : null; }, 'the later event at the healthy endpoint');
    expect(broken.received.length).toBe(requestsWhenDisabled);
    expect(await deliveriesOfEvent(api, failing.id, eventIdOf(secondReq!)!)).toEqual([]);

    // The shop fixes its endpoint and enables it: the delivery that was waiting goes out.
    broken.setRespond(() => ({ status: 200 }));
    const enabled = await api.call('PATCH', `/api/v1/webhook-endpoints/${failing.id}`, { enabled: true });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    expect(enabled.body.data).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    await broken.waitFor((all) => requestsAbout(all, first.id).length > requestsWhenDisabled, 'the waiting event after enabling');
    const delivered = await deliveryWithStatus(api, failing.id, firstEventId, 'succeeded');
    expect(delivered.attempt_count).toBe(requestsWhenDisabled + 1);
    // Enabled again, it gets new events as before.
    const third = await createIntent(api, '2.02');
    await broken.waitFor((all) => requestsAbout(all, third.id).length > 0, 'a new event after enabling');
    expect(requestsAbout(broken.received, second.id)).toEqual([]);
    // Enabled and healthy: still one disabled event.
    expect((await api.get('/api/v1/events?type=webhook_endpoint.disabled')).body.data).toHaveLength(1);
  });
});
