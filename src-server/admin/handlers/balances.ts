// GET /balances: what every address the wallet handed out holds now, read from the chains through
// their adapters, per (network, asset, address), with totals and USD values.
//
// - Which chains: the mode's adapters. Test mode is the devnets ('devnet' serves every EVM test
//   network; 'tron-devnet', 'bitcoin-devnet', 'litecoin-devnet'); live mode the enabled networks.
//   An address is read on every chain of its scheme (a live EVM address on each EVM network).
// - Labels: a balance is shown under the network and asset its intent named when the address was
//   handed out for one (a test-mode bsc USDT intent runs on the devnet's 18-decimal USDT), else
//   under the chain's own (devnet tokens by their stand-in network: 6 decimals 'devnet', 18 'bsc').
// - Limits: at most `maxAddresses` addresses (shared ones and ones known to hold money first,
//   then the newest), read in batches, each chain within `networkTimeoutMs`: a dead RPC costs its
//   own rows an error, never the page. Answers are kept `cacheMs` per mode, and callers arriving
//   while a read runs share it, so a refresh storm costs the RPCs one read.
import type { AdminHandler } from '../handler-types.ts';
import type { AdminOutput, Mode } from '../contract.ts';
import type { AddressBalances, BalanceRead, ChainAdapter } from '../../chains/types.ts';
import type { ChainLogger } from '../../chains/evm/chain-logger.ts';
import { DEVNET_TOKEN_SPECS, expectedDevnetTokenAddresses } from '../../chains/devnet/devnet.ts';
import { TRON_DEVNET_USDT, TRON_DEVNET_USDT_SPEC } from '../../chains/devnet/tron/tron-devnet-accounts.ts';
import { formatAmount } from '../../money/amount.ts';
import { listNetworks, resolveAsset, resolveNetwork, type AddressScheme, type NetworkInfo } from '../../money/assets.ts';
import type { RateSource } from '../../money/rates.ts';
import { formatUsd, usdPrice, usdValue, type UsdPrice } from '../../money/usd-value.ts';
import type { BalanceAddressRow, BalancesStore, SharedAddressUseRow } from '../../storage/balances-store.ts';

type BalancesView = AdminOutput<'GET /balances'>;
type BalanceRow = BalancesView['rows'][number];

/** What the handler needs of the node: a subset of AdminHandlerDeps. */
export interface BalancesHandlerDeps {
  storage: { balances: BalancesStore };
  /** Every watcher's adapter by chain, with the token contracts it watches. */
  adapters: ReadonlyMap<string, { adapter: ChainAdapter; tokens: string[] }>;
  /** Fixed rates from config (`rates`): USD values of assets that are not USD-pegged. */
  rateSources: readonly RateSource[];
  logger: ChainLogger;
  clock?: () => Date;
}

export interface BalancesOptions {
  /** Addresses read per call, at most. Default 2,000. */
  maxAddresses?: number;
  /** Addresses per getBalances call. Default 200. */
  batchSize?: number;
  /** Per chain: what is not read by then is shown as an error. Default 10 s. */
  networkTimeoutMs?: number;
  /** How long an answer is served again. Default 5 s. */
  cacheMs?: number;
  /** Error rows shown one by one; the rest are summed up per network and asset. Default 500. */
  maxErrorRows?: number;
}

// ---------------------------------------------------------------------------------------------
// Chains and their assets (pure)

export interface BalanceAsset {
  /** Canonical token contract (EVM lowercase, Tron base58); null = the native coin. */
  contract: string | null;
  decimals: number;
  /** Where it is shown when no intent says otherwise. */
  network: string;
  symbol: string;
}

export interface BalanceChain {
  chain: string;
  scheme: AddressScheme;
  adapter: ChainAdapter;
  /** Native coin first, then tokens. */
  assets: BalanceAsset[];
}

export function isTestChain(chain: string): boolean {
  return chain === 'devnet' || chain.endsWith('-devnet');
}

/** The network a chain stands for: 'devnet' itself, 'tron-devnet' → tron, a live id → itself. */
export function networkOfChain(chain: string): NetworkInfo | null {
  if (chain === 'devnet') return resolveNetwork('devnet');
  return resolveNetwork(chain.endsWith('-devnet') ? chain.slice(0, -'-devnet'.length) : chain);
}

/** Devnet test tokens by contract: 6-decimal ones are the devnet's own assets, 18-decimal ones stand in for BSC's. */
function devnetTokenAssets(): Map<string, BalanceAsset> {
  const addresses = expectedDevnetTokenAddresses();
  const devnet = resolveNetwork('devnet') as NetworkInfo;
  const assets = new Map<string, BalanceAsset>();
  for (const spec of DEVNET_TOKEN_SPECS) {
    const own = resolveAsset(devnet, spec.symbol);
    const standIn = own?.decimals === spec.decimals
      ? devnet
      : (listNetworks().find((n) => n.family === 'evm' && n.id !== 'devnet' && resolveAsset(n, spec.symbol)?.decimals === spec.decimals) ?? devnet);
    const contract = addresses[spec.key].toLowerCase();
    assets.set(contract, { contract, decimals: spec.decimals, network: standIn.id, symbol: spec.symbol });
  }
  return assets;
}

