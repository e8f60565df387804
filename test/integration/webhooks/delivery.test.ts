// Webhooks as a shop receives them (SPEC §7): a real node, the real devnet, a real HTTP endpoint.
// Every request is checked with the shop's own verifier (test/helpers/verify-kassa-signature.ts,
// written from the spec, not from the node's code), and the node's delivery log is checked against
// what actually arrived.
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/node.ts';
import { verifyKassaWebhook } from '../../helpers/verify-kassa-signature.ts';
import { jsonBody, startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';
import {
  createEndpoint,
  createIntent,
  deleteEndpoint,
  deliveriesOfEvent,
  deliveryWithStatus,
  eventIdOf,
  eventOf,
  eventsOfObject,
  eventTypeOf,
  expectVerified,
  headerOf,
  listDeliveries,
  payAndConfirm,
  requestsAbout,
  signatureEntries,
  startWebhookNode,
  type WebhookNode,
} from './webhook-test-kit.ts';

const require = createRequire(import.meta.url);
const { verifyClaudePayWebhook } = require('../../fixtures/claude-pay-verify.cjs') as {
  verifyClaudePayWebhook(rawBody: string, headers: Record<string, string>, secret: string, toleranceSec?: number): boolean;
};

const RETRY_SECONDS = 0.3;
let wh: WebhookNode;
/** Receivers and endpoints a test made; each test cleans up after itself so the next sees only its own. */
let receivers: WebhookReceiver[] = [];
let endpointIds: string[] = [];

async function receiver(...args: Parameters<typeof startWebhookReceiver>): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(...args);
  receivers.push(r);
  return r;
}
async function endpoint(body: Record<string, unknown>) {
  const created = await createEndpoint(wh.api, body);
  endpointIds.push(created.id);
  return created;
}

beforeAll(async () => {
  wh = await startWebhookNode({ retrySchedule: [RETRY_SECONDS, RETRY_SECONDS, RETRY_SECONDS, RETRY_SECONDS], jitter: 0 });
});
afterEach(async () => {
  for (const id of endpointIds.splice(0)) await deleteEndpoint(wh.api, id);
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await wh?.node.stop();
});

