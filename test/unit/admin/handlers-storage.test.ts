// The dashboard's new queries (migration 0010) on an in-memory database: the invoice search over
// ids, custom ids, emails, addresses and txids with every filter and the cursor; paid volumes;
// counts; recent payments; deliveries of events; and the notifier's reading of events and failures.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { invoiceSearch } from '../../../src-server/admin/handlers/invoice-search.ts';
import { createNotifier, type AdminNotification } from '../../../src-server/admin/notifications.ts';
import { migrate, type Db } from '../../../src-server/storage/db.ts';
import { createStorage, type Storage } from '../../../src-server/storage/index.ts';
import type { PaymentIntentRow } from '../../../src-server/storage/payment-intents-store.ts';
import { createEventsService } from '../../../src-server/webhooks/events-service.ts';

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function storage(): Storage {
  const db = new Database(':memory:');
  open.push(db);
  db.pragma('foreign_keys = ON');
  migrate(db);
  const s = createStorage(db);
  s.stores.ensure('st_default', 'Default store', '2026-05-01T00:00:00.000Z');
  s.stores.ensure('st_other', 'Other', '2026-05-01T00:00:00.000Z');
  return s;
}

let counter = 0;
function intent(s: Storage, over: Partial<PaymentIntentRow> = {}): PaymentIntentRow {
  counter++;
  const row: PaymentIntentRow = {
    id: `pi_${String(counter).padStart(4, '0')}abc`,
    store_id: 'st_default',
    livemode: 0,
    status: 'pending',
    exception: null,
    network: 'bsc',
    chain: 'devnet',
    asset: 'USDT',
    decimals: 18,
    token_contract: '0xtoken',
    amount: '25000000000000000000',
    currency: 'USDT',
    fiat_amount: null,
    rate: null,
    pay_amount: '25000000000000000000',
    tolerance: '0',
    amount_received: '0',
    amount_confirmed: '0',
    receive_address: `0x${String(counter).padStart(4, '0')}AbCdEf000000000000000000000000000000`,
    watch_address: 'x',
    address_mode: 'unique',
    address_scheme: 'evm',
    address_index: counter,
    confirmations_required: 2,
    late_payment_policy: 'accept',
    custom_id: null,
    checkout_session_id: null,
    customer_email: null,
    description: null,
    metadata: '{}',
    success_url: null,
    cancel_url: null,
    created_at: `2026-05-${String(10 + (counter % 15)).padStart(2, '0')}T00:00:${String(counter % 60).padStart(2, '0')}.000Z`,
    expires_at: '2026-06-01T00:00:00.000Z',
    monitor_until: '2026-06-08T00:00:00.000Z',
    paid_at: null,
    canceled_at: null,
    updated_at: '2026-05-01T00:00:00.000Z',
    ...over,
  };
  s.intents.insert(row);
  return row;
}

function payment(s: Storage, intentId: string, txid: string, detectedAt = '2026-05-20T00:00:00.000Z') {
  counter++;
  s.payments.insert({
    id: `pay_${counter}`,
    intent_id: intentId,
    chain: 'devnet',
    txid,
    output_index: counter,
    from_address: '0xfrom',
    to_address: '0xto',
    token_contract: '0xtoken',
    amount: '1',
    block_number: 1,
    block_hash: '0xb',
    block_time: detectedAt,
    status: 'detected',
    detected_at: detectedAt,
    confirmed_at: null,
    reverted_at: null,
  });
  return `pay_${counter}`;
}

const base = { storeId: 'st_default', livemode: false, limit: 100 } as const;
const ids = (rows: PaymentIntentRow[]) => rows.map((r) => r.id).sort();

