// Addresses derived ahead of need in a worker thread. Address i of a chain node is a pure function
// of (xpub, scheme, i) — the same deriveAddress runs on both sides — and derivation counters only
// grow, so the worker derives the next indices while the main thread serves requests, and the
// main thread's allocation takes a ready address instead of a secp256k1 multiply (~0.3 ms each).
// A miss (pool not started, still warming up, worker failed) derives inline as before: the pool
// changes when the work is done, never which address an index gets.
// The worker starts on the first allocation and stops after a quiet spell, so an idle node pays
// nothing for it.
import { Worker } from 'node:worker_threads';
import type { AddressScheme } from './derive.ts';

/** Indices kept derived ahead of the last one taken, per chain node. */
const AHEAD = 256;
/** A worker with nothing asked of it for this long is stopped (a later allocation restarts it). */
const IDLE_STOP_MS = 30_000;

interface ChainPool {
  ready: Map<number, string>;
  /** Every index below this was asked of the worker (or is past). */
  requestedUpTo: number;
  inFlight: boolean;
}

export interface DerivePool {
  /** The ready address of `index`, if the worker has derived it; asks for the next ones. */
  take(xpub: string, scheme: AddressScheme, index: number): string | undefined;
  close(): Promise<void>;
}

export function createDerivePool(opts: { onError?: (err: Error) => void } = {}): DerivePool {
  const pools = new Map<string, ChainPool>();
  let worker: Worker | null = null;
  let failed = false;
  let idleTimer: NodeJS.Timeout | null = null;

  function stop(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    const w = worker;
    worker = null;
    pools.clear();
    if (w) void w.terminate();
  }

  function ensureWorker(): Worker | null {
    if (failed) return null;
    if (worker) return worker;
    const w = new Worker(new URL('./derive-worker.ts', import.meta.url));
    w.unref();
    w.on('message', (msg: { key: string; from: number; addresses: string[]; done: boolean }) => {
      if (worker !== w) return;
      const pool = pools.get(msg.key);
      if (!pool) return;
      msg.addresses.forEach((address, i) => pool.ready.set(msg.from + i, address));
      if (msg.done) pool.inFlight = false;
    });
    w.on('error', (err) => {
      // Inline derivation from here on; nothing is lost (a miss derives on the main thread).
      failed = true;
      if (worker === w) stop();
      opts.onError?.(err);
    });
    w.on('exit', () => {
      // Only stop() ends it on purpose (and clears `worker` first): any other exit is a failure.
      if (worker !== w) return;
      failed = true;
      stop();
    });
    worker = w;
    return w;
  }

  return {
    take(xpub, scheme, index) {
      const key = `${scheme}:${xpub}`;
      let pool = pools.get(key);
      if (!pool) {
        pool = { ready: new Map(), requestedUpTo: index + 1, inFlight: false };
        pools.set(key, pool);
      }
      const address = pool.ready.get(index);
      // Anything at or below the index taken is never asked for again (keys arrive in ascending order).
      for (const i of pool.ready.keys()) {
        if (i > index) break;
        pool.ready.delete(i);
      }
      if (!pool.inFlight && pool.requestedUpTo - index <= AHEAD / 2) {
        const w = ensureWorker();
        if (w) {
          const from = Math.max(pool.requestedUpTo, index + 1);
          const count = index + 1 + AHEAD - from;
          pool.requestedUpTo = from + count;
          pool.inFlight = true;
          w.postMessage({ key, xpub, scheme, from, count });
        }
      }
      if (worker) {
        if (idleTimer) idleTimer.refresh();
        else idleTimer = setTimeout(stop, IDLE_STOP_MS).unref();
      }
      return address;
    },
    async close() {
      failed = true;
      stop();
    },
  };
}
