// The payment intent lifecycle (SPEC §6) as pure functions. The state is derived from scratch
// from the intent's terms and its payments on every change, so a reorg is just a recompute.

import type { AssetInfo } from '../money/assets.ts';

export type IntentStatus = 'pending' | 'confirming' | 'paid' | 'expired' | 'canceled' | 'refunded';
export type IntentException = null | 'underpaid' | 'overpaid' | 'paid_late';
export type PaymentStatus = 'detected' | 'confirmed' | 'reverted';
export type LatePaymentPolicy = 'accept' | 'flag';

export interface LifecyclePayment {
  id: string;
  amount: bigint;
  status: PaymentStatus;
  /** min(block time, first detection time): when the payer can be said to have paid. */
  seenAt: Date;
}

export interface LifecycleInput {
  /** Current stored status. Only 'canceled' and 'refunded' are read: they are terminal. */
  status: IntentStatus;
  /** Current stored exception; kept as is for terminal statuses. Default null. */
  exception?: IntentException;
  /** Due, in base units, > 0. */
  amount: bigint;
  /** Underpayment tolerance in base units, 0 <= tolerance < amount. */
  tolerance: bigint;
  expiresAt: Date;
  monitorUntil: Date;
  latePaymentPolicy: LatePaymentPolicy;
  payments: readonly LifecyclePayment[];
  now: Date;
  /** Current stored paid_at. */
  paidAt: Date | null;
}

export interface LifecycleState {
  status: IntentStatus;
  exception: IntentException;
  amountReceived: bigint;
  amountConfirmed: bigint;
  paidAt: Date | null;
}

function sum(payments: readonly LifecyclePayment[]): bigint {
  let total = 0n;
  for (const p of payments) total += p.amount;
  return total;
}

/**
 * The intent's state from its terms and payments.
 * - received = all non-reverted payments; confirmed = the 'confirmed' ones.
 * - canceled / refunded stay as they are (sums still recomputed: money sent there is recorded).
 * - Paid on time (payments seen before expiresAt reach amount − tolerance): confirming until the
 *   confirmed sum reaches it, then paid, however long confirmations take; 'overpaid' above amount.
 * - Before expiresAt otherwise: pending.
 * - After: payments seen before monitorUntil reaching the due amount → 'paid_late', then 'accept'
 *   proceeds as on time and 'flag' stays expired for the operator; otherwise expired, 'underpaid'
 *   when any of those payments came. Payments seen at or after monitorUntil only count in the sums.
 * - paidAt: kept while paid, `now` on first becoming paid, null when no longer paid (reorg).
 */
export function computeIntentState(input: LifecycleInput): LifecycleState {
  if (input.amount <= 0n) throw new RangeError('intent amount must be positive');
  if (input.tolerance < 0n || input.tolerance >= input.amount) {
    throw new RangeError('tolerance must be at least 0 and below the amount');
  }
  const live = input.payments.filter((p) => p.status !== 'reverted');
  const amountReceived = sum(live);
  const amountConfirmed = sum(live.filter((p) => p.status === 'confirmed'));

  if (input.status === 'canceled' || input.status === 'refunded') {
    return { status: input.status, exception: input.exception ?? null, amountReceived, amountConfirmed, paidAt: input.paidAt };
  }

  const due = input.amount - input.tolerance;
  const expires = input.expiresAt.getTime();
  const monitorEnd = input.monitorUntil.getTime();

  let status: IntentStatus;
  let exception: IntentException;
  const onTime = sum(live.filter((p) => p.seenAt.getTime() < expires));
  if (onTime >= due) {
    status = amountConfirmed >= due ? 'paid' : 'confirming';
    exception = amountReceived > input.amount ? 'overpaid' : null;
  } else if (input.now.getTime() < expires) {
    status = 'pending';
    exception = null;
  } else {
    const counted = live.filter((p) => p.seenAt.getTime() < monitorEnd);
    const countedReceived = sum(counted);
    if (countedReceived >= due) {
      exception = 'paid_late';
      if (input.latePaymentPolicy === 'accept') {
        const countedConfirmed = sum(counted.filter((p) => p.status === 'confirmed'));
        status = countedConfirmed >= due ? 'paid' : 'confirming';
      } else {
        status = 'expired';
      }
    } else {
      status = 'expired';
      exception = countedReceived > 0n ? 'underpaid' : null;
    }
  }

  const paidAt = status === 'paid' ? (input.paidAt ?? input.now) : null;
  return { status, exception, amountReceived, amountConfirmed, paidAt };
}

