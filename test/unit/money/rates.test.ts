import { describe, expect, it } from 'vitest';
import { AmountError } from '../../../src-server/money/amount.ts';
import { type AssetInfo, getNetwork } from '../../../src-server/money/assets.ts';
import {
  type RateSource,
  RateUnavailableError,
  UnsupportedCurrencyError,
  fiatMinorUnits,
  fixedRateSource,
  quoteFiat,
} from '../../../src-server/money/rates.ts';

const at = new Date('2026-05-29T12:00:00Z');
const now = new Date('2026-05-29T12:30:00Z');
const ethUsdt = getNetwork('ethereum').assets.USDT!;
const bscUsdt = getNetwork('bsc').assets.USDT!;
const btc = getNetwork('bitcoin').assets.BTC!;
const eth = getNetwork('ethereum').assets.ETH!;
const yen: AssetInfo = { symbol: 'JPYC', decimals: 0, contract: '0xjpyc', peg: null };

describe('quoteFiat', () => {
  it.each<[string, string | number, string, AssetInfo, Record<string, string>, bigint, string, string]>([
    ['EUR → USDT at a configured rate', '10.00', 'EUR', ethUsdt, { 'EUR/USDT': '1.0870' }, 10_870000n, 'fixed', '1.0870'],
    ['USD → USDT pegged 1:1', '25.00', 'USD', ethUsdt, {}, 25_000000n, 'peg', '1'],
    ['USD → USDT on BSC (18 decimals)', '25', 'USD', bscUsdt, {}, 25n * 10n ** 18n, 'peg', '1'],
    ['USD → USDT, a configured pair beats the peg', '100', 'USD', ethUsdt, { 'USD/USDT': '1.0005' }, 100_050000n, 'fixed', '1.0005'],
    ['EUR → USDT via a EUR/USD rate and the peg', '10', 'EUR', ethUsdt, { 'EUR/USD': '1.0870' }, 10_870000n, 'fixed+peg', '1.0870'],
    ['JSON number amount', 19.99, 'USD', ethUsdt, {}, 19_990000n, 'peg', '1'],
    ['lower-case currency', '1', 'usd', ethUsdt, {}, 1_000000n, 'peg', '1'],
    ['zero-decimal fiat', '1500', 'JPY', ethUsdt, { 'JPY/USDT': '0.0064' }, 9_600000n, 'fixed', '0.0064'],
    ['rounds a repeating third up', '0.01', 'EUR', ethUsdt, { 'EUR/USDT': '0.333333333333333333' }, 3334n, 'fixed', '0.333333333333333333'],
    ['rounds up to satoshis', '100.00', 'EUR', btc, { 'EUR/BTC': '0.0000095238095238095' }, 95239n, 'fixed', '0.0000095238095238095'],
    ['exact result is not bumped', '100.00', 'EUR', btc, { 'EUR/BTC': '0.00001' }, 100000n, 'fixed', '0.00001'],
    ['rounds up a single wei', '0.01', 'USD', eth, { 'USD/ETH': '0.0000003333333333333333333' }, 3333333334n, 'fixed', '0.0000003333333333333333333'],
    ['exponent-form rate', '1', 'USD', btc, { 'USD/BTC': '1.5e-5' }, 1500n, 'fixed', '1.5e-5'],
    ['asset with zero decimals rounds to a whole unit', '1.01', 'USD', yen, { 'USD/JPYC': '150' }, 152n, 'fixed', '150'],
    ['zero stays zero', '0', 'USD', ethUsdt, {}, 0n, 'peg', '1'],
  ])('%s', (_label, fiatAmount, currency, asset, map, units, provider, rate) => {
    const quote = quoteFiat({ fiatAmount, currency, asset, sources: [fixedRateSource(map, { at })], now });
    expect(quote.units).toBe(units);
    expect(quote.rate.provider).toBe(provider);
    expect(quote.rate.rate).toBe(rate);
    expect(quote.rate.pair).toBe(`${currency.toUpperCase()}/${asset.symbol}`);
    expect(quote.rate.at).toBe(provider === 'peg' ? now.toISOString() : at.toISOString());
  });

  it('uses the first source that has the pair', () => {
    const sources = [
      fixedRateSource({ 'GBP/ETH': '0.0004' }, { name: 'first', at }),
      fixedRateSource({ 'EUR/ETH': '0.0003' }, { name: 'second', at }),
      fixedRateSource({ 'EUR/ETH': '0.0009' }, { name: 'third', at }),
    ];
    const quote = quoteFiat({ fiatAmount: '1', currency: 'EUR', asset: eth, sources });
    expect(quote.rate.provider).toBe('second');
    expect(quote.units).toBe(300000000000000n);
  });

  it('skips a source that answers an unusable rate', () => {
    const broken: RateSource = { name: 'broken', rate: () => ({ rate: 'NaN', at }) };
    const zero: RateSource = { name: 'zero', rate: () => ({ rate: '0', at }) };
    const good = fixedRateSource({ 'EUR/BTC': '0.00001' }, { name: 'good', at });
    const quote = quoteFiat({ fiatAmount: '1', currency: 'EUR', asset: btc, sources: [broken, zero, good] });
    expect(quote.rate.provider).toBe('good');
  });

  it('names the pair when no rate is available', () => {
    const attempt = () => quoteFiat({ fiatAmount: '1', currency: 'EUR', asset: btc, sources: [fixedRateSource({ 'USD/BTC': '0.00001' })] });
    expect(attempt).toThrow(RateUnavailableError);
    expect(attempt).toThrow('EUR/BTC');
  });

  it('has no peg fallback for a volatile asset or a missing cross rate', () => {
    expect(() => quoteFiat({ fiatAmount: '1', currency: 'USD', asset: eth, sources: [] })).toThrow(RateUnavailableError);
    expect(() => quoteFiat({ fiatAmount: '1', currency: 'EUR', asset: ethUsdt, sources: [] })).toThrow(RateUnavailableError);
  });

  it.each(['XYZ', 'US', 'BTC', '', 'usdt'])('rejects unsupported currency %j', (currency) => {
    expect(() => quoteFiat({ fiatAmount: '1', currency, asset: ethUsdt, sources: [] })).toThrow(UnsupportedCurrencyError);
    expect(() => quoteFiat({ fiatAmount: '1', currency, asset: ethUsdt, sources: [] })).toThrow('unsupported currency');
  });

  it.each<[string | number, string, AmountError['reason']]>([
    ['10.001', 'USD', 'precision'],
    ['1.5', 'JPY', 'precision'],
    ['1.0001', 'KWD', 'precision'],
    ['-1', 'USD', 'negative'],
    ['ten', 'USD', 'format'],
    [0.1 + 0.2, 'USD', 'precision'],
  ])('rejects fiat amount %j %s by the currency precision', (fiatAmount, currency, reason) => {
    try {
      quoteFiat({ fiatAmount, currency, asset: ethUsdt, sources: [fixedRateSource({ [`${currency}/USDT`]: '1' })] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AmountError);
      expect((err as AmountError).reason).toBe(reason);
    }
  });
});

describe('fiatMinorUnits', () => {
  it.each<[string, number | null]>([
    ['USD', 2], ['eur', 2], ['GBP', 2], ['JPY', 0], ['KRW', 0], ['VND', 0], ['KWD', 3], ['XYZ', null], ['toString', null],
  ])('%s → %s', (code, expected) => {
    expect(fiatMinorUnits(code)).toBe(expected);
  });
});

describe('fixedRateSource', () => {
  it('matches pairs case-insensitively and reports its name', () => {
    const source = fixedRateSource({ 'eur/usdt': '1.08' }, { name: 'config', at });
    expect(source.name).toBe('config');
    expect(source.rate('EUR', 'usdt')).toEqual({ rate: '1.08', at });
    expect(source.rate('USD', 'USDT')).toBeNull();
  });

  it.each<[Record<string, string>]>([
    [{ EURUSDT: '1' }],
    [{ 'EUR/USDT': '0' }],
    [{ 'EUR/USDT': '-1' }],
    [{ 'EUR/USDT': '1,08' }],
    [{ 'EUR/USDT': '' }],
  ])('refuses bad configuration %j', (map) => {
    expect(() => fixedRateSource(map)).toThrow();
  });
});
