// Balances read from the chains, end to end: a real node (child process) with its own anvil and
// its Tron, Bitcoin and Litecoin devnets; intents on each paid through the node's test helper and
// mined. Then (1) each adapter, built here against the node's devnets, reads exactly what was paid
// per address and asset, at the request cost its protocol allows; (2) the balances handler, fed the
// node's own database and those adapters, shows every balance under the network and asset its
// intent named, with totals and the USD total of what can be priced, and a hung Tron RPC costs
// only Tron's rows an error within the deadline; (3) the dashboard's GET /api/admin/balances says
// the same over HTTP, signed in as the dashboard is.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalancesHandler } from '../../../src-server/admin/handlers/balances.ts';
import { BalancesView, type AdminOutput } from '../../../src-server/admin/contract.ts';
import type { AdminCallContext } from '../../../src-server/admin/handler-types.ts';
import { createUtxoAdapter } from '../../../src-server/chains/bitcoin/utxo-adapter.ts';
import { expectedDevnetTokenAddresses } from '../../../src-server/chains/devnet/devnet.ts';
import { TRON_DEVNET_USDT } from '../../../src-server/chains/devnet/tron/tron-devnet-accounts.ts';
import { createEvmAdapter } from '../../../src-server/chains/evm/evm-adapter.ts';
import { createTronAdapter } from '../../../src-server/chains/tron/tron-adapter.ts';
import type { ChainAdapter } from '../../../src-server/chains/types.ts';
import { fixedRateSource } from '../../../src-server/money/rates.ts';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';
import { signedInAdmin } from '../../helpers/admin-session.ts';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { startTronProxy, type TronProxy } from '../../helpers/tron-devnet-control.ts';

const RATES = { 'USD/BTC': '0.00001', 'USD/TRX': '4' };
const tokens = expectedDevnetTokenAddresses();
const silent = { debug() {}, info() {}, warn() {}, error() {} };

let home: string;
let node: TestNode;
let api: ApiClient;
let urls: { evm: string; tron: string; bitcoin: string; litecoin: string };
let proxy: TronProxy;

interface Paid {
  network: string;
  asset: string;
  amount: string;
  address: string;
}
const paid: Record<string, Paid> = {};

