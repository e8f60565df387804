import { describe, expect, it } from 'vitest';
import { getNetwork } from '../../../src-server/money/assets.ts';
import {
  type IntentException,
  type IntentStatus,
  type LifecycleEventType,
  type LifecycleInput,
  type LifecyclePayment,
  type LifecycleState,
  type PaymentChanges,
  type PaymentStatus,
  canCancel,
  computeIntentState,
  defaultLatePaymentPolicy,
  diffPayments,
  transitionEvents,
} from '../../../src-server/payments/lifecycle.ts';

const T0 = Date.parse('2026-05-29T12:00:00Z');
/** A time `minutes` after the intent was created; it expires at 30 and stops being watched at 7 days. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const EXPIRES = 30;
const MONITOR_END = 7 * 24 * 60;
const USDT = (whole: number, micro = 0) => BigInt(whole) * 1_000000n + BigInt(micro);

function pay(id: string, amount: bigint, status: PaymentStatus, seenMinute: number): LifecyclePayment {
  return { id, amount, status, seenAt: at(seenMinute) };
}

function input(overrides: Partial<LifecycleInput> & { nowMinute: number }): LifecycleInput {
  const { nowMinute, ...rest } = overrides;
  return {
    status: 'pending',
    amount: USDT(25),
    tolerance: 0n,
    expiresAt: at(EXPIRES),
    monitorUntil: at(MONITOR_END),
    latePaymentPolicy: 'accept',
    payments: [],
    now: at(nowMinute),
    paidAt: null,
    ...rest,
  };
}

type Expect = [status: IntentStatus, exception: IntentException, received: bigint, confirmed: bigint];

describe('computeIntentState', () => {
  it.each<[string, Parameters<typeof input>[0], Expect]>([
    ['nothing yet', { nowMinute: 5 }, ['pending', null, 0n, 0n]],
    ['exact payment seen', { nowMinute: 5, payments: [pay('a', USDT(25), 'detected', 4)] }, ['confirming', null, USDT(25), 0n]],
    ['exact payment confirmed', { nowMinute: 8, payments: [pay('a', USDT(25), 'confirmed', 4)] }, ['paid', null, USDT(25), USDT(25)]],
    ['partial payment shows in received', { nowMinute: 5, payments: [pay('a', USDT(10), 'confirmed', 4)] }, ['pending', null, USDT(10), USDT(10)]],
    ['partial then expiry → underpaid', { nowMinute: 31, payments: [pay('a', USDT(10), 'confirmed', 4)] }, ['expired', 'underpaid', USDT(10), USDT(10)]],
    ['nothing by expiry', { nowMinute: 30, payments: [] }, ['expired', null, 0n, 0n]],
    ['overpaid, unconfirmed', { nowMinute: 5, payments: [pay('a', USDT(30), 'detected', 4)] }, ['confirming', 'overpaid', USDT(30), 0n]],
    ['overpaid, confirmed', { nowMinute: 9, payments: [pay('a', USDT(30), 'confirmed', 4)] }, ['paid', 'overpaid', USDT(30), USDT(30)]],
    ['two payments summing, both confirmed', {
      nowMinute: 20, payments: [pay('a', USDT(10), 'confirmed', 4), pay('b', USDT(15), 'confirmed', 12)],
    }, ['paid', null, USDT(25), USDT(25)]],
    ['two payments summing, one still unconfirmed', {
      nowMinute: 20, payments: [pay('a', USDT(10), 'confirmed', 4), pay('b', USDT(15), 'detected', 12)],
    }, ['confirming', null, USDT(25), USDT(10)]],
    ['two payments summing over the amount', {
      nowMinute: 20, payments: [pay('a', USDT(20), 'confirmed', 4), pay('b', USDT(20), 'confirmed', 12)],
    }, ['paid', 'overpaid', USDT(40), USDT(40)]],
    ['within tolerance is paid, no exception', {
      nowMinute: 10, tolerance: USDT(0, 10000), payments: [pay('a', USDT(24, 990000), 'confirmed', 4)],
    }, ['paid', null, USDT(24, 990000), USDT(24, 990000)]],
    ['just outside tolerance stays pending', {
      nowMinute: 10, tolerance: USDT(0, 10000), payments: [pay('a', USDT(24, 989999), 'confirmed', 4)],
    }, ['pending', null, USDT(24, 989999), USDT(24, 989999)]],
    ['just outside tolerance at expiry → underpaid', {
      nowMinute: 45, tolerance: USDT(0, 10000), payments: [pay('a', USDT(24, 989999), 'confirmed', 4)],
    }, ['expired', 'underpaid', USDT(24, 989999), USDT(24, 989999)]],
    ['seen before expiry, unconfirmed after it → still confirming', {
      nowMinute: 40, payments: [pay('a', USDT(25), 'detected', 29)],
    }, ['confirming', null, USDT(25), 0n]],
    ['seen before expiry, confirmed after it → paid', {
      nowMinute: 90, payments: [pay('a', USDT(25), 'confirmed', 29)],
    }, ['paid', null, USDT(25), USDT(25)]],
    ['seen exactly at expiry counts as late', {
      nowMinute: 31, latePaymentPolicy: 'flag', payments: [pay('a', USDT(25), 'confirmed', 30)],
    }, ['expired', 'paid_late', USDT(25), USDT(25)]],
    ['late payment, accept, unconfirmed', {
      nowMinute: 60, payments: [pay('a', USDT(25), 'detected', 45)],
    }, ['confirming', 'paid_late', USDT(25), 0n]],
    ['late payment, accept, confirmed', {
      nowMinute: 60, payments: [pay('a', USDT(25), 'confirmed', 45)],
    }, ['paid', 'paid_late', USDT(25), USDT(25)]],
    ['late top-up of an on-time partial, accept', {
      nowMinute: 60, payments: [pay('a', USDT(10), 'confirmed', 5), pay('b', USDT(15), 'confirmed', 50)],
    }, ['paid', 'paid_late', USDT(25), USDT(25)]],
    ['late overpayment, accept: paid_late wins over overpaid', {
      nowMinute: 60, payments: [pay('a', USDT(40), 'confirmed', 45)],
    }, ['paid', 'paid_late', USDT(40), USDT(40)]],
    ['late payment, flag', {
      nowMinute: 60, latePaymentPolicy: 'flag', payments: [pay('a', USDT(25), 'confirmed', 45)],
    }, ['expired', 'paid_late', USDT(25), USDT(25)]],
    ['late partial payment → underpaid', {
      nowMinute: 60, payments: [pay('a', USDT(5), 'confirmed', 45)],
    }, ['expired', 'underpaid', USDT(5), USDT(5)]],
    ['payment after monitorUntil is ignored (but recorded in the sums)', {
      nowMinute: MONITOR_END + 10, payments: [pay('a', USDT(25), 'confirmed', MONITOR_END + 1)],
    }, ['expired', null, USDT(25), USDT(25)]],
    ['payment exactly at monitorUntil is ignored', {
      nowMinute: MONITOR_END + 10, payments: [pay('a', USDT(25), 'confirmed', MONITOR_END)],
    }, ['expired', null, USDT(25), USDT(25)]],
    ['top-up after monitorUntil does not complete an underpaid intent', {
      nowMinute: MONITOR_END + 10, payments: [pay('a', USDT(10), 'confirmed', 5), pay('b', USDT(15), 'confirmed', MONITOR_END + 1)],
    }, ['expired', 'underpaid', USDT(25), USDT(25)]],
    ['reorg: confirmed payment re-mined as detected → back to confirming', {
      nowMinute: 20, paidAt: at(10), payments: [pay('a', USDT(25), 'detected', 4)],
    }, ['confirming', null, USDT(25), 0n]],
    ['reorg: the only payment reverted before expiry → pending', {
      nowMinute: 20, paidAt: at(10), payments: [pay('a', USDT(25), 'reverted', 4)],
    }, ['pending', null, 0n, 0n]],
    ['reorg: the only payment reverted after expiry → expired', {
      nowMinute: 50, paidAt: at(10), payments: [pay('a', USDT(25), 'reverted', 4)],
    }, ['expired', null, 0n, 0n]],
    ['reorg: one of two reverted after expiry → underpaid', {
      nowMinute: 50, paidAt: at(10), payments: [pay('a', USDT(10), 'confirmed', 4), pay('b', USDT(15), 'reverted', 6)],
    }, ['expired', 'underpaid', USDT(10), USDT(10)]],
    ['reorg: overpayment part reverted → paid, no exception', {
      nowMinute: 20, paidAt: at(10), payments: [pay('a', USDT(25), 'confirmed', 4), pay('b', USDT(5), 'reverted', 6)],
    }, ['paid', null, USDT(25), USDT(25)]],
    ['canceled stays canceled, the payment is recorded', {
      nowMinute: 20, status: 'canceled', payments: [pay('a', USDT(25), 'confirmed', 15)],
    }, ['canceled', null, USDT(25), USDT(25)]],
    ['canceled stays canceled after expiry too', {
      nowMinute: 90, status: 'canceled', payments: [],
    }, ['canceled', null, 0n, 0n]],
    ['refunded stays refunded and keeps its exception', {
      nowMinute: 500, status: 'refunded', exception: 'overpaid', paidAt: at(10), payments: [pay('a', USDT(30), 'confirmed', 4)],
    }, ['refunded', 'overpaid', USDT(30), USDT(30)]],
  ])('%s', (_label, overrides, [status, exception, received, confirmed]) => {
    const state = computeIntentState(input(overrides));
    expect(state.status).toBe(status);
    expect(state.exception).toBe(exception);
    expect(state.amountReceived).toBe(received);
    expect(state.amountConfirmed).toBe(confirmed);
  });

  describe('paidAt', () => {
    const confirmed = [pay('a', USDT(25), 'confirmed', 4)];
    it.each<[string, Parameters<typeof input>[0], Date | null]>([
      ['set to now on first becoming paid', { nowMinute: 8, payments: confirmed }, at(8)],
      ['kept while still paid', { nowMinute: 50, paidAt: at(8), payments: confirmed }, at(8)],
      ['null while not paid', { nowMinute: 5, payments: [pay('a', USDT(25), 'detected', 4)] }, null],
      ['cleared when a reorg undoes paid', { nowMinute: 9, paidAt: at(8), payments: [pay('a', USDT(25), 'detected', 4)] }, null],
      ['null for a flagged late payment', { nowMinute: 60, latePaymentPolicy: 'flag', payments: [pay('a', USDT(25), 'confirmed', 45)] }, null],
      ['kept on a refunded intent', { nowMinute: 500, status: 'refunded', paidAt: at(8), payments: confirmed }, at(8)],
      ['stays null on a canceled intent', { nowMinute: 20, status: 'canceled', payments: confirmed }, null],
    ])('%s', (_label, overrides, expected) => {
      expect(computeIntentState(input(overrides)).paidAt).toEqual(expected);
    });
  });

  it('ignores the stored status other than the terminal ones (derives from scratch)', () => {
    const payments = [pay('a', USDT(25), 'detected', 4)];
    for (const status of ['pending', 'confirming', 'paid', 'expired'] as const) {
      expect(computeIntentState(input({ nowMinute: 5, status, payments })).status).toBe('confirming');
    }
  });

  it.each<[string, Partial<LifecycleInput>]>([
    ['zero amount', { amount: 0n }],
    ['negative tolerance', { tolerance: -1n }],
    ['tolerance equal to the amount', { tolerance: USDT(25) }],
  ])('refuses %s', (_label, overrides) => {
    expect(() => computeIntentState(input({ nowMinute: 1, ...overrides }))).toThrow(RangeError);
  });
});

describe('defaultLatePaymentPolicy', () => {
  it.each<[string, string, 'accept' | 'flag']>([
    ['ethereum', 'USDT', 'accept'],
    ['bsc', 'USDC', 'accept'],
    ['tron', 'USDT', 'accept'],
    ['devnet', 'USDT', 'accept'],
    ['ethereum', 'ETH', 'flag'],
    ['bitcoin', 'BTC', 'flag'],
    ['tron', 'TRX', 'flag'],
    ['devnet', 'DEV', 'flag'],
  ])('%s %s → %s', (network, symbol, policy) => {
    const asset = getNetwork(network as 'ethereum').assets[symbol]!;
    expect(defaultLatePaymentPolicy(asset)).toBe(policy);
  });
});

describe('canCancel', () => {
  it.each<[IntentStatus, PaymentStatus[], boolean]>([
    ['pending', [], true],
    ['pending', ['reverted'], true],
    ['pending', ['detected'], false],
    ['pending', ['reverted', 'confirmed'], false],
    ['confirming', [], false],
    ['paid', [], false],
    ['expired', [], false],
    ['canceled', [], false],
    ['refunded', [], false],
  ])('%s with %j → %s', (status, statuses, expected) => {
    expect(canCancel(status, statuses.map((s) => ({ status: s })))).toBe(expected);
  });
});

describe('diffPayments', () => {
  it.each<[string, [string, PaymentStatus][], [string, PaymentStatus][], PaymentChanges]>([
    ['nothing changed', [['a', 'detected']], [['a', 'detected']], { detected: [], reverted: [] }],
    ['confirmation is not a change', [['a', 'detected']], [['a', 'confirmed']], { detected: [], reverted: [] }],
    ['new payment', [], [['a', 'detected']], { detected: ['a'], reverted: [] }],
    ['new payment already confirmed', [['a', 'confirmed']], [['a', 'confirmed'], ['b', 'confirmed']], { detected: ['b'], reverted: [] }],
    ['reverted', [['a', 'confirmed']], [['a', 'reverted']], { detected: [], reverted: ['a'] }],
    ['re-mined after a revert', [['a', 'reverted']], [['a', 'detected']], { detected: ['a'], reverted: [] }],
    ['new and already reverted: nobody was told', [], [['a', 'reverted']], { detected: [], reverted: [] }],
    ['one reverted, a replacement detected', [['a', 'detected']], [['a', 'reverted'], ['b', 'detected']], { detected: ['b'], reverted: ['a'] }],
  ])('%s', (_label, before, after, expected) => {
    const toPayments = (rows: [string, PaymentStatus][]) => rows.map(([id, status]) => ({ id, status }));
    expect(diffPayments(toPayments(before), toPayments(after))).toEqual(expected);
  });
});

type S = [IntentStatus, IntentException];
const state = ([status, exception]: S) => ({ status, exception });

describe('transitionEvents', () => {
  const none: PaymentChanges = { detected: [], reverted: [] };
  const detected = (...ids: string[]): PaymentChanges => ({ detected: ids, reverted: [] });
  const reverted = (...ids: string[]): PaymentChanges => ({ detected: [], reverted: ids });

  it.each<[string, S, S, PaymentChanges, [LifecycleEventType, string | null][]]>([
    ['nothing changed', ['pending', null], ['pending', null], none, []],
    ['nothing changed while confirming overpaid', ['confirming', 'overpaid'], ['confirming', 'overpaid'], none, []],
    ['partial payment', ['pending', null], ['pending', null], detected('a'),
      [['payment_intent.payment_detected', 'a']]],
    ['exact payment seen', ['pending', null], ['confirming', null], detected('a'),
      [['payment_intent.payment_detected', 'a']]],
    ['confirmations arrive', ['confirming', null], ['paid', null], none, [['payment_intent.paid', null]]],
    ['seen and confirmed in one scan', ['pending', null], ['paid', null], detected('a'),
      [['payment_intent.payment_detected', 'a'], ['payment_intent.paid', null]]],
    ['two payments in one scan', ['pending', null], ['confirming', null], detected('a', 'b'),
      [['payment_intent.payment_detected', 'a'], ['payment_intent.payment_detected', 'b']]],
    ['overpaid', ['confirming', 'overpaid'], ['paid', 'overpaid'], none, [['payment_intent.paid', null]]],
    ['expiry with nothing', ['pending', null], ['expired', null], none, [['payment_intent.expired', null]]],
    ['expiry after a partial payment', ['pending', null], ['expired', 'underpaid'], none,
      [['payment_intent.expired', null], ['payment_intent.underpaid', null]]],
    ['a small late payment to an expired intent', ['expired', null], ['expired', 'underpaid'], detected('a'),
      [['payment_intent.payment_detected', 'a'], ['payment_intent.underpaid', null]]],
    ['another small late payment, still underpaid', ['expired', 'underpaid'], ['expired', 'underpaid'], detected('b'),
      [['payment_intent.payment_detected', 'b']]],
    ['late payment, accept, seen', ['expired', null], ['confirming', 'paid_late'], detected('a'),
      [['payment_intent.payment_detected', 'a'], ['payment_intent.paid_late', null]]],
    ['late payment, accept, confirmed', ['confirming', 'paid_late'], ['paid', 'paid_late'], none,
      [['payment_intent.paid', null]]],
    ['late top-up, accept, after underpaid', ['expired', 'underpaid'], ['paid', 'paid_late'], detected('b'),
      [['payment_intent.payment_detected', 'b'], ['payment_intent.paid', null], ['payment_intent.paid_late', null]]],
    ['late payment, flag', ['expired', null], ['expired', 'paid_late'], detected('a'),
      [['payment_intent.payment_detected', 'a'], ['payment_intent.paid_late', null]]],
    ['late payment, flag, expiry not yet stored', ['pending', null], ['expired', 'paid_late'], detected('a'),
      [['payment_intent.payment_detected', 'a'], ['payment_intent.expired', null], ['payment_intent.paid_late', null]]],
    ['operator accepts a flagged late payment', ['expired', 'paid_late'], ['paid', 'paid_late'], none,
      [['payment_intent.paid', null]]],
    ['reorg: paid back to confirming', ['paid', null], ['confirming', null], none, []],
    ['reorg: payment reverted, paid back to pending', ['paid', null], ['pending', null], reverted('a'),
      [['payment.reverted', 'a']]],
    ['reorg: payment reverted, paid back to expired', ['paid', null], ['expired', null], reverted('a'),
      [['payment.reverted', 'a'], ['payment_intent.expired', null]]],
    ['reorg: part reverted after expiry', ['paid', null], ['expired', 'underpaid'], reverted('b'),
      [['payment.reverted', 'b'], ['payment_intent.expired', null], ['payment_intent.underpaid', null]]],
    ['reorg: flagged late payment reverted', ['expired', 'paid_late'], ['expired', null], reverted('a'),
      [['payment.reverted', 'a']]],
    ['reorg: re-mined and confirmed again', ['pending', null], ['paid', null], detected('a'),
      [['payment_intent.payment_detected', 'a'], ['payment_intent.paid', null]]],
    ['reorg: replaced by another payment', ['confirming', null], ['confirming', null], { detected: ['b'], reverted: ['a'] },
      [['payment.reverted', 'a'], ['payment_intent.payment_detected', 'b']]],
    ['canceled', ['pending', null], ['canceled', null], none, [['payment_intent.canceled', null]]],
    ['payment to a canceled intent', ['canceled', null], ['canceled', null], detected('a'),
      [['payment_intent.payment_detected', 'a']]],
    ['refunded', ['paid', 'overpaid'], ['refunded', 'overpaid'], none, [['payment_intent.refunded', null]]],
  ])('%s', (_label, before, after, payments, expected) => {
    const events = transitionEvents(state(before), state(after), payments);
    expect(events.map((e) => [e.type, e.paymentId])).toEqual(expected);
  });

  it('defaults to no payment changes', () => {
    expect(transitionEvents({ status: 'pending', exception: null }, { status: 'expired', exception: null })).toEqual([
      { type: 'payment_intent.expired', paymentId: null },
    ]);
  });
});

describe('a whole intent, recomputed at each step the way the watcher would', () => {
  type Step = { minute: number; payments: LifecyclePayment[]; policy?: 'accept' | 'flag' };

  function run(steps: Step[]) {
    let stored: LifecycleState = { status: 'pending', exception: null, amountReceived: 0n, amountConfirmed: 0n, paidAt: null };
    let storedPayments: LifecyclePayment[] = [];
    return steps.map((step) => {
      const next = computeIntentState(
        input({ nowMinute: step.minute, status: stored.status, paidAt: stored.paidAt, payments: step.payments, latePaymentPolicy: step.policy ?? 'accept' }),
      );
      const events = transitionEvents(stored, next, diffPayments(storedPayments, step.payments)).map((e) => e.type);
      stored = next;
      storedPayments = step.payments;
      return { status: next.status, exception: next.exception, paidAt: next.paidAt, events };
    });
  }

  it('pays, confirms, is reorged away, and comes back', () => {
    const seen = pay('a', USDT(25), 'detected', 4);
    const confirmed = { ...seen, status: 'confirmed' as const };
    const gone = { ...seen, status: 'reverted' as const };
    expect(run([
      { minute: 1, payments: [] },
      { minute: 4, payments: [seen] },
      { minute: 8, payments: [confirmed] },
      { minute: 9, payments: [confirmed] },
      { minute: 10, payments: [gone] },
      { minute: 35, payments: [gone] },
      { minute: 36, payments: [seen] },
      { minute: 40, payments: [confirmed] },
    ])).toEqual([
      { status: 'pending', exception: null, paidAt: null, events: [] },
      { status: 'confirming', exception: null, paidAt: null, events: ['payment_intent.payment_detected'] },
      { status: 'paid', exception: null, paidAt: at(8), events: ['payment_intent.paid'] },
      { status: 'paid', exception: null, paidAt: at(8), events: [] },
      { status: 'pending', exception: null, paidAt: null, events: ['payment.reverted'] },
      { status: 'expired', exception: null, paidAt: null, events: ['payment_intent.expired'] },
      // Re-mined with its original first-seen time (minute 4), so it still counts as on time.
      { status: 'confirming', exception: null, paidAt: null, events: ['payment_intent.payment_detected'] },
      { status: 'paid', exception: null, paidAt: at(40), events: ['payment_intent.paid'] },
    ]);
  });

  it('underpays, expires, then a late top-up is flagged', () => {
    const first = pay('a', USDT(10), 'confirmed', 5);
    const topUp = pay('b', USDT(15), 'detected', 50);
    expect(run([
      { minute: 5, payments: [first], policy: 'flag' },
      { minute: 31, payments: [first], policy: 'flag' },
      { minute: 50, payments: [first, topUp], policy: 'flag' },
      { minute: 55, payments: [first, { ...topUp, status: 'confirmed' }], policy: 'flag' },
    ])).toEqual([
      { status: 'pending', exception: null, paidAt: null, events: ['payment_intent.payment_detected'] },
      { status: 'expired', exception: 'underpaid', paidAt: null, events: ['payment_intent.expired', 'payment_intent.underpaid'] },
      { status: 'expired', exception: 'paid_late', paidAt: null, events: ['payment_intent.payment_detected', 'payment_intent.paid_late'] },
      { status: 'expired', exception: 'paid_late', paidAt: null, events: [] },
    ]);
  });
});
