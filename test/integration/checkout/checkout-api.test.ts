// Checkout sessions and payment links as a shop sees them: a real node, the real devnet, real HTTP.
// A session is paid with real devnet tokens; its completion is read back from the API, the event
// log and a signed webhook; the options nobody paid are canceled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createApiKey, eventually, type ApiClient } from '../../helpers/node.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';
import { createEndpoint, eventOf, eventsOfObject, expectVerified, startWebhookNode, type WebhookNode } from '../webhooks/webhook-test-kit.ts';

let wh: WebhookNode;
let api: ApiClient;
let shop: WebhookReceiver;
let secret: string;

beforeAll(async () => {
  wh = await startWebhookNode({ retrySchedule: [0.3, 0.3], jitter: 0 });
  api = wh.api;
  shop = await startWebhookReceiver();
  secret = (await createEndpoint(api, { url: shop.url, events: ['checkout_session.completed', 'payment_intent.canceled'] })).secret;
});
afterAll(async () => {
  await shop?.close();
  await wh?.node.stop();
});

async function createSession(body: Record<string, unknown>, headers?: Record<string, string>) {
  const res = await api.post('/api/v1/checkout-sessions', body, headers);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}
async function pay(intentId: string, amount?: string) {
  const res = await api.post(`/api/v1/test-helpers/payment-intents/${intentId}/pay`, amount === undefined ? {} : { amount });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function mine(blocks = 2) {
  const res = await api.post('/api/v1/test-helpers/devnet/mine', { blocks });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function getSession(id: string) {
  const res = await api.get(`/api/v1/checkout-sessions/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}
const sessionWith = (id: string, pred: (s: any) => boolean, what: string) =>
  eventually(async () => {
    const s = await getSession(id);
    return pred(s) ? s : null;
  }, what, 30_000);

describe('checkout sessions over HTTP', () => {
  it('done-when: pay one option → session complete, event listed and delivered signed, the other options canceled', async () => {
    const created = await createSession({ amount: '25.00', customer_email: 'buyer@example.com', custom_id: 'ORDER-7', metadata: { order: '7' }, success_url: 'https://shop.example/ok' });
    expect(created).toMatchObject({ object: 'checkout_session', livemode: false, status: 'open', amount: '25.00', currency: 'USD', payment_intent: null, custom_id: 'ORDER-7', customer_email: 'buyer@example.com' });
    expect(created.url).toBe(`${wh.node.publicUrl}/checkout/${created.id}`);
    expect(created.options.length).toBeGreaterThan(3);
    expect(created.options.every((o: any) => o.status === 'pending' && o.pay_amount === '25.00')).toBe(true);
    expect(created.primary).toMatchObject({ network: 'polygon', asset: 'USDT' });
    const primary = created.primary.id as string;
    // Every option says which session it belongs to, from its first event on; a plain intent says null.
    expect(created.options.every((o: any) => o.checkout_session === created.id)).toBe(true);
    expect((await api.get(`/api/v1/payment-intents/${primary}`)).body.data.checkout_session).toBe(created.id);
    const createdEvents = await eventsOfObject(api, primary);
    expect(createdEvents.find((e: any) => e.type === 'payment_intent.created')?.data.object.checkout_session).toBe(created.id);
    const plain = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '1.00' });
    expect(plain.body.data.checkout_session).toBeNull();

    await pay(primary);
    await mine(2);
    const done = await sessionWith(created.id, (s) => s.status === 'complete', 'the session to complete');
    expect(done.payment_intent).toBe(primary);
    expect(done.completed_at).toMatch(/Z$/);
    for (const o of done.options) expect(o.status, `${o.network}/${o.asset}`).toBe(o.id === primary ? 'paid' : 'canceled');

    const logged = await eventsOfObject(api, created.id);
    expect(logged.map((e: any) => e.type)).toEqual(['checkout_session.completed']);
    expect(logged[0].data.object).toMatchObject({ id: created.id, status: 'complete', payment_intent: primary, customer_email: 'buyer@example.com' });

    const delivered = await shop.waitFor((all) => all.find((r) => eventOf(r)?.type === 'checkout_session.completed' && eventOf(r)?.data?.object?.id === created.id), 'checkout_session.completed at the shop', 30_000);
    const event = expectVerified(delivered, secret);
    expect(event).toMatchObject({ id: logged[0].id, type: 'checkout_session.completed', livemode: false });
    expect((event.data.object as any).payment_intent).toBe(primary);
    const others = done.options.filter((o: any) => o.id !== primary).map((o: any) => o.id);
    await shop.waitFor((all) => others.every((id: string) => all.some((r) => eventOf(r)?.type === 'payment_intent.canceled' && eventOf(r)?.data?.object?.id === id)), 'payment_intent.canceled for every other option', 30_000);
  });

  it('an option paid while another completes is not canceled and is still credited; one completion only', async () => {
    const s = await createSession({ amount: '3.00', methods: [{ network: 'polygon', asset: 'USDT' }, { network: 'arbitrum', asset: 'USDT' }, { network: 'base', asset: 'USDC' }] });
    const [a, b, c] = s.options;
    await pay(a.id);
    await mine(1); // A seen, one confirmation of two
    await pay(b.id);
    await mine(1); // this scan credits B first, then confirms A: A completes the session while B already holds money
    const completed = await getSession(s.id);
    expect(completed).toMatchObject({ status: 'complete', payment_intent: a.id });
    expect(completed.options.map((o: any) => o.status)).toEqual(['paid', 'confirming', 'canceled']);
    await mine(1);
    const done = await sessionWith(s.id, (x) => x.options[1].status === 'paid', 'the second option to be paid');
    expect(done.payment_intent).toBe(a.id);
    expect(done.options.map((o: any) => o.status)).toEqual(['paid', 'paid', 'canceled']);
    expect(done.options[1]).toMatchObject({ id: b.id, amount_received: '3.00', amount_confirmed: '3.00' });
    expect(done.options[2].id).toBe(c.id);
    expect((await eventsOfObject(api, s.id)).map((e: any) => e.type)).toEqual(['checkout_session.completed']);
  });

  it('cancel ends an open session; a second cancel is 409; expiring every option expires a session', async () => {
    const s = await createSession({ amount: '2', methods: [{ network: 'polygon', asset: 'USDT' }, { network: 'bsc', asset: 'USDT' }] });
    const canceled = await api.post(`/api/v1/checkout-sessions/${s.id}/cancel`, {});
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    expect(canceled.body.data.status).toBe('canceled');
    expect(canceled.body.data.canceled_at).toMatch(/Z$/);
    expect(canceled.body.data.options.map((o: any) => o.status)).toEqual(['canceled', 'canceled']);
    const again = await api.post(`/api/v1/checkout-sessions/${s.id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('checkout_session_unexpected_state');

    const e = await createSession({ amount: '2', methods: [{ network: 'polygon', asset: 'USDT' }, { network: 'ethereum', asset: 'USDC' }] });
    for (const o of e.options) expect((await api.post(`/api/v1/test-helpers/payment-intents/${o.id}/expire`, {})).status).toBe(200);
    const expired = await sessionWith(e.id, (x) => x.status === 'expired', 'the session to expire');
    expect(expired.options.map((o: any) => o.status)).toEqual(['expired', 'expired']);
  });

  it('bad input is a 400 naming the field; custom_id is unique; unknown ids are 404', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'amount'],
      [{ amount: '1.001' }, 'amount'],
      [{ amount: '0' }, 'amount'],
      [{ amount: '5', currency: 'XYZ' }, 'currency'],
      [{ amount: '5', currency: 'EUR' }, 'currency'],
      [{ amount: '5', methods: [{ network: 'solana' }] }, 'methods[0].network'],
      [{ amount: '5', methods: [{ network: 'tron', asset: 'USDC' }] }, 'methods[0].asset'],
      [{ amount: '5', methods: [{ network: 'bitcoin' }] }, 'methods'],
      [{ amount: '5', methods: [] }, 'methods'],
      [{ amount: '5', customer_email: 'nope' }, 'customer_email'],
      [{ amount: '5', success_url: 'javascript:alert(1)' }, 'success_url'],
      [{ amount: '5', payment_link: 'plink_missing' }, 'payment_link'],
      [{ amount: '5', colour: 'red' }, 'colour'],
    ];
    for (const [body, param] of cases) {
      const res = await api.post('/api/v1/checkout-sessions', body);
      expect(res.status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.param, JSON.stringify(body)).toBe(param);
    }
    await createSession({ amount: '1', custom_id: 'UNIQUE-1', methods: [{ network: 'polygon', asset: 'USDT' }] });
    const dup = await api.post('/api/v1/checkout-sessions', { amount: '1', custom_id: 'UNIQUE-1' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.param).toBe('custom_id');
    for (const id of ['cs_nope', 'pi_nope', 'x'.repeat(64)]) expect((await api.get(`/api/v1/checkout-sessions/${id}`)).status).toBe(404);
  });

  it('Idempotency-Key replays the first session; the same key with another body is 409', async () => {
    const body = { amount: '9.99', methods: [{ network: 'polygon', asset: 'USDT' }] };
    const first = await api.post('/api/v1/checkout-sessions', body, { 'Idempotency-Key': 'cs-idem-1' });
    expect(first.status).toBe(201);
    const replay = await api.post('/api/v1/checkout-sessions', body, { 'Idempotency-Key': 'cs-idem-1' });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.data.id).toBe(first.body.data.id);
    expect(replay.body.data.options[0].id).toBe(first.body.data.options[0].id);
    const other = await api.post('/api/v1/checkout-sessions', { ...body, amount: '10.00' }, { 'Idempotency-Key': 'cs-idem-1' });
    expect(other.status).toBe(409);
    const linkBody = { amount: '5.00' };
    const l1 = await api.post('/api/v1/payment-links', linkBody, { 'Idempotency-Key': 'pl-idem-1' });
    const l2 = await api.post('/api/v1/payment-links', linkBody, { 'Idempotency-Key': 'pl-idem-1' });
    expect(l1.status).toBe(201);
    expect(l2.body.data.id).toBe(l1.body.data.id);
  });

  it('lists newest first with cursor pagination and filters', async () => {
    const a = await createSession({ amount: '1', methods: [{ network: 'polygon', asset: 'USDT' }] });
    const b = await createSession({ amount: '1', methods: [{ network: 'polygon', asset: 'USDT' }] });
    const page1 = await api.get('/api/v1/checkout-sessions?limit=1');
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ object: 'list', has_more: true, next_cursor: b.id });
    expect(page1.body.data.map((s: any) => s.id)).toEqual([b.id]);
    const page2 = await api.get(`/api/v1/checkout-sessions?limit=1&starting_after=${page1.body.next_cursor}`);
    expect(page2.body.data.map((s: any) => s.id)).toEqual([a.id]);
    const complete = await api.get('/api/v1/checkout-sessions?status=complete&limit=100');
    expect(complete.body.data.length).toBeGreaterThanOrEqual(1);
    expect(complete.body.data.every((s: any) => s.status === 'complete')).toBe(true);
    expect((await api.get('/api/v1/checkout-sessions?status=paid')).body.error.param).toBe('status');
    expect((await api.get('/api/v1/checkout-sessions?starting_after=cs_unknown')).body.error.param).toBe('starting_after');
  });
});

