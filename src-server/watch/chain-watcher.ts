// The chain-agnostic scan loop: one per chain. It asks the adapter for transfers to watched
// addresses block range by block range, hands them to the ledger, and moves the cursor only in
// the same transaction that recorded what the range held. Reorgs are found by comparing stored
// block hashes with the chain's, and undone before scanning on.
import type { Logger } from 'pino';
import type { BlockRef, ChainAdapter, DetectedTransfer, PendingTransfer, WatchSet } from '../chains/types.ts';
import type { Storage } from '../storage/index.ts';

/** What the watcher needs from the payments side; all calls run inside the watcher's transaction. */
export interface LedgerPort {
  /** Credits transfers to the intents watching their addresses (idempotent per chain/txid/index). */
  creditTransfers(chain: string, transfers: DetectedTransfer[], now: Date): void;
  /** Marks payments confirmed once `scannedHead` gives them enough confirmations; recomputes intents. */
  confirmUpTo(chain: string, scannedHead: number, now: Date, finalized?: number): void;
  /** Whether payments on the chain still wait for confirmations (worth asking the chain what is final). */
  hasUnconfirmed(chain: string, scannedHead: number): boolean;
  /** A reorg removed blocks >= `fromBlock`: payments there become reverted; recomputes intents. */
  revertFrom(chain: string, fromBlock: number, now: Date): void;
  /** UTXO chains: credits transfers waiting in the mempool (0-conf), once per chain/txid/vout. */
  creditPending(chain: string, transfers: PendingTransfer[], now: Date): void;
  /** UTXO chains: unconfirmed payments whose transactions left the mempool unmined become reverted. */
  revertPending(chain: string, txids: ReadonlySet<string>, now: Date): void;
  /** Txids of payments still waiting in the mempool. */
  pendingTxids(chain: string): string[];
  /** Announces events recorded by the transaction that just committed. */
  afterCommit(): void;
  afterRollback(): void;
}

/** How often the cached watch set is rebuilt from scratch (dropping intents whose monitoring ended). */
const WATCH_SET_REBUILD_MS = 60_000;

/** Consecutive scans a mempool transaction must be missing before its payment is reverted. */
const MISSING_SCANS_BEFORE_REVERT = 2;

export interface ChainWatcherOptions {
  chain: string;
  adapter: ChainAdapter;
  storage: Storage;
  ledger: LedgerPort;
  logger: Logger;
  pollIntervalMs: number;
  maxBlockRange: number;
  reorgWindow: number;
  /** Token contracts the watcher scans on this chain (canonical form). */
  tokenContracts: () => string[];
  clock?: () => Date;
  /** Ranges scanned per tick before yielding (catch-up after downtime proceeds over several ticks). */
  maxRangesPerTick?: number;
}

export interface ChainWatcherStatus {
  chain: string;
  head: number | null;
  nextBlock: number | null;
  lag: number | null;
  syncedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  watchedAddresses: number;
  rpc: ReturnType<ChainAdapter['rpcHealth']>;
}

