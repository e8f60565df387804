// The rules of checkout sessions and payment links as pure functions: which (network, asset)
// options a session offers, which of them can be priced in the session's currency, which one the
// page shows first, and whether a customer's amount fits a payment link.
import { AmountError, formatAmount, parseAmount, pow10 } from '../money/amount.ts';
import type { AssetInfo, NetworkInfo } from '../money/assets.ts';
import { listNetworks, resolveAsset, resolveNetwork } from '../money/assets.ts';
import type { RateSource } from '../money/rates.ts';
import { fiatMinorUnits, quoteFiat, RateUnavailableError } from '../money/rates.ts';
import { PaymentInputError } from './payment-intents-service.ts';

/** The currency a session or link is priced in when none is given. */
export const DEFAULT_CHECKOUT_CURRENCY = 'USD';

export interface CheckoutCurrency {
  code: string;
  /** Fiat: ISO 4217 minor units. Asset symbol: the largest precision that asset has on any network. */
  decimals: number;
  kind: 'fiat' | 'asset';
}

/** A fiat code, or an asset symbol the registry knows (USDT, ETH, …); null otherwise. */
export function resolveCheckoutCurrency(input: string): CheckoutCurrency | null {
  const code = input.trim().toUpperCase();
  const minor = fiatMinorUnits(code);
  if (minor !== null) return { code, decimals: minor, kind: 'fiat' };
  let decimals = -1;
  for (const n of listNetworks()) {
    const asset = resolveAsset(n, code);
    if (asset && asset.decimals > decimals) decimals = asset.decimals;
  }
  return decimals >= 0 ? { code, decimals, kind: 'asset' } : null;
}

/** The currency of a request, or a 400 naming `param`. */
export function checkoutCurrency(input: string | undefined, param = 'currency'): CheckoutCurrency {
  const currency = resolveCheckoutCurrency(input ?? DEFAULT_CHECKOUT_CURRENCY);
  if (!currency) {
    throw new PaymentInputError(400, 'parameter_invalid', param, `${param}: "${String(input).slice(0, 12)}" is neither a supported fiat currency (USD, EUR, …) nor a known asset (USDT, ETH, …)`);
  }
  return currency;
}

/** An amount in the currency's units; a 400 naming `param` when malformed, too precise or (unless allowed) zero. */
export function parseCheckoutAmount(input: unknown, currency: CheckoutCurrency, param = 'amount', allowZero = false): bigint {
  let units: bigint;
  try {
    units = parseAmount(input, currency.decimals);
  } catch (err) {
    if (err instanceof AmountError) throw new PaymentInputError(400, 'parameter_invalid', param, `${param} ${err.message}${err.reason === 'precision' ? ` for ${currency.code}` : ''}`);
    throw err;
  }
  if (!allowZero && units <= 0n) throw new PaymentInputError(400, 'parameter_invalid', param, `${param} must be greater than 0`);
  return units;
}

export interface CheckoutOption {
  network: NetworkInfo;
  asset: AssetInfo;
}

/** What this node can take in one mode: the networks (and, off EVM, the test tokens) it watches. */
export interface OptionAvailability {
  livemode: boolean;
  /** Live mode: network ids enabled in config. */
  liveNetworks: ReadonlySet<string>;
  /** Test mode: whether the EVM devnet runs (every EVM network's test stand-in). */
  evmDevnet: boolean;
  /** Test mode: non-EVM networks with a test devnet, and the token symbols it carries. */
  testNetworks: ReadonlyMap<string, { tokens: Readonly<Record<string, string>> }>;
}

function available(network: NetworkInfo, asset: AssetInfo, a: OptionAvailability, explicit: boolean): boolean {
  if (a.livemode) return network.id !== 'devnet' && a.liveNetworks.has(network.id);
  if (network.family === 'evm') {
    // The devnet network itself is only offered when asked for: every EVM network already runs on it in test mode.
    if (network.id === 'devnet' && !explicit) return false;
    return a.evmDevnet;
  }
  const test = a.testNetworks.get(network.id);
  return test !== undefined && (asset.contract === null || Object.hasOwn(test.tokens, asset.symbol));
}

export interface MethodInput {
  network: string;
  asset?: string | undefined;
}

/** A session's `methods`, resolved (aliases accepted); a 400 naming `methods[i].network|asset` when unknown. */
export function resolveMethods(methods: readonly MethodInput[], param = 'methods'): { network: NetworkInfo; asset: AssetInfo | null }[] {
  return methods.map((m, i) => {
    const network = resolveNetwork(String(m.network));
    if (!network) throw new PaymentInputError(400, 'parameter_invalid', `${param}[${i}].network`, `${param}[${i}].network: unsupported network "${String(m.network).slice(0, 40)}"`);
    if (m.asset === undefined) return { network, asset: null };
    const asset = resolveAsset(network, String(m.asset));
    if (!asset) {
      throw new PaymentInputError(400, 'parameter_invalid', `${param}[${i}].asset`, `${param}[${i}].asset: ${String(m.asset).slice(0, 20)} is not supported on ${network.id} (supported: ${Object.keys(network.assets).join(', ')})`);
    }
    return { network, asset };
  });
}

