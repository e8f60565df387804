// Issue 6: the Tron watcher costs a constant number of requests per block, whatever the number of
// open intents (it reads whole blocks and their TRC-20 Transfer logs, never asks per address). The
// devnet counts every request it receives by path; the node's background poll is slowed to a crawl,
// so each window below holds exactly the scan the test helper's mine-and-sync ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTronDevnet, type TronDevnet } from '../../../src-server/chains/devnet/tron/tron-devnet.ts';
import { tronDevnetPay } from '../../../src-server/chains/devnet/tron/tron-faucet.ts';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { countsDelta, tronHealth, tronKit } from '../../helpers/tron-devnet-control.ts';

const SMALL = 10;
const LARGE = 1_000;

let devnet: TronDevnet;
let node: TestNode;
let api: ApiClient;
const tron = tronKit(() => api);

beforeAll(async () => {
  devnet = await startTronDevnet({ blockTimeMs: 0 });
  await devnet.mine(1);
  const home = tempHome('kassa-tron-count-');
  node = await startNode({
    home,
    blockTime: 0,
    config: { devnet: { tron: { rpcUrl: devnet.url } } },
    // Ten minutes between background polls: only the test helper's syncs scan.
    env: { KASSA_POLL_INTERVAL_MS: '600000' },
  });
  api = apiClient(node.merchantUrl, await createApiKey(home, 'test', ['--rate-limit', 'off']));
});
afterAll(async () => {
  await node?.stop();
  await devnet?.stop();
});

interface OpenIntent {
  id: string;
  receive_address: string;
  token_contract: string | null;
}

async function createIntents(count: number, asset: 'USDT' | 'TRX'): Promise<OpenIntent[]> {
  const made: OpenIntent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      made.push(await tron.create({ asset, amount: '100.00' }));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return made;
}

/** What a block holds in each round: the same pattern runs with few and with many open intents. */
const ROUNDS: { usdt: number; trx: number }[] = [
  { usdt: 1, trx: 0 },
  { usdt: 0, trx: 0 },
  { usdt: 0, trx: 1 },
  { usdt: 2, trx: 1 },
  { usdt: 0, trx: 0 },
  { usdt: 1, trx: 0 },
];

/** Pays (outside the counted window), then counts what mining one block and scanning it cost at the devnet. */
async function requestsPerBlock(usdt: OpenIntent[], trx: OpenIntent[]): Promise<Record<string, number>[]> {
  const perBlock: Record<string, number>[] = [];
  for (const [round, plan] of ROUNDS.entries()) {
    for (let i = 0; i < plan.usdt; i++) {
      const to = usdt[(round + i) % usdt.length]!;
      await tronDevnetPay({ url: devnet.url, to: to.receive_address, token: to.token_contract, units: 1_000_000n });
    }
    for (let i = 0; i < plan.trx; i++) {
      const to = trx[(round + i) % trx.length]!;
      await tronDevnetPay({ url: devnet.url, to: to.receive_address, token: null, units: 1_000_000n });
    }
    const before = devnet.requestCounts();
    await tron.mine(1);
    perBlock.push(countsDelta(before, devnet.requestCounts()));
  }
  return perBlock;
}

/** Counts what mining `blocks` blocks at once and scanning them in one sync cost. */
async function requestsForRange(blocks: number): Promise<Record<string, number>> {
  const before = devnet.requestCounts();
  await tron.mine(blocks);
  return countsDelta(before, devnet.requestCounts());
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('flat request count per block on Tron', () => {
  it(`scanning costs the same with ${SMALL} and with ${SMALL + LARGE} open tron intents`, async () => {
    const usdt = await createIntents(SMALL - 2, 'USDT');
    const trx = await createIntents(2, 'TRX');
    // Every open intent's address is in the watch set the scan runs with.
    await tron.mine(1);
    expect((await tronHealth(node.merchantUrl)).watched_addresses).toBe(SMALL);

    const few = await requestsPerBlock(usdt, trx);
    const fewRange = await requestsForRange(5);

    const more = [...(await createIntents(LARGE - 100, 'USDT')), ...(await createIntents(100, 'TRX'))];
    await tron.mine(1);
    expect((await tronHealth(node.merchantUrl)).watched_addresses).toBe(SMALL + LARGE);

    // The same pattern of blocks, paying the new intents this time.
    const many = await requestsPerBlock(
      more.filter((i) => i.token_contract !== null),
      more.filter((i) => i.token_contract === null),
    );
    const manyRange = await requestsForRange(5);

    const report = `with ${SMALL}: ${JSON.stringify(few)} + range ${JSON.stringify(fewRange)}; with ${SMALL + LARGE}: ${JSON.stringify(many)} + range ${JSON.stringify(manyRange)}`;
    console.log(`tron requests per scanned block, ${report}`);
    // Path by path, block by block: identical.
    expect(many, report).toEqual(few);
    expect(manyRange, report).toEqual(fewRange);
    // And small: each kind of request at most once per block (the head, the reorg probe, the block,
    // its logs when it holds a contract call, the solidified block while payments wait, the mine call).
    for (const counts of few) {
      expect(Math.max(...Object.values(counts)), report).toBe(1);
      expect(total(counts), report).toBeLessThanOrEqual(6);
    }
    // Five blocks in one scan: one block-list request, not five per-address lookups.
    expect(fewRange['/wallet/getblockbylimitnext'], report).toBe(1);
    expect(fewRange['/wallet/gettransactioninfobyblocknum'] ?? 0, report).toBe(0);

    // Nothing was lost along the way: each paid intent holds what it was sent.
    const paidOnce = await tron.get(usdt[0]!.id);
    expect(paidOnce.payments.length).toBeGreaterThan(0);
    expect(paidOnce.amount_received).toBe(`${paidOnce.payments.length}.00`);
  });
});
