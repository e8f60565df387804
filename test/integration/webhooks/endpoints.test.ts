// Managing webhook endpoints as a shop does: validation errors naming the field, scopes, event
// filters, update, delete (nothing more is sent), and the key-store rule for signing secrets.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNodeDb } from '../../helpers/devnet-control.ts';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type ApiResponse, type TestNode } from '../../helpers/node.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';
import {
  createEndpoint,
  createIntent,
  deleteEndpoint,
  deliveriesOfEvent,
  eventIdOf,
  eventTypeOf,
  expectVerified,
  getEndpoint,
  listDeliveries,
  payAndConfirm,
  requestsAbout,
  startWebhookNode,
  type WebhookNode,
} from './webhook-test-kit.ts';

const ENDPOINTS = '/api/v1/webhook-endpoints';
let wh: WebhookNode;
let noKeyStoreNode: TestNode;
let noKeyStoreApi: ApiClient;
let shop: WebhookReceiver;

function expectInvalid(res: ApiResponse, param: string | RegExp) {
  const context = JSON.stringify(res.body);
  expect(res.status, context).toBe(400);
  expect(res.body.error.type, context).toBe('invalid_request_error');
  if (typeof param === 'string') expect(res.body.error.param, context).toBe(param);
  else expect(res.body.error.param, context).toMatch(param);
  expect(res.body.error.message, context).toContain(res.body.error.param);
  expect(res.body.error.message, context).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

beforeAll(async () => {
  const plainHome = tempHome('kassa-webhooks-nokeystore-');
  [wh, noKeyStoreNode] = await Promise.all([
    startWebhookNode({ retrySchedule: [0.3, 0.3, 0.3], jitter: 0 }),
    // The default test environment: KASSA_KEY_STORE=none, no passphrase.
    startNode({ home: plainHome, blockTime: 0 }),
  ]);
  noKeyStoreApi = apiClient(noKeyStoreNode.merchantUrl, await createApiKey(plainHome, 'test'));
  shop = await startWebhookReceiver();
});
afterAll(async () => {
  await Promise.all([wh?.node.stop(), noKeyStoreNode?.stop(), shop?.close()]);
});

describe('validation', () => {
  it.each([
    ['an ftp url', { url: 'ftp://x', events: ['*'] }, 'url'],
    ['not a url at all', { url: 'not a url', events: ['*'] }, 'url'],
    ['a url with credentials', { url: 'https://user:pass@example.com/hook', events: ['*'] }, 'url'],
    ['a url over 2048 characters', { url: `https://example.com/${'a'.repeat(2048)}`, events: ['*'] }, 'url'],
    ['a missing url', { events: ['*'] }, 'url'],
    ['empty events', { url: 'https://example.com/hook', events: [] }, 'events'],
    ['a missing events list', { url: 'https://example.com/hook' }, 'events'],
    ['an unknown format', { url: 'https://example.com/hook', events: ['*'], format: 'coinpay' }, 'format'],
    ['an unknown field', { url: 'https://example.com/hook', events: ['*'], colour: 'red' }, 'colour'],
  ] as const)('%s → 400 naming %s', async (_name, body, param) => {
    expectInvalid(await wh.api.post(ENDPOINTS, body), param);
  });

  it('an unknown event type → 400 naming events', async () => {
    const res = await wh.api.post(ENDPOINTS, { url: 'https://example.com/hook', events: ['payment_intent.paid', 'payment_intent.teleported'] });
    expectInvalid(res, /^events(\[1\])?$/);
    expect(res.body.error.message).toContain('payment_intent.teleported');
  });

  it('nothing invalid was stored', async () => {
    const list = await wh.api.get(`${ENDPOINTS}?limit=100`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ object: 'list', data: [], has_more: false, next_cursor: null });
  });

  it('an unknown endpoint id is 404 on every route', async () => {
    const id = 'we_doesnotexist';
    const res = [
      await wh.api.get(`${ENDPOINTS}/${id}`),
      await wh.api.call('PATCH', `${ENDPOINTS}/${id}`, { description: 'x' }),
      await wh.api.call('DELETE', `${ENDPOINTS}/${id}`),
      await wh.api.post(`${ENDPOINTS}/${id}/test`, {}),
      await wh.api.post(`${ENDPOINTS}/${id}/rotate-secret`, {}),
      await wh.api.get(`${ENDPOINTS}/${id}/deliveries`),
    ];
    for (const r of res) expect(r.status, JSON.stringify(r.body)).toBe(404);
  });
});