/** Accept for USD-pegged stablecoins (no price risk in a late payment), flag for volatile assets. */
export function defaultLatePaymentPolicy(asset: AssetInfo): LatePaymentPolicy {
  return asset.peg !== null ? 'accept' : 'flag';
}

/** Only a pending intent that has received nothing (reverted payments aside) can be canceled. */
export function canCancel(status: IntentStatus, payments: readonly Pick<LifecyclePayment, 'status'>[]): boolean {
  return status === 'pending' && payments.every((p) => p.status === 'reverted');
}

/**
 * A late payment the store's 'flag' policy left expired waits for the operator, who may accept it
 * (the intent then proceeds as under 'accept': confirming, then paid). Nothing else can be accepted.
 */
export function canAcceptLate(status: IntentStatus, exception: IntentException): boolean {
  return status === 'expired' && exception === 'paid_late';
}

export type LifecycleEventType =
  | 'payment.reverted'
  | 'payment_intent.payment_detected'
  | 'payment_intent.paid'
  | 'payment_intent.expired'
  | 'payment_intent.canceled'
  | 'payment_intent.refunded'
  | 'payment_intent.paid_late'
  | 'payment_intent.underpaid';

export interface LifecycleEvent {
  type: LifecycleEventType;
  /** The payment a payment-level event is about; null for intent-level events. */
  paymentId: string | null;
}

export interface PaymentChanges {
  /** Payments now live that were not before: new ones, and reverted ones mined again. */
  detected: readonly string[];
  /** Payments live before and reverted now. */
  reverted: readonly string[];
}

/**
 * Which payments changed between two snapshots of an intent's payments (by id). A payment that
 * appears already reverted is neither: nobody was told about it.
 */
export function diffPayments(
  before: readonly Pick<LifecyclePayment, 'id' | 'status'>[],
  after: readonly Pick<LifecyclePayment, 'id' | 'status'>[],
): PaymentChanges {
  const wasLive = new Map(before.map((p) => [p.id, p.status !== 'reverted']));
  const detected: string[] = [];
  const reverted: string[] = [];
  for (const p of after) {
    const live = p.status !== 'reverted';
    const livedBefore = wasLive.get(p.id) ?? false;
    if (live && !livedBefore) detected.push(p.id);
    if (!live && livedBefore) reverted.push(p.id);
  }
  return { detected, reverted };
}

type StatusAndException = Pick<LifecycleState, 'status' | 'exception'>;

/**
 * The events one state change emits, in order: payment-level first (payment.reverted, then
 * payment_detected, each in the order given), then the status change (paid / expired / canceled /
 * refunded), then the exception change (paid_late, underpaid). Nothing changed → [].
 * `before` is the stored state, `after` the computed (or operator-set) one.
 */
export function transitionEvents(
  before: StatusAndException,
  after: StatusAndException,
  payments: PaymentChanges = { detected: [], reverted: [] },
): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  for (const id of payments.reverted) events.push({ type: 'payment.reverted', paymentId: id });
  for (const id of payments.detected) events.push({ type: 'payment_intent.payment_detected', paymentId: id });

  if (after.status !== before.status) {
    const statusEvent: Partial<Record<IntentStatus, LifecycleEventType>> = {
      paid: 'payment_intent.paid',
      expired: 'payment_intent.expired',
      canceled: 'payment_intent.canceled',
      refunded: 'payment_intent.refunded',
    };
    const type = statusEvent[after.status];
    if (type) events.push({ type, paymentId: null });
  }

  if (after.exception === 'paid_late' && before.exception !== 'paid_late') {
    events.push({ type: 'payment_intent.paid_late', paymentId: null });
  }
  const underpaidNow = after.status === 'expired' && after.exception === 'underpaid';
  const underpaidBefore = before.status === 'expired' && before.exception === 'underpaid';
  if (underpaidNow && !underpaidBefore) events.push({ type: 'payment_intent.underpaid', paymentId: null });

  return events;
}
