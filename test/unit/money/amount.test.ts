import { describe, expect, it } from 'vitest';
import { AmountError, formatAmount, formatUnitsPlain, parseAmount, parseDecimal } from '../../../src-server/money/amount.ts';

describe('parseAmount accepts', () => {
  it.each<[unknown, number, bigint]>([
    ['25', 6, 25_000000n],
    ['25.00', 6, 25_000000n],
    ['25.0134', 6, 25_013400n],
    ['0.000001', 6, 1n],
    ['0', 6, 0n],
    ['0.000000', 6, 0n],
    ['007.50', 2, 750n],
    ['1000', 0, 1000n],
    ['0.000000000000000001', 18, 1n],
    ['123456789.123456789012345678', 18, 123456789_123456789012345678n],
    [25, 6, 25_000000n],
    [25.5, 6, 25_500000n],
    [0, 6, 0n],
    [-0, 6, 0n],
    [0.1, 6, 100000n],
    [1e-7, 7, 1n],
    [1.5e-7, 8, 15n],
    [1e21, 0, 10n ** 21n],
    [1e21, 6, 10n ** 27n],
    [1.2345e21, 2, 123450000000000000000000n],
  ])('%j @%i → %s', (input, decimals, expected) => {
    expect(parseAmount(input, decimals)).toBe(expected);
  });

  it('accepts exactly 78 digits when the result fits a uint256', () => {
    const text = '1'.repeat(60) + '.' + '1'.repeat(18);
    expect(parseAmount(text, 18)).toBe(BigInt('1'.repeat(78)));
  });
});

describe('parseAmount rejects', () => {
  it.each<[unknown, number, AmountError['reason']]>([
    ['', 6, 'format'],
    [' ', 6, 'format'],
    [' 25', 6, 'format'],
    ['25 ', 6, 'format'],
    ['.5', 6, 'format'],
    ['5.', 6, 'format'],
    ['+5', 6, 'format'],
    ['1,000', 6, 'format'],
    ['1_000', 6, 'format'],
    ['0x10', 6, 'format'],
    ['1e3', 6, 'format'],
    ['abc', 6, 'format'],
    ['-', 6, 'format'],
    ['-abc', 6, 'format'],
    ['NaN', 6, 'format'],
    ['Infinity', 6, 'format'],
    ['２５', 6, 'format'],
    [Number.NaN, 6, 'format'],
    [Number.POSITIVE_INFINITY, 6, 'format'],
    [Number.NEGATIVE_INFINITY, 6, 'format'],
    [null, 6, 'format'],
    [undefined, 6, 'format'],
    [true, 6, 'format'],
    [{}, 6, 'format'],
    [['25'], 6, 'format'],
    ['-5', 6, 'negative'],
    ['-0', 6, 'negative'],
    ['-0.01', 6, 'negative'],
    [-5, 6, 'negative'],
    [-1e-9, 6, 'negative'],
    ['25.0000001', 6, 'precision'],
    ['25.0000000', 6, 'precision'],
    ['0.001', 2, 'precision'],
    ['1.5', 0, 'precision'],
    [0.1 + 0.2, 6, 'precision'],
    [1e-7, 6, 'precision'],
    ['1'.repeat(79), 0, 'too_large'],
    ['1'.repeat(60) + '.' + '1'.repeat(19), 18, 'too_large'],
    ['9'.repeat(78), 0, 'too_large'], // 78 digits but above 2^256 − 1
    ['1'.repeat(5000), 6, 'too_large'],
    [1e300, 6, 'too_large'],
  ])('%j @%i → %s', (input, decimals, reason) => {
    let caught: unknown;
    try {
      parseAmount(input, decimals);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AmountError);
    expect((caught as AmountError).reason).toBe(reason);
  });

  it('rejects a bigint (JSON never carries one; base units are not an API amount)', () => {
    expect(() => parseAmount(25n, 6)).toThrow(AmountError);
  });

  it('keeps leading zeros out of the digit count', () => {
    expect(parseAmount('0'.repeat(100) + '1', 0)).toBe(1n);
  });

  it.each<[unknown, number, string]>([
    ['abc', 6, 'must be a decimal string like "25.00"'],
    ['25.0000001', 6, 'has more than 6 decimal places'],
    ['1.5', 0, 'must be a whole number'],
    ['-1', 6, 'must not be negative'],
    ['1'.repeat(79), 6, 'is too large'],
  ])('message for %j @%i', (input, decimals, message) => {
    expect(() => parseAmount(input, decimals)).toThrow(message);
  });

  it('refuses nonsense decimals (a programming error, not a user error)', () => {
    expect(() => parseAmount('1', -1)).toThrow(RangeError);
    expect(() => parseAmount('1', 1.5)).toThrow(RangeError);
  });
});

describe('formatAmount', () => {
  it.each<[bigint, number, string]>([
    [0n, 6, '0'],
    [0n, 0, '0'],
    [25_000000n, 6, '25.00'],
    [25_013400n, 6, '25.0134'],
    [25_100000n, 6, '25.10'],
    [1n, 18, '0.000000000000000001'],
    [12345n, 8, '0.00012345'],
    [10n ** 18n, 18, '1.00'],
    [1n, 6, '0.000001'],
    [50n, 2, '0.50'],
    [1234n, 0, '1234'],
    [15n, 1, '1.5'],
    [10n, 1, '1.0'],
    [25_000000000000000000n, 18, '25.00'],
  ])('%s @%i → %s', (units, decimals, expected) => {
    expect(formatAmount(units, decimals)).toBe(expected);
  });

  it('throws on negative units', () => {
    expect(() => formatAmount(-1n, 6)).toThrow(RangeError);
  });

  it.each<[string, number]>([
    ['25.00', 6],
    ['0.000001', 6],
    ['123456.78', 2],
    ['0.000000000000000001', 18],
  ])('round-trips %s @%i', (text, decimals) => {
    expect(formatAmount(parseAmount(text, decimals), decimals)).toBe(text);
  });
});

describe('formatUnitsPlain', () => {
  it.each<[bigint, number, string]>([
    [0n, 6, '0'],
    [25_000000n, 6, '25'],
    [25_013400n, 6, '25.0134'],
    [1n, 8, '0.00000001'],
    [1234n, 0, '1234'],
  ])('%s @%i → %s', (units, decimals, expected) => {
    expect(formatUnitsPlain(units, decimals)).toBe(expected);
  });

  it('throws on negative units', () => {
    expect(() => formatUnitsPlain(-5n, 2)).toThrow(RangeError);
  });
});

describe('parseDecimal', () => {
  it.each<[string, { coefficient: bigint; scale: number } | null]>([
    ['1.0870', { coefficient: 10870n, scale: 4 }],
    ['3', { coefficient: 3n, scale: 0 }],
    ['1.5e-7', { coefficient: 15n, scale: 8 }],
    ['2E+3', { coefficient: 2000n, scale: 0 }],
    ['-1', null],
    ['1e999', null],
    ['', null],
    ['1.', null],
  ])('%s', (text, expected) => {
    expect(parseDecimal(text)).toEqual(expected);
  });
});
