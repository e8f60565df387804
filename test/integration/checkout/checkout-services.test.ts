// The checkout services in process, on a real (in-memory) database, a real wallet and the real
// credit ledger: payments are reported as a chain watcher would report them, so each rule can be
// driven exactly — completion in the payment's own transaction, a second option paid later, late
// payments, expiry — and payment links opening sessions.
import { getAddress } from 'viem';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectedTransfer } from '../../../src-server/chains/types.ts';
import { createCheckoutSessionsService, type CheckoutSessionsService } from '../../../src-server/payments/checkout-sessions-service.ts';
import { createPaymentIntentsService, PaymentInputError, type PaymentIntentsService } from '../../../src-server/payments/payment-intents-service.ts';
import { createPaymentLinksService, type PaymentLinksService } from '../../../src-server/payments/payment-links-service.ts';
import { openDatabase, type Db } from '../../../src-server/storage/db.ts';
import { createStorage, type Storage } from '../../../src-server/storage/index.ts';
import { openKeyStore } from '../../../src-server/wallet/key-store.ts';
import { createWalletService } from '../../../src-server/wallet/wallet-service.ts';
import { createEventsService, type EventsService } from '../../../src-server/webhooks/events-service.ts';
import { tempHome } from '../../helpers/node.ts';

const TOKENS = {
  USDT: getAddress('0x00000000000000000000000000000000000000a1'),
  USDC: getAddress('0x00000000000000000000000000000000000000a2'),
  USDT18: getAddress('0x00000000000000000000000000000000000000a3'),
  USDC18: getAddress('0x00000000000000000000000000000000000000a4'),
};
const caller = { storeId: 'st_default', livemode: false };

let db: Db;
let storage: Storage;
let events: EventsService;
let intents: PaymentIntentsService;
let sessions: CheckoutSessionsService;
let links: PaymentLinksService;
let now = new Date('2026-06-01T12:00:00.000Z');
let block = 100;
let tx = 0;

beforeAll(async () => {
  db = openDatabase(':memory:');
  storage = createStorage(db);
  storage.stores.ensure('st_default', 'Test store', now.toISOString());
  const keyStore = await openKeyStore({ home: tempHome('kassa-checkout-svc-'), prefer: 'none' });
  const wallet = createWalletService({ storage, keyStore });
  await wallet.ensureTestWallet();
  events = createEventsService(storage);
  const logger = pino({ level: 'silent' });
  const clock = () => now;
  intents = createPaymentIntentsService({
    storage, events, wallet, logger, rateSources: [], clock,
    devnet: () => ({ chainId: 31337, tokens: TOKENS, confirmations: 2 }),
    liveNetworks: () => new Map(),
    publicBaseUrl: () => 'https://pay.example/',
  });
  sessions = createCheckoutSessionsService({
    storage, events, intents, logger, rateSources: [], clock,
    liveNetworks: () => new Map(),
    evmDevnet: () => true,
    testNetworks: () => new Map(),
    publicBaseUrl: () => 'https://pay.example/',
  });
  links = createPaymentLinksService({ storage, checkoutSessions: sessions, publicBaseUrl: () => 'https://pay.example', clock });
});
afterAll(() => db?.close());

/** Reports a transfer to the option's address in a new block, as the watcher does (one transaction). */
function transfer(intentId: string, amount?: bigint): void {
  const row = storage.intents.get(intentId)!;
  block += 1;
  const t: DetectedTransfer = {
    txid: `0x${(++tx).toString(16).padStart(64, '0')}`,
    index: 0,
    from: '0x00000000000000000000000000000000000000ff',
    to: row.watch_address,
    tokenContract: row.token_contract,
    amount: amount ?? BigInt(row.pay_amount),
    blockNumber: block,
    blockHash: `0x${block.toString(16).padStart(64, '0')}`,
    blockTime: Math.floor(now.getTime() / 1000),
  };
  storage.transaction(() => intents.ledger.creditTransfers('devnet', [t], now));
  events.flush();
}
/** Mines `n` blocks: the confirm step of the watcher, in its own transaction. */
function confirm(n = 2): void {
  block += n;
  storage.transaction(() => intents.ledger.confirmUpTo('devnet', block, now));
  events.flush();
}
const eventTypes = (objectId: string) => storage.events.listForObject(objectId).map((e) => e.type);
const session = (id: string) => sessions.get(caller, id);

