// Amounts: decimal text in, bigint base units inside, decimal text out. No floating point.
//
// Accepted input (see parseAmount): plain decimal strings with at least one integer digit
// ("25", "25.00", "0.000001", "007.5"); ".5", "5.", "+5", "1e3", "1,000", " 5", hex and the like
// are rejected as 'format'. JSON numbers are converted through String(n), exponent forms
// included ("1e-7", "1e+21"), and then follow the same rules.

export type AmountErrorReason = 'format' | 'precision' | 'negative' | 'too_large';

/** A bad amount. `message` is a predicate to put after the field name: `amount ${message}`. */
export class AmountError extends Error {
  readonly reason: AmountErrorReason;

  constructor(reason: AmountErrorReason, message: string) {
    super(message);
    this.name = 'AmountError';
    this.reason = reason;
  }
}

/** More digits than this (integer digits without leading zeros, plus fraction) is 'too_large'. */
export const MAX_AMOUNT_DIGITS = 78;
/** Nothing an EVM chain can move exceeds a uint256; an amount above it is 'too_large'. */
export const MAX_UNITS = (1n << 256n) - 1n;
// Cheap guard before any regex work on hostile input.
const MAX_INPUT_LENGTH = 512;
// Exponents beyond this would expand to absurd strings; no real amount or rate needs them.
const MAX_EXPONENT = 400;

const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const EXPONENT_DECIMAL = /^(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/;

const FORMAT_MESSAGE = 'must be a decimal string like "25.00"';

/** 10^n as a bigint. */
export function pow10(n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`pow10: bad exponent ${n}`);
  return 10n ** BigInt(n);
}

function assertDecimals(decimals: number): void {
  if (!Number.isSafeInteger(decimals) || decimals < 0 || decimals > 77) {
    throw new RangeError(`decimals must be an integer in 0..77, got ${decimals}`);
  }
}

interface DecimalParts {
  /** Integer digits, as written (may have leading zeros). */
  int: string;
  /** Fraction digits, as written (may have trailing zeros), '' when none. */
  frac: string;
}

/** int.frac × 10^exponent, as plain int and frac digit strings. */
function shiftPoint(int: string, frac: string, exponent: number): DecimalParts {
  const digits = int + frac;
  const point = int.length + exponent;
  if (point <= 0) return { int: '0', frac: '0'.repeat(-point) + digits };
  if (point >= digits.length) return { int: digits + '0'.repeat(point - digits.length), frac: '' };
  return { int: digits.slice(0, point), frac: digits.slice(point) };
}

/** Splits unsigned decimal text, exponent form allowed when `allowExponent`; null if malformed. */
function splitDecimal(text: string, allowExponent: boolean): DecimalParts | null {
  const plain = PLAIN_DECIMAL.exec(text);
  if (plain) return { int: plain[1]!, frac: plain[2] ?? '' };
  if (!allowExponent) return null;
  const exp = EXPONENT_DECIMAL.exec(text);
  if (!exp) return null;
  const exponent = Number(exp[3]);
  if (Math.abs(exponent) > MAX_EXPONENT) return null;
  return shiftPoint(exp[1]!, exp[2] ?? '', exponent);
}

/**
 * Exact value of non-negative decimal text ("1.0870", "1.5e-7") as coefficient × 10^-scale,
 * or null when the text is not a plain or exponent-form unsigned decimal.
 */
export function parseDecimal(text: string): { coefficient: bigint; scale: number } | null {
  if (text.length > MAX_INPUT_LENGTH) return null;
  const parts = splitDecimal(text, true);
  if (!parts) return null;
  return { coefficient: BigInt(parts.int + parts.frac), scale: parts.frac.length };
}

function countSignificantIntDigits(int: string): number {
  return int.replace(/^0+/, '').length;
}

/**
 * An API amount as base units of an asset with `decimals` decimals.
 * Zero returns 0n: callers decide whether zero is allowed.
 * Throws AmountError: 'format' (not a decimal string / finite number), 'negative',
 * 'too_large' (more than 78 digits, or above a uint256), 'precision' (more fraction digits than
 * `decimals`, trailing zeros included: "25.0000000" is rejected for a 6-decimal asset).
 */
export function parseAmount(input: unknown, decimals: number): bigint {
  assertDecimals(decimals);
  let text: string;
  let fromNumber = false;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new AmountError('format', FORMAT_MESSAGE);
    if (input < 0) throw new AmountError('negative', 'must not be negative');
    text = String(input); // -0 prints as "0"
    fromNumber = true;
  } else if (typeof input === 'string') {
    text = input;
  } else {
    throw new AmountError('format', FORMAT_MESSAGE);
  }

  if (text.length > MAX_INPUT_LENGTH) throw new AmountError('too_large', 'is too large');
  if (!fromNumber && text.startsWith('-') && PLAIN_DECIMAL.test(text.slice(1))) {
    throw new AmountError('negative', 'must not be negative');
  }
  // Exponent form only reaches here from String(n) of a JSON number; a string "1e3" is a typo risk.
  const parts = splitDecimal(text, fromNumber);
  if (!parts) throw new AmountError('format', FORMAT_MESSAGE);

  if (countSignificantIntDigits(parts.int) + parts.frac.length > MAX_AMOUNT_DIGITS) {
    throw new AmountError('too_large', 'is too large');
  }
  if (parts.frac.length > decimals) {
    throw new AmountError(
      'precision',
      decimals === 0 ? 'must be a whole number' : `has more than ${decimals} decimal places`,
    );
  }
  const units = BigInt(parts.int + parts.frac.padEnd(decimals, '0'));
  if (units > MAX_UNITS) throw new AmountError('too_large', 'is too large');
  return units;
}

function splitUnits(units: bigint, decimals: number): { int: string; frac: string } {
  assertDecimals(decimals);
  if (units < 0n) throw new RangeError('amounts are never negative');
  const digits = units.toString().padStart(decimals + 1, '0');
  const cut = digits.length - decimals;
  return { int: digits.slice(0, cut), frac: digits.slice(cut) };
}

/**
 * API display form: "0" for zero, otherwise at least two fraction digits (fewer only when the
 * asset has fewer) and no trailing zeros beyond them: 25000000n@6 → "25.00", 25013400n@6 → "25.0134".
 */
export function formatAmount(units: bigint, decimals: number): string {
  const { int, frac } = splitUnits(units, decimals);
  if (units === 0n) return '0';
  const keep = Math.min(2, decimals);
  let end = frac.length;
  while (end > keep && frac[end - 1] === '0') end--;
  return end > 0 ? `${int}.${frac.slice(0, end)}` : int;
}

/** Minimal decimal form, no forced fraction digits: "25", "25.0134", "0". For URIs and logs. */
export function formatUnitsPlain(units: bigint, decimals: number): string {
  const { int, frac } = splitUnits(units, decimals);
  const trimmed = frac.replace(/0+$/, '');
  return trimmed ? `${int}.${trimmed}` : int;
}
