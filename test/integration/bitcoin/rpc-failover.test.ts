// The Bitcoin watcher keeps working when its first devnet URL fails, on both backends: it moves to
// the fallback URL, payments are still seen at 0-conf and confirmed, and /healthz names the failing
// URL. Loopback proxies in front of one test-owned devnet stand in for two providers and count what
// each received. Payments and mining go straight to the devnet (the node's own test helpers would
// use the failing first URL).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import { closedLoopbackPort } from '../../helpers/rpc-proxy.ts';
import { eventually, type ApiClient, type TestNode } from '../../helpers/node.ts';
import {
  startUtxoNode,
  startUtxoProxy,
  UTXO_BACKENDS,
  utxoHealth,
  utxoKit,
  type UtxoBackendKind,
  type UtxoProxy,
  type UtxoProxyMode,
  waitForUtxoScanned,
} from '../../helpers/utxo-devnet-control.ts';

let devnet: BitcoinDevnet;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  devnet = await startBitcoinDevnet({ network: 'bitcoin', blockTimeMs: 0 });
});
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
afterAll(async () => {
  await devnet?.stop();
});

async function proxy(): Promise<UtxoProxy> {
  const p = await startUtxoProxy({ target: devnet.url });
  cleanups.push(() => p.close());
  return p;
}

/** The URL the watcher is given for a devnet base URL: Esplora at the base, bitcoind RPC at /rpc. */
const watcherUrl = (base: string, backend: UtxoBackendKind) => (backend === 'bitcoind' ? `${base}/rpc` : base);

async function nodeWithUrls(backend: UtxoBackendKind, rpcUrl: string, fallbackRpcUrls: string[]): Promise<{ node: TestNode; api: ApiClient }> {
  const started = await startUtxoNode(devnet, { backend, rpcUrl, fallbackRpcUrls });
  cleanups.push(() => started.node.stop());
  return started;
}

/** Pays the intent in full straight at the devnet, waits for 0-conf, mines two blocks there, waits for paid. */
async function payThroughFallback(api: ApiClient, intent: { id: string; receive_address: string }): Promise<string> {
  const btc = utxoKit(() => api, 'bitcoin');
  const { txid } = await devnet.pay({ to: intent.receive_address, amountSats: 50_000n });
  const seen = await btc.untilPayment(intent.id, txid);
  expect(seen).toMatchObject({ status: 'confirming', amount_received: '0.0005' });
  expect(seen.payments[0]).toMatchObject({ txid, block_number: null, confirmations: 0 });
  await devnet.mine(2);
  const paid = await btc.until(intent.id, (i) => i.status === 'paid', 'paid');
  expect(paid).toMatchObject({ amount_received: '0.0005', amount_confirmed: '0.0005' });
  expect(paid.payments).toEqual([expect.objectContaining({ txid, status: 'confirmed' })]);
  return txid;
}

/** Routes (or RPC methods) of block scanning and of the mempool scan, as each backend asks them through a proxy. */
const BLOCK_ROUTE: Record<UtxoBackendKind, string> = { esplora: 'GET /block/:hash/raw', bitcoind: 'POST /rpc' };

describe.each(UTXO_BACKENDS)('bitcoin devnet URL failover (%s backend)', (backend) => {
  it('a primary URL that is down from the start: the node watches through the fallback, and /healthz names the dead one', async () => {
    const deadBase = `http://127.0.0.1:${await closedLoopbackPort()}`;
    const fallback = await proxy();
    const { node, api } = await nodeWithUrls(backend, deadBase, [fallback.url]);
    const intent = await utxoKit(() => api, 'bitcoin').create({ amount: '0.0005' });

    await payThroughFallback(api, intent);

    const health = await utxoHealth(node.merchantUrl);
    expect(health.last_error).toBeNull();
    expect(health.healthy).toBe(true);
    expect(health.rpc).toHaveLength(2);
    const [primary, secondary] = health.rpc;
    expect(primary).toMatchObject({ url: watcherUrl(deadBase, backend), ok: false });
    expect(primary!.failures).toBeGreaterThan(0);
    expect(primary!.last_error).toMatch(/connection failed/);
    expect(secondary).toMatchObject({ url: watcherUrl(fallback.url, backend), ok: true, failures: 0 });
    expect(secondary!.requests).toBeGreaterThan(0);
    // The block scan really went through the fallback.
    expect(fallback.counts()[BLOCK_ROUTE[backend]] ?? 0).toBeGreaterThan(0);
  });

  it.each<[UtxoProxyMode, RegExp]>([
    ['http503', /^HTTP 503/],
    ['close', /^connection failed/],
    // Esplora's first request of a scan is the tip height (plain text); bitcoind's is getblockcount.
    ['malformed', backend === 'esplora' ? /^tip height is "\{/ : /^getblockcount answer is not JSON/],
  ])('a primary that starts failing mid-run (%s): the watcher moves to the fallback and the intent is still paid', async (mode, expectedError) => {
    const primary = await proxy();
    const secondary = await proxy();
    const { node, api } = await nodeWithUrls(backend, primary.url, [secondary.url]);
    const intent = await utxoKit(() => api, 'bitcoin').create({ amount: '0.0005' });

    // While the primary answers, the fallback gets nothing.
    await waitForUtxoScanned(node.merchantUrl, await devnet.mine(1));
    expect(primary.total()).toBeGreaterThan(0);
    expect(secondary.total()).toBe(0);

    primary.setMode(mode);
    primary.reset();
    await payThroughFallback(api, intent);

    // The primary was tried and failed; the scans came from the secondary.
    expect(primary.total()).toBeGreaterThan(0);
    expect(secondary.counts()[BLOCK_ROUTE[backend]] ?? 0).toBeGreaterThan(0);

    const health = await utxoHealth(node.merchantUrl);
    expect(health.last_error).toBeNull();
    expect(health.rpc[0]).toMatchObject({ url: watcherUrl(primary.url, backend), ok: false });
    expect(health.rpc[0]!.failures).toBeGreaterThan(0);
    expect(health.rpc[0]!.last_error).toMatch(expectedError);
    expect(health.rpc[1]).toMatchObject({ url: watcherUrl(secondary.url, backend), ok: true, failures: 0 });
  });
});

describe('the only devnet URL fails for a while (bitcoind backend)', () => {
  it('HTTP 503 from the devnet itself: the watcher reports it, then detects the payment once the devnet answers', async () => {
    const { node, api } = await nodeWithUrls('bitcoind', devnet.url, []);
    const btc = utxoKit(() => api, 'bitcoin');
    const intent = await btc.create({ amount: '0.0005' });
    const { txid } = await devnet.pay({ to: intent.receive_address, amountSats: 50_000n });
    devnet.setFault('http503');
    try {
      await devnet.mine(1);
      const failing = await eventually(async () => {
        const h = await utxoHealth(node.merchantUrl);
        return h.last_error !== null ? h : null;
      }, 'the watcher to report the failing devnet');
      expect(failing.healthy).toBe(false);
      expect(failing.rpc[0]!.last_error).toMatch(/503/);
    } finally {
      devnet.setFault('none');
    }
    await devnet.mine(1);
    const paid = await btc.until(intent.id, (i) => i.status === 'paid', 'paid after the devnet recovered', 45_000);
    expect(paid.payments).toEqual([expect.objectContaining({ txid, status: 'confirmed' })]);
    const health = await utxoHealth(node.merchantUrl);
    expect(health).toMatchObject({ last_error: null, healthy: true });
    expect(health.rpc[0]).toMatchObject({ ok: true });
  });
});
