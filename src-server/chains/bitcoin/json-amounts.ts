// Amounts out of JSON without floating point: a JSON number under an amount key is kept as its
// source text (JSON.parse's reviver sees it, Node ≥ 21) and converted to satoshis as a decimal
// string. bitcoind prints BTC values as numbers with 8 decimals (0.00050000, 21000000.00000000);
// Esplora prints satoshis as integers. `Math.round(x * 1e8)` is never used.

const SATS_PER_COIN_DIGITS = 8;

interface ReviverContext {
  source?: string;
}

/**
 * JSON.parse where numbers under any of `amountKeys` come back as their exact source text
 * (e.g. "0.00050000"), never as a float.
 */
export function parseJsonKeepingAmounts(text: string, amountKeys: ReadonlySet<string>): unknown {
  return JSON.parse(text, function (this: unknown, key: string, value: unknown, context?: ReviverContext) {
    if (typeof value !== 'number' || !amountKeys.has(key)) return value;
    if (context?.source === undefined) throw new Error('this Node.js lacks JSON.parse source text access (needs Node ≥ 21)');
    return context.source;
  });
}

/**
 * Satoshis of a decimal coin amount as JSON writes it: "0.00050000", "21000000", "5e-05",
 * "1.5E+1". More than 8 significant fractional digits, a sign or anything else is refused.
 */
export function satsFromCoinDecimal(text: string): bigint {
  const match = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a non-negative decimal amount: ${JSON.stringify(text)}`);
  const [, whole = '', fraction = '', exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number.parseInt(exponentText, 10);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 64) throw new RangeError(`amount exponent out of range: ${text}`);
  // value = digits × 10^(exponent − fraction.length); in sats: × 10^8.
  const digits = BigInt(`${whole}${fraction}`);
  const shift = exponent - fraction.length + SATS_PER_COIN_DIGITS;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  if (digits % divisor !== 0n) throw new RangeError(`amount has more than ${SATS_PER_COIN_DIGITS} decimals: ${text}`);
  return digits / divisor;
}

/** Satoshis from an integer as JSON writes it ("50000"). */
export function satsFromInteger(text: string): bigint {
  if (!/^\d+$/.test(text)) throw new RangeError(`not a non-negative integer amount: ${JSON.stringify(text)}`);
  return BigInt(text);
}
