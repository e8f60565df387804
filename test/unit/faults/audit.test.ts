// The fault suite's audit must be able to fail: each way a node can get a payment wrong (missed,
// credited twice, a dropped transaction still credited, a wrong amount or status) is counted.
import { describe, expect, it } from 'vitest';
import { type Expectation, type IntentView, problemsOf } from '../../faults/lib/ledger.ts';

const intent = { id: 'pi_1', network: 'devnet' as const, address: '0xabc', amount: 10_000_000n, kind: 'split' as const, parts: [4_000_000n, 6_000_000n] };
const sent = (txid: string, amount: bigint) => ({ network: 'devnet' as const, intentId: 'pi_1', txid, amount });
const expectation = (mined: ReturnType<typeof sent>[], dropped: ReturnType<typeof sent>[] = []): Expectation => ({
  intent,
  mined,
  dropped,
  total: mined.reduce((sum, t) => sum + t.amount, 0n),
});
const payment = (txid: string, amount: string, status = 'confirmed', logIndex = 0) => ({ id: `pay_${txid}_${logIndex}`, txid, log_index: logIndex, vout: null, amount, status });
const view = (over: Partial<IntentView>): IntentView => ({ status: 'paid', exception: null, amount_received: '10.00', amount_confirmed: '10.00', payments: [], ...over });

describe('fault-suite audit of one intent', () => {
  const a = sent('0xaa', 4_000_000n);
  const b = sent('0xbb', 6_000_000n);

  it('an exact intent has no problems', () => {
    expect(problemsOf(expectation([a, b]), view({ payments: [payment('0xaa', '4.00'), payment('0xBB', '6.00')] }))).toEqual({ lost: 0, doubled: 0, other: [] });
  });

  it('a mined transfer no payment credits is lost (and the status is wrong)', () => {
    const p = problemsOf(expectation([a, b]), view({ status: 'pending', amount_received: '4.00', amount_confirmed: '4.00', payments: [payment('0xaa', '4.00')] }));
    expect(p.lost).toBe(1);
    expect(p.doubled).toBe(0);
    expect(p.other.join('\n')).toMatch(/amount_received 4.00/);
  });

  it('the same transfer credited twice is doubled', () => {
    const p = problemsOf(expectation([a, b]), view({ amount_received: '14.00', amount_confirmed: '14.00', exception: 'overpaid', payments: [payment('0xaa', '4.00'), payment('0xaa', '4.00', 'confirmed', 1), payment('0xbb', '6.00')] }));
    expect(p.doubled).toBe(1);
  });

  it('a transfer a reorg dropped that still counts is doubled; reverted it is fine', () => {
    const p = problemsOf(expectation([b], [a]), view({ payments: [payment('0xaa', '4.00'), payment('0xbb', '6.00')] }));
    expect(p.doubled).toBe(1);
    expect(p.other.join('\n')).toMatch(/no longer holds/);
    const fine = problemsOf(expectation([b], [a]), view({ status: 'pending', amount_received: '6.00', amount_confirmed: '6.00', payments: [payment('0xaa', '4.00', 'reverted'), payment('0xbb', '6.00')] }));
    expect(fine).toEqual({ lost: 0, doubled: 0, other: [] });
  });

  it('amount above what was sent without a duplicate row still counts as doubled', () => {
    const p = problemsOf(expectation([a, b]), view({ amount_received: '11.00', payments: [payment('0xaa', '4.00'), payment('0xbb', '6.00')] }));
    expect(p.doubled).toBe(1);
  });

  it('a wrong status, an unconfirmed payment or a wrong amount is another failure', () => {
    expect(problemsOf(expectation([a, b]), view({ status: 'confirming', payments: [payment('0xaa', '4.00'), payment('0xbb', '6.00')] })).other).toHaveLength(1);
    expect(problemsOf(expectation([a, b]), view({ payments: [payment('0xaa', '4.00', 'detected'), payment('0xbb', '6.00')] })).other).toHaveLength(1);
    expect(problemsOf(expectation([a, b]), view({ payments: [payment('0xaa', '4.10'), payment('0xbb', '6.00')] })).other.length).toBeGreaterThan(0);
  });
});