/** The chains a mode's balances are read on, with what each can hold. */
export function balanceChainsFor(mode: Mode, adapters: BalancesHandlerDeps['adapters'], logger?: ChainLogger): BalanceChain[] {
  const chains: BalanceChain[] = [];
  for (const [chain, { adapter, tokens }] of adapters) {
    if (isTestChain(chain) !== (mode === 'test')) continue;
    const network = networkOfChain(chain);
    if (!network) continue;
    const nativeDecimals = resolveAsset(network, network.nativeSymbol)?.decimals ?? 18;
    const assets: BalanceAsset[] = [{ contract: null, decimals: nativeDecimals, network: network.id, symbol: network.nativeSymbol }];
    const known = new Map<string, BalanceAsset>();
    if (chain === 'devnet') {
      for (const [contract, asset] of devnetTokenAssets()) known.set(contract, asset);
    } else if (chain === 'tron-devnet') {
      known.set(TRON_DEVNET_USDT, { contract: TRON_DEVNET_USDT, decimals: TRON_DEVNET_USDT_SPEC.decimals, network: network.id, symbol: TRON_DEVNET_USDT_SPEC.symbol });
    } else if (!isTestChain(chain)) {
      for (const asset of Object.values(network.assets)) {
        if (!asset.contract) continue;
        const contract = network.family === 'evm' ? asset.contract.toLowerCase() : asset.contract;
        known.set(contract, { contract, decimals: asset.decimals, network: network.id, symbol: asset.symbol });
      }
    }
    for (const token of tokens) {
      const asset = known.get(network.family === 'evm' ? token.toLowerCase() : token);
      if (asset) assets.push(asset);
      else logger?.warn({ chain, token }, 'balances: a watched token is not in the asset registry; its balances are not read');
    }
    chains.push({ chain, scheme: network.addressScheme, adapter, assets });
  }
  return chains.sort((a, b) => a.chain.localeCompare(b.chain));
}

// ---------------------------------------------------------------------------------------------
// Addresses and their labels (pure)

export interface AddressPlan {
  address: string;
  scheme: AddressScheme;
  role: 'receive' | 'shared';
  /** `${chain} ${contract ?? ''}` → how the intent(s) it was handed out for name that asset. */
  labels: Map<string, { network: string; symbol: string }>;
}

const labelKey = (chain: string, contract: string | null) => `${chain} ${contract ?? ''}`;
const sameAddress = (scheme: AddressScheme, a: string, b: string) => (scheme === 'evm' ? a.toLowerCase() === b.toLowerCase() : a === b);

/**
 * One plan per handed-out address. An address-per-payment address takes its intent's (network,
 * asset) for the token that intent used; a shared address takes the (network, asset) of its
 * intents' token when they all agree on it (else the chain's own label).
 */
export function planAddresses(rows: readonly BalanceAddressRow[], sharedUses: readonly SharedAddressUseRow[]): AddressPlan[] {
  return rows.map((row) => {
    const shared = row.purpose.startsWith('shared:');
    const labels = new Map<string, { network: string; symbol: string }>();
    if (!shared && row.chain !== null && row.network !== null && row.asset !== null) {
      labels.set(labelKey(row.chain, row.token_contract), { network: row.network, symbol: row.asset });
    }
    if (shared) {
      const votes = new Map<string, Set<string>>();
      for (const use of sharedUses) {
        if (!sameAddress(row.scheme, use.address, row.address)) continue;
        const key = labelKey(use.chain, use.token_contract);
        const set = votes.get(key) ?? new Set<string>();
        set.add(`${use.network}\u0000${use.asset}`);
        votes.set(key, set);
      }
      for (const [key, set] of votes) {
        if (set.size !== 1) continue;
        const [network, symbol] = ([...set][0] as string).split('\u0000') as [string, string];
        labels.set(key, { network, symbol });
      }
    }
    return { address: row.address, scheme: row.scheme, role: shared ? 'shared' : 'receive', labels };
  });
}

// ---------------------------------------------------------------------------------------------
// Rows, totals and USD (pure)

/** Per chain, per address: what was read, or why the whole address could not be. */
export type ChainReads = ReadonlyMap<string, ReadonlyMap<string, AddressBalances | { error: string }>>;

interface Cell {
  network: string;
  asset: string;
  address: string;
  role: 'receive' | 'shared';
  decimals: number;
  read: BalanceRead;
}

