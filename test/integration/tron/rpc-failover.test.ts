// The Tron watcher keeps scanning when a java-tron API URL fails: it moves to the next configured
// URL, payments still complete, and /healthz says which URL is failing. Loopback proxies in front of
// one Tron devnet stand in for two providers and count what each really received. Payments and
// mining go straight to the devnet (the node's own helpers would use the failing first URL).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTronDevnet, type TronDevnet } from '../../../src-server/chains/devnet/tron/tron-devnet.ts';
import { tronDevnetPay } from '../../../src-server/chains/devnet/tron/tron-faucet.ts';
import { closedLoopbackPort } from '../../helpers/rpc-proxy.ts';
import { apiClient, createApiKey, eventually, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { startTronProxy, type TronProxy, type TronProxyMode, tronHealth, tronKit, waitForTronScanned } from '../../helpers/tron-devnet-control.ts';

let devnet: TronDevnet;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  devnet = await startTronDevnet({ blockTimeMs: 0 });
  await devnet.mine(1);
});
afterEach(async () => {
  devnet.setFault('none');
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
afterAll(async () => {
  await devnet?.stop();
});

async function proxy(): Promise<TronProxy> {
  const p = await startTronProxy({ target: devnet.url });
  cleanups.push(() => p.close());
  return p;
}

/** A node whose Tron devnet URLs come from config.json only (rpcUrl first, then the fallbacks). */
async function nodeWithTronUrls(rpcUrl: string, fallbackRpcUrls: string[]): Promise<{ node: TestNode; api: ApiClient }> {
  const home = tempHome('kassa-tron-failover-');
  const node = await startNode({ home, blockTime: 0, config: { devnet: { tron: { rpcUrl, fallbackRpcUrls } } } });
  cleanups.push(() => node.stop());
  return { node, api: apiClient(node.merchantUrl, await createApiKey(home)) };
}

/** Pays the intent in full from the faucet, straight to the devnet, and mines two blocks there. */
async function payAndMine(intent: { receive_address: string; token_contract: string | null }, units: bigint): Promise<string> {
  const txid = await tronDevnetPay({ url: devnet.url, to: intent.receive_address, token: intent.token_contract, units });
  await devnet.mine(2);
  return txid;
}

async function paidIntent(api: ApiClient, id: string, timeoutMs = 20_000): Promise<any> {
  return eventually(
    async () => {
      const seen = (await api.get(`/api/v1/payment-intents/${id}`)).body.data;
      return seen.status === 'paid' ? seen : null;
    },
    `intent ${id} paid`,
    timeoutMs,
  );
}

describe('Tron devnet API failover', () => {
  it('a primary URL that is down from the start: the node scans through the fallback, and /healthz names the dead one', async () => {
    const deadUrl = `http://127.0.0.1:${await closedLoopbackPort()}`;
    const fallback = await proxy();
    const { node, api } = await nodeWithTronUrls(deadUrl, [fallback.url]);
    const intent = await tronKit(() => api).create({ amount: '12.50' });

    const txid = await payAndMine(intent, 12_500_000n);
    const paid = await paidIntent(api, intent.id);
    expect(paid).toMatchObject({ amount_received: '12.50', amount_confirmed: '12.50' });
    expect(paid.payments).toEqual([expect.objectContaining({ txid, status: 'confirmed' })]);

    const health = await tronHealth(node.merchantUrl);
    expect(health.last_error).toBeNull();
    expect(health.rpc).toHaveLength(2);
    const [primary, secondary] = health.rpc;
    expect(primary).toMatchObject({ url: deadUrl, ok: false });
    expect(primary!.failures).toBeGreaterThan(0);
    expect(primary!.last_error).toMatch(/connection failed/);
    expect(secondary).toMatchObject({ url: fallback.url, ok: true, failures: 0 });
    expect(secondary!.requests).toBeGreaterThan(0);
    // The block scan really went through the fallback: blocks, and the TRC-20 logs of the payment's block.
    expect(fallback.counts()['/wallet/getblockbylimitnext'] ?? 0).toBeGreaterThan(0);
    expect(fallback.counts()['/wallet/gettransactioninfobyblocknum'] ?? 0).toBeGreaterThan(0);
  });

  it.each<[TronProxyMode, RegExp]>([
    ['http503', /503/],
    ['close', /connection failed|fetch failed|socket|ECONNRESET/i],
    ['malformed', /not JSON/],
    ['http429', /429/],
  ])('a primary that starts failing mid-run (%s): scanning moves to the second URL and the intent still gets paid', async (mode, expectedError) => {
    const primary = await proxy();
    const secondary = await proxy();
    const { node, api } = await nodeWithTronUrls(primary.url, [secondary.url]);
    const intent = await tronKit(() => api).create({ amount: '8.00' });

    // While the primary answers, the fallback gets nothing.
    await waitForTronScanned(node.merchantUrl, await devnet.mine(1));
    expect(primary.counts()['/wallet/getnowblock'] ?? 0).toBeGreaterThan(0);
    expect(secondary.total()).toBe(0);

    primary.setMode(mode);
    primary.reset();
    await payAndMine(intent, 8_000_000n);
    expect(await paidIntent(api, intent.id)).toMatchObject({ amount_received: '8.00', amount_confirmed: '8.00' });

    // The primary was tried and failed; the block scan came from the secondary.
    expect(primary.total()).toBeGreaterThan(0);
    const afterSwitch = secondary.counts();
    expect(afterSwitch['/wallet/getnowblock'] ?? 0).toBeGreaterThan(0);
    expect(afterSwitch['/wallet/getblockbylimitnext'] ?? 0).toBeGreaterThan(0);
    expect(afterSwitch['/wallet/gettransactioninfobyblocknum'] ?? 0).toBeGreaterThan(0);

    const health = await tronHealth(node.merchantUrl);
    expect(health.rpc[0]).toMatchObject({ url: primary.url, ok: false });
    expect(health.rpc[0]!.failures).toBeGreaterThan(0);
    expect(health.rpc[0]!.last_error).toMatch(expectedError);
    expect(health.rpc[1]).toMatchObject({ url: secondary.url, ok: true, failures: 0 });
  });

  it('the only URL rate-limits (HTTP 429, Retry-After 1 s) for a while: the node backs off, then detects the payment', async () => {
    const { node, api } = await nodeWithTronUrls(devnet.url, []);
    const intent = await tronKit(() => api).create({ amount: '9.00' });
    const txid = await tronDevnetPay({ url: devnet.url, to: intent.receive_address, token: intent.token_contract, units: 9_000_000n });

    devnet.setFault('http429');
    devnet.resetCounts();
    const faultStart = Date.now();
    await devnet.mine(2);
    // Honouring Retry-After (1 s): three requests under the limit take two seconds at least; a node
    // that simply retried on its 200 ms poll would send them within half a second.
    const received = () => Object.values(devnet.requestCounts()).reduce((a, b) => a + b, 0);
    await eventually(async () => received() >= 3, 'three requests answered 429', 15_000);
    const elapsed = Date.now() - faultStart;
    const seen = JSON.stringify(devnet.requestCounts());
    expect(elapsed, `3 requests within ${elapsed} ms: ${seen}`).toBeGreaterThanOrEqual(1_900);
    expect((await tronHealth(node.merchantUrl)).rpc[0]!.last_error).toMatch(/429/);
    devnet.setFault('none');

    const paid = await paidIntent(api, intent.id);
    expect(paid).toMatchObject({ amount_received: '9.00', amount_confirmed: '9.00' });
    expect(paid.payments).toEqual([expect.objectContaining({ txid })]);
    const health = await tronHealth(node.merchantUrl);
    expect(health.rpc[0]).toMatchObject({ url: devnet.url, ok: true });
    expect(health.rpc[0]!.failures).toBeGreaterThan(0);
  });
});