describe('scopes', () => {
  it('a key without webhooks:write cannot create or delete (403); webhooks:read can list', async () => {
    const [paymentsOnly, readOnly] = await Promise.all([
      createApiKey(wh.home, 'test', ['--scopes', 'payment_intents:write']),
      createApiKey(wh.home, 'test', ['--scopes', 'webhooks:read']),
    ]);
    const body = { url: shop.url, events: ['*'] };
    for (const key of [paymentsOnly, readOnly]) {
      const res = await apiClient(wh.node.merchantUrl, key).post(ENDPOINTS, body);
      expect(res.status, JSON.stringify(res.body)).toBe(403);
      expect(res.body.error).toMatchObject({ type: 'permission_error', code: 'permission_denied' });
    }
    expect((await apiClient(wh.node.merchantUrl, paymentsOnly).get(ENDPOINTS)).status).toBe(403);
    expect((await apiClient(wh.node.merchantUrl, paymentsOnly).get('/api/v1/events')).status).toBe(403);
    expect((await apiClient(wh.node.merchantUrl, readOnly).get(ENDPOINTS)).status).toBe(200);

    const ep = await createEndpoint(wh.api, { url: shop.url, events: ['test.webhook'] });
    const del = await apiClient(wh.node.merchantUrl, readOnly).call('DELETE', `${ENDPOINTS}/${ep.id}`);
    expect(del.status).toBe(403);
    await deleteEndpoint(wh.api, ep.id);
  });
});

describe('modes', () => {
  it('a live key sees none of the test-mode endpoints, deliveries or events', async () => {
    const ep = await createEndpoint(wh.api, { url: shop.url, events: ['test.webhook'] });
    try {
      const live = apiClient(wh.node.merchantUrl, await createApiKey(wh.home, 'live'));
      const list = await live.get(`${ENDPOINTS}?limit=100`);
      expect(list.status, JSON.stringify(list.body)).toBe(200);
      expect(list.body.data).toEqual([]);
      expect((await live.get(`${ENDPOINTS}/${ep.id}`)).status).toBe(404);
      expect((await live.get(`${ENDPOINTS}/${ep.id}/deliveries`)).status).toBe(404);
      expect((await live.call('DELETE', `${ENDPOINTS}/${ep.id}`)).status).toBe(404);
      const events = await live.get('/api/v1/events?limit=100');
      expect(events.status, JSON.stringify(events.body)).toBe(200);
      expect(events.body.data.filter((e: { livemode: boolean }) => !e.livemode)).toEqual([]);
      expect(await getEndpoint(wh.api, ep.id)).toMatchObject({ id: ep.id, livemode: false });
    } finally {
      await deleteEndpoint(wh.api, ep.id);
    }
  });
});

