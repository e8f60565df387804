// Issue 7: scanning Bitcoin blocks costs a constant number of requests per block, whatever the
// number of open intents, on both backends (Esplora: the block's raw bytes; bitcoind: getblock
// verbosity 2 — never a lookup per address). The devnet counts every request it receives by route
// (Esplora) or method (bitcoind); the node's background poll is slowed to ten minutes, so each
// counted window holds exactly the scan the test helper's mine-and-sync ran.
//
// The mempool (0-conf) scan is what differs by design, and this test reports it at both sizes:
// Esplora reads up to 20 watched addresses' mempools one request each, and past 20 switches to
// /mempool/txids plus one /tx per transaction new since the last scan; bitcoind always does
// getrawmempool plus one getrawtransaction per new transaction. A scan without a new block is
// triggered by the expire test helper (it syncs the chain) on a sacrificial intent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import type { ApiClient, TestNode } from '../../helpers/node.ts';
import {
  coins,
  countsDelta,
  splitCounts,
  startUtxoNode,
  STRANGER_BTC_ADDRESS,
  total,
  UTXO_BACKENDS,
  utxoHealth,
  utxoKit,
} from '../../helpers/utxo-devnet-control.ts';

const SMALL = 10;
const LARGE = 500;

interface OpenIntent {
  id: string;
  receive_address: string;
}

/** What each block holds, round by round: the same pattern runs with few and with many open intents. */
const ROUNDS: { payments: number; outputsInOneTx: number; strangers: number }[] = [
  { payments: 1, outputsInOneTx: 0, strangers: 0 },
  { payments: 0, outputsInOneTx: 0, strangers: 0 },
  { payments: 2, outputsInOneTx: 0, strangers: 1 },
  { payments: 0, outputsInOneTx: 3, strangers: 0 },
  { payments: 0, outputsInOneTx: 0, strangers: 2 },
  { payments: 1, outputsInOneTx: 2, strangers: 1 },
];