describe('invoice search', () => {
  it('matches id, custom_id, email, address and txid by prefix, in its own store and mode only', () => {
    const s = storage();
    const a = intent(s, { custom_id: 'ORDER-1042', customer_email: 'Buyer@Example.com' });
    const b = intent(s, { receive_address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', network: 'tron' });
    const c = intent(s);
    payment(s, c.id, '0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
    const live = intent(s, { livemode: 1, custom_id: 'ORDER-1042' });
    const other = intent(s, { store_id: 'st_other', custom_id: 'ORDER-1042' });
    const search = (q: string) => ids(s.intents.search({ ...base, search: invoiceSearch(q) }));

    expect(search(a.id)).toEqual([a.id]);
    expect(search(a.id.slice(0, 7))).toEqual([a.id]);
    expect(search('ORDER-10')).toEqual([a.id]);
    expect(search('order-10')).toEqual([]); // custom ids are the shop's: case counts
    expect(search('buyer@example')).toEqual([a.id]);
    expect(search('TR7NHqje')).toEqual([b.id]);
    expect(search('tr7nhqje')).toEqual([]); // base58: case counts
    expect(search(c.receive_address.toLowerCase())).toEqual([c.id]); // hex: case does not
    expect(search('0x9F86D081')).toEqual([c.id]);
    expect(search('0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')).toEqual([c.id]);
    expect(search('nothing-like-it')).toEqual([]);
    expect(ids(s.intents.search({ ...base, livemode: true, search: invoiceSearch('ORDER-1042') }))).toEqual([live.id]);
    expect(ids(s.intents.search({ ...base, storeId: 'st_other', search: invoiceSearch('ORDER-1042') }))).toEqual([other.id]);
  });

  it('a LIKE wildcard in the search box is a plain character', () => {
    const s = storage();
    intent(s, { custom_id: 'ORDER-1' });
    const pct = intent(s, { custom_id: 'A%B' });
    expect(ids(s.intents.search({ ...base, search: invoiceSearch('%') }))).toEqual([]);
    expect(ids(s.intents.search({ ...base, search: invoiceSearch('A%') }))).toEqual([pct.id]);
  });

  it('filters by status, exception, network, asset and created range, newest first with a cursor', () => {
    const s = storage();
    const rows = [
      intent(s, { status: 'paid', network: 'bsc', asset: 'USDT', created_at: '2026-05-01T00:00:00.000Z' }),
      intent(s, { status: 'expired', exception: 'paid_late', network: 'tron', asset: 'USDT', created_at: '2026-05-02T00:00:00.000Z' }),
      intent(s, { status: 'expired', exception: 'underpaid', network: 'bsc', asset: 'USDC', created_at: '2026-05-03T00:00:00.000Z' }),
      intent(s, { status: 'pending', network: 'ethereum', asset: 'ETH', created_at: '2026-05-04T00:00:00.000Z' }),
    ];
    expect(ids(s.intents.search({ ...base, status: 'expired' }))).toEqual([rows[1]!.id, rows[2]!.id].sort());
    expect(ids(s.intents.search({ ...base, exception: 'paid_late' }))).toEqual([rows[1]!.id]);
    expect(ids(s.intents.search({ ...base, network: 'bsc', asset: 'USDC' }))).toEqual([rows[2]!.id]);
    expect(ids(s.intents.search({ ...base, createdGte: '2026-05-02T00:00:00.000Z', createdLte: '2026-05-03T00:00:00.000Z' }))).toEqual([rows[1]!.id, rows[2]!.id].sort());
    const page1 = s.intents.search({ ...base, limit: 2 });
    expect(page1.map((r) => r.id)).toEqual([rows[3]!.id, rows[2]!.id]);
    const page2 = s.intents.search({ ...base, limit: 2, before: { created_at: page1[1]!.created_at, id: page1[1]!.id } });
    expect(page2.map((r) => r.id)).toEqual([rows[1]!.id, rows[0]!.id]);
  });
});

describe('volumes, counts, recent payments', () => {
  it('paid intents in a window; counts by status; what needs attention', () => {
    const s = storage();
    intent(s, { status: 'paid', paid_at: '2026-05-29T10:00:00.000Z', amount_received: '5' });
    intent(s, { status: 'paid', paid_at: '2026-05-28T23:59:59.999Z', amount_received: '7' });
    intent(s, { status: 'paid', paid_at: '2026-05-29T10:00:00.000Z', livemode: 1 });
    intent(s, { status: 'expired', exception: 'paid_late' });
    intent(s, { status: 'expired', exception: 'underpaid' });
    intent(s, { status: 'expired', exception: null });
    intent(s, { status: 'pending' });
    const today = s.intents.paidBetween('st_default', false, '2026-05-29T00:00:00.000Z', '2026-05-30T00:00:00.000Z');
    expect(today).toEqual([{ network: 'bsc', asset: 'USDT', decimals: 18, amount_received: '5', paid_at: '2026-05-29T10:00:00.000Z' }]);
    expect(s.intents.countByStatus('st_default', false)).toEqual({ paid: 2, expired: 3, pending: 1 });
    expect(s.intents.countNeedingAttention('st_default', false)).toBe(2);
  });

  it('recent payments are the newest of the mode', () => {
    const s = storage();
    const t = intent(s);
    const l = intent(s, { livemode: 1 });
    const older = payment(s, t.id, '0x01', '2026-05-20T00:00:00.000Z');
    const newer = payment(s, t.id, '0x02', '2026-05-21T00:00:00.000Z');
    payment(s, l.id, '0x03', '2026-05-22T00:00:00.000Z');
    expect(s.payments.recentForStore('st_default', false, 10).map((p) => p.id)).toEqual([newer, older]);
    expect(s.payments.recentForStore('st_default', false, 1).map((p) => p.id)).toEqual([newer]);
  });

  it('updatedSince and the late payment decision', () => {
    const s = storage();
    const a = intent(s, { updated_at: '2026-05-29T10:00:00.000Z', late_payment_policy: 'flag' });
    intent(s, { updated_at: '2026-05-29T09:00:00.000Z' });
    expect(s.intents.updatedSince('st_default', false, '2026-05-29T09:30:00.000Z', 10).map((r) => r.id)).toEqual([a.id]);
    s.intents.setLatePaymentPolicy(a.id, 'accept', '2026-05-29T11:00:00.000Z');
    expect(s.intents.get(a.id)).toMatchObject({ late_payment_policy: 'accept', updated_at: '2026-05-29T11:00:00.000Z' });
  });
});

function endpoint(s: Storage, id: string, over: Record<string, unknown> = {}) {
  s.webhooks.insertEndpoint({
    id,
    store_id: 'st_default',
    livemode: 0,
    url: `https://shop.example/${id}`,
    description: null,
    events: '["*"]',
    format: 'native',
    enabled: 1,
    disabled_reason: null,
    secret_sealed: 'sealed',
    previous_secret_sealed: null,
    previous_secret_expires_at: null,
    failing_since: null,
    created_at: '2026-05-01T00:00:00.000Z',
    updated_at: '2026-05-01T00:00:00.000Z',
    ...over,
  });
}

describe('deliveries of an invoice and notifications', () => {
  it('deliveries for events, newest first, across endpoints; endpoint counts', () => {
    const s = storage();
    endpoint(s, 'we_a');
    endpoint(s, 'we_b');
    endpoint(s, 'we_live', { livemode: 1 });
    const events = createEventsService(s);
    const t = intent(s);
    const e1 = s.transaction(() => events.record({ type: 'payment_intent.created', storeId: 'st_default', livemode: false, objectType: 'payment_intent', objectId: t.id, object: { id: t.id }, at: new Date() }));
    const e2 = s.transaction(() => events.record({ type: 'payment_intent.paid', storeId: 'st_default', livemode: false, objectType: 'payment_intent', objectId: t.id, object: { id: t.id }, at: new Date() }));
    const rows = s.webhooks.deliveriesForEvents([e1.id, e2.id], 10);
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.event_id)).toEqual([e2.id, e2.id, e1.id, e1.id]);
    expect(s.webhooks.deliveriesForEvents([], 10)).toEqual([]);
    expect(s.webhooks.countEndpoints('st_default', false)).toBe(2);
    expect(s.webhooks.countEndpoints('st_default', true)).toBe(1);
  });

  it('the notifier turns paid, paid late and disabled endpoints into notifications, as the settings allow', () => {
    const s = storage();
    const events = createEventsService(s);
    const seen: AdminNotification[] = [];
    const notifier = createNotifier({ events, storage: s, onNotification: (n) => seen.push(n), pollIntervalMs: 3_600_000 });
    const record = (type: 'payment_intent.paid' | 'payment_intent.paid_late' | 'webhook_endpoint.disabled' | 'payment_intent.created', object: Record<string, unknown>) => {
      s.transaction(() => events.record({ type, storeId: 'st_default', livemode: false, objectType: 'x', objectId: String(object.id), object, at: new Date() }));
      events.flush();
    };
    const pi = { object: 'payment_intent', id: 'pi_1', livemode: false, network: 'bsc', asset: 'USDT', amount_received: '25.00', custom_id: 'ORDER-7' };
    record('payment_intent.created', pi);
    record('payment_intent.paid', { ...pi, status: 'paid' });
    record('payment_intent.paid_late', { ...pi, status: 'expired', late_payment_policy: 'flag' });
    record('webhook_endpoint.disabled', { object: 'webhook_endpoint', id: 'we_1', url: 'https://shop.example/hook' });
    expect(seen).toEqual([
      { kind: 'paid', title: 'Payment received', body: '25.00 USDT on BNB Smart Chain · ORDER-7 · test mode', invoice_id: 'pi_1' },
      { kind: 'paid_late', title: 'Late payment needs your decision', body: expect.stringContaining('accept it or refund it'), invoice_id: 'pi_1' },
      { kind: 'webhook_failing', title: 'Webhook endpoint disabled', body: expect.stringContaining('https://shop.example/hook') },
    ]);
    s.admin.putSetting('notifications', { paid: false });
    record('payment_intent.paid', pi);
    expect(seen).toHaveLength(3);
    notifier.stop();
    record('payment_intent.paid_late', pi);
    expect(seen).toHaveLength(3);
  });

  it('a failing endpoint is told once per failing spell, after it has failed for a while', () => {
    const s = storage();
    let now = Date.parse('2026-05-29T12:00:00.000Z');
    endpoint(s, 'we_f', { failing_since: '2026-05-29T11:58:00.000Z' });
    endpoint(s, 'we_off', { failing_since: '2026-05-28T00:00:00.000Z', enabled: 0, disabled_reason: 'manual' });
    const seen: AdminNotification[] = [];
    const notifier = createNotifier({ events: createEventsService(s), storage: s, onNotification: (n) => seen.push(n), pollIntervalMs: 3_600_000, failingAfterMs: 5 * 60_000, clock: () => new Date(now) });
    notifier.checkFailingNow();
    expect(seen).toHaveLength(0); // failing for 2 minutes only; the disabled one is not news
    now += 4 * 60_000;
    notifier.checkFailingNow();
    expect(seen).toEqual([{ kind: 'webhook_failing', title: 'Webhook deliveries failing', body: expect.stringContaining('https://shop.example/we_f (test mode)') }]);
    notifier.checkFailingNow();
    expect(seen).toHaveLength(1);
    s.webhooks.setFailingSince('we_f', null);
    notifier.checkFailingNow();
    s.webhooks.setFailingSince('we_f', '2026-05-29T12:00:00.000Z');
    now += 10 * 60_000;
    notifier.checkFailingNow();
    expect(seen).toHaveLength(2);
    s.admin.putSetting('notifications', { webhook_failing: false });
    s.webhooks.setFailingSince('we_f', null);
    notifier.checkFailingNow();
    s.webhooks.setFailingSince('we_f', '2026-05-29T12:05:00.000Z');
    now += 10 * 60_000;
    notifier.checkFailingNow();
    expect(seen).toHaveLength(2);
    notifier.stop();
  });
});
