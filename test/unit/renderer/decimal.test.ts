// The dashboard's decimal helpers: chart bars and labels from the API's decimal strings, with
// bigint arithmetic only (amounts of 18-decimal tokens exceed what a float holds exactly).
import { describe, expect, it } from 'vitest';
import { barHeights, fractionDigits, isZero, maxDecimal, shorten, toScaled } from '../../../src-renderer/src/lib/decimal.ts';

describe('fractionDigits', () => {
  it.each([
    ['25.00', 2],
    ['25', 0],
    ['0.000000000000000001', 18],
    ['-1.5', 1],
    ['abc', null],
    ['1e5', null],
    ['', null],
  ])('%s → %s', (text, digits) => expect(fractionDigits(text)).toBe(digits));
});

describe('toScaled', () => {
  it.each([
    ['25.00', 2, 2500n],
    ['25', 6, 25_000_000n],
    ['123456789012345678.123456789012345678', 18, 123456789012345678123456789012345678n],
    ['-0.5', 1, -5n],
  ])('%s at scale %i → %s', (text, scale, units) => expect(toScaled(text, scale)).toBe(units));
  it('refuses more digits than the scale and non-decimals', () => {
    expect(() => toScaled('1.234', 2)).toThrow(/more than 2/);
    expect(() => toScaled('NaN', 2)).toThrow(/not a decimal/);
  });
});

describe('barHeights', () => {
  it.each([
    { amounts: [], px: 100, heights: [] },
    { amounts: ['0', '0.00'], px: 100, heights: [0, 0] },
    { amounts: ['10', '5', '0'], px: 100, heights: [100, 50, 0] },
    { amounts: ['1.5', '3'], px: 120, heights: [60, 120] },
    // A tiny non-zero day still shows a bar.
    { amounts: ['1000000', '0.000001'], px: 100, heights: [100, 1] },
    // Past float precision: 2^53 + 1 against 2^53 + 2 (18-decimal tokens do this).
    { amounts: ['9007199254740993.000000000000000001', '9007199254740994'], px: 1000, heights: [999, 1000] },
    { amounts: ['oops', '4'], px: 10, heights: [0, 10] },
  ])('$amounts in $px px → $heights', ({ amounts, px, heights }) => expect(barHeights(amounts, px)).toEqual(heights));
});

describe('maxDecimal and isZero', () => {
  it('returns the largest amount as written', () => {
    expect(maxDecimal(['1.50', '12.3', '9'])).toBe('12.3');
    expect(maxDecimal(['0.000000000000000002', '0.000000000000000001'])).toBe('0.000000000000000002');
    expect(maxDecimal([])).toBe('0');
  });
  it.each([
    ['0', true],
    ['0.000', true],
    ['-0', true],
    ['0.001', false],
    ['10', false],
    ['x', false],
  ])('isZero(%s) → %s', (text, zero) => expect(isZero(text)).toBe(zero));
});

describe('shorten', () => {
  it('keeps short values and elides the middle of long ones', () => {
    expect(shorten('pi_123')).toBe('pi_123');
    expect(shorten('0x5aE1b3C4d5E6f708192a3b4c5d6e7f8091a2b3c4')).toBe('0x5aE1b3…a2b3c4');
  });
});