describe('event filters, update and delete', () => {
  it('an endpoint subscribed to payment_intent.paid only receives paid events', async () => {
    const everything = await startWebhookReceiver();
    const paidOnly = await startWebhookReceiver();
    const all = await createEndpoint(wh.api, { url: everything.url, events: ['*'] });
    const filtered = await createEndpoint(wh.api, { url: paidOnly.url, events: ['payment_intent.paid'] });
    try {
      const intent = await createIntent(wh.api, '9.00');
      await payAndConfirm(wh.api, intent.id);
      // The '*' endpoint sees the whole story ...
      await everything.waitFor(
        (got) => requestsAbout(got, intent.id).some((r) => eventTypeOf(r) === 'payment_intent.paid'),
        'paid at the * endpoint',
      );
      // ... the filtered one only the end of it.
      const [paid] = await paidOnly.waitFor((got) => { const m = requestsAbout(got, intent.id); return m.length ? m : null; }, 'paid at the filtered endpoint');
      expect(eventTypeOf(paid!)).toBe('payment_intent.paid');
      expectVerified(paid!, filtered.secret);
      // Its log was written with the events (one transaction), so it is complete now.
      const deliveries = await listDeliveries(wh.api, filtered.id);
      expect(deliveries.map((d) => d.event_type)).toEqual(['payment_intent.paid']);
      expect(paidOnly.received.map(eventTypeOf)).toEqual(['payment_intent.paid']);
      const allTypes = (await listDeliveries(wh.api, all.id)).map((d) => d.event_type).sort();
      expect(allTypes).toEqual(['payment_intent.created', 'payment_intent.paid', 'payment_intent.payment_detected']);
    } finally {
      await deleteEndpoint(wh.api, all.id);
      await deleteEndpoint(wh.api, filtered.id);
      await Promise.all([everything.close(), paidOnly.close()]);
    }
  });

  it('PATCH changes url, events and description; enabled=false is a manual disable, enabled=true clears it', async () => {
    const ep = await createEndpoint(wh.api, { url: 'https://example.com/a', events: ['payment_intent.paid'] });
    try {
      const patched = await wh.api.call('PATCH', `${ENDPOINTS}/${ep.id}`, { url: shop.url, events: ['payment_intent.*'], description: 'new' });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body.data).toMatchObject({ url: shop.url, events: ['payment_intent.*'], description: 'new', enabled: true });
      expect(patched.body.data).not.toHaveProperty('secret');
      const off = await wh.api.call('PATCH', `${ENDPOINTS}/${ep.id}`, { enabled: false });
      expect(off.body.data).toMatchObject({ enabled: false, disabled_reason: 'manual' });
      const on = await wh.api.call('PATCH', `${ENDPOINTS}/${ep.id}`, { enabled: true, description: null });
      expect(on.body.data).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null, description: null });
      expectInvalid(await wh.api.call('PATCH', `${ENDPOINTS}/${ep.id}`, { url: 'ftp://x' }), 'url');
      expect((await wh.api.call('PATCH', `${ENDPOINTS}/${ep.id}`, {})).status).toBe(400);
    } finally {
      await deleteEndpoint(wh.api, ep.id);
    }
  });

  it('DELETE: the endpoint is gone (404) and later events send it nothing', async () => {
    const doomed = await startWebhookReceiver();
    const witness = await startWebhookReceiver();
    const gone = await createEndpoint(wh.api, { url: doomed.url, events: ['*'] });
    const stays = await createEndpoint(wh.api, { url: witness.url, events: ['*'] });
    try {
      const before = await createIntent(wh.api, '10.00');
      await doomed.waitFor((got) => requestsAbout(got, before.id).length > 0, 'the event before the delete');
      const beforeDelivery = await deliveriesOfEvent(wh.api, gone.id, eventIdOf(requestsAbout(doomed.received, before.id)[0]!)!);
      expect(beforeDelivery).toHaveLength(1);
      const countAtDelete = doomed.received.length;

      const del = await wh.api.call('DELETE', `${ENDPOINTS}/${gone.id}`);
      expect(del.status, JSON.stringify(del.body)).toBe(200);
      expect(del.body.data).toEqual({ object: 'webhook_endpoint', id: gone.id, deleted: true });
      expect((await wh.api.get(`${ENDPOINTS}/${gone.id}`)).status).toBe(404);
      expect((await wh.api.get(`${ENDPOINTS}/${gone.id}/deliveries`)).status).toBe(404);
      expect((await wh.api.call('DELETE', `${ENDPOINTS}/${gone.id}`)).status).toBe(404);
      const listed = (await wh.api.get(`${ENDPOINTS}?limit=100`)).body.data.map((e: { id: string }) => e.id);
      expect(listed).not.toContain(gone.id);
      expect(listed).toContain(stays.id);

      // Later events (created, detected, paid) reach the endpoint that stays; the deleted one gets none.
      const after = await createIntent(wh.api, '11.00');
      await payAndConfirm(wh.api, after.id);
      await witness.waitFor(
        (got) => requestsAbout(got, after.id).some((r) => eventTypeOf(r) === 'payment_intent.paid'),
        'the later events at the endpoint that stays',
      );
      expect(requestsAbout(doomed.received, after.id)).toEqual([]);
      expect(doomed.received.length).toBe(countAtDelete);
    } finally {
      await deleteEndpoint(wh.api, stays.id);
      await Promise.all([doomed.close(), witness.close()]);
    }
  });

  it('a group wildcard (payment_intent.*) is accepted and matches the group', async () => {
    const ep = await createEndpoint(wh.api, { url: shop.url, events: ['payment_intent.*'] });
    try {
      const intent = await createIntent(wh.api, '12.00');
      const [req] = await shop.waitFor((got) => { const m = requestsAbout(got, intent.id); return m.length ? m : null; }, 'the created event via the group wildcard');
      expect(eventTypeOf(req!)).toBe('payment_intent.created');
      await expect(getEndpoint(wh.api, ep.id)).resolves.toMatchObject({ events: ['payment_intent.*'] });
    } finally {
      await deleteEndpoint(wh.api, ep.id);
    }
  });
});