async function createIntent(body: Record<string, unknown>): Promise<{ id: string; receive_address: string; pay_amount: string; address_mode: string }> {
  const res = await api.post('/api/v1/payment-intents', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function pay(id: string): Promise<void> {
  const res = await api.post(`/api/v1/test-helpers/payment-intents/${id}/pay`, {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function mine(network: string): Promise<void> {
  const res = await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 1, network });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function payIntent(key: string, body: { network: string; asset: string; amount: string }): Promise<Paid> {
  const intent = await createIntent(body);
  await pay(intent.id);
  paid[key] = { network: body.network, asset: body.asset, amount: intent.pay_amount, address: intent.receive_address };
  return paid[key]!;
}

beforeAll(async () => {
  home = tempHome('kassa-balances-');
  node = await startNode({
    home,
    blockTime: 0,
    config: { rates: RATES, store: { sharedAddressNetworks: ['polygon'] }, devnet: { bitcoin: { blockTime: 0 }, litecoin: { blockTime: 0 } } },
  });
  api = apiClient(node.merchantUrl, await createApiKey(home, 'test'));
  const health = (await (await fetch(`${node.merchantUrl}/healthz`)).json()) as {
    devnet: { rpc_url: string };
    test_devnets: Record<'tron' | 'bitcoin' | 'litecoin', { url: string }>;
  };
  urls = { evm: health.devnet.rpc_url, tron: health.test_devnets.tron.url, bitcoin: health.test_devnets.bitcoin.url, litecoin: health.test_devnets.litecoin.url };
  proxy = await startTronProxy({ target: urls.tron });

  await payIntent('devnetUsdt', { network: 'devnet', asset: 'USDT', amount: '25.00' });
  await payIntent('devnetDev', { network: 'devnet', asset: 'DEV', amount: '0.5' });
  await payIntent('bscUsdt', { network: 'bsc', asset: 'USDT', amount: '10.00' });
  // Two intents on the store's shared polygon address, told unique amounts: 10.00 and 10.0001.
  const first = await payIntent('polygonShared1', { network: 'polygon', asset: 'USDT', amount: '10.00' });
  const second = await payIntent('polygonShared2', { network: 'polygon', asset: 'USDT', amount: '10.00' });
  expect(second.address).toBe(first.address);
  await payIntent('tronUsdt', { network: 'tron', asset: 'USDT', amount: '12.50' });
  await payIntent('tronTrx', { network: 'tron', asset: 'TRX', amount: '3' });
  await payIntent('btc', { network: 'bitcoin', asset: 'BTC', amount: '0.0005' });
  await payIntent('ltc', { network: 'litecoin', asset: 'LTC', amount: '0.02' });
  for (const network of ['devnet', 'tron', 'bitcoin', 'litecoin']) await mine(network);
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  await node?.stop();
});

const units = (amount: string, decimals: number): bigint => {
  const [whole, fraction = ''] = amount.split('.') as [string, string?];
  return BigInt(whole + fraction.padEnd(decimals, '0'));
};

/** What GET /balances shows after the payments (rates: 0.00001 BTC and 4 TRX per USD). */
const expectedRows = () => [
  { network: 'bitcoin', asset: 'BTC', address: paid.btc!.address, amount: '0.0005', usd: '50.00', role: 'receive', error: null },
  { network: 'bsc', asset: 'USDT', address: paid.bscUsdt!.address, amount: '10.00', usd: '10.00', role: 'receive', error: null },
  { network: 'devnet', asset: 'DEV', address: paid.devnetDev!.address, amount: '0.50', usd: null, role: 'receive', error: null },
  { network: 'devnet', asset: 'USDT', address: paid.devnetUsdt!.address, amount: '25.00', usd: '25.00', role: 'receive', error: null },
  { network: 'litecoin', asset: 'LTC', address: paid.ltc!.address, amount: '0.02', usd: null, role: 'receive', error: null },
  { network: 'polygon', asset: 'USDT', address: paid.polygonShared1!.address, amount: '20.0001', usd: '20.00', role: 'shared', error: null },
  { network: 'tron', asset: 'TRX', address: paid.tronTrx!.address, amount: '3.00', usd: '0.75', role: 'receive', error: null },
  { network: 'tron', asset: 'USDT', address: paid.tronUsdt!.address, amount: '12.50', usd: '12.50', role: 'receive', error: null },
];

describe('the adapters read what the test helper paid', () => {
  it('EVM devnet: DEV and every test token per address, in one JSON-RPC batch', async () => {
    const adapter = createEvmAdapter({ chain: 'devnet', rpcUrls: [urls.evm] });
    const contracts = Object.values(tokens).map((t) => t.toLowerCase());
    const addresses = [paid.devnetUsdt!.address, paid.devnetDev!.address, paid.bscUsdt!.address, paid.polygonShared1!.address];
    const before = adapter.rpcRequestCount();
    const balances = await adapter.getBalances(addresses, contracts);
    // 4 addresses × (1 + 4 tokens) = 20 calls: one batch, one HTTP request.
    expect(adapter.rpcRequestCount() - before).toBe(1);
    const of = (key: string, token: string | null) => {
      const entry = balances.get(paid[key]!.address)!;
      return token === null ? entry.native : entry.tokens.get(token.toLowerCase());
    };
    expect(of('devnetUsdt', tokens.USDT)).toEqual({ ok: true, amount: units('25.00', 6) });
    expect(of('devnetUsdt', tokens.USDT18)).toEqual({ ok: true, amount: 0n });
    expect(of('devnetUsdt', null)).toEqual({ ok: true, amount: 0n });
    expect(of('devnetDev', null)).toEqual({ ok: true, amount: units('0.5', 18) });
    expect(of('bscUsdt', tokens.USDT18)).toEqual({ ok: true, amount: units('10.00', 18) });
    expect(of('bscUsdt', tokens.USDT)).toEqual({ ok: true, amount: 0n });
    expect(of('polygonShared1', tokens.USDT)).toEqual({ ok: true, amount: units(paid.polygonShared1!.amount, 6) + units(paid.polygonShared2!.amount, 6) });

    // More addresses than one batch holds (100 calls = 20 addresses of 5 calls): ⌈45 / 20⌉ = 3 requests.
    const many = Array.from({ length: 45 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`);
    const beforeMany = adapter.rpcRequestCount();
    const manyBalances = await adapter.getBalances(many, contracts);
    expect(adapter.rpcRequestCount() - beforeMany).toBe(3);
    expect([...manyBalances.values()].every((b) => b.native.ok && [...b.tokens.values()].every((t) => t.ok))).toBe(true);
  });

  it('Tron devnet: TRX from getaccount and USDT from balanceOf', async () => {
    const adapter = createTronAdapter({ chain: 'tron-devnet', urls: [urls.tron] });
    const balances = await adapter.getBalances([paid.tronUsdt!.address, paid.tronTrx!.address], [TRON_DEVNET_USDT]);
    expect(balances.get(paid.tronUsdt!.address)).toEqual({ native: { ok: true, amount: 0n }, tokens: new Map([[TRON_DEVNET_USDT, { ok: true, amount: units('12.50', 6) }]]) });
    expect(balances.get(paid.tronTrx!.address)).toEqual({ native: { ok: true, amount: units('3', 6) }, tokens: new Map([[TRON_DEVNET_USDT, { ok: true, amount: 0n }]]) });
  });

  it.each(['esplora', 'bitcoind'] as const)('Bitcoin and Litecoin devnets over %s', async (kind) => {
    for (const [network, key, amount] of [['bitcoin', 'btc', '0.0005'], ['litecoin', 'ltc', '0.02']] as const) {
      const base = network === 'bitcoin' ? urls.bitcoin : urls.litecoin;
      const adapter = createUtxoAdapter({ chain: `${network}-devnet`, network, backend: { kind, urls: [kind === 'bitcoind' ? `${base}/rpc` : base] } });
      const balances = await adapter.getBalances([paid[key]!.address], []);
      expect(balances.get(paid[key]!.address)?.native).toEqual({ ok: true, amount: units(amount, 8) });
    }
  });
});

describe('the balances handler over the node’s own database', () => {
  function handler(tronUrl: string, networkTimeoutMs = 10_000) {
    const db = openDatabase(join(home, 'kassa.db'), { readonly: true });
    const adapter = <T extends ChainAdapter>(a: T, list: string[]) => ({ adapter: a as ChainAdapter, tokens: list });
    const adapters = new Map([
      ['devnet', adapter(createEvmAdapter({ chain: 'devnet', rpcUrls: [urls.evm] }), Object.values(tokens).map((t) => t.toLowerCase()))],
      ['tron-devnet', adapter(createTronAdapter({ chain: 'tron-devnet', urls: [tronUrl], timeoutMs: 30_000 }), [TRON_DEVNET_USDT])],
      ['bitcoin-devnet', adapter(createUtxoAdapter({ chain: 'bitcoin-devnet', network: 'bitcoin', backend: { kind: 'esplora', urls: [urls.bitcoin] } }), [])],
      ['litecoin-devnet', adapter(createUtxoAdapter({ chain: 'litecoin-devnet', network: 'litecoin', backend: { kind: 'bitcoind', urls: [`${urls.litecoin}/rpc`] } }), [])],
    ]);
    const handle = createBalancesHandler({ storage: createStorage(db), adapters, rateSources: [fixedRateSource(RATES)], logger: silent }, { networkTimeoutMs, cacheMs: 0 });
    return { handle: () => handle({ query: { mode: 'test' } }, {} as AdminCallContext) as Promise<AdminOutput<'GET /balances'>>, close: () => db.close() };
  }


  it('shows each balance under its intent’s network and asset, with totals and the USD total of what is priced', async () => {
    const { handle, close } = handler(urls.tron);
    try {
      const view = BalancesView.parse(await handle());
      expect(view.mode).toBe('test');
      expect(view.rows).toEqual(expectedRows());
      expect(view.totals).toEqual([
        { network: 'bitcoin', asset: 'BTC', amount: '0.0005', usd: '50.00' },
        { network: 'bsc', asset: 'USDT', amount: '10.00', usd: '10.00' },
        { network: 'devnet', asset: 'DEV', amount: '0.50', usd: null },
        { network: 'devnet', asset: 'USDT', amount: '25.00', usd: '25.00' },
        { network: 'litecoin', asset: 'LTC', amount: '0.02', usd: null },
        { network: 'polygon', asset: 'USDT', amount: '20.0001', usd: '20.00' },
        { network: 'tron', asset: 'TRX', amount: '3.00', usd: '0.75' },
        { network: 'tron', asset: 'USDT', amount: '12.50', usd: '12.50' },
      ]);
      // 25 + 10 + 20.0001 + 12.50 USDT, 0.0005 BTC at 0.00001 BTC/USD, 3 TRX at 4 TRX/USD; DEV and LTC have no rate.
      expect(view.total_usd).toBe('118.25');
      // Nine intents, two of them on the one shared address.
      expect(view.addresses_checked).toBe(8);
    } finally {
      close();
    }
  });

  it('a hung Tron RPC costs Tron’s rows an error within the deadline; the rest is read', async () => {
    proxy.setMode('hang');
    const { handle, close } = handler(proxy.url, 1_500);
    try {
      const started = Date.now();
      const view = BalancesView.parse(await handle());
      expect(Date.now() - started).toBeLessThan(8_000);
      const tronRows = view.rows.filter((r) => r.network === 'tron');
      expect(tronRows.length).toBeGreaterThan(0);
      for (const row of tronRows) expect(row).toMatchObject({ amount: null, usd: null, error: 'tron-devnet: not read within 1.5 s' });
      const held = expectedRows().filter((r) => r.network !== 'tron');
      expect(view.rows.filter((r) => r.error === null)).toEqual(held);
      expect(view.totals.map((t) => t.network)).not.toContain('tron');
      expect(view.total_usd).toBe('105.00');
    } finally {
      proxy.setMode('pass');
      close();
    }
  });
});

describe('GET /api/admin/balances', () => {
  it('answers the signed-in dashboard with the same balances', async () => {
    const { client } = await signedInAdmin(node);
    const view = await client.call('GET /balances', { query: { mode: 'test' } });
    expect(view.rows).toEqual(expectedRows());
    expect(view.total_usd).toBe('118.25');
    const unauthenticated = await fetch(`${node.merchantUrl}/api/admin/balances?mode=test`);
    expect(unauthenticated.status).toBe(401);
    const bad = await client.call('GET /balances', { query: { mode: 'sideways' as 'test' } }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, param: 'mode' });
  });
});