describe('webhook delivery (native format)', () => {
  it('done-when: created, payment_detected and paid reach the shop, signed, logged and listed as events', async () => {
    const shop = await receiver();
    const ep = await endpoint({ url: shop.url, events: ['*'], description: 'order backend' });
    expect(ep).toMatchObject({
      object: 'webhook_endpoint',
      livemode: false,
      url: shop.url,
      events: ['*'],
      format: 'native',
      enabled: true,
      disabled_reason: null,
      description: 'order backend',
    });
    expect(ep.id).toMatch(/^we_/);
    // The secret is shown once: never again on GET or in the list.
    const got = await wh.api.get(`/api/v1/webhook-endpoints/${ep.id}`);
    expect(got.status).toBe(200);
    expect(got.body.data).not.toHaveProperty('secret');
    expect(JSON.stringify(got.body)).not.toContain(ep.secret);
    const listed = await wh.api.get('/api/v1/webhook-endpoints');
    expect(listed.body.data.map((e: { id: string }) => e.id)).toContain(ep.id);
    expect(JSON.stringify(listed.body)).not.toContain(ep.secret);

    const intent = await createIntent(wh.api, '25.00');
    await payAndConfirm(wh.api, intent.id);
    const types = ['payment_intent.created', 'payment_intent.payment_detected', 'payment_intent.paid'];
    const requests = await shop.waitFor(
      (all) => {
        const mine = requestsAbout(all, intent.id);
        const byType = types.map((t) => mine.find((r) => eventTypeOf(r) === t));
        return byType.every(Boolean) ? (byType as NonNullable<(typeof byType)[number]>[]) : null;
      },
      `the three lifecycle events of ${intent.id}`,
    );

    for (const [i, req] of requests.entries()) {
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/webhooks/kassa');
      expect(req.headers['content-type']).toMatch(/^application\/json/);
      expect(req.headers['user-agent']).toMatch(/^Kassa-Webhooks\//);
      expect(req.headers['x-kassa-event-type']).toBe(types[i]);
      expect(signatureEntries(req)).toHaveLength(1);
      expect(Math.abs(Number(req.headers['x-kassa-timestamp']) - req.receivedAt / 1000)).toBeLessThan(60);
      const event = expectVerified(req, ep.secret);
      expect(Object.keys(event).sort()).toEqual(['created_at', 'data', 'id', 'livemode', 'object', 'type']);
      expect(event).toMatchObject({ object: 'event', type: types[i], livemode: false });
      expect(event.id).toMatch(/^evt_/);
      expect(event.data.object).toMatchObject({ object: 'payment_intent', id: intent.id, amount: '25.00' });
      // Another shop's secret does not verify it.
      expect(verifyKassaWebhook({ rawBody: req.rawBody, headers: req.headers, secret: 'whsec_not_this_one' }).ok).toBe(false);
    }
    expect(eventOf(requests[2]!)!.data.object.status).toBe('paid');

    // The delivery log holds what was sent and what the shop answered.
    for (const req of requests) {
      const delivery = await deliveryWithStatus(wh.api, ep.id, eventIdOf(req)!, 'succeeded');
      expect(delivery).toMatchObject({
        object: 'webhook_delivery',
        livemode: false,
        endpoint_id: ep.id,
        event_id: eventIdOf(req),
        event_type: eventTypeOf(req),
        status: 'succeeded',
        attempt_count: 1,
        next_attempt_at: null,
        redelivery_of: null,
      });
      expect(delivery.id).toMatch(/^whd_/);
      expect(delivery.delivered_at).not.toBeNull();
      expect(delivery.attempts).toHaveLength(1);
      const [attempt] = delivery.attempts;
      expect(attempt).toMatchObject({ attempt: 1, outcome: 'succeeded', error: null });
      expect(attempt.request.url).toBe(shop.url);
      expect(attempt.request.body).toBe(req.rawBody);
      expect(headerOf(attempt.request.headers, 'x-kassa-event-id')).toBe(eventIdOf(req));
      expect(attempt.response).toMatchObject({ status: 200, body: 'ok', body_truncated: false });
      expect(Number.isInteger(attempt.duration_ms)).toBe(true);
    }

    // Healthy endpoint, healthy run: each event arrived exactly once.
    expect(requestsAbout(shop.received, intent.id)).toHaveLength(3);

    // The events API lists the same events, and one reads back as exactly what was delivered.
    const listedEvents = await eventsOfObject(wh.api, intent.id);
    expect(listedEvents.map((e: { type: string }) => e.type).sort()).toEqual([...types].sort());
    expect(listedEvents.map((e: { id: string }) => e.id).sort()).toEqual(requests.map((r) => eventIdOf(r)).sort());
    const one = await wh.api.get(`/api/v1/events/${eventIdOf(requests[2]!)}`);
    expect(one.status).toBe(200);
    expect(one.body.data).toEqual(jsonBody(requests[2]!));
    expect((await wh.api.get('/api/v1/events/evt_doesnotexist')).status).toBe(404);
  });

  it('a shop failing 3 times (500) then answering 200 gets the event on attempt 4, the failures logged', async () => {
    const shop = await receiver({ respond: (_req, nth) => (nth <= 3 ? { status: 500, body: `boom ${nth}` } : { status: 200, body: 'thanks' }) });
    const ep = await endpoint({ url: shop.url, events: ['payment_intent.created'] });
    const intent = await createIntent(wh.api, '3.00');
    const requests = await shop.waitFor((all) => (all.length >= 4 ? all : null), 'four attempts');
    const eventId = eventIdOf(requests[0]!)!;
    // The same event each time, each attempt freshly signed, waiting the schedule in between.
    for (const req of requests) {
      expect(eventIdOf(req)).toBe(eventId);
      expect(expectVerified(req, ep.secret).data.object.id).toBe(intent.id);
    }
    for (let i = 1; i < 4; i++) {
      expect(requests[i]!.receivedAt - requests[i - 1]!.receivedAt, `wait before attempt ${i + 1}`).toBeGreaterThanOrEqual(RETRY_SECONDS * 1000 - 50);
    }

    const delivery = await deliveryWithStatus(wh.api, ep.id, eventId, 'succeeded');
    expect(delivery).toMatchObject({ status: 'succeeded', attempt_count: 4, next_attempt_at: null });
    expect(delivery.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3, 4]);
    for (const n of [1, 2, 3]) {
      expect(delivery.attempts[n - 1]).toMatchObject({
        outcome: 'failed',
        response: { status: 500, body: `boom ${n}`, body_truncated: false },
      });
    }
    expect(delivery.attempts[3]).toMatchObject({ outcome: 'succeeded', response: { status: 200, body: 'thanks' }, error: null });
    // No fifth request once it succeeded: a later event arrives, this one does not again.
    const later = await createIntent(wh.api, '3.01');
    await shop.waitFor((all) => requestsAbout(all, later.id).length > 0, `the event of ${later.id}`);
    expect(shop.received.filter((r) => eventIdOf(r) === eventId)).toHaveLength(4);
  });

  it('a large response body is kept truncated in the log', async () => {
    const shop = await receiver({ respond: () => ({ status: 503, body: 'x'.repeat(10_000) }) });
    const ep = await endpoint({ url: shop.url, events: ['payment_intent.created'] });
    await createIntent(wh.api, '3.02');
    const [first] = await shop.waitFor((all) => (all.length >= 1 ? all : null), 'the first attempt');
    const delivery = await eventually(async () => {
      const [d] = await deliveriesOfEvent(wh.api, ep.id, eventIdOf(first!)!);
      return d?.attempts.length ? d : null;
    }, 'the first attempt in the log');
    expect(delivery.attempts[0].outcome).toBe('failed');
    expect(delivery.attempts[0].response.status).toBe(503);
    expect(delivery.attempts[0].response.body_truncated).toBe(true);
    expect(Buffer.byteLength(delivery.attempts[0].response.body)).toBeLessThanOrEqual(4096);
  });

  it('a redirect is not followed: the attempt fails and says why', async () => {
    const shop = await receiver({
      respond: (req) => (req.path === '/webhooks/kassa' ? { status: 302, headers: { location: '/moved-here' }, body: '' } : { status: 200 }),
    });
    const ep = await endpoint({ url: shop.url, events: ['payment_intent.created'] });
    const intent = await createIntent(wh.api, '3.03');
    const attempts = await shop.waitFor((all) => { const m = requestsAbout(all, intent.id); return m.length >= 2 ? m : null; }, 'a retry after the redirect');
    expect(shop.received.filter((r) => r.path === '/moved-here')).toEqual([]);
    const delivery = await eventually(async () => {
      const [d] = await deliveriesOfEvent(wh.api, ep.id, eventIdOf(attempts[0]!)!);
      return d && d.attempts.length >= 1 ? d : null;
    }, 'the redirect attempt in the log');
    expect(delivery.status).toBe('pending');
    expect(delivery.attempts[0]).toMatchObject({ outcome: 'failed', response: { status: 302 } });
    expect(delivery.attempts[0].error).toMatch(/redirect/i);
  });

  it('secret rotation: both secrets sign while the old one lives; with expires_in 0 only the new one', async () => {
    const shop = await receiver();
    const ep = await endpoint({ url: shop.url, events: ['payment_intent.created'] });
    const oldSecret = ep.secret;

    const rotated = await wh.api.post(`/api/v1/webhook-endpoints/${ep.id}/rotate-secret`, { expires_in: 3600 });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const newSecret: string = rotated.body.data.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const expiresAt = Date.parse(rotated.body.data.previous_secret_expires_at);
    expect(Math.abs(expiresAt - (Date.now() + 3600_000))).toBeLessThan(60_000);
    expect((await wh.api.get(`/api/v1/webhook-endpoints/${ep.id}`)).body.data).not.toHaveProperty('secret');

    const during = await createIntent(wh.api, '4.00');
    const [duringReq] = await shop.waitFor((all) => { const m = requestsAbout(all, during.id); return m.length ? m : null; }, 'the event after rotating');
    expect(signatureEntries(duringReq!)).toHaveLength(2);
    expectVerified(duringReq!, newSecret);
    expectVerified(duringReq!, oldSecret); // a shop that has not switched yet keeps working

    const cut = await wh.api.post(`/api/v1/webhook-endpoints/${ep.id}/rotate-secret`, { expires_in: 0 });
    expect(cut.status, JSON.stringify(cut.body)).toBe(200);
    const newest: string = cut.body.data.secret;
    const after = await createIntent(wh.api, '4.01');
    const [afterReq] = await shop.waitFor((all) => { const m = requestsAbout(all, after.id); return m.length ? m : null; }, 'the event after the second rotation');
    expect(signatureEntries(afterReq!)).toHaveLength(1);
    expectVerified(afterReq!, newest);
    for (const stale of [newSecret, oldSecret]) {
      expect(verifyKassaWebhook({ rawBody: afterReq!.rawBody, headers: afterReq!.headers, secret: stale })).toEqual({ ok: false, reason: 'signature mismatch' });
    }
  });

  it('rotate-secret rejects expires_in out of range', async () => {
    const shop = await receiver();
    const ep = await endpoint({ url: shop.url, events: ['*'] });
    for (const expires_in of [-1, 604_801, 1.5, '60']) {
      const res = await wh.api.post(`/api/v1/webhook-endpoints/${ep.id}/rotate-secret`, { expires_in });
      expect(res.status, `${expires_in}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.param).toBe('expires_in');
    }
  });
});

describe('claude_pay format (seed 000 drop-in)', () => {
  it('sends X-Claude-Pay-* headers and the payment intent itself, passing the seed verify snippet', async () => {
    const shop = await receiver();
    const ep = await endpoint({ url: shop.url, events: ['payment_intent.created'], format: 'claude_pay' });
    expect(ep.format).toBe('claude_pay');
    const intent = await createIntent(wh.api, '5.00');
    const [req] = await shop.waitFor(
      (all) => {
        const m = all.filter((r) => { try { return JSON.parse(r.rawBody).id === intent.id; } catch { return false; } });
        return m.length ? m : null;
      },
      'the claude_pay delivery',
    );
    expect(req!.headers['x-claude-pay-event-id']).toMatch(/^evt_/);
    expect(req!.headers['x-claude-pay-event-type']).toBe('payment_intent.created');
    expect(req!.headers['x-claude-pay-timestamp']).toMatch(/^\d+$/);
    expect(req!.headers['x-claude-pay-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(req!.headers).not.toHaveProperty('x-kassa-signature');
    const body = jsonBody(req!);
    expect(body).toMatchObject({ object: 'payment_intent', id: intent.id, amount: '5.00', status: 'pending' });
    expect(verifyClaudePayWebhook(req!.rawBody, req!.headers, ep.secret)).toBe(true);
    expect(verifyClaudePayWebhook(req!.rawBody, req!.headers, 'whsec_wrong')).toBe(false);
    expect(verifyClaudePayWebhook(req!.rawBody.replace('"5.00"', '"0.01"'), req!.headers, ep.secret)).toBe(false);
    // The log shows the same dialect.
    const delivery = await deliveryWithStatus(wh.api, ep.id, req!.headers['x-claude-pay-event-id']!, 'succeeded');
    expect(delivery.attempts[0].request.body).toBe(req!.rawBody);
    expect(headerOf(delivery.attempts[0].request.headers, 'x-claude-pay-event-type')).toBe('payment_intent.created');
  });

  it('while a rotated secret is live, the header stays the single sha256=<hex> the seed snippet reads', async () => {
    // The seed 000 snippet compares the whole header with one `sha256=<hex>`: a Stripe-style list
    // of entries would make every delivery fail at the shop for the whole grace period.
    const shop = await receiver();
    const ep = await endpoint({ url: shop.url, events: ['payment_intent.created'], format: 'claude_pay' });
    const rotated = await wh.api.post(`/api/v1/webhook-endpoints/${ep.id}/rotate-secret`, { expires_in: 3600 });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const intent = await createIntent(wh.api, '5.01');
    const [req] = await shop.waitFor(
      (all) => {
        const m = all.filter((r) => { try { return JSON.parse(r.rawBody).id === intent.id; } catch { return false; } });
        return m.length ? m : null;
      },
      'the claude_pay delivery after rotating',
    );
    expect(req!.headers['x-claude-pay-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const passes = [ep.secret, rotated.body.data.secret as string].filter((secret) => verifyClaudePayWebhook(req!.rawBody, req!.headers, secret));
    expect(passes.length, 'the seed snippet accepts it with the old or the new secret').toBeGreaterThan(0);
  });
});

describe('test events and redelivery', () => {
  it('POST /:id/test reaches only that endpoint; redeliver sends the same event again, linked to the original', async () => {
    const shop = await receiver();
    const bystander = await receiver();
    const ep = await endpoint({ url: shop.url, events: ['*'] });
    const other = await endpoint({ url: bystander.url, events: ['*'] });

    const sent = await wh.api.post(`/api/v1/webhook-endpoints/${ep.id}/test`, {});
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.data).toMatchObject({ object: 'webhook_delivery', endpoint_id: ep.id, event_type: 'test.webhook', redelivery_of: null });
    const testEventId: string = sent.body.data.event_id;
    const [testReq] = await shop.waitFor((all) => { const m = all.filter((r) => eventIdOf(r) === testEventId); return m.length ? m : null; }, 'the test event');
    const event = expectVerified(testReq!, ep.secret);
    expect(event.type).toBe('test.webhook');
    expect(event.data.object).toMatchObject({ object: 'webhook_endpoint', id: ep.id, url: shop.url });
    expect(event.data.object).not.toHaveProperty('secret');
    expect(testReq!.rawBody).not.toContain(ep.secret);

    // The other '*' endpoint never gets it: a later event reaches it, the test event does not.
    const intent = await createIntent(wh.api, '6.00');
    await bystander.waitFor((all) => requestsAbout(all, intent.id).length > 0, 'a later event at the other endpoint');
    expect(bystander.received.filter((r) => eventIdOf(r) === testEventId)).toEqual([]);
    expect(await deliveriesOfEvent(wh.api, other.id, testEventId)).toEqual([]);

    // Redeliver the succeeded test delivery.
    const original = await deliveryWithStatus(wh.api, ep.id, testEventId, 'succeeded');
    const again = await wh.api.post(`/api/v1/webhook-endpoints/${ep.id}/deliveries/${original.id}/redeliver`, {});
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.data).toMatchObject({ object: 'webhook_delivery', event_id: testEventId, endpoint_id: ep.id, redelivery_of: original.id });
    expect(again.body.data.id).not.toBe(original.id);
    const twice = await shop.waitFor((all) => { const m = all.filter((r) => eventIdOf(r) === testEventId); return m.length >= 2 ? m : null; }, 'the redelivered event');
    expect(twice[1]!.rawBody).toBe(twice[0]!.rawBody); // the same event, byte for byte
    expectVerified(twice[1]!, ep.secret);
    const redelivery = await eventually(async () => {
      const res = await wh.api.get(`/api/v1/webhook-endpoints/${ep.id}/deliveries/${again.body.data.id}`);
      return res.body.data?.status === 'succeeded' ? res.body.data : null;
    }, 'the redelivery to succeed');
    expect(redelivery.redelivery_of).toBe(original.id);
    // The original is untouched, and both show up in the log.
    const both = await listDeliveries(wh.api, ep.id, `&event_id=${testEventId}`);
    expect(both.map((d: { id: string }) => d.id).sort()).toEqual([original.id, again.body.data.id].sort());
    expect(both.find((d: { id: string }) => d.id === original.id)).toMatchObject({ status: 'succeeded', attempt_count: 1 });
    // Redelivering a delivery of another endpoint is 404.
    const wrong = await wh.api.post(`/api/v1/webhook-endpoints/${other.id}/deliveries/${original.id}/redeliver`, {});
    expect(wrong.status).toBe(404);
  });

  it('a disabled endpoint refuses a test event (409)', async () => {
    const shop = await receiver();
    const ep = await endpoint({ url: shop.url, events: ['*'], enabled: false });
    expect(ep).toMatchObject({ enabled: false });
    const res = await wh.api.post(`/api/v1/webhook-endpoints/${ep.id}/test`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.error.code).toBe('webhook_endpoint_disabled');
  });
});
