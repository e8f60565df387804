// GET /balances, the rules: USD values in exact arithmetic (pegs, configured rates in either
// direction, rounding down), rows and totals from what was read, labels from the intents an
// address was handed out for, which addresses come first, and the handler's limits — a chain that
// hangs costs its own rows an error within the deadline, answers are cached, refreshes share a read.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AddressPlan,
  balanceChainsFor,
  type BalanceChain,
  buildBalancesView,
  createBalancesHandler,
  planAddresses,
  readChainBalances,
} from '../../../src-server/admin/handlers/balances.ts';
import { BalancesView } from '../../../src-server/admin/contract.ts';
import type { AdminCallContext } from '../../../src-server/admin/handler-types.ts';
import { expectedDevnetTokenAddresses } from '../../../src-server/chains/devnet/devnet.ts';
import { TRON_DEVNET_USDT } from '../../../src-server/chains/devnet/tron/tron-devnet-accounts.ts';
import type { AddressBalances, ChainAdapter } from '../../../src-server/chains/types.ts';
import { fixedRateSource } from '../../../src-server/money/rates.ts';
import { formatUsd, USD_SCALE, usdPrice, usdValue } from '../../../src-server/money/usd-value.ts';
import { migrate, type Db } from '../../../src-server/storage/db.ts';
import { createStorage, type Storage } from '../../../src-server/storage/index.ts';
import type { PaymentIntentRow } from '../../../src-server/storage/payment-intents-store.ts';

// ---------------------------------------------------------------------------------------------
// USD

describe('USD values', () => {
  const config = fixedRateSource({ 'USD/BTC': '0.00001', 'ETH/USD': '3000.50', 'USD/TRX': '4' }, { name: 'config' });

  it.each([
    // [symbol, peg, sources, units, decimals, expected "dollars.cents"]
    ['USDT', 'USD', [], 25_000_000n, 6, '25.00'],
    ['USDT', 'USD', [], 25_123_456n, 6, '25.12'],
    ['USDT', 'USD', [], 25n * 10n ** 18n + 1n, 18, '25.00'],
    ['USDC', 'USD', [], 1n, 6, '0.00'],
    ['BTC', null, [config], 12_345_678n, 8, '12345.67'], // 0.12345678 BTC / 0.00001 BTC per USD = 12345.678
    ['ETH', null, [config], 2n * 10n ** 18n, 18, '6001.00'],
    ['ETH', null, [config], 1n, 18, '0.00'],
    ['TRX', null, [config], 10_000_000n, 6, '2.50'], // 10 TRX at 4 TRX per USD
    ['LTC', null, [config], 10n ** 8n, 8, null],
    ['DEV', null, [], 10n ** 18n, 18, null],
  ] as const)('%s %s: %s units at %s decimals → %s', (symbol, peg, sources, units, decimals, expected) => {
    const price = usdPrice({ symbol, peg }, sources);
    if (expected === null) expect(price).toBeNull();
    else expect(formatUsd(usdValue(units, decimals, price!))).toBe(expected);
  });

  it('a configured rate for a stablecoin wins over its peg, as when pricing intents', () => {
    const price = usdPrice({ symbol: 'USDT', peg: 'USD' }, [fixedRateSource({ 'USD/USDT': '1.25' })]);
    expect(formatUsd(usdValue(25_000_000n, 6, price!))).toBe('20.00');
  });

  it('keeps sub-cent precision until display, so many small rows add up', () => {
    const price = usdPrice({ symbol: 'USDT', peg: 'USD' }, [])!;
    const each = usdValue(4_999n, 6, price); // 0.004999 USD
    expect(each).toBe(499_900n);
    expect(formatUsd(each)).toBe('0.00');
    expect(formatUsd(each * 1_000n)).toBe('4.99');
    expect(USD_SCALE).toBe(8);
  });

  it.each([
    [0n, '0.00'],
    [1n, '0.00'],
    [99_999_999n, '0.99'],
    [100_000_000n, '1.00'],
    [123_456_789_012_345_678_901n, '1234567890123.45'],
  ])('formatUsd(%s) = %s (rounded down)', (value, text) => {
    expect(formatUsd(value)).toBe(text);
  });
});

// ---------------------------------------------------------------------------------------------
// Rows and totals