describe.each(UTXO_BACKENDS)('flat request count per block on Bitcoin (%s backend)', (backend) => {
  let devnet: BitcoinDevnet;
  let node: TestNode;
  let api: ApiClient;
  const btc = utxoKit(() => api, 'bitcoin');

  beforeAll(async () => {
    devnet = await startBitcoinDevnet({ network: 'bitcoin', blockTimeMs: 0 });
    ({ node, api } = await startUtxoNode(devnet, {
      backend,
      // Ten minutes between background polls: only the test helpers' syncs scan.
      env: { KASSA_POLL_INTERVAL_MS: '600000' },
      apiKeyArgs: ['--rate-limit', 'off'],
    }));
  });
  afterAll(async () => {
    await node?.stop();
    await devnet?.stop();
  });

  async function createIntents(count: number): Promise<OpenIntent[]> {
    const made: OpenIntent[] = [];
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        // 1 BTC due, paid 0.0001 at a time: every intent stays pending (awaiting payment) throughout.
        made.push(await btc.create({ amount: '1' }));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return made;
  }

  /** Pays (outside the counted window), then counts what mining one block and scanning it cost at the devnet. */
  async function requestsPerBlock(payable: OpenIntent[]): Promise<{ block: Record<string, number>; mempool: Record<string, number> }[]> {
    const perBlock: { block: Record<string, number>; mempool: Record<string, number> }[] = [];
    let next = 0;
    const nextIntent = () => payable[next++ % payable.length]!;
    for (const plan of ROUNDS) {
      for (let i = 0; i < plan.payments; i++) await devnet.pay({ to: nextIntent().receive_address, amountSats: 10_000n });
      if (plan.outputsInOneTx > 0) {
        await devnet.pay({ outputs: Array.from({ length: plan.outputsInOneTx }, () => ({ to: nextIntent().receive_address, amountSats: 10_000n })) });
      }
      for (let i = 0; i < plan.strangers; i++) await devnet.pay({ to: STRANGER_BTC_ADDRESS, amountSats: 25_000n });
      const before = devnet.requestCounts();
      await btc.mine(1);
      perBlock.push(splitCounts(countsDelta(before, devnet.requestCounts())));
    }
    return perBlock;
  }

  /** Counts what mining `blocks` blocks at once and scanning them in one sync cost. */
  async function requestsForRange(blocks: number): Promise<{ block: Record<string, number>; mempool: Record<string, number> }> {
    const before = devnet.requestCounts();
    await btc.mine(blocks);
    return splitCounts(countsDelta(before, devnet.requestCounts()));
  }

  /**
   * The mempool scan with no new block: three new transactions (one to an open intent), then a scan
   * with nothing new. Each scan is triggered by expiring one sacrificial intent (the helper syncs).
   */
  async function mempoolScans(payable: OpenIntent[], probes: OpenIntent[]): Promise<{ newTxs: Record<string, number>; nothingNew: Record<string, number> }> {
    await devnet.pay({ to: payable[0]!.receive_address, amountSats: 10_000n });
    await devnet.pay({ to: STRANGER_BTC_ADDRESS, amountSats: 25_000n });
    await devnet.pay({ to: STRANGER_BTC_ADDRESS, amountSats: 26_000n });
    let before = devnet.requestCounts();
    await btc.expire(probes[0]!.id);
    const newTxs = splitCounts(countsDelta(before, devnet.requestCounts())).mempool;
    before = devnet.requestCounts();
    await btc.expire(probes[1]!.id);
    const nothingNew = splitCounts(countsDelta(before, devnet.requestCounts())).mempool;
    // The 0-conf payment was found by those scans.
    expect((await btc.get(payable[0]!.id)).payments.some((p: { block_number: number | null }) => p.block_number === null)).toBe(true);
    await btc.mine(1); // clear the mempool
    return { newTxs, nothingNew };
  }

  it(`block scanning costs the same with ${SMALL} and with ${SMALL + LARGE} open bitcoin intents`, async () => {
    const fewIntents = await createIntents(SMALL);
    const [fewProbes, fewPayable] = [fewIntents.slice(0, 2), fewIntents.slice(2)];
    await btc.mine(1);
    expect((await utxoHealth(node.merchantUrl)).watched_addresses).toBe(SMALL);

    const few = await requestsPerBlock(fewPayable);
    const fewRange = await requestsForRange(5);
    const fewMempool = await mempoolScans(fewPayable, fewProbes);

    const moreIntents = await createIntents(LARGE);
    const [manyProbes, manyPayable] = [moreIntents.slice(0, 2), moreIntents.slice(2)];
    // One sync with the larger watch set before counting (Esplora crosses from per-address to txids here).
    await btc.mine(1);
    expect((await utxoHealth(node.merchantUrl)).watched_addresses).toBe(SMALL + LARGE);

    const many = await requestsPerBlock(manyPayable);
    const manyRange = await requestsForRange(5);
    const manyMempool = await mempoolScans(manyPayable, manyProbes);

    const blocks = (rounds: { block: Record<string, number> }[]) => rounds.map((r) => r.block);
    const mempools = (rounds: { mempool: Record<string, number> }[]) => rounds.map((r) => r.mempool);
    const report = [
      `${backend}: block scanning per block, with ${SMALL}: ${JSON.stringify(blocks(few))}; with ${SMALL + LARGE}: ${JSON.stringify(blocks(many))}`,
      `${backend}: 5 blocks in one scan, with ${SMALL}: ${JSON.stringify(fewRange.block)}; with ${SMALL + LARGE}: ${JSON.stringify(manyRange.block)}`,
      `${backend}: mempool scan after each mined block (mempool empty), with ${SMALL}: ${JSON.stringify(mempools(few)[0])} (${total(mempools(few)[0]!)} requests); with ${SMALL + LARGE}: ${JSON.stringify(mempools(many)[0])} (${total(mempools(many)[0]!)} requests)`,
      `${backend}: mempool scan with 3 new transactions, with ${SMALL}: ${JSON.stringify(fewMempool.newTxs)} (${total(fewMempool.newTxs)}); with ${SMALL + LARGE}: ${JSON.stringify(manyMempool.newTxs)} (${total(manyMempool.newTxs)})`,
      `${backend}: mempool scan with nothing new, with ${SMALL}: ${JSON.stringify(fewMempool.nothingNew)} (${total(fewMempool.nothingNew)}); with ${SMALL + LARGE}: ${JSON.stringify(manyMempool.nothingNew)} (${total(manyMempool.nothingNew)})`,
    ].join('\n');
    console.log(`bitcoin request counts at the devnet\n${report}`);

    // Block scanning, route by route and block by block: identical.
    expect(blocks(many), report).toEqual(blocks(few));
    expect(manyRange.block, report).toEqual(fewRange.block);
    // And small: the tip, the reorg probe (hash + header of the last scanned block), then hash + body
    // of the new block; one body per block, never more.
    const bodyRoute = backend === 'esplora' ? 'GET /block/:hash/raw' : 'rpc getblock';
    for (const counts of blocks(few)) {
      expect(counts[bodyRoute], report).toBe(1);
      expect(total(counts), report).toBeLessThanOrEqual(5);
    }
    expect(fewRange.block[bodyRoute], report).toBe(5);

    // The mempool scan: Esplora pays per awaited address up to 20, then a flat list request; bitcoind is flat.
    if (backend === 'esplora') {
      // The expire helper scans before it recomputes the probe: 10 awaited addresses, then 9.
      expect(fewMempool.newTxs, report).toEqual({ 'GET /address/:address/txs/mempool': SMALL });
      expect(fewMempool.nothingNew, report).toEqual({ 'GET /address/:address/txs/mempool': SMALL - 1 });
      expect(manyMempool.nothingNew, report).toEqual({ 'GET /mempool/txids': 1 });
      expect(manyMempool.newTxs, report).toEqual({ 'GET /mempool/txids': 1, 'GET /tx/:txid': 3 });
    } else {
      expect(fewMempool.nothingNew, report).toEqual({ 'rpc getrawmempool': 1 });
      expect(manyMempool.nothingNew, report).toEqual({ 'rpc getrawmempool': 1 });
      expect(fewMempool.newTxs, report).toEqual({ 'rpc getrawmempool': 1, 'rpc getrawtransaction': 3 });
      expect(manyMempool.newTxs, report).toEqual({ 'rpc getrawmempool': 1, 'rpc getrawtransaction': 3 });
    }

    // Nothing was lost along the way: the first payable intent holds every 0.0001 sent to it.
    const paidOnce = await btc.get(fewPayable[0]!.id);
    expect(paidOnce.payments.length).toBeGreaterThan(0);
    expect(paidOnce.amount_received).toBe(coins(10_000n * BigInt(paidOnce.payments.length)));
  });
});
