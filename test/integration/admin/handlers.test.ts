// The dashboard's admin API against a real node (child process, its own anvil, real HTTP), signed
// in through the one-time URL it prints: the setup wizard, invoices (filters, search, pages, CSV,
// detail, cancel, accept-late, simulate, the live stream), redelivery, webhooks, API keys,
// settings into config.json (RPC URLs sealed in the database) and a backup that opens as SQLite.
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApiError, CSRF_HEADER } from '../../../src-server/admin/client.ts';
import { signedInAdmin, type AdminSessionClient } from '../../helpers/admin-session.ts';
import { apiClient, eventually, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';

let node: TestNode;
let home: string;
let admin: AdminSessionClient;
let api: ApiClient;
let receiver: WebhookReceiver;

let call: AdminSessionClient['client']['call'];

async function expectAdminError(p: Promise<unknown>, status: number, param?: string | null): Promise<AdminApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AdminApiError);
    const e = err as AdminApiError;
    expect(e.status, e.message).toBe(status);
    if (param !== undefined) expect(e.param, e.message).toBe(param);
    return e;
  }
  throw new Error(`expected HTTP ${status}`);
}

async function createIntent(body: Record<string, unknown>) {
  const res = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '10.00', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: string; receive_address: string; status: string };
}
async function pay(id: string) {
  const res = await api.post(`/api/v1/test-helpers/payment-intents/${id}/pay`, {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { txid: string };
}
async function mine(blocks: number) {
  const res = await api.post('/api/v1/test-helpers/devnet/mine', { blocks });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Reads server-sent events from the admin stream until `until` returns a value. */
async function readStream<T>(mode: 'test' | 'live', until: (event: { type: string; data: any }) => T | null, start?: () => Promise<void>): Promise<T> {
  const controller = new AbortController();
  const res = await fetch(`${node.merchantUrl}/api/admin/stream?mode=${mode}`, { headers: { cookie: admin.cookie()!, accept: 'text/event-stream' }, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let started = false;
  const deadline = setTimeout(() => controller.abort(), 30_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const type = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (!type || data === undefined) continue;
        const event = { type, data: JSON.parse(data) };
        // The stream is open and sending (its first sync): now make the change it should report.
        if (!started && type === 'sync') {
          started = true;
          await start?.();
        }
        const result = until(event);
        if (result !== null) return result;
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
}

beforeAll(async () => {
  home = tempHome();
  receiver = await startWebhookReceiver();
  node = await startNode({
    home,
    blockTime: 0,
    // A passphrase key store: live seeds and webhook secrets are sealed with its data key.
    env: { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'correct horse battery staple' },
    config: { rateLimitDefault: 500, webhooks: { retrySchedule: [0.2, 0.2] } },
  });
  admin = await signedInAdmin(node);
  call = admin.client.call;
});
afterAll(async () => {
  await node?.stop();
  await receiver?.close();
});

describe('setup wizard', () => {
  it('test mode: summary, mode, RPC check, first API key and webhook endpoint, done', async () => {
    const before = await call('GET /setup');
    expect(before).toMatchObject({
      complete: false,
      chosen_mode: null,
      wallets: { test: { exists: true, kind: 'seed' }, live: { exists: false, kind: null, schemes: [] } },
      key_store: { kind: 'passphrase', can_seal: true },
      api_keys: { test: 0, live: 0 },
      webhook_endpoints: { test: 0, live: 0 },
    });
    expect(before.wallets.test.schemes).toEqual(['btc', 'evm', 'ltc', 'tron']);
    expect((await call('POST /setup/mode', { body: { mode: 'test' } })).chosen_mode).toBe('test');

    const health = (await (await fetch(`${node.merchantUrl}/healthz`)).json()) as { devnet: { rpc_url: string } };
    const good = await call('POST /setup/networks/check', { body: { network: 'devnet', rpc_urls: [health.devnet.rpc_url] } });
    expect(good).toMatchObject({ network: 'devnet', ok: true, results: [{ ok: true, chain_id: 31337, error: null }] });
    expect(good.results[0]!.head).toBeGreaterThanOrEqual(0);
    expect(good.results[0]!.latency_ms).toBeGreaterThanOrEqual(0);
    // The devnet is not BSC: the check says so instead of trusting the URL.
    const wrong = await call('POST /setup/networks/check', { body: { network: 'bsc', rpc_urls: [health.devnet.rpc_url] } });
    expect(wrong.ok).toBe(false);
    expect(wrong.results[0]!.error).toMatch(/chain id 31337 is not BNB Smart Chain \(expected 56\)/);
    // Nothing listens there (an unused loopback port); credentials in the URL never come back.
    const down = await call('POST /setup/networks/check', { body: { network: 'ethereum', rpc_urls: ['http://user:secret@127.0.0.1:9/v1/abcdefghijklmnopqrstuvwxyz'] } });
    expect(down.results[0]).toMatchObject({ ok: false, chain_id: null, latency_ms: null });
    expect(JSON.stringify(down)).not.toMatch(/secret|abcdefghijklmnop/);
    await expectAdminError(call('POST /setup/networks/check', { body: { network: 'bsc', rpc_urls: ['https://ok.example', 'ftp://x.example'] } }), 400, 'rpc_urls[1]');
    await expectAdminError(call('POST /setup/networks/check', { body: { network: 'dogecoin', rpc_urls: ['https://x.example'] } }), 400, 'network');

    const created = await call('POST /api-keys', { body: { mode: 'test', name: 'shop' } });
    expect(created.key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(created.api_key).toMatchObject({ mode: 'test', name: 'shop', revoked_at: null });
    expect(created.api_key.hint).toBe(`${created.key.slice(0, 8)}…${created.key.slice(-4)}`);
    api = apiClient(node.merchantUrl, created.key);
    expect((await api.get('/api/v1/payment-intents')).status).toBe(200);

    const endpoint = await call('POST /webhook-endpoints', { query: { mode: 'test' }, body: { url: receiver.url, events: ['*'] } });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const done = await call('POST /setup/complete');
    expect(done).toMatchObject({ complete: true, api_keys: { test: 1, live: 0 }, webhook_endpoints: { test: 1, live: 0 } });
    expect((await call('GET /session')).setup_complete).toBe(true);
  });

  it('live seed: a bad import, wrong words, then the three right ones make a sealed live wallet', async () => {
    await expectAdminError(call('POST /setup/seed/import', { body: { mnemonic: Array(12).fill('abandon').join(' ') } }), 400, 'mnemonic');
    await expectAdminError(call('POST /setup/watch-only', { body: { keys: [{ scheme: 'evm', key: 'xpub-not-a-key' }] } }), 400, 'keys[0].key');

    const draft = await call('POST /setup/seed/draft');
    expect(draft.words).toHaveLength(24);
    expect(new Set(draft.confirm_positions).size).toBe(3);
    expect(Date.parse(draft.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    // Nothing of the draft is written down: the words are not in the node's database or log.
    expect(readFileSync(join(home, 'kassa.db')).includes(Buffer.from(draft.words.join(' ')))).toBe(false);
    expect(readFileSync(node.logFile, 'utf8')).not.toContain(draft.words.slice(0, 4).join(' '));

    const [p1, p2, p3] = draft.confirm_positions as [number, number, number];
    const word = (p: number) => draft.words[p - 1]!;
    const otherWord = word(p2) === 'zoo' ? 'abandon' : 'zoo';
    await expectAdminError(call('POST /setup/seed/confirm', { body: { draft_id: draft.draft_id, words: { [p1]: word(p1), [p2]: otherWord, [p3]: word(p3) } } }), 400, `words.${p2}`);
    await expectAdminError(call('POST /setup/seed/confirm', { body: { draft_id: draft.draft_id, words: { [p1]: word(p1), [p3]: word(p3) } } }), 400, `words.${p2}`);
    await expectAdminError(call('POST /setup/seed/confirm', { body: { draft_id: 'sd_unknown', words: { '1': 'x' } } }), 404, 'draft_id');
    expect((await call('GET /setup')).wallets.live.exists).toBe(false);

    const confirmed = await call('POST /setup/seed/confirm', { body: { draft_id: draft.draft_id, words: { [p1]: ` ${word(p1).toUpperCase()} `, [p2]: word(p2), [p3]: word(p3) } } });
    expect(confirmed.wallets.live).toMatchObject({ exists: true, kind: 'seed', schemes: ['btc', 'evm', 'ltc', 'tron'] });
    // A node never replaces its wallet.
    await expectAdminError(call('POST /setup/seed/draft'), 409);
    await expectAdminError(call('POST /setup/seed/import', { body: { mnemonic: draft.words.join(' ') } }), 409);
    await expectAdminError(call('POST /setup/seed/confirm', { body: { draft_id: draft.draft_id, words: { [p1]: word(p1), [p2]: word(p2), [p3]: word(p3) } } }), 404, 'draft_id');
  });
});

describe('invoices', () => {
  let ids: { a: string; b: string; c: string };

  beforeAll(async () => {
    const a = await createIntent({ custom_id: 'ORDER-1042', customer_email: 'Buyer@Example.com', amount: '25.00' });
    const b = await createIntent({ custom_id: '=HYPERLINK("http://evil")', asset: 'USDC', amount: '5.00', description: 'line one, "two"' });
    const c = await createIntent({ network: 'bsc', custom_id: 'ORDER-2000' });
    ids = { a: a.id, b: b.id, c: c.id };
  });

  it('filters, search and cursor pages, each mode on its own', async () => {
    const byQuery = async (query: Record<string, unknown>) => (await call('GET /invoices', { query: query as never })).data.map((i) => i.id);
    expect(await byQuery({ q: 'ORDER-10' })).toEqual([ids.a]);
    expect(await byQuery({ q: 'buyer@example.COM' })).toEqual([ids.a]);
    expect(await byQuery({ q: ids.b })).toEqual([ids.b]);
    const c = (await call('GET /invoices/:id', { params: { id: ids.c } })).invoice;
    expect(await byQuery({ q: c.receive_address.toUpperCase().replace(/^0X/, '0x') })).toEqual([ids.c]);
    expect(await byQuery({ asset: 'usdc' })).toEqual([ids.b]);
    expect(await byQuery({ network: 'bep20' })).toEqual([ids.c]);
    expect(await byQuery({ status: 'pending', q: 'ORDER' })).toEqual([ids.c, ids.a]);
    expect(await byQuery({ created_gte: new Date(Date.now() + 3600_000).toISOString() })).toEqual([]);
    expect(await byQuery({ mode: 'live' })).toEqual([]);
    await expectAdminError(call('GET /invoices', { query: { network: 'dogecoin' } }), 400, 'network');
    await expectAdminError(call('GET /invoices', { query: { status: 'lost' as never } }), 400, 'status');

    const first = await call('GET /invoices', { query: { q: 'ORDER', limit: 1 } });
    expect(first).toMatchObject({ object: 'list', has_more: true, next_cursor: ids.c });
    const second = await call('GET /invoices', { query: { q: 'ORDER', limit: 1, starting_after: first.next_cursor! } });
    expect(second.data.map((i) => i.id)).toEqual([ids.a]);
    expect(second.has_more).toBe(false);
    await expectAdminError(call('GET /invoices', { query: { mode: 'live', starting_after: ids.a } }), 400, 'starting_after');
  });

  it('CSV export: attachment, header row, RFC 4180 quoting, formula guard, same filters', async () => {
    const url = admin.client.url('GET /invoices.csv', { query: { mode: 'test', asset: 'USDC' } });
    const res = await fetch(url, { headers: { cookie: admin.cookie()! } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="kassa-invoices-test-${new Date().toISOString().slice(0, 10)}.csv"`);
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe('id,created_at,status,exception,network,asset,amount,currency,pay_amount,amount_received,amount_confirmed,receive_address,custom_id,customer_email,description,paid_at,expires_at,txids');
    expect(lines).toHaveLength(3); // header, one row, and the empty string after the last CRLF
    expect(lines[2]).toBe('');
    expect(lines[1]).toContain(`${ids.b},`);
    expect(lines[1]).toContain(`,"'=HYPERLINK(""http://evil"")",`);
    expect(lines[1]).toContain(',"line one, ""two""",');
    expect(lines[1]).toContain(',devnet,USDC,5.00,USDC,5.00,0,0,');

    const all = await fetch(admin.client.url('GET /invoices.csv', { query: { mode: 'test' } }), { headers: { cookie: admin.cookie()! } });
    expect((await all.text()).split('\r\n').filter(Boolean).length).toBeGreaterThanOrEqual(4);
    const unauthenticated = await fetch(url);
    expect(unauthenticated.status).toBe(401);
  });

  it('a devnet payment: detail with the payment, events oldest first, deliveries newest first; then redeliver', async () => {
    const { txid } = await pay(ids.a);
    await mine(2);
    const detail = await eventually(async () => {
      const d = await call('GET /invoices/:id', { params: { id: ids.a } });
      return d.invoice.status === 'paid' && d.deliveries.filter((x) => x.status === 'succeeded').length >= 3 ? d : null;
    }, 'the invoice paid and its webhooks delivered');
    expect(detail.invoice.payments).toMatchObject([{ txid, amount: '25.00', status: 'confirmed' }]);
    expect(detail.events.map((e) => e.type)).toEqual(['payment_intent.created', 'payment_intent.payment_detected', 'payment_intent.paid']);
    const times = detail.deliveries.map((d) => d.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(new Set(detail.deliveries.map((d) => d.event_id))).toEqual(new Set(detail.events.map((e) => e.id)));
    expect(detail.actions).toEqual({ cancel: false, accept_late: false, simulate: false });
    // The search finds it by its txid now, whatever the case.
    expect((await call('GET /invoices', { query: { q: txid.slice(0, 12).toUpperCase().replace(/^0X/, '0x') } })).data.map((i) => i.id)).toEqual([ids.a]);

    const paidDelivery = detail.deliveries.find((d) => d.event_type === 'payment_intent.paid')!;
    const before = receiver.received.length;
    const again = await call('POST /deliveries/:id/redeliver', { params: { id: paidDelivery.id } });
    expect(again).toMatchObject({ object: 'webhook_delivery', redelivery_of: paidDelivery.id, event_id: paidDelivery.event_id, status: 'pending' });
    await receiver.waitFor((r) => r.length > before && r.slice(before).some((x) => x.headers['x-kassa-event-id'] === paidDelivery.event_id), 'the redelivered event');
    await expectAdminError(call('POST /deliveries/:id/redeliver', { params: { id: 'whd_nope' } }), 404, 'id');

    // The live feed reports the outcome of a redelivery's attempt as a `delivery` event.
    let redeliveryId = '';
    const delivered = await readStream(
      'test',
      (e) => (e.type === 'delivery' && e.data.id === redeliveryId ? e.data : null),
      async () => {
        redeliveryId = (await call('POST /deliveries/:id/redeliver', { params: { id: paidDelivery.id } })).id;
      },
    );
    expect(delivered).toMatchObject({ object: 'webhook_delivery', redelivery_of: paidDelivery.id, event_id: paidDelivery.event_id, status: 'succeeded', attempt_count: 1 });
    expect(delivered.attempts).toMatchObject([{ outcome: 'succeeded', response: { status: 200 } }]);
  });

  it('cancel: a pending invoice only', async () => {
    const intent = await createIntent({});
    const before = await call('GET /invoices/:id', { params: { id: intent.id } });
    expect(before.actions).toEqual({ cancel: true, accept_late: false, simulate: true });
    const after = await call('POST /invoices/:id/cancel', { params: { id: intent.id } });
    expect(after.invoice.status).toBe('canceled');
    expect(after.events.map((e) => e.type)).toEqual(['payment_intent.created', 'payment_intent.canceled']);
    expect(after.actions.cancel).toBe(false);
    await expectAdminError(call('POST /invoices/:id/cancel', { params: { id: intent.id } }), 409);
    await expectAdminError(call('POST /invoices/:id/cancel', { params: { id: 'pi_doesnotexist' } }), 404, 'id');
  });

  it('accept-late: a flagged late payment becomes paid, with payment_intent.paid', async () => {
    const intent = await createIntent({ asset: 'DEV', amount: '0.5' });
    await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/expire`, {});
    await pay(intent.id);
    await mine(2);
    const flagged = await eventually(async () => {
      const d = await call('GET /invoices/:id', { params: { id: intent.id } });
      return d.invoice.exception === 'paid_late' && d.invoice.payments[0]?.status === 'confirmed' ? d : null;
    }, 'the late payment flagged');
    expect(flagged.invoice.status).toBe('expired');
    expect(flagged.actions.accept_late).toBe(true);
    expect((await call('GET /invoices', { query: { exception: 'paid_late', status: 'expired' } })).data.map((i) => i.id)).toContain(intent.id);

    const accepted = await call('POST /invoices/:id/accept-late', { params: { id: intent.id } });
    expect(accepted.invoice).toMatchObject({ status: 'paid', exception: 'paid_late', late_payment_policy: 'accept' });
    expect(accepted.invoice.paid_at).not.toBeNull();
    expect(accepted.events.map((e) => e.type).slice(-2)).toEqual(['payment_intent.paid_late', 'payment_intent.paid']);
    expect(accepted.actions.accept_late).toBe(false);
    await expectAdminError(call('POST /invoices/:id/accept-late', { params: { id: intent.id } }), 409);
    // It stays paid: the next recompute (more blocks) keeps the operator's decision.
    await mine(1);
    expect((await call('GET /invoices/:id', { params: { id: intent.id } })).invoice.status).toBe('paid');
  });

  it('simulate: the devnet pays what is due and blocks follow until paid; the live stream reports it', async () => {
    const intent = await createIntent({ amount: '3.00' });
    const paid = await readStream(
      'test',
      (e) => (e.type === 'invoice' && e.data.id === intent.id && e.data.status === 'paid' ? e.data : null),
      async () => {
        const started = await call('POST /invoices/:id/simulate', { params: { id: intent.id } });
        expect(started.invoice.id).toBe(intent.id);
        expect(started.invoice.status).not.toBe('paid'); // the blocks that confirm it follow one by one
      },
    );
    expect(paid).toMatchObject({ object: 'payment_intent', id: intent.id, status: 'paid', amount_received: '3.00', livemode: false });
    await expectAdminError(call('POST /invoices/:id/simulate', { params: { id: intent.id } }), 409);
    await expectAdminError(call('POST /invoices/:id/simulate', { params: { id: 'pi_doesnotexist' } }), 404);
  });

  it('the stream sends an invoice event when a payment lands, and sync with the devnet', async () => {
    const intent = await createIntent({ amount: '1.00' });
    let sync: any[] | null = null;
    const seen = await readStream(
      'test',
      (e) => {
        if (e.type === 'sync') sync = e.data;
        return e.type === 'invoice' && e.data.id === intent.id && e.data.payments.length === 1 ? e.data : null;
      },
      async () => {
        await pay(intent.id);
        await mine(1);
      },
    );
    expect(seen.status).toBe('confirming');
    expect(sync!.find((s: { chain: string }) => s.chain === 'devnet')).toMatchObject({ network: 'devnet', livemode: false, healthy: true });
  });

  it('overview: today and 30-day volume, revenue, counts, recent payments, sync', async () => {
    const o = await call('GET /overview', { query: { mode: 'test' } });
    const devnetUsdt = o.today.find((v) => v.network === 'devnet' && v.asset === 'USDT')!;
    // 25.00 (ORDER-1042) + 3.00 (simulated) were paid today.
    expect(devnetUsdt).toEqual({ network: 'devnet', asset: 'USDT', amount: '28.00', usd: '28.00' });
    expect(o.last_30_days).toEqual(o.today);
    // DEV has no configured rate: no USD total rather than a wrong one.
    expect(o.today.find((v) => v.asset === 'DEV')).toMatchObject({ amount: '0.50', usd: null });
    expect(o.totals_usd).toEqual({ today: null, last_30_days: null });
    const usdt = o.revenue.find((r) => r.asset === 'USDT')!;
    expect(usdt.points).toHaveLength(30);
    expect(usdt.points[29]).toEqual({ date: new Date().toISOString().slice(0, 10), amount: '28.00' });
    expect(o.counts.paid_today).toBe(3);
    expect(o.counts.confirming).toBeGreaterThanOrEqual(1);
    expect(o.recent_payments.length).toBeGreaterThanOrEqual(3);
    expect(o.recent_payments[0]).toMatchObject({ object: 'payment', network: 'devnet' });
    expect(o.sync.find((s) => s.chain === 'devnet')).toMatchObject({ network: 'devnet', progress: 1, lag: 0 });
    const live = await call('GET /overview', { query: { mode: 'live' } });
    expect(live).toMatchObject({ mode: 'live', today: [], totals_usd: { today: '0.00', last_30_days: '0.00' }, recent_payments: [], sync: [] });
  });
});

describe('webhooks and API keys', () => {
  it('endpoints: list, update, test, rotate, deliveries, delete; the other mode does not see them', async () => {
    const created = await call('POST /webhook-endpoints', { query: { mode: 'test' }, body: { url: `${receiver.url}/second`, events: ['payment_intent.paid'], description: 'second' } });
    expect(created.secret).toMatch(/^whsec_/);
    const list = await call('GET /webhook-endpoints', { query: { mode: 'test' } });
    expect(list.data.map((e) => e.id)).toContain(created.id);
    expect(list.data.every((e) => e.secret === undefined)).toBe(true);
    expect((await call('GET /webhook-endpoints', { query: { mode: 'live' } })).data).toEqual([]);

    const patched = await call('PATCH /webhook-endpoints/:id', { params: { id: created.id }, body: { description: 'renamed', events: ['*'] } });
    expect(patched).toMatchObject({ description: 'renamed', events: ['*'] });
    const test = await call('POST /webhook-endpoints/:id/test', { params: { id: created.id } });
    expect(test).toMatchObject({ event_type: 'test.webhook', endpoint_id: created.id });
    await receiver.waitFor((r) => r.find((x) => x.path.endsWith('/second') && x.headers['x-kassa-event-type'] === 'test.webhook'), 'the test event');
    const rotated = await call('POST /webhook-endpoints/:id/rotate-secret', { params: { id: created.id } });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previous_secret_expires_at).not.toBeNull();
    const deliveries = await call('GET /webhook-endpoints/:id/deliveries', { params: { id: created.id }, query: { limit: 10 } });
    expect(deliveries.data.map((d) => d.id)).toContain(test.id);
    await expectAdminError(call('PATCH /webhook-endpoints/:id', { params: { id: created.id }, body: { url: 'ftp://x' } }), 400, 'url');
    expect(await call('DELETE /webhook-endpoints/:id', { params: { id: created.id } })).toEqual({ ok: true });
    await expectAdminError(call('DELETE /webhook-endpoints/:id', { params: { id: created.id } }), 404, 'id');
  });

  it('API keys: created once, listed by mode, revoked keys stop working', async () => {
    const created = await call('POST /api-keys', { body: { mode: 'test', scopes: ['payment_intents:read'], rate_limit: null } });
    expect(created.api_key).toMatchObject({ scopes: ['payment_intents:read'], rate_limit: null });
    const limited = apiClient(node.merchantUrl, created.key);
    expect((await limited.get('/api/v1/payment-intents')).status).toBe(200);
    expect((await limited.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '1' })).status).toBe(403);
    const listed = await call('GET /api-keys', { query: { mode: 'test' } });
    expect(listed.data.map((k) => k.id)).toContain(created.api_key.id);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect((await call('GET /api-keys', { query: { mode: 'live' } })).data).toEqual([]);
    await expectAdminError(call('POST /api-keys', { body: { mode: 'test', scopes: ['payment_intents:delete'] } }), 400, 'scopes');

    const revoked = await call('POST /api-keys/:id/revoke', { params: { id: created.api_key.id } });
    expect(revoked.revoked_at).not.toBeNull();
    expect((await limited.get('/api/v1/payment-intents')).status).toBe(401);
    await expectAdminError(call('POST /api-keys/:id/revoke', { params: { id: 'key_nope' } }), 404, 'id');
  });
});

describe('settings', () => {
  const configFile = () => JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));

  it('store settings apply at once and land in config.json beside what was there', async () => {
    expect(await call('PUT /settings/store', { body: { name: 'Corner Shop', expires_in: 900, late_payment_policy: 'flag', underpaid_tolerance_bps: 50 } })).toEqual({ restart_required: false });
    const file = configFile();
    expect(file.store).toMatchObject({ name: 'Corner Shop', expiresIn: 900, latePaymentPolicy: 'flag', underpaidToleranceBps: 50 });
    expect(file.rateLimitDefault).toBe(500);
    expect(file.webhooks).toEqual({ retrySchedule: [0.2, 0.2] });
    expect((await call('GET /settings')).store).toEqual({ name: 'Corner Shop', expires_in: 900, monitoring_window: 604800, late_payment_policy: 'flag', underpaid_tolerance_bps: 50 });
    // A new intent gets the new terms without a restart.
    const intent = await createIntent({ amount: '2.00' });
    const created = (await call('GET /invoices/:id', { params: { id: intent.id } })).invoice;
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(900_000);
    expect(created.late_payment_policy).toBe('flag');

    await call('PUT /settings/store', { body: { late_payment_policy: null } });
    expect(configFile().store.latePaymentPolicy).toBeUndefined();
    expect((await call('GET /settings')).store.late_payment_policy).toBeNull();
    await expectAdminError(call('PUT /settings/store', { body: { expires_in: 10 } }), 400, 'expires_in');
  });

  it('network settings go to config.json and ask for a restart; RPC URLs are sealed, and redacted ones keep the stored secret', async () => {
    const secretUrl = 'https://bsc.example/v1/0123456789abcdef0123456789';
    expect(await call('PUT /settings/networks', { body: { networks: { bsc: { enabled: true, rpc_urls: [secretUrl], confirmations: 20 } } } })).toEqual({ restart_required: true });
    // The URL may carry an API key: sealed in the database, never in config.json.
    expect(configFile().networks.bsc).toEqual({ enabled: true, confirmations: 20 });
    expect(readFileSync(join(home, 'config.json'), 'utf8')).not.toContain('0123456789abcdef');
    const view = await call('GET /settings');
    const bsc = view.networks.find((n) => n.id === 'bsc')!;
    expect(bsc).toMatchObject({ enabled: true, confirmations: 20, default_confirmations: 15, rpc_urls: ['https://bsc.example/v1/***'] });
    expect(view.networks.map((n) => n.id)).not.toContain('devnet');
    expect(view.node.restart_required).toBe(true);
    // The form sent back as shown: the stored URL (with its key) stays; "***" alone would be refused.
    await call('PUT /settings/networks', { body: { networks: { bsc: { enabled: true, rpc_urls: bsc.rpc_urls } } } });
    expect((await call('GET /settings')).networks.find((n) => n.id === 'bsc')!.rpc_urls).toEqual(['https://bsc.example/v1/***']);
    await expectAdminError(call('PUT /settings/networks', { body: { networks: { bsc: { enabled: true, rpc_urls: ['https://elsewhere.example/v1/***'] } } } }), 400, 'networks.bsc.rpc_urls[0]');
    await call('PUT /settings/networks', { body: { networks: { bsc: { enabled: false, rpc_urls: [] } } } });
    expect(configFile().networks.bsc).toEqual({ enabled: false, confirmations: 20 });
    expect((await call('GET /settings')).networks.find((n) => n.id === 'bsc')!.rpc_urls).toEqual([]);
    await expectAdminError(call('PUT /settings/networks', { body: { networks: { devnet: { enabled: true } } } }), 400, 'networks.devnet');
    await expectAdminError(call('PUT /settings/networks', { body: { networks: { tron: { enabled: true, rpc_urls: ['nope'] } } } }), 400, 'networks.tron.rpc_urls[0]');
  });

  it('notifications, key store, node and tunnel views', async () => {
    expect((await call('GET /settings')).notifications).toEqual({ paid: true, paid_late: true, webhook_failing: true });
    await call('PUT /settings/notifications', { body: { paid: false } });
    const view = await call('GET /settings');
    expect(view.notifications).toEqual({ paid: false, paid_late: true, webhook_failing: true });
    expect(view.key_store).toMatchObject({ kind: 'passphrase', can_seal: true });
    expect(view.node).toMatchObject({ home, merchant_url: node.merchantUrl, public_url: node.publicUrl });
    expect(view.tunnel).toMatchObject({ object: 'tunnel' });
    expect(await call('GET /tunnel')).toMatchObject({ object: 'tunnel' });
  });

  it('backup: a consistent copy under <home>/backups that opens as SQLite', async () => {
    const backup = await call('POST /settings/backup');
    expect(backup.path.startsWith(join(home, 'backups', 'kassa-'))).toBe(true);
    expect(existsSync(backup.path)).toBe(true);
    expect(backup.bytes).toBeGreaterThan(0);
    const db = new Database(backup.path, { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM payment_intents').get() as { n: number }).n).toBeGreaterThanOrEqual(5);
    } finally {
      db.close();
    }
    expect((await call('GET /settings')).backup).toEqual({ last_backup_at: backup.created_at, last_backup_path: backup.path });
  });

  it('writes need the CSRF header', async () => {
    const res = await fetch(`${node.merchantUrl}/api/admin/settings/backup`, { method: 'POST', headers: { cookie: admin.cookie()!, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
    expect(CSRF_HEADER).toBe('X-Kassa-CSRF');
  });
});
