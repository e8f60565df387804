// RPC requests per block: counted at a proxy between the node and anvil while the watcher scans
// 200 newly mined blocks, at few and at many open intents. The scan's cost must
// not depend on how many addresses are watched (eth_getLogs filters by token, not by recipient,
// once the watch set outgrows a topic list).
import { type BenchRow, fixed, headOf, health, rpc, sleep, until } from './lib.ts';
import { POLL_INTERVAL_MS, type ScaleFixture } from './scale.ts';

export interface RpcResult {
  open: number;
  blocks: number;
  counts: Record<string, number>;
  scanPerBlock: number;
  totalPerBlock: number;
}

/**
 * Mines `blocks` blocks at once and counts the node's RPC calls until its watcher has scanned
 * them (plus one poll interval, so a tick in flight is counted whole).
 */
export async function countRpc(fx: ScaleFixture, blocks = 200): Promise<RpcResult> {
  const head = await headOf(fx.anvilUrl);
  await until(async () => ((await health(fx.node.merchantUrl)).body.networks?.find((n) => n.chain === 'devnet')?.next_block ?? 0) > head, 'the watcher at the head');
  await sleep(POLL_INTERVAL_MS * 2);
  fx.proxy.reset();
  await rpc(fx.anvilUrl, 'anvil_mine', [`0x${blocks.toString(16)}`]);
  await until(async () => ((await health(fx.node.merchantUrl)).body.networks?.find((n) => n.chain === 'devnet')?.next_block ?? 0) > head + blocks, `the watcher past ${head + blocks}`);
  await sleep(POLL_INTERVAL_MS);
  const counts = fx.proxy.counts();
  const scan = (counts.eth_getLogs ?? 0) + (counts.eth_getBlockByNumber ?? 0);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const result = { open: fx.open(), blocks, counts, scanPerBlock: scan / blocks, totalPerBlock: total / blocks };
  console.log(`rpc at ${result.open} open intents: ${fixed(result.scanPerBlock, 3)} scan calls/block, ${fixed(result.totalPerBlock, 3)} calls/block in all (${JSON.stringify(counts)} for ${blocks} blocks mined at once)`);
  return result;
}

export function rpcRows(small: RpcResult, large: RpcResult): BenchRow[] {
  const ratio = large.scanPerBlock / small.scanPerBlock;
  return [
    {
      bench: 'rpc',
      figure: `RPC scan calls per block (eth_getLogs + eth_getBlockByNumber), ${large.open.toLocaleString('en')} vs ${small.open.toLocaleString('en')} open intents`,
      ours: `${fixed(large.scanPerBlock, 3)}`,
      baseline: `${fixed(small.scanPerBlock, 3)} at ${small.open.toLocaleString('en')} intents; target: the same`,
      ratio: fixed(ratio, 2),
      pass: ratio <= 1.05,
      values: { small, large },
    },
  ];
}
