// Per-chain sync as the dashboard shows it, from the watchers' status. The first block each
// watcher had to scan is remembered at start, so catching up shows as a fraction.
import type { ChainWatcher } from '../../watch/chain-watcher.ts';
import type { AdminStreamEvent, Mode } from '../contract.ts';
import { chainNetwork, syncProgress } from './overview-math.ts';

export type SyncView = Extract<AdminStreamEvent, { type: 'sync' }>['data'][number];

export function createSyncReporter(watchers: ReadonlyMap<string, ChainWatcher>, maxBlockRange: number) {
  const baselines = new Map<string, number>();
  function baselineOf(chain: string, nextBlock: number | null): number | null {
    if (!baselines.has(chain) && nextBlock !== null) baselines.set(chain, nextBlock);
    return baselines.get(chain) ?? null;
  }
  // Taken now (the node is starting), so the first catch-up counts from where it began.
  for (const [chain, w] of watchers) baselineOf(chain, w.status().nextBlock);

  return {
    views(mode?: Mode): SyncView[] {
      const out: SyncView[] = [];
      for (const [chain, w] of watchers) {
        const { network, livemode } = chainNetwork(chain);
        if (mode !== undefined && livemode !== (mode === 'live')) continue;
        const s = w.status();
        out.push({
          chain,
          network,
          livemode,
          head: s.head,
          next_block: s.nextBlock,
          lag: s.lag,
          progress: syncProgress(s, baselineOf(chain, s.nextBlock)),
          healthy: s.lastError === null && s.head !== null && (s.lag ?? 0) <= maxBlockRange,
          last_error: s.lastError,
          synced_at: s.syncedAt,
        });
      }
      return out;
    },
  };
}
