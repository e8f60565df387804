// The devnet control route a node uses to mine on a Tron devnet it did not start (devnet.tron.rpcUrl).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTronDevnet, type TronDevnet } from '../../../src-server/chains/devnet/tron/tron-devnet.ts';

let devnet: TronDevnet;
beforeAll(async () => {
  devnet = await startTronDevnet({ blockTimeMs: 0 });
});
afterAll(async () => {
  await devnet?.stop();
});

const post = async (path: string, body: unknown) => {
  const res = await fetch(devnet.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

it('POST /devnet/mine mines that many blocks and answers the new head', async () => {
  const before = (await post('/wallet/getnowblock', {})).body as { block_header: { raw_data: { number?: number } } };
  const start = before.block_header.raw_data.number ?? 0;
  expect(await post('/devnet/mine', { blocks: 3 })).toEqual({ status: 200, body: { head: start + 3 } });
  const after = (await post('/wallet/getnowblock', {})).body as { block_header: { raw_data: { number: number } } };
  expect(after.block_header.raw_data.number).toBe(start + 3);
});

it.each([0, 1001, 1.5, 'x'])('refuses blocks=%j with a 400', async (blocks) => {
  const res = await post('/devnet/mine', { blocks });
  expect(res.status).toBe(400);
  expect(res.body.Error).toMatch(/blocks must be a whole number/);
});

it('two identical faucet payments at once are two transactions, never refused as duplicates', async () => {
  const { tronDevnetPay } = await import('../../../src-server/chains/devnet/tron/tron-faucet.ts');
  const to = 'TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH';
  for (const token of [devnet.tokens.USDT, null]) {
    const txids = await Promise.all([1, 2, 3].map(() => tronDevnetPay({ url: devnet.url, to, token, units: 1_500_000n })));
    expect(new Set(txids).size).toBe(3);
  }
  await devnet.mine(1);
  const block = (await post('/wallet/getnowblock', {})).body as { transactions?: { txID: string }[] };
  expect(block.transactions?.length).toBe(6);
});
