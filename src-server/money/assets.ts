// The one asset registry: networks, their aliases, assets, token contracts and decimals.
// Nothing else in the code base hard-codes a contract address or a decimals count.

import { formatUnitsPlain } from './amount.ts';

export type NetworkId = 'ethereum' | 'bsc' | 'polygon' | 'base' | 'arbitrum' | 'tron' | 'bitcoin' | 'litecoin' | 'devnet';
export type NetworkFamily = 'evm' | 'tron' | 'bitcoin';
export type AddressScheme = 'evm' | 'tron' | 'btc' | 'ltc';

export interface AssetInfo {
  /** Upper-case symbol, e.g. 'USDT'. */
  symbol: string;
  decimals: number;
  /**
   * Token contract as the chain's explorers write it (EVM: EIP-55 checksum, Tron: base58);
   * null = the network's native coin. Devnet tokens carry '' here: their contracts are only
   * known once the devnet has deployed them (see testModeAsset).
   */
  contract: string | null;
  /** 'USD' for a USD-pegged stablecoin, null for a volatile asset. */
  peg: 'USD' | null;
}

export interface NetworkInfo {
  id: NetworkId;
  name: string;
  family: NetworkFamily;
  /** Other names accepted as `method` / `network` in the API (lower-case). */
  aliases: string[];
  /** EVM chain id; null off EVM. */
  chainId: number | null;
  addressScheme: AddressScheme;
  nativeSymbol: string;
  /** Keyed by upper-case symbol. */
  assets: Record<string, AssetInfo>;
  defaultConfirmations: number;
  /**
   * Well-known public endpoints for live mode, overridable by configuration. EVM: JSON-RPC;
   * Tron: TronGrid-style HTTP API; bitcoin/litecoin: Esplora REST base URLs. Empty for the
   * devnet, which runs on loopback at a port chosen at start.
   */
  defaultRpcUrls: string[];
  /** Explorer link with a {txid} placeholder; null where there is no public explorer. */
  explorerTxUrl: string | null;
}

const USD = 'USD' as const;

function native(symbol: string, decimals: number): AssetInfo {
  return { symbol, decimals, contract: null, peg: null };
}
function stablecoin(symbol: string, decimals: number, contract: string): AssetInfo {
  return { symbol, decimals, contract, peg: USD };
}
function assetMap(...assets: AssetInfo[]): Record<string, AssetInfo> {
  return Object.fromEntries(assets.map((a) => [a.symbol, a]));
}

