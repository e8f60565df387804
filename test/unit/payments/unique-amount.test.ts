import { describe, expect, it } from 'vitest';
import { attributeSharedTransfer, MAX_UNIQUE_OFFSETS, pickUniqueAmount, uniqueAmountStep } from '../../../src-server/payments/unique-amount.ts';

describe('uniqueAmountStep', () => {
  it.each([
    [6, 100n],
    [18, 100_000_000_000_000n],
    [8, 10_000n],
    [4, 1n],
    [2, 1n],
    [0, 1n],
  ])('%i decimals → %s base units (0.0001 or one unit)', (decimals, step) => {
    expect(uniqueAmountStep(decimals)).toBe(step);
  });
});

describe('pickUniqueAmount', () => {
  it.each([
    ['nothing taken: the amount itself', 50_000_000n, 6, [], 50_000_000n],
    ['amount taken: next step up', 50_000_000n, 6, [50_000_000n], 50_000_100n],
    ['gaps are reused', 50_000_000n, 6, [50_000_000n, 50_000_200n], 50_000_100n],
    ['other amounts do not matter', 50_000_000n, 6, [49_999_900n, 51_000_000n], 50_000_000n],
    ['18 decimals', 10n ** 18n, 18, [10n ** 18n], 10n ** 18n + 10n ** 14n],
    ['2 decimals step by one unit', 500n, 2, [500n, 501n], 502n],
  ])('%s', (_name, amount, decimals, taken, expected) => {
    expect(pickUniqueAmount(amount, decimals, new Set(taken))).toBe(expected);
  });

  it('never goes below the amount and refuses when every offset is taken', () => {
    const taken = new Set(Array.from({ length: MAX_UNIQUE_OFFSETS }, (_, i) => 1_000_000n + BigInt(i) * 100n));
    expect(pickUniqueAmount(1_000_000n, 6, taken)).toBeNull();
    taken.delete(1_000_000n + 9_999n * 100n);
    expect(pickUniqueAmount(1_000_000n, 6, taken)).toBe(1_999_900n);
  });
});

describe('attributeSharedTransfer', () => {
  const c = (id: string, pay_amount: string, status: string) => ({ id, pay_amount, status });
  it.each([
    ['exact match', 50_000_100n, [c('a', '50000000', 'pending'), c('b', '50000100', 'pending')], 'b'],
    ['no exact match: unattributable', 50_000_050n, [c('a', '50000000', 'pending'), c('b', '50000100', 'pending')], null],
    ['prefers the one still waiting', 50_000_000n, [c('a', '50000000', 'paid'), c('b', '50000000', 'pending')], 'b'],
    ['then an expired one (a late payment)', 50_000_000n, [c('a', '50000000', 'paid'), c('b', '50000000', 'expired')], 'b'],
    ['a paid one when nothing else matches (overpayment)', 50_000_000n, [c('a', '50000000', 'paid')], 'a'],
    ['no candidates', 1n, [], null],
  ])('%s', (_name, amount, candidates, expected) => {
    expect(attributeSharedTransfer(amount, candidates)?.id ?? null).toBe(expected);
  });
});
