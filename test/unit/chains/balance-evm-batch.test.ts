// EVM balance reads against JSON-RPC providers that limit batches: the adapter sends one batch per
// group of addresses, halves a batch the provider refuses as too large (and keeps the smaller size),
// falls back to plain requests where batches are refused outright, fails a batch over to the next
// URL when one is down, and keeps a reverted balanceOf as that token's own failed read.
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createEvmAdapter } from '../../../src-server/chains/evm/evm-adapter.ts';
import { closedLoopbackPort, listenOnLoopback, readBody } from '../../helpers/rpc-proxy.ts';

interface Call {
  jsonrpc: '2.0';
  id: number;
  method: string;
  params: unknown[];
}

const TOKEN = '0x00000000000000000000000000000000000000aa';
const REVERTING = '0x00000000000000000000000000000000000000bb';
const word = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}`;

/** A JSON-RPC node: balances derived from the address, batches up to `maxBatch` calls (0: none at all). */
async function fakeNode(maxBatch: number) {
  const requests: number[] = [];
  const server = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as Call | Call[];
    const answer = (call: Call) => {
      const holder = BigInt(String(call.method === 'eth_getBalance' ? call.params[0] : `0x${(call.params[0] as { data: string }).data.slice(-40)}`));
      if (call.method === 'eth_call' && (call.params[0] as { to: string }).to === REVERTING) return { jsonrpc: '2.0', id: call.id, error: { code: 3, message: 'execution reverted' } };
      return { jsonrpc: '2.0', id: call.id, result: call.method === 'eth_getBalance' ? `0x${holder.toString(16)}` : word(holder * 10n) };
    };
    res.setHeader('content-type', 'application/json');
    if (Array.isArray(body)) {
      requests.push(body.length);
      if (body.length > maxBatch) {
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: maxBatch === 0 ? 'batch requests are not supported' : `batch of ${body.length} exceeds ${maxBatch}` } }));
        return;
      }
      res.end(JSON.stringify(body.map(answer).reverse()));
      return;
    }
    requests.push(0);
    const single = answer(body);
    if ('error' in single) res.statusCode = 200;
    res.end(JSON.stringify(single));
  });
  const listening = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${listening.port}`, requests, close: listening.close };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const addressesOf = (n: number) => Array.from({ length: n }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`);

describe('EVM balances in JSON-RPC batches', () => {
  it('one batch per group of addresses, whatever the provider answers first', async () => {
    const node = await fakeNode(1000);
    closers.push(node.close);
    const adapter = createEvmAdapter({ chain: 'test', rpcUrls: [node.url] });
    const balances = await adapter.getBalances(addressesOf(120), [TOKEN]);
    // 100 calls per batch, 2 per address: 50 addresses per request.
    expect(node.requests).toEqual([100, 100, 40]);
    expect(balances.get(addressesOf(120)[119]!)).toEqual({ native: { ok: true, amount: 120n }, tokens: new Map([[TOKEN, { ok: true, amount: 1200n }]]) });
  });

  it('halves a batch the provider refuses as too large, and remembers the size that works', async () => {
    const node = await fakeNode(30);
    closers.push(node.close);
    const adapter = createEvmAdapter({ chain: 'test', rpcUrls: [node.url] });
    const first = await adapter.getBalances(addressesOf(10), [TOKEN]);
    expect(node.requests).toEqual([20]);
    node.requests.length = 0;
    const many = await adapter.getBalances(addressesOf(60), [TOKEN]);
    // Groups of 100 and 20 calls go out side by side: 100 is refused, then 50, then 25 at a time works.
    expect(node.requests.filter((n) => n > 30)).toEqual([100, 50]);
    expect(node.requests.filter((n) => n <= 30).reduce((a, b) => a + b, 0)).toBe(120);
    expect([...many.values()].every((b) => b.native.ok && [...b.tokens.values()].every((t) => t.ok))).toBe(true);
    expect(first.get(addressesOf(10)[0]!)?.tokens.get(TOKEN)).toEqual({ ok: true, amount: 10n });
    node.requests.length = 0;
    await adapter.getBalances(addressesOf(10), [TOKEN]);
    expect(node.requests.every((n) => n <= 25)).toBe(true);
  });

  it('falls back to plain requests on a provider that takes no batches', async () => {
    const node = await fakeNode(0);
    closers.push(node.close);
    const adapter = createEvmAdapter({ chain: 'test', rpcUrls: [node.url] });
    const balances = await adapter.getBalances(addressesOf(3), [TOKEN, REVERTING]);
    expect(balances.get(addressesOf(3)[2]!)).toEqual({
      native: { ok: true, amount: 3n },
      tokens: new Map([
        [TOKEN, { ok: true, amount: 30n }],
        [REVERTING, { ok: false, error: expect.stringContaining('execution reverted') }],
      ]),
    });
    expect(node.requests.filter((n) => n === 0)).toHaveLength(9);
  });

  it('fails a batch over to the next URL, and a reverted balanceOf is that token’s read only', async () => {
    const node = await fakeNode(1000);
    closers.push(node.close);
    const dead = `http://127.0.0.1:${await closedLoopbackPort()}`;
    const adapter = createEvmAdapter({ chain: 'test', rpcUrls: [dead, node.url] });
    const balances = await adapter.getBalances(addressesOf(2), [REVERTING, TOKEN]);
    expect(balances.get(addressesOf(2)[1]!)?.tokens.get(REVERTING)).toMatchObject({ ok: false, error: expect.stringContaining('execution reverted') });
    expect(balances.get(addressesOf(2)[1]!)?.tokens.get(TOKEN)).toEqual({ ok: true, amount: 20n });
    expect(adapter.rpcHealth().map((h) => [h.ok, h.requests])).toEqual([
      [false, 1],
      [true, 1],
    ]);
    // Not an address: that entry fails, the rest are read.
    const mixed = await adapter.getBalances(['0x1234', addressesOf(1)[0]!], [TOKEN]);
    expect(mixed.get('0x1234')?.native).toMatchObject({ ok: false, error: 'not an EVM address: 0x1234' });
    expect(mixed.get(addressesOf(1)[0]!)?.native).toEqual({ ok: true, amount: 1n });
  });
});