const fakeAdapter = (chain: string, getBalances?: ChainAdapter['getBalances']): ChainAdapter => ({
  chain,
  family: 'evm',
  getHeadNumber: async () => 0,
  getBlock: async () => null,
  scanBlockRange: async () => ({ transfers: [], blocks: [] }),
  getBalances,
  rpcHealth: () => [],
  rpcRequestCount: () => 0,
});

const tokens = expectedDevnetTokenAddresses();
const USDT6 = tokens.USDT.toLowerCase();
const USDT18 = tokens.USDT18.toLowerCase();
const USDC6 = tokens.USDC.toLowerCase();

const evmChain = (): BalanceChain =>
  balanceChainsFor('test', new Map([['devnet', { adapter: fakeAdapter('devnet'), tokens: Object.values(tokens) }]]))[0] as BalanceChain;

/** What an adapter answers for one address: every token asked about, 0 unless given (a string is a failed read). */
const held = (native: bigint, byToken: Record<string, bigint | string> = {}): AddressBalances => ({
  native: { ok: true, amount: native },
  tokens: new Map(
    Object.values(tokens).map((t) => {
      const v = byToken[t.toLowerCase()] ?? 0n;
      return [t.toLowerCase(), typeof v === 'string' ? { ok: false, error: v } : { ok: true, amount: v }];
    }),
  ),
});

const plan = (address: string, role: 'receive' | 'shared' = 'receive', labels: [string, string, string][] = []): AddressPlan => ({
  address,
  scheme: 'evm',
  role,
  labels: new Map(labels.map(([key, network, symbol]) => [key, { network, symbol }])),
});