function priceOf(network: string, symbol: string, sources: readonly RateSource[], cache: Map<string, UsdPrice | null>): UsdPrice | null {
  const key = `${network} ${symbol}`;
  if (!cache.has(key)) {
    const info = resolveNetwork(network);
    const asset = info ? resolveAsset(info, symbol) : null;
    cache.set(key, usdPrice({ symbol, peg: asset?.peg ?? null }, sources));
  }
  return cache.get(key) ?? null;
}

const compareBigint = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The answer from what was read: non-zero balances and failed reads as rows (the first
 * `maxErrorRows` failures one by one, the rest as one row per network and asset with address ''),
 * totals per network and asset of what was read, and the USD total of what can be priced (null
 * when balances exist and none can).
 */
export function buildBalancesView(input: {
  mode: Mode;
  readAt: Date;
  chains: readonly BalanceChain[];
  plans: readonly AddressPlan[];
  reads: ChainReads;
  rateSources: readonly RateSource[];
  maxErrorRows?: number;
}): BalancesView {
  const maxErrorRows = input.maxErrorRows ?? 500;
  const cells: Cell[] = [];
  const checked = new Set<string>();
  for (const chain of input.chains) {
    const reads = input.reads.get(chain.chain);
    for (const plan of input.plans) {
      if (plan.scheme !== chain.scheme) continue;
      checked.add(`${plan.scheme} ${plan.address}`);
      const read = reads?.get(plan.address) ?? { error: 'not read' };
      for (const asset of chain.assets) {
        const label = plan.labels.get(labelKey(chain.chain, asset.contract)) ?? { network: asset.network, symbol: asset.symbol };
        let cellRead: BalanceRead;
        if ('error' in read) cellRead = { ok: false, error: read.error };
        else cellRead = (asset.contract === null ? read.native : read.tokens.get(asset.contract)) ?? { ok: false, error: 'not in the answer' };
        cells.push({ network: label.network, asset: label.symbol, address: plan.address, role: plan.role, decimals: asset.decimals, read: cellRead });
      }
    }
  }

  const prices = new Map<string, UsdPrice | null>();
  const rows: (BalanceRow & { units: bigint | null })[] = [];
  const totals = new Map<string, { network: string; asset: string; decimals: number; units: bigint; usd: bigint | null }>();
  const overflow = new Map<string, { network: string; asset: string; count: number; error: string }>();
  let errorRows = 0;
  let totalUsd = 0n;
  let anyPriced = false;
  let anyHeld = false;
  for (const cell of cells) {
    if (!cell.read.ok) {
      if (errorRows < maxErrorRows) {
        errorRows++;
        rows.push({ network: cell.network, asset: cell.asset, address: cell.address, amount: null, usd: null, role: cell.role, error: cell.read.error, units: null });
      } else {
        const key = `${cell.network} ${cell.asset}`;
        const entry = overflow.get(key) ?? { network: cell.network, asset: cell.asset, count: 0, error: cell.read.error };
        entry.count++;
        overflow.set(key, entry);
      }
      continue;
    }
    const units = cell.read.amount;
    if (units === 0n) continue;
    anyHeld = true;
    const price = priceOf(cell.network, cell.asset, input.rateSources, prices);
    const usd = price ? usdValue(units, cell.decimals, price) : null;
    if (usd !== null) {
      anyPriced = true;
      totalUsd += usd;
    }
    rows.push({
      network: cell.network,
      asset: cell.asset,
      address: cell.address,
      amount: formatAmount(units, cell.decimals),
      usd: usd === null ? null : formatUsd(usd),
      role: cell.role,
      error: null,
      units,
    });
    const key = `${cell.network} ${cell.asset} ${cell.decimals}`;
    const total = totals.get(key) ?? { network: cell.network, asset: cell.asset, decimals: cell.decimals, units: 0n, usd: price ? 0n : null };
    total.units += units;
    if (total.usd !== null && usd !== null) total.usd += usd;
    totals.set(key, total);
  }
  for (const entry of overflow.values()) {
    rows.push({
      network: entry.network,
      asset: entry.asset,
      address: '',
      amount: null,
      usd: null,
      role: 'receive',
      error: `${entry.count} more address${entry.count === 1 ? '' : 'es'} could not be read: ${entry.error}`,
      units: null,
    });
  }

  rows.sort(
    (a, b) =>
      a.network.localeCompare(b.network) ||
      a.asset.localeCompare(b.asset) ||
      Number(a.units === null) - Number(b.units === null) ||
      (a.units !== null && b.units !== null ? compareBigint(b.units, a.units) : 0) ||
      a.address.localeCompare(b.address),
  );
  return {
    mode: input.mode,
    read_at: input.readAt.toISOString(),
    rows: rows.map(({ units: _, ...row }) => row),
    totals: [...totals.values()]
      .sort((a, b) => a.network.localeCompare(b.network) || a.asset.localeCompare(b.asset))
      .map((t) => ({ network: t.network, asset: t.asset, amount: formatAmount(t.units, t.decimals), usd: t.usd === null ? null : formatUsd(t.usd) })),
    total_usd: anyHeld && !anyPriced ? null : formatUsd(totalUsd),
    addresses_checked: checked.size,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading (I/O)

class ReadTimeoutError extends Error {}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => {}); // an abandoned read may still fail later; nobody is waiting for it
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadTimeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const duration = (ms: number) => (ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`);

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/** One chain's balances of `addresses`, batch by batch, within `timeoutMs` in all. */
export async function readChainBalances(
  chain: BalanceChain,
  addresses: readonly string[],
  options: { batchSize: number; timeoutMs: number },
): Promise<Map<string, AddressBalances | { error: string }>> {
  const out = new Map<string, AddressBalances | { error: string }>();
  const getBalances = chain.adapter.getBalances?.bind(chain.adapter);
  if (!getBalances) {
    for (const address of addresses) out.set(address, { error: `${chain.chain}: this chain's adapter cannot read balances` });
    return out;
  }
  const tokens = chain.assets.flatMap((a) => (a.contract === null ? [] : [a.contract]));
  const deadline = Date.now() + options.timeoutMs;
  for (let start = 0; start < addresses.length; start += options.batchSize) {
    const batch = addresses.slice(start, start + options.batchSize);
    const left = deadline - Date.now();
    if (left <= 0) {
      for (const address of addresses.slice(start)) out.set(address, { error: `${chain.chain}: not read within ${duration(options.timeoutMs)}` });
      break;
    }
    try {
      const read = await withDeadline(getBalances(batch, tokens), left);
      for (const address of batch) out.set(address, read.get(address) ?? { error: 'not in the answer' });
    } catch (error) {
      const message = error instanceof ReadTimeoutError ? `${chain.chain}: not read within ${duration(options.timeoutMs)}` : describe(error);
      for (const address of batch) out.set(address, { error: message });
    }
  }
  return out;
}

