// Fiat pricing: a fiat amount becomes base units of an asset at a recorded rate, rounded UP to
// the asset's precision, exactly (bigint rationals; no floating point).

import { parseAmount, parseDecimal, pow10 } from './amount.ts';
import type { AssetInfo } from './assets.ts';

export interface RateQuote {
  /** Decimal text: how many `quote` per 1 `base`. */
  rate: string;
  at: Date;
}

export interface RateSource {
  name: string;
  /** base: a fiat code like 'EUR'; quote: an asset symbol like 'USDT'. null = pair not known. */
  rate(base: string, quote: string): RateQuote | null;
}

export interface RecordedRate {
  /** Source name; 'peg' for 1:1 stablecoin pricing, '<source>+peg' for a fiat cross via the peg. */
  provider: string;
  /** "<CURRENCY>/<ASSET>", e.g. "EUR/USDT". */
  pair: string;
  rate: string;
  /** ISO-8601 UTC. */
  at: string;
}

export interface FiatQuote {
  units: bigint;
  rate: RecordedRate;
}

export class RateUnavailableError extends Error {
  readonly code = 'rate_unavailable';
  readonly pair: string;

  constructor(pair: string) {
    super(`no exchange rate available for ${pair}`);
    this.name = 'RateUnavailableError';
    this.pair = pair;
  }
}

export class UnsupportedCurrencyError extends Error {
  readonly code = 'unsupported_currency';
  readonly currency: string;

  constructor(currency: string) {
    super(`unsupported currency "${currency}"`);
    this.name = 'UnsupportedCurrencyError';
    this.currency = currency;
  }
}

/** ISO 4217 minor units of the fiat currencies a price may be given in. */
export const FIAT_MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  USD: 2, EUR: 2, GBP: 2, CHF: 2, CAD: 2, AUD: 2, NZD: 2, CNY: 2, HKD: 2, SGD: 2,
  INR: 2, BRL: 2, MXN: 2, ARS: 2, ZAR: 2, TRY: 2, AED: 2, ILS: 2, THB: 2, IDR: 2,
  PHP: 2, MYR: 2, NGN: 2, UAH: 2, RUB: 2, PLN: 2, CZK: 2, HUF: 2, RON: 2, SEK: 2,
  NOK: 2, DKK: 2,
  JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0,
  KWD: 3, BHD: 3,
});

/** Minor units of a supported fiat code (case-insensitive), or null. */
export function fiatMinorUnits(currency: string): number | null {
  const code = currency.trim().toUpperCase();
  return Object.hasOwn(FIAT_MINOR_UNITS, code) ? FIAT_MINOR_UNITS[code]! : null;
}

/** A positive decimal rate as coefficient × 10^-scale, or null when unusable. */
function parseRate(rate: string): { coefficient: bigint; scale: number } | null {
  const parsed = parseDecimal(rate);
  return parsed && parsed.coefficient > 0n ? parsed : null;
}

/**
 * Rates from configuration: `{ "EUR/USDT": "1.0870" }` (quote per 1 base). Throws on a malformed
 * key or a non-positive rate, so a bad config fails at start. `at` defaults to the time of asking.
 */
export function fixedRateSource(
  map: Record<string, string>,
  options: { name?: string; at?: Date } = {},
): RateSource {
  const rates = new Map<string, string>();
  for (const [pair, rate] of Object.entries(map)) {
    const key = pair.trim().toUpperCase();
    if (!/^[A-Z0-9]+\/[A-Z0-9]+$/.test(key)) throw new Error(`rate pair "${pair}" must look like "EUR/USDT"`);
    if (!parseRate(rate)) throw new Error(`rate for ${key} must be a positive decimal string, got "${rate}"`);
    rates.set(key, rate);
  }
  const at = options.at;
  return {
    name: options.name ?? 'fixed',
    rate(base, quote) {
      const rate = rates.get(`${base.toUpperCase()}/${quote.toUpperCase()}`);
      return rate === undefined ? null : { rate, at: at ?? new Date() };
    },
  };
}

function firstRate(sources: RateSource[], base: string, quote: string) {
  for (const source of sources) {
    const found = source.rate(base, quote);
    // A source answering garbage is treated as not having the pair: the next one may.
    if (found && parseRate(found.rate)) return { source, found };
  }
  return null;
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

/**
 * Prices `fiatAmount` of `currency` in `asset` base units, rounding up.
 * Rate choice: a source with the exact pair (first in `sources` order) wins; else a USD-pegged
 * stablecoin priced in its peg is 1:1 (provider 'peg'); else a pegged stablecoin priced in
 * another fiat uses a source's fiat/peg rate (provider '<source>+peg'); else RateUnavailableError.
 * Throws UnsupportedCurrencyError for codes outside FIAT_MINOR_UNITS and AmountError for a fiat
 * amount with more decimals than the currency has. Zero gives 0n; the caller decides.
 */
export function quoteFiat(input: {
  fiatAmount: string | number;
  currency: string;
  asset: AssetInfo;
  sources: RateSource[];
  /** Time recorded for the 1:1 peg rate; defaults to now. */
  now?: Date;
}): FiatQuote {
  const currency = input.currency.trim().toUpperCase();
  const minorUnits = fiatMinorUnits(currency);
  if (minorUnits === null) throw new UnsupportedCurrencyError(input.currency);
  const fiatMinor = parseAmount(input.fiatAmount, minorUnits);
  const { asset } = input;
  const pair = `${currency}/${asset.symbol}`;

  let chosen: { provider: string; rate: string; at: Date };
  const exact = firstRate(input.sources, currency, asset.symbol);
  if (exact) {
    chosen = { provider: exact.source.name, rate: exact.found.rate, at: exact.found.at };
  } else if (asset.peg !== null && asset.peg === currency) {
    chosen = { provider: 'peg', rate: '1', at: input.now ?? new Date() };
  } else if (asset.peg !== null) {
    const cross = firstRate(input.sources, currency, asset.peg);
    if (!cross) throw new RateUnavailableError(pair);
    chosen = { provider: `${cross.source.name}+peg`, rate: cross.found.rate, at: cross.found.at };
  } else {
    throw new RateUnavailableError(pair);
  }

  const rate = parseRate(chosen.rate)!;
  // units = ceil(fiatMinor / 10^minor × coefficient / 10^scale × 10^decimals)
  const numerator = fiatMinor * rate.coefficient * pow10(asset.decimals);
  const denominator = pow10(minorUnits) * pow10(rate.scale);
  return {
    units: ceilDiv(numerator, denominator),
    rate: { provider: chosen.provider, pair, rate: chosen.rate, at: chosen.at.toISOString() },
  };
}