describe('chains of a mode', () => {
  it('test mode: the devnets, each with what it can hold; devnet tokens under their stand-in network', () => {
    const adapters = new Map([
      ['devnet', { adapter: fakeAdapter('devnet'), tokens: Object.values(tokens) }],
      ['tron-devnet', { adapter: fakeAdapter('tron-devnet'), tokens: [TRON_DEVNET_USDT] }],
      ['bitcoin-devnet', { adapter: fakeAdapter('bitcoin-devnet'), tokens: [] }],
      ['bsc', { adapter: fakeAdapter('bsc'), tokens: [] }],
    ]);
    const chains = balanceChainsFor('test', adapters);
    expect(chains.map((c) => [c.chain, c.scheme, c.assets.map((a) => `${a.network}/${a.symbol}/${a.decimals}`)])).toEqual([
      ['bitcoin-devnet', 'btc', ['bitcoin/BTC/8']],
      ['devnet', 'evm', ['devnet/DEV/18', 'devnet/USDT/6', 'devnet/USDC/6', 'bsc/USDT/18', 'bsc/USDC/18']],
      ['tron-devnet', 'tron', ['tron/TRX/6', 'tron/USDT/6']],
    ]);
    expect(balanceChainsFor('live', adapters).map((c) => c.chain)).toEqual(['bsc']);
  });

  it('live mode: the registry’s assets of each enabled network', () => {
    const chains = balanceChainsFor('live', new Map([['tron', { adapter: fakeAdapter('tron'), tokens: ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'] }]]));
    expect(chains[0]?.assets).toEqual([
      { contract: null, decimals: 6, network: 'tron', symbol: 'TRX' },
      { contract: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', decimals: 6, network: 'tron', symbol: 'USDT' },
    ]);
  });
});

describe('rows and totals', () => {
  const readAt = new Date('2026-05-29T12:00:00.000Z');
  const build = (plans: AddressPlan[], reads: Map<string, AddressBalances | { error: string }>, extra: { rateSources?: never[] | ReturnType<typeof fixedRateSource>[]; maxErrorRows?: number } = {}) =>
    BalancesView.parse(
      buildBalancesView({ mode: 'test', readAt, chains: [evmChain()], plans, reads: new Map([['devnet', reads]]), rateSources: extra.rateSources ?? [], maxErrorRows: extra.maxErrorRows }),
    );

  it('shows non-zero balances per network, asset and address, totals per network and asset, and the USD total', () => {
    const view = build(
      [plan('0xA1'), plan('0xB2'), plan('0xC3')],
      new Map([
        ['0xA1', held(0n, { [USDT6]: 25_000_000n, [USDT18]: 10n ** 18n })],
        ['0xB2', held(5n * 10n ** 17n, { [USDT6]: 1_500_000n })],
        ['0xC3', held(0n)],
      ]),
    );
    expect(view.rows).toEqual([
      { network: 'bsc', asset: 'USDT', address: '0xA1', amount: '1.00', usd: '1.00', role: 'receive', error: null },
      { network: 'devnet', asset: 'DEV', address: '0xB2', amount: '0.50', usd: null, role: 'receive', error: null },
      { network: 'devnet', asset: 'USDT', address: '0xA1', amount: '25.00', usd: '25.00', role: 'receive', error: null },
      { network: 'devnet', asset: 'USDT', address: '0xB2', amount: '1.50', usd: '1.50', role: 'receive', error: null },
    ]);
    expect(view.totals).toEqual([
      { network: 'bsc', asset: 'USDT', amount: '1.00', usd: '1.00' },
      { network: 'devnet', asset: 'DEV', amount: '0.50', usd: null },
      { network: 'devnet', asset: 'USDT', amount: '26.50', usd: '26.50' },
    ]);
    // DEV has no price: the USD total says what is known.
    expect(view.total_usd).toBe('27.50');
    expect(view.addresses_checked).toBe(3);
    expect(view.read_at).toBe('2026-05-29T12:00:00.000Z');
  });

  it('labels a balance with the network and asset its intent named', () => {
    const view = build(
      [plan('0xA1', 'receive', [[`devnet ${USDT6}`, 'polygon', 'USDT']]), plan('0xB2', 'receive', [['devnet ', 'ethereum', 'ETH']])],
      new Map([
        ['0xA1', held(0n, { [USDT6]: 7_000_000n })],
        ['0xB2', held(10n ** 18n)],
      ]),
      { rateSources: [fixedRateSource({ 'ETH/USD': '2000' })] },
    );
    expect(view.rows.map((r) => [r.network, r.asset, r.amount, r.usd])).toEqual([
      ['ethereum', 'ETH', '1.00', '2000.00'],
      ['polygon', 'USDT', '7.00', '7.00'],
    ]);
    expect(view.total_usd).toBe('2007.00');
  });

  it('shows a failed read as a row with its error; the totals hold what was read', () => {
    const view = build(
      [plan('0xA1'), plan('0xB2', 'shared')],
      new Map<string, AddressBalances | { error: string }>([
        ['0xA1', held(0n, { [USDT6]: 2_000_000n, [USDC6]: 'balanceOf reverted' })],
        ['0xB2', { error: 'devnet: not read within 10 s' }],
      ]),
    );
    const errors = view.rows.filter((r) => r.error !== null);
    expect(errors).toContainEqual({ network: 'devnet', asset: 'USDC', address: '0xA1', amount: null, usd: null, role: 'receive', error: 'balanceOf reverted' });
    // Every asset of the unread address is one error row, with the shared role.
    expect(errors.filter((r) => r.address === '0xB2').map((r) => `${r.network}/${r.asset}`).sort()).toEqual(['bsc/USDC', 'bsc/USDT', 'devnet/DEV', 'devnet/USDC', 'devnet/USDT']);
    expect(errors.every((r) => r.address !== '0xB2' || (r.role === 'shared' && r.error === 'devnet: not read within 10 s'))).toBe(true);
    expect(view.totals).toEqual([{ network: 'devnet', asset: 'USDT', amount: '2.00', usd: '2.00' }]);
    expect(view.total_usd).toBe('2.00');
    // Within a network and asset, held balances come before failures.
    const usdt = view.rows.filter((r) => r.network === 'devnet' && r.asset === 'USDT');
    expect(usdt.map((r) => r.amount)).toEqual(['2.00', null]);
  });

  it('sums failures beyond maxErrorRows into one row per network and asset', () => {
    const plans = Array.from({ length: 4 }, (_, i) => plan(`0x${i}`));
    const view = build(plans, new Map(plans.map((p) => [p.address, { error: 'connection refused' }])), { maxErrorRows: 3 });
    const perAddress = view.rows.filter((r) => r.address !== '');
    expect(perAddress).toHaveLength(3);
    const summaries = view.rows.filter((r) => r.address === '');
    expect(summaries.map((r) => [r.network, r.asset, r.error])).toContainEqual(['bsc', 'USDC', '4 more addresses could not be read: connection refused']);
    expect(summaries.reduce((n, r) => n + Number(/^(\d+) more/.exec(r.error ?? '')?.[1]), 0)).toBe(4 * 5 - 3);
  });

  it.each<[string, AddressBalances | { error: string }, string | null]>([
    ['nothing held at all', held(0n), '0.00'],
    ['only unpriced balances', held(1n), null],
    ['only failures', { error: 'x' }, '0.00'],
  ])('total_usd with %s is %s', (_what, read, expected) => {
    expect(build([plan('0xA1')], new Map([['0xA1', read]])).total_usd).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Addresses from storage

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function memoryStorage(): Storage {
  const db = new Database(':memory:');
  open.push(db);
  db.pragma('foreign_keys = ON');
  migrate(db);
  const s = createStorage(db);
  s.stores.ensure('st_default', 'Default store', '2026-05-01T00:00:00.000Z');
  return s;
}

let index = 0;
function handOut(s: Storage, input: { address: string; scheme?: 'evm' | 'tron' | 'btc' | 'ltc'; livemode?: 0 | 1; shared?: boolean; intent?: Partial<PaymentIntentRow> }): string {
  index++;
  const livemode = input.livemode ?? 0;
  const scheme = input.scheme ?? 'evm';
  const id = `pi_${String(index).padStart(6, '0')}`;
  s.wallet.insertAddress({ livemode, scheme, derivation_index: index, address: input.address, purpose: input.shared ? 'shared:st_default' : `payment_intent:${id}`, created_at: `2026-05-01T00:00:${String(index).padStart(2, '0')}.000Z` });
  if (input.shared || !input.intent) return id;
  const row: PaymentIntentRow = {
    id, store_id: 'st_default', livemode, status: 'pending', exception: null, network: 'devnet', chain: 'devnet', asset: 'USDT', decimals: 6,
    token_contract: USDT6, amount: '1000000', currency: 'USDT', fiat_amount: null, rate: null, pay_amount: '1000000', tolerance: '0',
    amount_received: '0', amount_confirmed: '0', receive_address: input.address, watch_address: input.address.toLowerCase(), address_mode: 'unique',
    address_scheme: scheme, address_index: index, confirmations_required: 2, late_payment_policy: 'accept', custom_id: null,
    checkout_session_id: null, customer_email: null, description: null, metadata: '{}', success_url: null, cancel_url: null,
    created_at: '2026-05-01T00:00:00.000Z', expires_at: '2026-06-01T00:00:00.000Z', monitor_until: '2026-06-08T00:00:00.000Z',
    paid_at: null, canceled_at: null, updated_at: '2026-05-01T00:00:00.000Z',
    ...input.intent,
  } as PaymentIntentRow;
  s.intents.insert(row);
  return id;
}

describe('which addresses, and their labels', () => {
  it('puts shared addresses and those known to hold money first, then the newest; one mode only', () => {
    const s = memoryStorage();
    handOut(s, { address: '0xOld', intent: {} });
    handOut(s, { address: '0xPaidOld', intent: { amount_received: '5' } });
    handOut(s, { address: '0xShared', shared: true });
    handOut(s, { address: '0xUnattributed', intent: {} });
    s.payments.recordUnattributed({ chain: 'devnet', txid: '0x1', output_index: 0, livemode: 0, to_address: '0xunattributed', from_address: '0xf', token_contract: null, amount: '1', block_number: 1, block_hash: '0xb', reason: 'asset_mismatch', detected_at: '2026-05-02T00:00:00.000Z' });
    handOut(s, { address: '0xNew', intent: {} });
    handOut(s, { address: '0xLive', livemode: 1, intent: {} });
    const rows = s.balances.listBalanceAddresses(false, 10);
    expect(rows.map((r) => [r.address, r.priority])).toEqual([
      ['0xShared', 2],
      ['0xUnattributed', 1],
      ['0xPaidOld', 1],
      ['0xNew', 0],
      ['0xOld', 0],
    ]);
    expect(s.balances.listBalanceAddresses(false, 2).map((r) => r.address)).toEqual(['0xShared', '0xUnattributed']);
    expect(s.balances.countHandedOutAddresses(false)).toBe(5);
    expect(s.balances.listBalanceAddresses(true, 10).map((r) => r.address)).toEqual(['0xLive']);
  });

  it('labels an address by its intent; a shared one by its intents when they agree', () => {
    const s = memoryStorage();
    handOut(s, { address: '0xOwn', intent: { network: 'bsc', asset: 'USDT', token_contract: USDT18, decimals: 18 } });
    handOut(s, { address: '0xShared', shared: true });
    for (const network of ['ethereum', 'polygon']) {
      index++;
      handOut(s, { address: `0xOther${index}`, intent: {} });
      s.intents.insert({ ...(s.intents.get(`pi_${String(index).padStart(6, '0')}`) as PaymentIntentRow), id: `pi_sh_${network}`, network, receive_address: '0xShared', address_mode: 'shared', custom_id: null });
    }
    s.intents.insert({ ...(s.intents.get('pi_sh_ethereum') as PaymentIntentRow), id: 'pi_sh_native', network: 'ethereum', asset: 'ETH', token_contract: null, decimals: 18 });
    const plans = planAddresses(s.balances.listBalanceAddresses(false, 10), s.balances.listSharedAddressUses(false));
    const own = plans.find((p) => p.address === '0xOwn')!;
    expect([...own.labels]).toEqual([[`devnet ${USDT18}`, { network: 'bsc', symbol: 'USDT' }]]);
    const shared = plans.find((p) => p.address === '0xShared')!;
    expect(shared.role).toBe('shared');
    // ethereum and polygon USDT disagree on the 6-decimal token: its own label stays; ETH is unanimous.
    expect([...shared.labels]).toEqual([['devnet ', { network: 'ethereum', symbol: 'ETH' }]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Reading: deadlines, batches, cache

describe('reading', () => {
  const answer = (addresses: readonly string[]) => new Map(addresses.map((a) => [a, held(BigInt(a.length))]));

  it('reads in batches and gives up on a chain at its deadline, keeping what it read', async () => {
    const batches: string[][] = [];
    const adapter = fakeAdapter('devnet', async (addresses) => {
      batches.push([...addresses]);
      if (batches.length === 2) return new Promise<never>(() => {}); // the RPC hangs
      return answer(addresses);
    });
    const chain: BalanceChain = { ...evmChain(), adapter };
    const started = Date.now();
    const reads = await readChainBalances(chain, ['a', 'b', 'c', 'd', 'e'], { batchSize: 2, timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(batches).toEqual([['a', 'b'], ['c', 'd']]);
    expect(reads.get('a')).toEqual(held(1n));
    for (const address of ['c', 'd', 'e']) expect(reads.get(address)).toEqual({ error: 'devnet: not read within 300 ms' });
  });

  it('a batch that fails costs that batch only', async () => {
    let call = 0;
    const adapter = fakeAdapter('devnet', async (addresses) => {
      call++;
      if (call === 1) throw new Error('every RPC endpoint for devnet failed batch of 10: http://127.0.0.1:1: connection failed');
      return answer(addresses);
    });
    const reads = await readChainBalances({ ...evmChain(), adapter }, ['a', 'b', 'c'], { batchSize: 2, timeoutMs: 5_000 });
    expect(reads.get('a')).toEqual({ error: expect.stringContaining('connection failed') });
    expect(reads.get('c')).toEqual(held(1n));
  });

  it('the handler caches per mode and lets a refresh storm share one read', async () => {
    const s = memoryStorage();
    handOut(s, { address: '0x00000000000000000000000000000000000000a1', intent: {} });
    let reads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const adapter = fakeAdapter('devnet', async (addresses) => {
      reads++;
      await gate;
      return new Map(addresses.map((a) => [a, held(0n, { [USDT6]: 3_000_000n })]));
    });
    const handler = createBalancesHandler(
      { storage: s, adapters: new Map([['devnet', { adapter, tokens: [USDT6] }]]), rateSources: [], logger: { debug() {}, info() {}, warn() {}, error() {} } },
      { cacheMs: 60_000 },
    );
    const ctx = {} as AdminCallContext;
    const storm = Array.from({ length: 20 }, () => handler({ query: { mode: 'test' } }, ctx));
    release();
    const views = await Promise.all(storm);
    expect(reads).toBe(1);
    expect(new Set(views).size).toBe(1);
    const view = BalancesView.parse(views[0]);
    expect(view.totals).toEqual([{ network: 'devnet', asset: 'USDT', amount: '3.00', usd: '3.00' }]);
    expect(await handler({ query: { mode: 'test' } }, ctx)).toBe(views[0]);
    expect(reads).toBe(1);
    // Live mode is its own read: no live chains here, so nothing is checked.
    const live = await handler({ query: { mode: 'live' } }, ctx);
    expect(live).toMatchObject({ mode: 'live', rows: [], totals: [], total_usd: '0.00', addresses_checked: 0 });
  });
});