const NETWORK_LIST: NetworkInfo[] = [
  {
    id: 'ethereum',
    name: 'Ethereum',
    family: 'evm',
    aliases: ['erc20', 'eth'],
    chainId: 1,
    addressScheme: 'evm',
    nativeSymbol: 'ETH',
    assets: assetMap(
      native('ETH', 18),
      stablecoin('USDT', 6, '0xdAC17F958D2ee523a2206206994597C13D831ec7'),
      stablecoin('USDC', 6, '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'),
    ),
    defaultConfirmations: 12,
    defaultRpcUrls: ['https://ethereum-rpc.publicnode.com', 'https://eth.drpc.org'],
    explorerTxUrl: 'https://etherscan.io/tx/{txid}',
  },
  {
    id: 'bsc',
    name: 'BNB Smart Chain',
    family: 'evm',
    aliases: ['bep20', 'bnb'],
    chainId: 56,
    addressScheme: 'evm',
    nativeSymbol: 'BNB',
    assets: assetMap(
      native('BNB', 18),
      stablecoin('USDT', 18, '0x55d398326f99059fF775485246999027B3197955'),
      stablecoin('USDC', 18, '0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d'),
    ),
    defaultConfirmations: 15,
    defaultRpcUrls: ['https://bsc-dataseed.bnbchain.org', 'https://bsc-rpc.publicnode.com'],
    explorerTxUrl: 'https://bscscan.com/tx/{txid}',
  },
  {
    id: 'polygon',
    name: 'Polygon PoS',
    family: 'evm',
    aliases: ['pol', 'matic'],
    chainId: 137,
    addressScheme: 'evm',
    nativeSymbol: 'POL',
    assets: assetMap(
      native('POL', 18),
      stablecoin('USDT', 6, '0xc2132D05D31c914a87C6611C10748AEb04B58e8F'),
      // Native (Circle-issued) USDC, not the bridged USDC.e.
      stablecoin('USDC', 6, '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359'),
    ),
    defaultConfirmations: 128,
    defaultRpcUrls: ['https://polygon-rpc.com', 'https://polygon-bor-rpc.publicnode.com'],
    explorerTxUrl: 'https://polygonscan.com/tx/{txid}',
  },
  {
    id: 'base',
    name: 'Base',
    family: 'evm',
    aliases: [],
    chainId: 8453,
    addressScheme: 'evm',
    nativeSymbol: 'ETH',
    assets: assetMap(native('ETH', 18), stablecoin('USDC', 6, '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913')),
    defaultConfirmations: 10,
    defaultRpcUrls: ['https://mainnet.base.org', 'https://base-rpc.publicnode.com'],
    explorerTxUrl: 'https://basescan.org/tx/{txid}',
  },
  {
    id: 'arbitrum',
    name: 'Arbitrum One',
    family: 'evm',
    aliases: [],
    chainId: 42161,
    addressScheme: 'evm',
    nativeSymbol: 'ETH',
    assets: assetMap(
      native('ETH', 18),
      stablecoin('USDT', 6, '0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9'),
      stablecoin('USDC', 6, '0xaf88d065e77c8cC2239327C5EDb3A432268e5831'),
    ),
    defaultConfirmations: 20,
    defaultRpcUrls: ['https://arb1.arbitrum.io/rpc', 'https://arbitrum-one-rpc.publicnode.com'],
    explorerTxUrl: 'https://arbiscan.io/tx/{txid}',
  },
  {
    id: 'tron',
    name: 'Tron',
    family: 'tron',
    aliases: ['trc20', 'trx'],
    chainId: null,
    addressScheme: 'tron',
    nativeSymbol: 'TRX',
    assets: assetMap(native('TRX', 6), stablecoin('USDT', 6, 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t')),
    defaultConfirmations: 19,
    defaultRpcUrls: ['https://api.trongrid.io', 'https://tron-rpc.publicnode.com'],
    explorerTxUrl: 'https://tronscan.org/#/transaction/{txid}',
  },
  {
    id: 'bitcoin',
    name: 'Bitcoin',
    family: 'bitcoin',
    aliases: ['btc'],
    chainId: null,
    addressScheme: 'btc',
    nativeSymbol: 'BTC',
    assets: assetMap(native('BTC', 8)),
    defaultConfirmations: 2,
    defaultRpcUrls: ['https://mempool.space/api', 'https://blockstream.info/api'],
    explorerTxUrl: 'https://mempool.space/tx/{txid}',
  },
  {
    id: 'litecoin',
    name: 'Litecoin',
    family: 'bitcoin',
    aliases: ['ltc'],
    chainId: null,
    addressScheme: 'ltc',
    nativeSymbol: 'LTC',
    assets: assetMap(native('LTC', 8)),
    defaultConfirmations: 6,
    defaultRpcUrls: ['https://litecoinspace.org/api'],
    explorerTxUrl: 'https://litecoinspace.org/tx/{txid}',
  },
  {
    id: 'devnet',
    name: 'Kassa devnet',
    family: 'evm',
    aliases: [],
    chainId: 31337,
    addressScheme: 'evm',
    nativeSymbol: 'DEV',
    // Test tokens behave like the stablecoins they stand in for, peg included.
    assets: assetMap(native('DEV', 18), stablecoin('USDT', 6, ''), stablecoin('USDC', 6, '')),
    defaultConfirmations: 2,
    defaultRpcUrls: [],
    explorerTxUrl: null,
  },
];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

deepFreeze(NETWORK_LIST);

const BY_ID = new Map<string, NetworkInfo>(NETWORK_LIST.map((n) => [n.id, n]));
const BY_NAME = new Map<string, NetworkInfo>();
for (const network of NETWORK_LIST) {
  for (const name of [network.id, ...network.aliases]) {
    if (BY_NAME.has(name)) throw new Error(`asset registry: network name "${name}" is used twice`);
    BY_NAME.set(name, network);
  }
}

/** A network by id or alias, case-insensitive, surrounding whitespace ignored; null if unknown. */
export function resolveNetwork(input: string): NetworkInfo | null {
  return BY_NAME.get(input.trim().toLowerCase()) ?? null;
}

/** A network by its exact id. Throws for an unknown id: ids come from our own storage. */
export function getNetwork(id: NetworkId): NetworkInfo {
  const network = BY_ID.get(id);
  if (!network) throw new Error(`unknown network id "${id}"`);
  return network;
}

/** Every network, in the order of SPEC §3. The objects are frozen. */
export function listNetworks(): readonly NetworkInfo[] {
  return NETWORK_LIST;
}

/** An asset of a network by symbol, case-insensitive, surrounding whitespace ignored. */
export function resolveAsset(network: NetworkInfo, symbol: string): AssetInfo | null {
  const key = symbol.trim().toUpperCase();
  return Object.hasOwn(network.assets, key) ? network.assets[key]! : null;
}

/** A transaction's explorer link, or null where the network has no public explorer. */
export function explorerTxLink(network: NetworkInfo, txid: string): string | null {
  return network.explorerTxUrl ? network.explorerTxUrl.replace('{txid}', encodeURIComponent(txid)) : null;
}

/** Contracts of the test tokens the devnet deployed at start. */
export interface DevnetTokens {
  /** 6-decimal USDT stand-in. */
  USDT: string;
  /** 6-decimal USDC stand-in. */
  USDC: string;
  /** 18-decimal USDT stand-in (BSC-style). */
  USDT18: string;
  /** 18-decimal USDC stand-in (BSC-style). */
  USDC18: string;
}

export interface TestModeAsset {
  chain: 'devnet';
  /** Devnet token contract, or null for the devnet's native coin. */
  contract: string | null;
  decimals: number;
}

/**
 * Where a test-mode intent for (network, asset) really runs: on the EVM devnet, with the same
 * decimals the live asset has, so amounts and rounding behave as in live mode (BSC USDT → the
 * 18-decimal devnet USDT, Ethereum USDT → the 6-decimal one, any native coin → DEV, 18 decimals).
 * null when there is no devnet for it yet: non-EVM networks, or a token without a stand-in.
 */
export function testModeAsset(network: NetworkInfo, asset: AssetInfo, devnetTokens: DevnetTokens): TestModeAsset | null {
  if (network.family !== 'evm') return null;
  if (asset.contract === null) return { chain: 'devnet', contract: null, decimals: 18 };
  const symbol = asset.symbol.toUpperCase();
  if (symbol !== 'USDT' && symbol !== 'USDC') return null;
  if (asset.decimals === 6) return { chain: 'devnet', contract: devnetTokens[symbol], decimals: 6 };
  if (asset.decimals === 18) return { chain: 'devnet', contract: devnetTokens[`${symbol}18`], decimals: 18 };
  return null;
}

/**
 * The wallet deep link / QR payload for paying `units` of `asset` to `address`.
 * - EVM (EIP-681): token `ethereum:<contract>@<chainId>/transfer?address=<to>&uint256=<units>`,
 *   native `ethereum:<to>@<chainId>?value=<units>`; amounts as plain integers in base units.
 *   Pass `chainIdOverride` for test mode (the devnet's 31337) together with the devnet asset.
 * - Bitcoin / Litecoin (BIP21): `bitcoin:<addr>?amount=<decimal coins>` / `litecoin:…`.
 * - Tron: no settled standard exists; we emit `tron:<addr>?amount=<decimal>` plus
 *   `&token=<contract>` for TRC-20, the form TronLink-style wallets and most gateways use.
 * Zero units omit the amount. Throws when the asset's contract is unknown (a devnet token
 * whose contract was not filled in) or an EVM network has no chain id.
 */
export function paymentUri(
  network: NetworkInfo,
  asset: AssetInfo,
  address: string,
  units: bigint,
  chainIdOverride?: number,
): string {
  if (units < 0n) throw new RangeError('amounts are never negative');
  if (asset.contract === '') throw new Error(`${asset.symbol} on ${network.id} has no contract address yet`);
  switch (network.family) {
    case 'evm': {
      const chainId = chainIdOverride ?? network.chainId;
      if (chainId === null) throw new Error(`network ${network.id} has no chain id`);
      if (asset.contract !== null) {
        const amount = units === 0n ? '' : `&uint256=${units}`;
        return `ethereum:${asset.contract}@${chainId}/transfer?address=${address}${amount}`;
      }
      return units === 0n ? `ethereum:${address}@${chainId}` : `ethereum:${address}@${chainId}?value=${units}`;
    }
    case 'bitcoin': {
      const scheme = network.id === 'litecoin' ? 'litecoin' : 'bitcoin';
      return units === 0n ? `${scheme}:${address}` : `${scheme}:${address}?amount=${formatUnitsPlain(units, asset.decimals)}`;
    }
    case 'tron': {
      const params: string[] = [];
      if (units !== 0n) params.push(`amount=${formatUnitsPlain(units, asset.decimals)}`);
      if (asset.contract !== null) params.push(`token=${asset.contract}`);
      return params.length ? `tron:${address}?${params.join('&')}` : `tron:${address}`;
    }
  }
}
