// The pure rules of checkout sessions and payment links: which options a session offers, which can
// be priced, which one the page shows first, and whether a customer's amount fits a link.
import { describe, expect, it } from 'vitest';
import { fixedRateSource } from '../../../src-server/money/rates.ts';
import {
  canPriceOption,
  candidateOptions,
  checkoutCurrency,
  linkSessionAmount,
  parseCheckoutAmount,
  pickPrimaryOption,
  resolveCheckoutCurrency,
  resolveMethods,
  type OptionAvailability,
} from '../../../src-server/payments/checkout-rules.ts';
import { PaymentInputError } from '../../../src-server/payments/payment-intents-service.ts';

const testMode = (over: Partial<OptionAvailability> = {}): OptionAvailability => ({
  livemode: false,
  liveNetworks: new Set(),
  evmDevnet: true,
  testNetworks: new Map([['tron', { tokens: { USDT: 'TXYZ' } }]]),
  ...over,
});
const ids = (options: ReturnType<typeof candidateOptions>) => options.map((o) => `${o.network.id}/${o.asset.symbol}`);

function inputError(fn: () => unknown): PaymentInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PaymentInputError) return err;
    throw err;
  }
  throw new Error('expected a PaymentInputError');
}

describe('currencies', () => {
  it.each([
    ['USD', { code: 'USD', decimals: 2, kind: 'fiat' }],
    [' eur ', { code: 'EUR', decimals: 2, kind: 'fiat' }],
    ['JPY', { code: 'JPY', decimals: 0, kind: 'fiat' }],
    ['usdt', { code: 'USDT', decimals: 18, kind: 'asset' }], // BSC USDT has 18
    ['USDC', { code: 'USDC', decimals: 18, kind: 'asset' }],
    ['TRX', { code: 'TRX', decimals: 6, kind: 'asset' }],
    ['BTC', { code: 'BTC', decimals: 8, kind: 'asset' }],
    ['XYZ', null],
    ['', null],
  ])('%j → %j', (input, expected) => {
    expect(resolveCheckoutCurrency(input)).toEqual(expected);
  });

  it('defaults to USD; an unknown one is a 400 naming currency', () => {
    expect(checkoutCurrency(undefined).code).toBe('USD');
    const err = inputError(() => checkoutCurrency('DOGECOIN'));
    expect(err).toMatchObject({ status: 400, param: 'currency' });
  });
});

describe('parseCheckoutAmount', () => {
  const usd = checkoutCurrency('USD');
  it.each([
    ['25', 2500n],
    ['25.5', 2550n],
    [25.01, 2501n],
  ])('%j USD → %s cents', (input, units) => {
    expect(parseCheckoutAmount(input, usd)).toBe(units);
  });
  it.each([
    ['25.001', /more than 2 decimal places for USD/],
    ['0', /greater than 0/],
    ['-1', /negative/],
    ['abc', /decimal string/],
  ])('%j is a 400 naming amount (%s)', (input, message) => {
    const err = inputError(() => parseCheckoutAmount(input, usd));
    expect(err.status).toBe(400);
    expect(err.param).toBe('amount');
    expect(err.message).toMatch(message);
  });
});

describe('candidateOptions', () => {
  it('test mode: every EVM network through the devnet and Tron through its devnet; the devnet network itself only when asked', () => {
    const all = ids(candidateOptions(testMode()));
    expect(all).toContain('bsc/USDT');
    expect(all).toContain('ethereum/ETH');
    expect(all).toContain('tron/USDT');
    expect(all).toContain('tron/TRX');
    expect(all.some((o) => o.startsWith('devnet/'))).toBe(false);
    expect(all.some((o) => o.startsWith('bitcoin/'))).toBe(false);
    expect(ids(candidateOptions(testMode(), resolveMethods([{ network: 'devnet', asset: 'USDT' }])))).toEqual(['devnet/USDT']);
  });

  it('test mode without the EVM devnet offers only the other devnets', () => {
    expect(ids(candidateOptions(testMode({ evmDevnet: false })))).toEqual(['tron/TRX', 'tron/USDT']);
  });

  it('live mode: only networks enabled in config, never the devnet', () => {
    const live = { livemode: true, liveNetworks: new Set(['bsc', 'devnet']), evmDevnet: true, testNetworks: new Map() };
    expect(ids(candidateOptions(live))).toEqual(['bsc/BNB', 'bsc/USDT', 'bsc/USDC']);
    expect(ids(candidateOptions(live, resolveMethods([{ network: 'trc20', asset: 'USDT' }])))).toEqual([]);
  });

  it('methods accept aliases and a method without asset names every asset of its network', () => {
    expect(ids(candidateOptions(testMode(), resolveMethods([{ network: 'BEP20' }, { network: 'erc20', asset: 'usdc' }])))).toEqual([
      'ethereum/USDC',
      'bsc/BNB',
      'bsc/USDT',
      'bsc/USDC',
    ]);
  });

  it('an unknown method is a 400 naming the entry and field', () => {
    expect(inputError(() => resolveMethods([{ network: 'bsc' }, { network: 'solana' }]))).toMatchObject({ status: 400, param: 'methods[1].network' });
    expect(inputError(() => resolveMethods([{ network: 'tron', asset: 'USDC' }]))).toMatchObject({ status: 400, param: 'methods[0].asset' });
  });
});