describe('secrets at rest (SPEC §8: never plaintext on disk, never in logs)', () => {
  it('signing secrets are nowhere on disk in plaintext, idempotent create and rotate included', async () => {
    const idem = { 'idempotency-key': `create-endpoint-${Date.now()}` };
    const body = { url: `${shop.url}?idempotent`, events: ['test.webhook'] };
    const created = await wh.api.post(ENDPOINTS, body, idem);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const secrets: string[] = [created.body.data.secret];
    // A retried create (same Idempotency-Key, same body) makes no second endpoint.
    const replay = await wh.api.post(ENDPOINTS, body, idem);
    expect(replay.status, JSON.stringify(replay.body)).toBe(201);
    expect(replay.body.data.id).toBe(created.body.data.id);
    const sameUrl = (await wh.api.get(`${ENDPOINTS}?limit=100`)).body.data.filter((e: { url: string }) => e.url === body.url);
    expect(sameUrl).toHaveLength(1);
    const rotated = await wh.api.post(`${ENDPOINTS}/${created.body.data.id}/rotate-secret`, { expires_in: 60 }, { 'idempotency-key': `rotate-${Date.now()}` });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    secrets.push(rotated.body.data.secret);
    // And a test delivery, so the delivery log has signed something with them.
    expect((await wh.api.post(`${ENDPOINTS}/${created.body.data.id}/test`, {})).status).toBe(201);
    await shop.waitFor((all) => all.some((r) => r.path.endsWith('?idempotent')), 'the test delivery');

    try {
      const findings: string[] = [];
      const label = (secret: string) => (secret === secrets[0] ? 'the created secret' : 'the rotated secret');
      // Every row of every table, as text.
      const db = openNodeDb(wh.home);
      try {
        const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
        for (const { name } of tables) {
          const dump = JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all(), (_k, v) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
          for (const secret of secrets) if (dump.includes(secret)) findings.push(`${label(secret)} in table ${name}`);
        }
      } finally {
        db.close();
      }
      // The raw database files (WAL included) and the node's log.
      const files = readdirSync(wh.home).filter((f) => f.startsWith('kassa.db') || f.endsWith('.log'));
      expect(files).toContain('kassa.db');
      for (const file of files) {
        const bytes = readFileSync(join(wh.home, file)).toString('latin1');
        for (const secret of secrets) if (bytes.includes(secret)) findings.push(`${label(secret)} in file ${file}`);
      }
      expect(findings, 'signing secrets found in plaintext on disk').toEqual([]);
    } finally {
      await deleteEndpoint(wh.api, created.body.data.id);
    }
  });
});

describe('key store', () => {
  it('without a key store (no keychain, no passphrase) creating an endpoint is 409 key_store_unavailable', async () => {
    const res = await noKeyStoreApi.post(ENDPOINTS, { url: 'https://example.com/hook', events: ['*'] });
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.error.code).toBe('key_store_unavailable');
    expect(res.body.error.message).toContain('KASSA_PASSPHRASE');
    const list = await noKeyStoreApi.get(`${ENDPOINTS}?limit=100`);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([]);
  });
});
