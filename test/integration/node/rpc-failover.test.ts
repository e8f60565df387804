// The devnet watcher keeps scanning when an RPC URL dies: it moves to the next configured URL,
// payments still complete, and /healthz says which URL is failing. Proxies in front of one anvil
// stand in for two providers and count what each really received.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Address } from 'viem';
import { devnetMine, devnetPay } from '../../../src-server/chains/devnet/devnet.ts';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';
import { headNumber, healthOf, type HealthNetwork, openNodeDb, waitForScanned } from '../../helpers/devnet-control.ts';
import { startLaggingRpc } from '../../helpers/lagging-rpc.ts';
import { apiClient, createApiKey, eventually, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { closedLoopbackPort, type RpcProxy, startRpcProxy } from '../../helpers/rpc-proxy.ts';

let devnet: TestDevnet;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTime: 0 });
});
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
afterAll(async () => {
  await devnet?.stop();
});

async function proxy(): Promise<RpcProxy> {
  const p = await startRpcProxy({ target: devnet.rpcUrl });
  cleanups.push(() => p.close());
  return p;
}

/** A node whose devnet RPC URLs come from config.json only (rpcUrl first, then the fallbacks). */
async function nodeWithRpcUrls(rpcUrl: string, fallbackRpcUrls: string[]): Promise<{ node: TestNode; api: ApiClient }> {
  const home = tempHome('kassa-failover-');
  const node = await startNode({ home, config: { devnet: { rpcUrl, fallbackRpcUrls } } });
  cleanups.push(() => node.stop());
  return { node, api: apiClient(node.merchantUrl, await createApiKey(home)) };
}

