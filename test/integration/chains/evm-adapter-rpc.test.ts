// What the EVM adapter sends over the wire, counted by a proxy in front of a real anvil:
// failover between URLs, and a call count that does not grow with the watch set.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Address } from 'viem';
import { devnetMine, devnetPay } from '../../../src-server/chains/devnet/devnet.ts';
import { createEvmAdapter } from '../../../src-server/chains/evm/evm-adapter.ts';
import type { WatchSet } from '../../../src-server/chains/types.ts';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';
import { closedLoopbackPort, startRpcProxy, type RpcProxy } from '../../helpers/rpc-proxy.ts';

let devnet: TestDevnet;
const proxies: RpcProxy[] = [];

const address = (n: number): Address => `0x${(0x5eed0000 + n).toString(16).padStart(40, '0')}`;
const unwatched: Address = '0x000000000000000000000000000000000000dead';

async function proxy(): Promise<RpcProxy> {
  const p = await startRpcProxy({ target: devnet.rpcUrl });
  proxies.push(p);
  return p;
}

function watchSet(count: number, native: boolean): WatchSet {
  return {
    addresses: new Set(Array.from({ length: count }, (_, i) => address(i).toLowerCase())),
    tokenContracts: new Set([devnet.info.tokens.USDT.toLowerCase(), devnet.info.tokens.USDC.toLowerCase()]),
    native,
  };
}

let rangeFrom = 0;
let rangeTo = 0;

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTime: 0 });
  // 20 blocks with traffic: payments to the first 10 watched addresses (in both watch sets),
  // native sends, and noise to an unwatched address.
  rangeFrom = Number(await createEvmAdapter({ chain: 'devnet', rpcUrls: [devnet.rpcUrl] }).getHeadNumber()) + 1;
  for (let i = 0; i < 20; i++) {
    const pay = (to: Address, token: Address | null, amount: bigint) =>
      devnetPay({ rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token, amount });
    await pay(address(i % 10), devnet.info.tokens.USDT, BigInt(1_000_000 + i));
    await pay(unwatched, devnet.info.tokens.USDT, 1n);
    if (i % 4 === 0) await pay(address(i % 10), null, BigInt(10 ** 15 + i));
    if (i % 5 === 0) await pay(address((i + 3) % 10), devnet.info.tokens.USDC, BigInt(500 + i));
    await devnetMine(devnet.rpcUrl, 1);
  }
  rangeTo = rangeFrom + 19;
});

afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

afterAll(async () => {
  await devnet?.stop();
});