describe('checkout sessions (services)', () => {
  it('fans out one option per enabled pair, primary = USDT on the cheapest network, url on the public base', () => {
    const s = sessions.create(caller, { amount: '25.00', customer_email: 'buyer@example.com', metadata: { order: '1042' } });
    expect(s).toMatchObject({ object: 'checkout_session', status: 'open', amount: '25.00', currency: 'USD', payment_intent: null, url: `https://pay.example/checkout/${s.id}` });
    expect(s.id).toMatch(/^cs_/);
    expect(s.options.map((o) => `${o.network}/${o.asset}`)).toEqual([
      'ethereum/USDT', 'ethereum/USDC', 'bsc/USDT', 'bsc/USDC', 'polygon/USDT', 'polygon/USDC', 'base/USDC', 'arbitrum/USDT', 'arbitrum/USDC',
    ]);
    expect(`${s.primary!.network}/${s.primary!.asset}`).toBe('polygon/USDT');
    for (const o of s.options) {
      expect(o).toMatchObject({ status: 'pending', amount: '25.00', currency: 'USD', pay_amount: '25.00', customer_email: 'buyer@example.com', metadata: { order: '1042' } });
    }
    expect(new Set(s.options.map((o) => o.receive_address)).size).toBe(s.options.length);
    const pub = sessions.getPublic(s.id)!;
    expect(pub).toMatchObject({ id: s.id, status: 'open', amount: '25.00', currency: 'USD', primary: s.primary!.id, payment_intent: null });
    expect(JSON.stringify(pub)).not.toContain('buyer@example.com');
    expect(JSON.stringify(pub)).not.toContain('1042');
    expect(pub.options).toHaveLength(9);
  });

  it('the first option paid completes the session in that same transaction; options with nothing are canceled', () => {
    const s = sessions.create(caller, { amount: '10', methods: [{ network: 'polygon', asset: 'USDT' }, { network: 'bsc', asset: 'USDT' }, { network: 'base' }] });
    expect(s.options).toHaveLength(3);
    const [polygon, bsc, base] = s.options;
    transfer(bsc!.id);
    expect(session(s.id).status).toBe('open');
    const seqBefore = storage.events.list({ storeId: 'st_default', livemode: false, limit: 1 })[0]!.seq;
    confirm();
    const done = session(s.id);
    expect(done).toMatchObject({ status: 'complete', payment_intent: bsc!.id });
    expect(done.completed_at).not.toBeNull();
    expect(done.options.map((o) => o.status)).toEqual(['canceled', 'paid', 'canceled']);
    // paid, the two cancels and the completion were written together, in this order.
    const written = storage.events.list({ storeId: 'st_default', livemode: false, limit: 10 }).filter((e) => e.seq > seqBefore).reverse();
    expect(written.map((e) => `${e.type}:${e.object_id}`)).toEqual([
      `payment_intent.paid:${bsc!.id}`,
      `payment_intent.canceled:${polygon!.id}`,
      `payment_intent.canceled:${base!.id}`,
      `checkout_session.completed:${s.id}`,
    ]);
    const completed = JSON.parse(written[3]!.data);
    expect(completed).toMatchObject({ object: 'checkout_session', id: s.id, status: 'complete', payment_intent: bsc!.id });
    expect(sessions.getPublic(s.id)).toMatchObject({ status: 'complete', payment_intent: bsc!.id });
  });

  it('an option that already received money is not canceled, is credited when paid, and does not complete the session twice', () => {
    const s = sessions.create(caller, { amount: '7.50', methods: [{ network: 'polygon', asset: 'USDT' }, { network: 'arbitrum', asset: 'USDT' }, { network: 'base', asset: 'USDC' }] });
    const [a, b, c] = s.options;
    transfer(a!.id);
    transfer(b!.id, 5_000_000n); // a partial payment on B, then A confirms
    confirm();
    expect(session(s.id)).toMatchObject({ status: 'complete', payment_intent: a!.id });
    expect(intents.get(caller, b!.id)).toMatchObject({ status: 'pending', amount_received: '5.00' });
    expect(intents.get(caller, c!.id).status).toBe('canceled');
    transfer(b!.id, 2_500_000n);
    confirm();
    expect(intents.get(caller, b!.id)).toMatchObject({ status: 'paid', amount_received: '7.50', amount_confirmed: '7.50' });
    expect(session(s.id)).toMatchObject({ status: 'complete', payment_intent: a!.id });
    expect(eventTypes(s.id)).toEqual(['checkout_session.completed']);
  });

  it('expires when every option expired unpaid; a late payment accepted to paid then completes it', () => {
    const s = sessions.create(caller, { amount: '3', expires_in: 60, methods: [{ network: 'polygon', asset: 'USDT' }, { network: 'ethereum', asset: 'USDC' }] });
    now = new Date(now.getTime() + 61_000);
    intents.expireDue(now, () => true);
    expect(session(s.id).status).toBe('expired');
    expect(session(s.id).options.map((o) => o.status)).toEqual(['expired', 'expired']);
    transfer(s.options[1]!.id);
    confirm();
    const late = session(s.id);
    expect(late).toMatchObject({ status: 'complete', payment_intent: s.options[1]!.id });
    expect(late.options[1]).toMatchObject({ status: 'paid', exception: 'paid_late' });
    expect(late.options[0]!.status).toBe('expired'); // not pending, so nothing to cancel
    expect(eventTypes(s.id)).toEqual(['checkout_session.completed']);
  });

  it('cancel: options with nothing are canceled, an option with money keeps going and still completes the session when paid', () => {
    const s = sessions.create(caller, { amount: '4', methods: [{ network: 'polygon', asset: 'USDT' }, { network: 'bsc', asset: 'USDC' }] });
    transfer(s.options[1]!.id, 1n);
    const canceled = sessions.cancel(caller, s.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.options.map((o) => o.status)).toEqual(['canceled', 'pending']);
    expect(() => sessions.cancel(caller, s.id)).toThrow(/only an open checkout session/);
    transfer(s.options[1]!.id, BigInt(storage.intents.get(s.options[1]!.id)!.pay_amount) - 1n);
    confirm();
    expect(session(s.id)).toMatchObject({ status: 'complete', payment_intent: s.options[1]!.id });
  });

  it('getPublic never throws on hostile ids', () => {
    for (const id of ['', 'cs_', 'cs_' + 'a'.repeat(100), "cs_1' OR 1=1", 'pi_abc', '../etc/passwd', 'cs_doesnotexist']) {
      expect(sessions.getPublic(id)).toBeNull();
      expect(links.getPublic(id)).toBeNull();
    }
    expect(sessions.getPublic(undefined as unknown as string)).toBeNull();
  });
});

