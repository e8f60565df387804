// Group commit: concurrent writes share one transaction, each in its own savepoint; a caller
// hears its outcome only once the group is committed.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createGroupCommit, GroupCommitError } from '../../../src-server/storage/group-commit.ts';

function setup() {
  const db = openDatabase(':memory:', { migrations: [{ version: 1, name: '0001-t.sql', sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE) STRICT;' }] });
  const group = createGroupCommit(db);
  const count = db.prepare<[], number>('SELECT count(*) FROM t').pluck();
  return { db, group, count };
}

describe('group commit', () => {
  it('runs writes that arrive together in one transaction and resolves each with its own result', async () => {
    const { db, group, count } = setup();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    let seenInsideTransaction = 0;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        group(() => {
          if (db.inTransaction) seenInsideTransaction++;
          return Number(insert.run(`v${i}`).lastInsertRowid);
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(seenInsideTransaction).toBe(50);
    expect(count.get()).toBe(50);
    expect(db.inTransaction).toBe(false);
  });

  it('rolls back only the write that throws; the others of its group are stored', async () => {
    const { db, group, count } = setup();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const outcomes = await Promise.allSettled([
      group(() => insert.run('a')),
      group(() => {
        insert.run('b');
        insert.run('a'); // UNIQUE violation: 'b' must go too
      }),
      group(() => insert.run('c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toMatch(/UNIQUE/);
    expect(db.prepare('SELECT v FROM t ORDER BY v').pluck().all()).toEqual(['a', 'c']);
    expect(count.get()).toBe(2);
  });

  it('does not run the writes before the caller yields, so nothing half-done is visible in between', async () => {
    const { db, group, count } = setup();
    const pending = group(() => db.prepare('INSERT INTO t (v) VALUES (?)').run('x'));
    expect(count.get()).toBe(0);
    await pending;
    expect(count.get()).toBe(1);
  });

  it('rejects every write of the group with GroupCommitError when the commit itself fails', async () => {
    const { db, group, count } = setup();
    // A deferred foreign-key violation fails at COMMIT, after every savepoint succeeded.
    db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT; CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED) STRICT;');
    const outcomes = await Promise.allSettled([
      group(() => db.prepare('INSERT INTO t (v) VALUES (?)').run('kept?')),
      group(() => db.prepare('INSERT INTO child (p) VALUES (42)').run()),
    ]);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof GroupCommitError)).toBe(true);
    expect(count.get()).toBe(0);
    expect(db.inTransaction).toBe(false);
  });
});