describe('payment links over HTTP', () => {
  it('CRUD: create fixed and customer-chosen, read, list, update, archive (still readable)', async () => {
    const fixed = await api.post('/api/v1/payment-links', { amount: '19.90', description: 'Mug', methods: [{ network: 'bep20', asset: 'usdt' }], success_url: 'https://shop.example/thanks' });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(201);
    expect(fixed.body.data).toMatchObject({ object: 'payment_link', livemode: false, active: true, amount: '19.90', currency: 'USD', min_amount: null, methods: [{ network: 'bsc', asset: 'USDT' }] });
    expect(fixed.body.data.url).toBe(`${wh.node.publicUrl}/l/${fixed.body.data.id}`);
    const chosen = await api.post('/api/v1/payment-links', { amount: null, min_amount: '1', max_amount: '100', description: 'Donation' });
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(201);
    expect(chosen.body.data).toMatchObject({ amount: null, min_amount: '1.00', max_amount: '100.00' });

    const id = fixed.body.data.id;
    expect((await api.get(`/api/v1/payment-links/${id}`)).body.data.amount).toBe('19.90');
    const patched = await api.call('PATCH', `/api/v1/payment-links/${id}`, { amount: '24.50', metadata: { sku: 'MUG-2' } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.data).toMatchObject({ amount: '24.50', metadata: { sku: 'MUG-2' }, description: 'Mug' });
    const list = await api.get('/api/v1/payment-links?limit=100');
    expect(list.body.data.map((l: any) => l.id)).toEqual(expect.arrayContaining([id, chosen.body.data.id]));

    const archived = await api.call('DELETE', `/api/v1/payment-links/${id}`);
    expect(archived.status).toBe(200);
    expect(archived.body.data.active).toBe(false);
    expect((await api.get(`/api/v1/payment-links/${id}`)).body.data.active).toBe(false);
    expect((await api.get('/api/v1/payment-links?active=false&limit=100')).body.data.map((l: any) => l.id)).toContain(id);
    expect((await api.get('/api/v1/payment-links?active=true&limit=100')).body.data.map((l: any) => l.id)).not.toContain(id);
  });

  it('bad link input is a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ amount: '1.001' }, 'amount'],
      [{ amount: '5', min_amount: '1' }, 'min_amount'],
      [{ min_amount: '10', max_amount: '5' }, 'max_amount'],
      [{ amount: '5', currency: 'EUR' }, 'currency'],
      [{ amount: '5', methods: [{ network: 'nowhere' }] }, 'methods[0].network'],
      [{ amount: '5', active: 'yes' }, 'active'],
    ];
    for (const [body, param] of cases) {
      const res = await api.post('/api/v1/payment-links', body);
      expect(res.status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.param, JSON.stringify(body)).toBe(param);
    }
    expect((await api.call('PATCH', '/api/v1/payment-links/plink_nope', { active: true })).status).toBe(404);
    const empty = await api.call('PATCH', '/api/v1/payment-links/plink_nope', {});
    expect(empty.status).toBe(400);
  });

  it('scopes: a key without checkout_sessions / payment_links scopes gets 403; read scopes read only', async () => {
    const intentsOnly = apiClient(wh.node.merchantUrl, await createApiKey(wh.home, 'test', ['--scopes', 'payment_intents:write', '--rate-limit', 'off']));
    for (const [method, path] of [['POST', '/api/v1/checkout-sessions'], ['GET', '/api/v1/checkout-sessions'], ['POST', '/api/v1/payment-links'], ['GET', '/api/v1/payment-links']] as const) {
      const res = await intentsOnly.call(method, path, method === 'POST' ? { amount: '1' } : undefined);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('permission_denied');
    }
    const readOnly = apiClient(wh.node.merchantUrl, await createApiKey(wh.home, 'test', ['--scopes', 'checkout_sessions:read,payment_links:read', '--rate-limit', 'off']));
    expect((await readOnly.get('/api/v1/checkout-sessions')).status).toBe(200);
    expect((await readOnly.get('/api/v1/payment-links')).status).toBe(200);
    expect((await readOnly.post('/api/v1/checkout-sessions', { amount: '1' })).status).toBe(403);
    expect((await readOnly.call('DELETE', '/api/v1/payment-links/plink_x')).status).toBe(403);
  });

  it('the OpenAPI document describes the checkout and link routes', async () => {
    const doc = await api.get('/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    const paths = doc.body.paths as Record<string, Record<string, unknown>>;
    const pathOf = (p: string) => Object.keys(paths).find((k) => k.replace(/\{(\w+)\}/g, ':$1') === p);
    expect(Object.keys(paths[pathOf('/api/v1/checkout-sessions')!]!)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(paths[pathOf('/api/v1/payment-links/:id')!]!)).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
    expect(pathOf('/api/v1/checkout-sessions/:id/cancel')).toBeDefined();
  });
});
