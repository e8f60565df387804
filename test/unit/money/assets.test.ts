import { describe, expect, it } from 'vitest';
import {
  type AssetInfo,
  type DevnetTokens,
  type NetworkId,
  explorerTxLink,
  getNetwork,
  listNetworks,
  paymentUri,
  resolveAsset,
  resolveNetwork,
  testModeAsset,
} from '../../../src-server/money/assets.ts';

const devnetTokens: DevnetTokens = {
  USDT: '0x1111111111111111111111111111111111111111',
  USDC: '0x2222222222222222222222222222222222222222',
  USDT18: '0x3333333333333333333333333333333333333333',
  USDC18: '0x4444444444444444444444444444444444444444',
};

function asset(network: NetworkId, symbol: string): AssetInfo {
  const found = resolveAsset(getNetwork(network), symbol);
  if (!found) throw new Error(`${symbol} on ${network} missing`);
  return found;
}

describe('registry per SPEC §3', () => {
  it.each<[NetworkId, string[], string[], number, number | null, string]>([
    ['ethereum', ['erc20', 'eth'], ['ETH', 'USDT', 'USDC'], 12, 1, 'evm'],
    ['bsc', ['bep20', 'bnb'], ['BNB', 'USDT', 'USDC'], 15, 56, 'evm'],
    ['polygon', ['pol', 'matic'], ['POL', 'USDT', 'USDC'], 128, 137, 'evm'],
    ['base', [], ['ETH', 'USDC'], 10, 8453, 'evm'],
    ['arbitrum', [], ['ETH', 'USDT', 'USDC'], 20, 42161, 'evm'],
    ['tron', ['trc20', 'trx'], ['TRX', 'USDT'], 19, null, 'tron'],
    ['bitcoin', ['btc'], ['BTC'], 2, null, 'btc'],
    ['litecoin', ['ltc'], ['LTC'], 6, null, 'ltc'],
    ['devnet', [], ['DEV', 'USDT', 'USDC'], 2, 31337, 'evm'],
  ])('%s', (id, aliases, symbols, confirmations, chainId, scheme) => {
    const n = getNetwork(id);
    expect(n.id).toBe(id);
    expect(n.aliases).toEqual(aliases);
    expect(Object.keys(n.assets)).toEqual(symbols);
    expect(n.defaultConfirmations).toBe(confirmations);
    expect(n.chainId).toBe(chainId);
    expect(n.addressScheme).toBe(scheme);
    expect(n.assets[n.nativeSymbol]?.contract).toBeNull();
    for (const [key, a] of Object.entries(n.assets)) expect(a.symbol).toBe(key);
  });

  it('lists every network once, in SPEC order', () => {
    expect(listNetworks().map((n) => n.id)).toEqual([
      'ethereum', 'bsc', 'polygon', 'base', 'arbitrum', 'tron', 'bitcoin', 'litecoin', 'devnet',
    ]);
  });

  it.each<[NetworkId, string, number, string | null, 'USD' | null]>([
    ['ethereum', 'ETH', 18, null, null],
    ['ethereum', 'USDT', 6, '0xdAC17F958D2ee523a2206206994597C13D831ec7', 'USD'],
    ['ethereum', 'USDC', 6, '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', 'USD'],
    ['bsc', 'BNB', 18, null, null],
    ['bsc', 'USDT', 18, '0x55d398326f99059fF775485246999027B3197955', 'USD'],
    ['bsc', 'USDC', 18, '0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d', 'USD'],
    ['polygon', 'POL', 18, null, null],
    ['polygon', 'USDT', 6, '0xc2132D05D31c914a87C6611C10748AEb04B58e8F', 'USD'],
    ['polygon', 'USDC', 6, '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359', 'USD'],
    ['base', 'ETH', 18, null, null],
    ['base', 'USDC', 6, '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', 'USD'],
    ['arbitrum', 'ETH', 18, null, null],
    ['arbitrum', 'USDT', 6, '0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9', 'USD'],
    ['arbitrum', 'USDC', 6, '0xaf88d065e77c8cC2239327C5EDb3A432268e5831', 'USD'],
    ['tron', 'TRX', 6, null, null],
    ['tron', 'USDT', 6, 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'USD'],
    ['bitcoin', 'BTC', 8, null, null],
    ['litecoin', 'LTC', 8, null, null],
    ['devnet', 'DEV', 18, null, null],
    ['devnet', 'USDT', 6, '', 'USD'],
    ['devnet', 'USDC', 6, '', 'USD'],
  ])('%s %s: %i decimals, contract %s', (network, symbol, decimals, contract, peg) => {
    expect(asset(network, symbol)).toEqual({ symbol, decimals, contract, peg });
  });

  it('is frozen', () => {
    const eth = getNetwork('ethereum');
    expect(Object.isFrozen(eth)).toBe(true);
    expect(Object.isFrozen(eth.assets.USDT)).toBe(true);
    expect(Object.isFrozen(eth.aliases)).toBe(true);
  });

  it('has an explorer link template and RPC URLs for every live network', () => {
    for (const n of listNetworks()) {
      if (n.id === 'devnet') continue;
      expect(n.defaultRpcUrls.length).toBeGreaterThan(0);
      for (const url of n.defaultRpcUrls) expect(url).toMatch(/^https:\/\//);
      expect(n.explorerTxUrl).toContain('{txid}');
    }
    expect(explorerTxLink(getNetwork('bsc'), '0xabc')).toBe('https://bscscan.com/tx/0xabc');
    expect(explorerTxLink(getNetwork('devnet'), '0xabc')).toBeNull();
  });
});

describe('resolveNetwork', () => {
  it.each<[string, NetworkId | null]>([
    ['ethereum', 'ethereum'],
    ['ERC20', 'ethereum'],
    [' eth ', 'ethereum'],
    ['BEP20', 'bsc'],
    ['bnb', 'bsc'],
    ['Matic', 'polygon'],
    ['pol', 'polygon'],
    ['base', 'base'],
    ['arbitrum', 'arbitrum'],
    ['TRC20', 'tron'],
    ['trx', 'tron'],
    ['BTC', 'bitcoin'],
    ['ltc', 'litecoin'],
    ['devnet', 'devnet'],
    ['solana', null],
    ['', null],
    ['toString', null],
    ['__proto__', null],
  ])('%j → %s', (input, expected) => {
    expect(resolveNetwork(input)?.id ?? null).toBe(expected);
  });
});

describe('resolveAsset', () => {
  it.each<[NetworkId, string, string | null]>([
    ['bsc', 'usdt', 'USDT'],
    ['bsc', ' Usdc ', 'USDC'],
    ['base', 'USDT', null],
    ['tron', 'USDC', null],
    ['ethereum', 'constructor', null],
    ['ethereum', '__proto__', null],
  ])('%s %j → %s', (network, symbol, expected) => {
    expect(resolveAsset(getNetwork(network), symbol)?.symbol ?? null).toBe(expected);
  });
});

describe('testModeAsset', () => {
  it.each<[NetworkId, string, { chain: 'devnet'; contract: string | null; decimals: number } | null]>([
    ['ethereum', 'USDT', { chain: 'devnet', contract: devnetTokens.USDT, decimals: 6 }],
    ['ethereum', 'USDC', { chain: 'devnet', contract: devnetTokens.USDC, decimals: 6 }],
    ['ethereum', 'ETH', { chain: 'devnet', contract: null, decimals: 18 }],
    ['bsc', 'USDT', { chain: 'devnet', contract: devnetTokens.USDT18, decimals: 18 }],
    ['bsc', 'USDC', { chain: 'devnet', contract: devnetTokens.USDC18, decimals: 18 }],
    ['bsc', 'BNB', { chain: 'devnet', contract: null, decimals: 18 }],
    ['polygon', 'USDT', { chain: 'devnet', contract: devnetTokens.USDT, decimals: 6 }],
    ['polygon', 'POL', { chain: 'devnet', contract: null, decimals: 18 }],
    ['base', 'USDC', { chain: 'devnet', contract: devnetTokens.USDC, decimals: 6 }],
    ['arbitrum', 'USDT', { chain: 'devnet', contract: devnetTokens.USDT, decimals: 6 }],
    ['devnet', 'USDT', { chain: 'devnet', contract: devnetTokens.USDT, decimals: 6 }],
    ['devnet', 'DEV', { chain: 'devnet', contract: null, decimals: 18 }],
    ['tron', 'USDT', null],
    ['tron', 'TRX', null],
    ['bitcoin', 'BTC', null],
    ['litecoin', 'LTC', null],
  ])('%s %s', (network, symbol, expected) => {
    expect(testModeAsset(getNetwork(network), asset(network, symbol), devnetTokens)).toEqual(expected);
  });

  it('has no stand-in for an unknown token', () => {
    const odd: AssetInfo = { symbol: 'DAI', decimals: 18, contract: '0xdead', peg: 'USD' };
    expect(testModeAsset(getNetwork('ethereum'), odd, devnetTokens)).toBeNull();
  });
});

describe('paymentUri', () => {
  const evmTo = '0x5aE1b3C0A1e2d3f4a5B6c7D8e9F0a1B2c3D4e5F6';
  it.each<[string, NetworkId, AssetInfo, string, bigint, number | undefined, string]>([
    ['ERC-20 on BSC', 'bsc', asset('bsc', 'USDT'), evmTo, 25_000000000000000000n, undefined,
      `ethereum:0x55d398326f99059fF775485246999027B3197955@56/transfer?address=${evmTo}&uint256=25000000000000000000`],
    ['ERC-20 on Ethereum', 'ethereum', asset('ethereum', 'USDC'), evmTo, 10_500000n, undefined,
      `ethereum:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48@1/transfer?address=${evmTo}&uint256=10500000`],
    ['native ETH on Base', 'base', asset('base', 'ETH'), evmTo, 10n ** 16n, undefined,
      `ethereum:${evmTo}@8453?value=10000000000000000`],
    ['devnet token, test mode override', 'bsc',
      { symbol: 'USDT', decimals: 18, contract: devnetTokens.USDT18, peg: 'USD' }, evmTo, 1n, 31337,
      `ethereum:${devnetTokens.USDT18}@31337/transfer?address=${evmTo}&uint256=1`],
    ['native, zero amount', 'polygon', asset('polygon', 'POL'), evmTo, 0n, undefined, `ethereum:${evmTo}@137`],
    ['bitcoin', 'bitcoin', asset('bitcoin', 'BTC'), 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 12345n, undefined,
      'bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.00012345'],
    ['bitcoin, whole coins', 'bitcoin', asset('bitcoin', 'BTC'), 'bc1qxyz', 2_00000000n, undefined, 'bitcoin:bc1qxyz?amount=2'],
    ['litecoin', 'litecoin', asset('litecoin', 'LTC'), 'ltc1qxyz', 1_50000000n, undefined, 'litecoin:ltc1qxyz?amount=1.5'],
    ['tron USDT', 'tron', asset('tron', 'USDT'), 'TXyz', 25_000000n, undefined,
      'tron:TXyz?amount=25&token=TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'],
    ['tron TRX', 'tron', asset('tron', 'TRX'), 'TXyz', 1_500000n, undefined, 'tron:TXyz?amount=1.5'],
  ])('%s', (_label, network, a, to, units, chainId, expected) => {
    expect(paymentUri(getNetwork(network), a, to, units, chainId)).toBe(expected);
  });

  it('refuses a devnet token whose contract was not filled in', () => {
    expect(() => paymentUri(getNetwork('devnet'), asset('devnet', 'USDT'), evmTo, 1n)).toThrow(/no contract/);
  });

  it('refuses negative units', () => {
    expect(() => paymentUri(getNetwork('bitcoin'), asset('bitcoin', 'BTC'), 'bc1q', -1n)).toThrow(RangeError);
  });
});
