// What an amount of an asset is worth in US dollars, exactly: bigint arithmetic at a fixed
// precision (USD_SCALE decimals), rounded down, never floating point. Used for balances' totals.
import { parseDecimal, pow10 } from './amount.ts';
import type { RateSource } from './rates.ts';

/** Internal precision of USD values: 10^-8 dollars, so sums of many rows lose nothing visible. */
export const USD_SCALE = 8;
/** Decimals USD values are shown with. */
export const USD_DISPLAY_DECIMALS = 2;

/** A price of one whole asset unit: USD per unit as numerator / denominator (both positive). */
export interface UsdPrice {
  numerator: bigint;
  denominator: bigint;
  /** Where it came from: 'peg', or '<source>:<PAIR>'. */
  provider: string;
}

/**
 * The USD price of one whole `symbol`, or null when none is known. A configured rate for the pair
 * wins (as when pricing intents): "USD/BTC" (BTC per 1 USD, the config's fiat/asset form) or
 * "BTC/USD" (USD per 1 BTC); else a USD-pegged stablecoin is worth 1; else null.
 */
export function usdPrice(asset: { symbol: string; peg: 'USD' | null }, sources: readonly RateSource[]): UsdPrice | null {
  const symbol = asset.symbol.toUpperCase();
  for (const source of sources) {
    const perUsd = source.rate('USD', symbol);
    const perUsdValue = perUsd ? parseDecimal(perUsd.rate) : null;
    if (perUsdValue && perUsdValue.coefficient > 0n) {
      return { numerator: pow10(perUsdValue.scale), denominator: perUsdValue.coefficient, provider: `${source.name}:USD/${symbol}` };
    }
    const inUsd = source.rate(symbol, 'USD');
    const inUsdValue = inUsd ? parseDecimal(inUsd.rate) : null;
    if (inUsdValue && inUsdValue.coefficient > 0n) {
      return { numerator: inUsdValue.coefficient, denominator: pow10(inUsdValue.scale), provider: `${source.name}:${symbol}/USD` };
    }
  }
  if (asset.peg === 'USD') return { numerator: 1n, denominator: 1n, provider: 'peg' };
  return null;
}

/** `units` (base units of an asset with `decimals`) in USD at 10^-USD_SCALE, rounded down. */
export function usdValue(units: bigint, decimals: number, price: UsdPrice): bigint {
  if (units < 0n) throw new RangeError('amounts are never negative');
  return (units * price.numerator * pow10(USD_SCALE)) / (pow10(decimals) * price.denominator);
}

/** A USD value at USD_SCALE as dollars and cents, rounded down: 2512345678n → "25.12". */
export function formatUsd(value: bigint): string {
  if (value < 0n) throw new RangeError('USD values here are never negative');
  const cents = value / pow10(USD_SCALE - USD_DISPLAY_DECIMALS);
  const text = cents.toString().padStart(USD_DISPLAY_DECIMALS + 1, '0');
  return `${text.slice(0, -USD_DISPLAY_DECIMALS)}.${text.slice(-USD_DISPLAY_DECIMALS)}`;
}