describe('RPC failover', () => {
  it('skips a dead first URL, records its failure, and leaves it alone during the cool-down', async () => {
    const deadUrl = `http://127.0.0.1:${await closedLoopbackPort()}`;
    const live = await proxy();
    const adapter = createEvmAdapter({ chain: 'devnet', rpcUrls: [deadUrl, live.url], rpcCooldownMs: 60_000 });

    const result = await adapter.scanBlockRange(rangeFrom, rangeTo, watchSet(10, false));
    expect(result.transfers.length).toBeGreaterThan(20);
    const [dead, alive] = adapter.rpcHealth();
    // Requests already in flight (eth_getLogs + up to 8 block fetches) each meet the dead URL once.
    expect(dead).toMatchObject({ url: deadUrl, ok: false });
    expect(dead?.failures).toBe(dead?.requests);
    const deadHits = dead?.requests ?? 0;
    expect(deadHits).toBeGreaterThanOrEqual(1);
    expect(deadHits).toBeLessThanOrEqual(9);
    expect(dead?.lastError).toMatch(/connection failed/);
    expect(dead?.lastErrorAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(alive).toMatchObject({ url: live.url, ok: true, failures: 0, lastError: null });
    expect(alive?.requests).toBe(live.total());

    // Cooling down: the next scan goes straight to the live URL.
    await adapter.scanBlockRange(rangeFrom, rangeTo, watchSet(10, false));
    expect(adapter.rpcHealth()[0]).toMatchObject({ requests: deadHits, failures: deadHits });
    expect(adapter.rpcRequestCount()).toBe(deadHits + live.total());
  });

  it.each([
    { mode: 'http503', error: /HTTP 503/ },
    { mode: 'close', error: /connection failed/ },
    { mode: 'internalError', error: /internal error/i },
  ] as const)('moves traffic to the second URL when the first starts failing mid-run ($mode)', async ({ mode, error }) => {
    const primary = await proxy();
    const secondary = await proxy();
    const cooldownMs = 1_500;
    const adapter = createEvmAdapter({ chain: 'devnet', rpcUrls: [primary.url, secondary.url], chainId: 31337, rpcCooldownMs: cooldownMs });
    const expected = await adapter.scanBlockRange(rangeFrom, rangeTo, watchSet(10, true));
    expect(primary.total()).toBeGreaterThan(0);
    expect(secondary.total()).toBe(0);

    primary.setMode(mode);
    const primaryBefore = primary.total();
    const during = await adapter.scanBlockRange(rangeFrom, rangeTo, watchSet(10, true));
    expect(during).toEqual(expected);
    expect(secondary.counts()['eth_chainId']).toBe(1); // checked once before first use, shared by concurrent requests
    expect(secondary.total()).toBeGreaterThan(20);
    // In-flight requests may each hit the failing URL once; after that it is cooling down.
    const hitsWhileFailing = primary.total() - primaryBefore;
    expect(hitsWhileFailing).toBeGreaterThanOrEqual(1);
    expect(hitsWhileFailing).toBeLessThanOrEqual(9);
    expect(adapter.rpcHealth()[0]?.failures).toBe(hitsWhileFailing);
    const [first, second] = adapter.rpcHealth();
    expect(first?.ok).toBe(false);
    expect(first?.lastError).toMatch(error);
    expect(second?.ok).toBe(true);

    // The primary recovers; after the cool-down it gets the traffic back.
    primary.setMode('pass');
    await new Promise((r) => setTimeout(r, cooldownMs + 100));
    const secondaryBefore = secondary.total();
    await adapter.scanBlockRange(rangeFrom, rangeTo, watchSet(10, true));
    expect(secondary.total()).toBe(secondaryBefore);
    expect(adapter.rpcHealth()[0]?.ok).toBe(true);
  });

  it('fails over when a URL stops answering (request timeout)', async () => {
    const hanging = await proxy();
    const live = await proxy();
    hanging.setMode('hang');
    const adapter = createEvmAdapter({ chain: 'devnet', rpcUrls: [hanging.url, live.url], requestTimeoutMs: 300 });
    const started = Date.now();
    expect(await adapter.getHeadNumber()).toBe(rangeTo);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(adapter.rpcHealth()[0]).toMatchObject({ ok: false, failures: 1 });
    expect(adapter.rpcHealth()[0]?.lastError).toMatch(/took too long/);
  });

  it('fails with a clear error when every URL is down', async () => {
    const a = await proxy();
    const b = await proxy();
    a.setMode('http503');
    b.setMode('close');
    const adapter = createEvmAdapter({ chain: 'devnet', rpcUrls: [a.url, b.url] });
    await expect(adapter.getHeadNumber()).rejects.toThrow(/every RPC endpoint for devnet failed eth_blockNumber: .*HTTP 503.*connection failed/);
  });

  it('takes a URL serving another chain out of rotation', async () => {
    const other = await startTestDevnet({ chainId: 1337 });
    try {
      const live = await proxy();
      const adapter = createEvmAdapter({ chain: 'devnet', rpcUrls: [other.rpcUrl, live.url], chainId: 31337 });
      expect(await adapter.getHeadNumber()).toBe(rangeTo);
      expect(adapter.rpcHealth()[0]?.lastError).toMatch(/chain id 1337, expected 31337/);
    } finally {
      await other.stop();
    }
  });
});

describe('eth_getLogs range limits', () => {
  it('splits a range the provider refuses, remembers the limit, and finds the same transfers', async () => {
    const limited = await proxy();
    limited.setLogsRangeLimit(6);
    const adapter = createEvmAdapter({ chain: 'devnet', rpcUrls: [limited.url] });
    const reference = await createEvmAdapter({ chain: 'devnet', rpcUrls: [devnet.rpcUrl] }).scanBlockRange(rangeFrom, rangeTo, watchSet(10, false));

    const first = await adapter.scanBlockRange(rangeFrom, rangeTo, watchSet(10, false));
    expect(first).toEqual(reference);
    expect(adapter.rpcHealth()[0]?.ok).toBe(true); // a refused range is not an unhealthy endpoint

    limited.reset();
    const second = await adapter.scanBlockRange(rangeFrom, rangeTo, watchSet(10, false));
    expect(second).toEqual(reference);
    // 20 blocks with the learned limit (5 after halving 10 → 5): 4 calls, no refusals.
    expect(limited.counts()['eth_getLogs']).toBe(4);
  });
});

describe('RPC calls per scanned range', () => {
  it.each([false, true])('are identical for 10 and 5,000 watched addresses (native: %s)', async (native) => {
    const counter = await proxy();
    const adapter = createEvmAdapter({ chain: 'devnet', rpcUrls: [counter.url], chainId: 31337 });
    await adapter.getHeadNumber(); // chain id check out of the way

    counter.reset();
    const small = await adapter.scanBlockRange(rangeFrom, rangeTo, watchSet(10, native));
    const smallCounts = counter.counts();

    counter.reset();
    const large = await adapter.scanBlockRange(rangeFrom, rangeTo, watchSet(5_000, native));
    const largeCounts = counter.counts();

    // The 5,000 set contains the 10: same transfers, found without a recipient topic.
    expect(large).toEqual(small);
    expect(small.transfers.length).toBe(20 + 4 + 5 * Number(native));
    expect(largeCounts).toEqual(smallCounts);
    const blocks = rangeTo - rangeFrom + 1;
    const total = Object.values(largeCounts).reduce((a, b) => a + b, 0);
    expect(smallCounts).toEqual({ eth_getLogs: 1, eth_getBlockByNumber: blocks });
    console.log(
      `[rpc calls] native=${native} range=${blocks} blocks: 10 addresses → ${JSON.stringify(smallCounts)}, ` +
        `5,000 addresses → ${JSON.stringify(largeCounts)}; ${(total / blocks).toFixed(2)} calls per block`,
    );
  });
});