/**
 * Every (network, asset) a session may offer, in registry order: all available ones, or those the
 * `methods` name (a method without an asset names every asset of its network). Methods that are
 * not available in this mode are left out here; the caller reports when nothing remains.
 */
export function candidateOptions(a: OptionAvailability, methods?: ReturnType<typeof resolveMethods>): CheckoutOption[] {
  const out: CheckoutOption[] = [];
  for (const network of listNetworks()) {
    for (const asset of Object.values(network.assets)) {
      const named = methods?.some((m) => m.network.id === network.id && (m.asset === null || m.asset.symbol === asset.symbol));
      if (methods && !named) continue;
      if (available(network, asset, a, methods !== undefined)) out.push({ network, asset });
    }
  }
  return out;
}

/**
 * Whether an option can be priced: a fiat currency needs a rate for the asset (or the asset's USD
 * peg); an asset currency matches only that asset, and only where its precision holds the amount.
 */
export function canPriceOption(option: CheckoutOption, currency: CheckoutCurrency, units: bigint, sources: RateSource[]): boolean {
  const { asset } = option;
  if (currency.kind === 'asset') {
    if (asset.symbol !== currency.code) return false;
    return asset.decimals >= currency.decimals || units % pow10(currency.decimals - asset.decimals) === 0n;
  }
  try {
    quoteFiat({ fiatAmount: formatAmount(units, currency.decimals), currency: currency.code, asset, sources });
    return true;
  } catch (err) {
    if (err instanceof RateUnavailableError) return false;
    throw err;
  }
}

const ASSET_PREFERENCE = ['USDT', 'USDC'];
/** Networks by what a stablecoin transfer typically costs the customer, cheapest first. */
export const NETWORK_FEE_ORDER = ['polygon', 'base', 'arbitrum', 'bsc', 'tron', 'devnet', 'litecoin', 'ethereum', 'bitcoin'];

/**
 * The option the page shows first: USDT, else USDC, else the first other asset; among those, the
 * network where a transfer costs least (NETWORK_FEE_ORDER). Returns an index into `options`, or -1.
 */
export function pickPrimaryOption(options: readonly { network: string; asset: string }[]): number {
  const rank = (o: { network: string; asset: string }) => {
    const a = ASSET_PREFERENCE.indexOf(o.asset);
    const n = NETWORK_FEE_ORDER.indexOf(o.network);
    return (a === -1 ? ASSET_PREFERENCE.length : a) * 100 + (n === -1 ? NETWORK_FEE_ORDER.length : n);
  };
  let best = -1;
  options.forEach((o, i) => {
    if (best === -1 || rank(o) < rank(options[best]!)) best = i;
  });
  return best;
}

export interface LinkAmountTerms {
  /** Fixed amount in units; null = the customer chooses. */
  amount: bigint | null;
  min: bigint | null;
  max: bigint | null;
  currency: CheckoutCurrency;
}

/**
 * The amount of a session a payment link opens: the link's fixed amount (a customer amount, if
 * sent, must equal it), or the customer's, which must be given, well-formed and within min..max.
 * A 400 naming `amount` otherwise.
 */
export function linkSessionAmount(link: LinkAmountTerms, input: string | number | undefined): bigint {
  const { currency } = link;
  const given = input === undefined || input === '' ? undefined : parseCheckoutAmount(input, currency);
  if (link.amount !== null) {
    if (given !== undefined && given !== link.amount) {
      throw new PaymentInputError(400, 'parameter_invalid', 'amount', `amount: this link has a fixed amount of ${formatAmount(link.amount, currency.decimals)} ${currency.code}`);
    }
    return link.amount;
  }
  if (given === undefined) throw new PaymentInputError(400, 'parameter_missing', 'amount', `amount is required: this link lets the customer choose the amount in ${currency.code}`);
  if (link.min !== null && given < link.min) {
    throw new PaymentInputError(400, 'amount_too_small', 'amount', `amount must be at least ${formatAmount(link.min, currency.decimals)} ${currency.code}`);
  }
  if (link.max !== null && given > link.max) {
    throw new PaymentInputError(400, 'amount_too_large', 'amount', `amount must be at most ${formatAmount(link.max, currency.decimals)} ${currency.code}`);
  }
  return given;
}