describe('canPriceOption', () => {
  const options = candidateOptions(testMode());
  const pick = (id: string) => options.find((o) => `${o.network.id}/${o.asset.symbol}` === id)!;

  it('USD: stablecoins 1:1, volatile assets only with a configured rate', () => {
    const usd = checkoutCurrency('USD');
    expect(canPriceOption(pick('bsc/USDT'), usd, 2500n, [])).toBe(true);
    expect(canPriceOption(pick('ethereum/ETH'), usd, 2500n, [])).toBe(false);
    expect(canPriceOption(pick('ethereum/ETH'), usd, 2500n, [fixedRateSource({ 'USD/ETH': '0.0004' })])).toBe(true);
  });

  it('EUR: needs a rate, exact or via the stablecoin peg', () => {
    const eur = checkoutCurrency('EUR');
    expect(canPriceOption(pick('tron/USDT'), eur, 1000n, [])).toBe(false);
    expect(canPriceOption(pick('tron/USDT'), eur, 1000n, [fixedRateSource({ 'EUR/USD': '1.08' })])).toBe(true);
  });

  it('an asset currency offers only that asset, and only where its precision holds the amount', () => {
    const usdt = checkoutCurrency('USDT');
    const units = parseCheckoutAmount('1.1234567', usdt); // 7 decimals: fits 18-decimal BSC USDT only
    expect(canPriceOption(pick('bsc/USDT'), usdt, units, [])).toBe(true);
    expect(canPriceOption(pick('ethereum/USDT'), usdt, units, [])).toBe(false);
    expect(canPriceOption(pick('ethereum/USDT'), usdt, parseCheckoutAmount('1.5', usdt), [])).toBe(true);
    expect(canPriceOption(pick('ethereum/USDC'), usdt, parseCheckoutAmount('1.5', usdt), [])).toBe(false);
  });
});

describe('pickPrimaryOption', () => {
  it.each([
    [[['ethereum', 'USDT'], ['bsc', 'USDT'], ['polygon', 'USDT'], ['tron', 'USDT']], 2],
    [[['ethereum', 'USDC'], ['tron', 'USDT']], 1],
    [[['ethereum', 'USDC'], ['base', 'USDC'], ['ethereum', 'ETH']], 1],
    [[['bitcoin', 'BTC'], ['litecoin', 'LTC']], 1],
    [[['tron', 'TRX'], ['ethereum', 'USDT']], 1],
    [[], -1],
  ])('%j → %i', (pairs, expected) => {
    expect(pickPrimaryOption(pairs.map(([network, asset]) => ({ network: network!, asset: asset! })))).toBe(expected);
  });
});

describe('linkSessionAmount', () => {
  const usd = checkoutCurrency('USD');
  const fixed = { amount: 2500n, min: null, max: null, currency: usd };
  const chosen = { amount: null, min: 500n, max: 10000n, currency: usd };

  it('a fixed link takes its own amount; a customer amount must equal it', () => {
    expect(linkSessionAmount(fixed, undefined)).toBe(2500n);
    expect(linkSessionAmount(fixed, '25')).toBe(2500n);
    expect(inputError(() => linkSessionAmount(fixed, '30'))).toMatchObject({ status: 400, param: 'amount' });
  });

  it.each([
    ['5', 500n],
    ['100.00', 10000n],
    ['42.42', 4242n],
  ])('customer-chosen %j within bounds → %s', (input, units) => {
    expect(linkSessionAmount(chosen, input)).toBe(units);
  });

  it.each([
    [undefined, 'parameter_missing', /required/],
    ['', 'parameter_missing', /required/],
    ['4.99', 'amount_too_small', /at least 5.00 USD/],
    ['100.01', 'amount_too_large', /at most 100.00 USD/],
    ['10.001', 'parameter_invalid', /decimal places/],
    ['0', 'parameter_invalid', /greater than 0/],
    ['ten', 'parameter_invalid', /decimal string/],
  ])('customer-chosen %j → 400 %s naming amount', (input, code, message) => {
    const err = inputError(() => linkSessionAmount(chosen, input));
    expect(err).toMatchObject({ status: 400, code, param: 'amount' });
    expect(err.message).toMatch(message);
  });

  it('without bounds any positive amount goes', () => {
    expect(linkSessionAmount({ amount: null, min: null, max: null, currency: usd }, '1000000')).toBe(100000000n);
  });
});