export function createBalancesHandler(deps: BalancesHandlerDeps, options: BalancesOptions = {}): AdminHandler<'GET /balances'> {
  const clock = deps.clock ?? (() => new Date());
  const maxAddresses = Math.max(1, options.maxAddresses ?? 2_000);
  const batchSize = Math.max(1, options.batchSize ?? 200);
  const timeoutMs = Math.max(1, options.networkTimeoutMs ?? 10_000);
  const cacheMs = Math.max(0, options.cacheMs ?? 5_000);
  const cached = new Map<Mode, { until: number; view: BalancesView }>();
  const inFlight = new Map<Mode, Promise<BalancesView>>();

  async function read(mode: Mode): Promise<BalancesView> {
    const livemode = mode === 'live';
    const chains = balanceChainsFor(mode, deps.adapters, deps.logger);
    const rows = deps.storage.balances.listBalanceAddresses(livemode, maxAddresses);
    const total = deps.storage.balances.countHandedOutAddresses(livemode);
    if (total > rows.length) {
      deps.logger.warn({ mode, total, read: rows.length }, 'balances: more addresses than one read covers; those never known to receive money are left out, oldest first');
    }
    const plans = planAddresses(rows, rows.some((r) => r.priority === 2) ? deps.storage.balances.listSharedAddressUses(livemode) : []);
    const reads = new Map<string, Map<string, AddressBalances | { error: string }>>();
    await Promise.all(
      chains.map(async (chain) => {
        const addresses = plans.filter((p) => p.scheme === chain.scheme).map((p) => p.address);
        const result = await readChainBalances(chain, addresses, { batchSize, timeoutMs });
        const failed = [...result.values()].filter((r) => 'error' in r).length;
        if (failed > 0) deps.logger.warn({ chain: chain.chain, failed, addresses: addresses.length }, 'balances: some addresses could not be read');
        reads.set(chain.chain, result);
      }),
    );
    return buildBalancesView({ mode, readAt: clock(), chains, plans, reads, rateSources: deps.rateSources, maxErrorRows: options.maxErrorRows });
  }

  return async ({ query }) => {
    const mode = query.mode;
    const hit = cached.get(mode);
    if (hit && hit.until > Date.now()) return hit.view;
    let pending = inFlight.get(mode);
    if (!pending) {
      pending = read(mode)
        .then((view) => {
          cached.set(mode, { until: Date.now() + cacheMs, view });
          return view;
        })
        .finally(() => inFlight.delete(mode));
      inFlight.set(mode, pending);
    }
    return pending;
  };
}