export function createChainWatcher(opts: ChainWatcherOptions) {
  const { chain, adapter, storage, ledger, logger } = opts;
  const clock = opts.clock ?? (() => new Date());
  const maxRangesPerTick = opts.maxRangesPerTick ?? 20;
  let head: number | null = null;
  let syncedAt: Date | null = null;
  let lastError: { message: string; at: Date } | null = null;
  let watchedCount = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  /** Mempool payments' txids reported missing in consecutive scans. */
  const missingStreak = new Map<string, number>();
  // Set by stop(): a tick in progress finishes its current range and returns.
  let stopRequested = false;

  // The watch set is kept between scans: intents created since are added by rowid (O(new intents)),
  // and it is rebuilt from scratch at most every WATCH_SET_REBUILD_MS to drop intents whose
  // monitoring ended. An address kept a little longer costs nothing: the ledger credits only
  // intents still monitored.
  let watchCache: { addresses: Set<string>; native: boolean; count: number; lastRowid: number; builtAt: number } | null = null;

  function buildWatchSet(now: Date, awaitingPaymentOnly = false): WatchSet {
    if (awaitingPaymentOnly) {
      const rows = storage.intents.watchedOnChain(chain, now.toISOString()).filter((r) => r.status === 'pending' || r.status === 'confirming');
      const addresses = new Set(rows.map((r) => r.watch_address));
      return { addresses, tokenContracts: new Set(opts.tokenContracts()), native: rows.some((r) => r.token_contract === null) };
    }
    if (!watchCache || now.getTime() - watchCache.builtAt >= WATCH_SET_REBUILD_MS || now.getTime() < watchCache.builtAt) {
      watchCache = { addresses: new Set(), native: false, count: 0, lastRowid: 0, builtAt: now.getTime() };
    }
    const upTo = storage.intents.maxRowid();
    for (const r of storage.intents.watchedAddressesBetween(chain, now.toISOString(), watchCache.lastRowid, upTo)) {
      watchCache.addresses.add(r.watch_address);
      if (r.token_contract === null) watchCache.native = true;
      watchCache.count++;
    }
    watchCache.lastRowid = upTo;
    watchedCount = watchCache.count;
    return { addresses: watchCache.addresses, tokenContracts: new Set(opts.tokenContracts()), native: watchCache.native };
  }

  function storeBlocks(blocks: BlockRef[]): void {
    for (const b of blocks) {
      storage.chains.putBlock({
        chain,
        number: b.number,
        hash: b.hash,
        parent_hash: b.parentHash,
        time: new Date(b.time * 1000).toISOString(),
      });
    }
  }

  /** Finds the first block whose stored hash the chain no longer has; null when nothing changed. */
  async function findReorg(nextBlock: number, headNow: number): Promise<number | null> {
    const latest = storage.chains.latestBlock(chain);
    if (!latest || latest.number >= nextBlock) return null;
    // Compare at the highest block the endpoint has: blocks it lacks (a fallback RPC that is
    // behind) are not yet known, which is not the same as replaced.
    const probe = latest.number <= headNow ? latest : (storage.chains.getBlock(chain, headNow) ?? latest);
    const onChain = await adapter.getBlock(probe.number);
    if (onChain && onChain.hash === probe.hash) return null;
    // Walk back through stored blocks until the chain agrees with us.
    let forkPoint = probe.number;
    for (const stored of storage.chains.blocksBelow(chain, probe.number + 1)) {
      const current = await adapter.getBlock(stored.number);
      if (current && current.hash === stored.hash) return stored.number + 1;
      forkPoint = stored.number;
    }
    return forkPoint;
  }

  function rollback(forkPoint: number, reason: string): void {
    const now = clock();
    logger.warn({ chain, forkPoint, reason }, 'chain reorganisation: rolling back');
    try {
      storage.transaction(() => {
        ledger.revertFrom(chain, forkPoint, now);
        storage.chains.dropBlocksFrom(chain, forkPoint);
        storage.chains.setCursor(chain, forkPoint, now.toISOString());
      });
    } catch (err) {
      ledger.afterRollback();
      throw err;
    }
    ledger.afterCommit();
  }

  async function scanOnce(): Promise<void> {
    const headNow = await adapter.getHeadNumber();
    head = headNow;
    let next = storage.chains.getCursor(chain);
    if (next === null) {
      // First start on this chain: nothing can have been paid to addresses we have not handed out yet.
      next = headNow;
      storage.chains.setCursor(chain, next, clock().toISOString());
    }
    const forkPoint = await findReorg(next, headNow);
    if (forkPoint !== null) {
      rollback(forkPoint, 'stored block hash no longer on chain');
      next = forkPoint;
    }
    for (let i = 0; i < maxRangesPerTick && next <= headNow && !stopRequested; i++) {
      const from = next;
      const to = Math.min(headNow, from + opts.maxBlockRange - 1);
      const now = clock();
      const watch = buildWatchSet(now);
      const result = await adapter.scanBlockRange(from, to, watch);
      const previous = storage.chains.getBlock(chain, from - 1);
      const first = result.blocks[0];
      if (previous && first && first.parentHash !== previous.hash) {
        // The chain moved under us between the reorg check and the scan; the next tick rolls back.
        logger.warn({ chain, from }, 'range does not extend the stored chain; rescanning next tick');
        return;
      }
      try {
        storage.transaction(() => {
          ledger.creditTransfers(chain, result.transfers, now);
          storeBlocks(result.blocks);
          storage.chains.pruneBlocksBelow(chain, to - opts.reorgWindow);
          ledger.confirmUpTo(chain, to, now);
          storage.chains.setCursor(chain, to + 1, now.toISOString());
        });
      } catch (err) {
        ledger.afterRollback();
        throw err;
      }
      ledger.afterCommit();
      if (result.transfers.length > 0) {
        logger.info({ chain, from, to, transfers: result.transfers.length }, 'scanned range');
      }
      next = to + 1;
    }
    if (next > headNow) {
      // Caught up: confirmations may still advance when the head moved without new blocks to scan.
      const finalized = adapter.getFinalizedNumber && ledger.hasUnconfirmed(chain, headNow) ? await adapter.getFinalizedNumber() : undefined;
      const now = clock();
      try {
        storage.transaction(() => ledger.confirmUpTo(chain, headNow, now, finalized));
      } catch (err) {
        ledger.afterRollback();
        throw err;
      }
      ledger.afterCommit();
      if (adapter.scanMempool) await scanMempool(adapter.scanMempool.bind(adapter));
      syncedAt = now;
    }
  }

  /** UTXO chains, once caught up: payments waiting in the mempool, and those that left it unmined. */
  async function scanMempool(scan: NonNullable<ChainAdapter['scanMempool']>): Promise<void> {
    const now = clock();
    // Late payments to expired intents are caught at their block; the mempool is for what is awaited.
    const pending = await scan(buildWatchSet(now, true));
    const waiting = ledger.pendingTxids(chain).filter((txid) => !pending.some((t) => t.txid === txid));
    const states = waiting.length && adapter.transactionStates ? await adapter.transactionStates(waiting) : new Map<string, string>();
    // A lagging fallback endpoint may not know a transaction yet: only twice 'missing' in a row
    // reverts. 'confirmed' is left alone: the block scan attaches it (its block may be past our head).
    const gone = new Set<string>();
    for (const txid of waiting) {
      if (states.get(txid) !== 'missing') {
        missingStreak.delete(txid);
        continue;
      }
      const streak = (missingStreak.get(txid) ?? 0) + 1;
      missingStreak.set(txid, streak);
      if (streak >= MISSING_SCANS_BEFORE_REVERT) gone.add(txid);
    }
    for (const txid of missingStreak.keys()) if (!waiting.includes(txid)) missingStreak.delete(txid);
    if (pending.length === 0 && gone.size === 0) return;
    try {
      storage.transaction(() => {
        ledger.creditPending(chain, pending, now);
        if (gone.size) ledger.revertPending(chain, gone, now);
      });
    } catch (err) {
      ledger.afterRollback();
      throw err;
    }
    ledger.afterCommit();
  }

  async function tick(): Promise<void> {
    try {
      await scanOnce();
      lastError = null;
    } catch (err) {
      lastError = { message: (err as Error).message.split('\n')[0]!.slice(0, 300), at: clock() };
      logger.warn({ chain, err: lastError.message }, 'watch tick failed; retrying');
    }
  }

  // Ticks never overlap: the loop and syncNow() queue on one promise chain.
  let queue: Promise<void> = Promise.resolve();
  function serialized(): Promise<void> {
    const run = queue.then(tick);
    queue = run;
    return run;
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = serialized().finally(() => {
        running = null;
        schedule(opts.pollIntervalMs);
      });
    }, delay);
  }

  return {
    chain,
    start(): void {
      if (!stopped) return;
      stopped = false;
      stopRequested = false;
      schedule(0);
    },
    async stop(): Promise<void> {
      stopped = true;
      stopRequested = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (running) await running;
    },
    /** Runs one scan now (serialised with the loop); used by the test helpers after mining. */
    syncNow(): Promise<void> {
      return serialized();
    },
    /** True when the scan has reached the head at or after `at` (used to decide expiry fairly). */
    syncedSince(at: Date): boolean {
      return syncedAt !== null && syncedAt.getTime() >= at.getTime();
    },
    status(): ChainWatcherStatus {
      const next = storage.chains.getCursor(chain);
      return {
        chain,
        head,
        nextBlock: next,
        lag: head !== null && next !== null ? Math.max(0, head - next + 1) : null,
        syncedAt: syncedAt ? syncedAt.toISOString() : null,
        lastError: lastError?.message ?? null,
        lastErrorAt: lastError ? lastError.at.toISOString() : null,
        watchedAddresses: watchedCount,
        rpc: adapter.rpcHealth(),
      };
    },
  };
}
export type ChainWatcher = ReturnType<typeof createChainWatcher>;
