// Resident memory of the node process only (VmRSS of its pid; anvil and the receiver are other
// processes, the in-process Tron/Bitcoin devnet simulators are off), idle and with many open intents.
import { type BenchRow, mib, residentBytes, sleep } from './lib.ts';
import type { ScaleFixture } from './scale.ts';

export const TARGET_IDLE_MB = 150;
export const TARGET_LOADED_MB = 300;

export interface MemoryResult {
  open: number;
  rssBytes: number;
}

/** RSS after a short settle (timers, GC), as the node sits. */
export async function measureMemory(fx: ScaleFixture): Promise<MemoryResult> {
  await sleep(2000);
  const rssBytes = residentBytes(fx.node.proc.pid!);
  console.log(`memory at ${fx.open()} open intents: node RSS ${mib(rssBytes)}`);
  return { open: fx.open(), rssBytes };
}

export function memoryRows(idle: MemoryResult, loaded: MemoryResult): BenchRow[] {
  const mb = (b: number) => b / 2 ** 20;
  return [
    {
      bench: 'memory',
      figure: 'node resident memory (RSS), idle',
      ours: mib(idle.rssBytes),
      baseline: `target <= ${TARGET_IDLE_MB} MB`,
      ratio: (mb(idle.rssBytes) / TARGET_IDLE_MB).toFixed(2),
      pass: mb(idle.rssBytes) <= TARGET_IDLE_MB,
      values: { open_intents: idle.open, rss_bytes: idle.rssBytes },
    },
    {
      bench: 'memory',
      figure: `node resident memory (RSS), ${loaded.open.toLocaleString('en')} open intents`,
      ours: mib(loaded.rssBytes),
      baseline: `target <= ${TARGET_LOADED_MB} MB`,
      ratio: (mb(loaded.rssBytes) / TARGET_LOADED_MB).toFixed(2),
      pass: mb(loaded.rssBytes) <= TARGET_LOADED_MB,
      values: { open_intents: loaded.open, rss_bytes: loaded.rssBytes },
    },
  ];
}
