// Group commit: writes that arrive together (concurrent API requests) share one transaction and
// so one fsync, instead of one each. Each write still runs in its own savepoint, so one that
// throws is rolled back alone; and its caller hears the outcome only after the shared COMMIT has
// returned (synchronous=FULL), so whatever a caller answers with is already on disk.
// The whole batch runs synchronously in one setImmediate callback: no other code can run while
// the group's transaction is open, so nothing ever sees (or joins) uncommitted group writes.
import type { Db } from './db.ts';

/** The group's COMMIT failed: no write of the group is stored (the cause is the database's error). */
export class GroupCommitError extends Error {
  constructor(cause: unknown) {
    super(`group commit failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'GroupCommitError';
  }
}

interface Job {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Most writes per group; the rest wait for the next one (keeps one commit's latency bounded). */
const MAX_GROUP = 256;

export function createGroupCommit(db: Db) {
  let queue: Job[] = [];
  let scheduled = false;

  function runGroup(): void {
    scheduled = false;
    const jobs = queue.slice(0, MAX_GROUP);
    queue = queue.slice(MAX_GROUP);
    if (queue.length > 0) schedule();
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      db.transaction(() => {
        for (const job of jobs) {
          try {
            // Nested inside the group's transaction, better-sqlite3 runs this as a SAVEPOINT.
            outcomes.push({ ok: true, value: db.transaction(job.fn)() });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      }).immediate();
    } catch (error) {
      // The COMMIT itself failed (disk full, I/O error): nothing of the group is stored.
      for (const job of jobs) job.reject(new GroupCommitError(error));
      return;
    }
    jobs.forEach((job, i) => (outcomes[i]!.ok ? job.resolve(outcomes[i]!.value) : job.reject(outcomes[i]!.value)));
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(runGroup);
  }

  /** Runs `fn` in the next group transaction; resolves with its result once the group is durable. */
  return function groupTransaction<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
  };
}