async function createIntent(api: ApiClient, amount: string): Promise<{ id: string; receive_address: Address }> {
  const res = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function devnetHealth(node: TestNode): Promise<HealthNetwork> {
  const network = (await healthOf(node.merchantUrl)).networks.find((n) => n.chain === 'devnet');
  expect(network).toBeDefined();
  return network!;
}

describe('devnet RPC failover', () => {
  it('a primary URL that is down from the start: the node scans through the fallback, and /healthz names the dead one', async () => {
    const deadUrl = `http://127.0.0.1:${await closedLoopbackPort()}`;
    const fallback = await proxy();
    const { node, api } = await nodeWithRpcUrls(deadUrl, [fallback.url]);

    const intent = await createIntent(api, '12.50');
    // The node's own test helpers: they pay and mine through the first URL that answered.
    const pay = await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/pay`, {});
    expect(pay.status, JSON.stringify(pay.body)).toBe(200);
    const mine = await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 2 });
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    const paid = await eventually(async () => {
      const seen = (await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data;
      return seen.status === 'paid' ? seen : null;
    }, 'intent paid');
    expect(paid).toMatchObject({ amount_received: '12.50', amount_confirmed: '12.50' });

    const health = await devnetHealth(node);
    expect(health.last_error).toBeNull();
    expect(health.rpc).toHaveLength(2);
    const [primary, secondary] = health.rpc;
    expect(primary).toMatchObject({ url: deadUrl, ok: false });
    expect(primary!.failures).toBeGreaterThan(0);
    expect(primary!.last_error).toBeTruthy();
    expect(secondary).toMatchObject({ url: fallback.url, ok: true, failures: 0 });
    expect(secondary!.requests).toBeGreaterThan(0);
    // The scanning really went through the fallback.
    expect(fallback.counts().eth_getLogs ?? 0).toBeGreaterThan(0);
  });

  it('a primary URL that fails mid-run: scanning moves to the second URL and the intent still gets paid', async () => {
    const primary = await proxy();
    const secondary = await proxy();
    const { node, api } = await nodeWithRpcUrls(primary.url, [secondary.url]);
    const intent = await createIntent(api, '8.00');

    // While the primary answers, the fallback gets nothing (not even its chain id check).
    await devnetMine(devnet.rpcUrl, 1);
    await waitForScanned(node.merchantUrl, await headNumber(devnet.rpcUrl));
    expect(primary.counts().eth_blockNumber ?? 0).toBeGreaterThan(0);
    expect(secondary.total()).toBe(0);

    primary.setMode('http503');
    primary.reset();
    // Pay and mine against anvil itself: the node's helpers would go through the failing primary.
    await devnetPay({ rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to: intent.receive_address, token: devnet.info.tokens.USDT, amount: 8_000_000n });
    await devnetMine(devnet.rpcUrl, 2);

    const paid = await eventually(async () => {
      const seen = (await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data;
      return seen.status === 'paid' ? seen : null;
    }, 'intent paid after the primary failed');
    expect(paid).toMatchObject({ amount_received: '8.00', amount_confirmed: '8.00' });

    // The primary was tried and refused; the block scan (head, logs, headers) came from the secondary.
    expect(primary.total()).toBeGreaterThan(0);
    const afterSwitch = secondary.counts();
    expect(afterSwitch.eth_chainId ?? 0).toBeGreaterThan(0); // verified before its first use
    expect(afterSwitch.eth_blockNumber ?? 0).toBeGreaterThan(0);
    expect(afterSwitch.eth_getLogs ?? 0).toBeGreaterThan(0);
    expect(afterSwitch.eth_getBlockByNumber ?? 0).toBeGreaterThan(0);

    const health = await devnetHealth(node);
    expect(health.rpc[0]).toMatchObject({ url: primary.url, ok: false });
    expect(health.rpc[0]!.failures).toBeGreaterThan(0);
    expect(health.rpc[0]!.last_error).toContain('503');
    expect(health.rpc[1]).toMatchObject({ url: secondary.url, ok: true, failures: 0 });
  });

  it('a fallback that is a few blocks behind: nothing is reverted, the paid intent stays paid and is paid once', async () => {
    const primary = await proxy();
    const behind = await startLaggingRpc({ target: devnet.rpcUrl });
    cleanups.push(() => behind.close());
    const { node, api } = await nodeWithRpcUrls(primary.url, [behind.url]);
    const intent = await createIntent(api, '5.00');

    await devnetPay({ rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to: intent.receive_address, token: devnet.info.tokens.USDT, amount: 5_000_000n });
    await devnetMine(devnet.rpcUrl, 2);
    const paid = await eventually(async () => {
      const seen = (await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data;
      return seen.status === 'paid' ? seen : null;
    }, 'intent paid');
    const paymentBlock: number = paid.payments[0].block_number;
    await waitForScanned(node.merchantUrl, await headNumber(devnet.rpcUrl));

    // The primary dies; the fallback has not seen the payment's block yet. The blocks the node
    // scanned are missing there, not replaced: that is lag, not a reorg.
    behind.setHeadCap(paymentBlock - 1);
    primary.setMode('http503');
    const ticksBefore = behind.counts().eth_blockNumber ?? 0;
    await eventually(async () => (behind.counts().eth_blockNumber ?? 0) >= ticksBefore + 5, 'five scan ticks against the lagging fallback');
    const meanwhile = (await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data;
    expect(meanwhile).toMatchObject({ status: 'paid', amount_received: '5.00', amount_confirmed: '5.00' });
    expect(meanwhile.payments[0]).toMatchObject({ status: 'confirmed' });

    // The fallback catches up and the chain moves on: scanning continues where it was.
    behind.setHeadCap(null);
    await devnetMine(devnet.rpcUrl, 1);
    await waitForScanned(node.merchantUrl, await headNumber(devnet.rpcUrl));
    expect((await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data).toMatchObject({ status: 'paid', amount_received: '5.00' });

    const db = openNodeDb(node.home);
    try {
      const types = (db.prepare('SELECT type FROM events WHERE object_id IN (?, ?) ORDER BY seq').all(intent.id, paid.payments[0].id) as { type: string }[]).map((e) => e.type);
      expect(types).toEqual(['payment_intent.created', 'payment_intent.payment_detected', 'payment_intent.paid']);
    } finally {
      db.close();
    }
  });
});