describe('payment links (services)', () => {
  it('a fixed link opens a new session per visit, in its own terms', () => {
    const link = links.create(caller, { amount: '12.00', description: 'T-shirt', methods: [{ network: 'bep20', asset: 'usdt' }, { network: 'polygon' }], metadata: { sku: 'TS-1' } });
    expect(link).toMatchObject({ object: 'payment_link', active: true, amount: '12.00', currency: 'USD', url: `https://pay.example/l/${link.id}`, methods: [{ network: 'bsc', asset: 'USDT' }, { network: 'polygon' }] });
    const first = links.openSession(link.id, {});
    const second = links.openSession(link.id, { amount: '12' });
    expect(first.id).not.toBe(second.id);
    for (const s of [first, second]) {
      expect(s).toMatchObject({ status: 'open', amount: '12.00', currency: 'USD', description: 'T-shirt', livemode: false });
      expect(s.options.map((o) => `${o.network}/${o.asset}`)).toEqual(['bsc/USDT', 'polygon/USDT', 'polygon/USDC']);
      expect(sessions.get(caller, s.id)).toMatchObject({ payment_link: link.id, metadata: { sku: 'TS-1' } });
    }
    expect(() => links.openSession(link.id, { amount: '13' })).toThrow(expect.objectContaining({ status: 400, param: 'amount' }));
  });

  it('a customer-chosen link validates the amount against its bounds, naming amount', () => {
    const link = links.create(caller, { amount: null, min_amount: '5', max_amount: '500', currency: 'usdt', description: 'Tip' });
    expect(link).toMatchObject({ amount: null, min_amount: '5.00', max_amount: '500.00', currency: 'USDT' });
    expect(links.getPublic(link.id)).toEqual({ id: link.id, livemode: false, active: true, amount: null, currency: 'USDT', description: 'Tip', min_amount: '5.00', max_amount: '500.00' });
    const s = links.openSession(link.id, { amount: '42.5' });
    expect(s).toMatchObject({ amount: '42.50', currency: 'USDT' });
    expect(new Set(s.options.map((o) => o.asset))).toEqual(new Set(['USDT']));
    for (const [amount, code] of [[undefined, 'parameter_missing'], ['4.99', 'amount_too_small'], ['500.01', 'amount_too_large'], ['abc', 'parameter_invalid']] as const) {
      let err: unknown;
      try {
        links.openSession(link.id, { amount });
      } catch (e) {
        err = e;
      }
      expect(err, String(amount)).toBeInstanceOf(PaymentInputError);
      expect(err).toMatchObject({ status: 400, code, param: 'amount' });
    }
  });

  it('an archived link opens nothing; an unknown one is not found', () => {
    const link = links.create(caller, { amount: '1' });
    const archived = links.delete(caller, link.id);
    expect(archived.active).toBe(false);
    expect(links.get(caller, link.id).active).toBe(false);
    expect(() => links.openSession(link.id, {})).toThrow(expect.objectContaining({ status: 409, code: 'payment_link_inactive' }));
    expect(() => links.openSession('plink_nope', {})).toThrow(expect.objectContaining({ status: 404 }));
    links.update(caller, link.id, { active: true });
    expect(links.openSession(link.id, {}).status).toBe('open');
  });

  it('a link in a currency nothing can be priced in is refused at creation, naming currency', () => {
    expect(() => links.create(caller, { amount: '10', currency: 'EUR' })).toThrow(expect.objectContaining({ status: 400, param: 'currency' }));
    expect(() => links.create(caller, { amount: '10', min_amount: '1' })).toThrow(expect.objectContaining({ status: 400, param: 'min_amount' }));
    expect(() => links.create(caller, { min_amount: '10', max_amount: '1' })).toThrow(expect.objectContaining({ status: 400, param: 'max_amount' }));
    expect(() => links.create(caller, { amount: '10', methods: [{ network: 'tron' }] })).toThrow(expect.objectContaining({ status: 400, param: 'methods' }));
  });
});
