// SPEC §10 on an in-memory database: numbered migrations in one transaction, user_version, a
// database from the future refused, STRICT tables, an append-only event log, TEXT money.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, loadMigrations, migrate, openDatabase, type Db, type Migration } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';

const open: Db[] = [];
function memoryDb(): Db {
  const db = new Database(':memory:');
  open.push(db);
  return db;
}
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

const userVersion = (db: Db) => db.pragma('user_version', { simple: true }) as number;
const tableNames = (db: Db) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('migrate', () => {
  it('from 0 applies every numbered file and sets user_version to their count', () => {
    const migrations = loadMigrations();
    expect(migrations.length).toBeGreaterThanOrEqual(1);
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    const db = memoryDb();
    expect(migrate(db)).toEqual({ from: 0, to: migrations.length });
    expect(userVersion(db)).toBe(migrations.length);
    expect(tableNames(db)).toEqual(expect.arrayContaining(['api_keys', 'events', 'payment_intents', 'payments', 'stores', 'wallet_accounts']));
  });

  it('running it again is a no-op', () => {
    const db = memoryDb();
    migrate(db);
    const schema = db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all();
    const version = userVersion(db);
    expect(migrate(db)).toEqual({ from: version, to: version });
    expect(db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all()).toEqual(schema);
  });

  it('applies only the pending migrations of a database that is behind', () => {
    const steps: Migration[] = [
      { version: 1, name: '0001-a.sql', sql: 'CREATE TABLE a (x TEXT) STRICT;' },
      { version: 2, name: '0002-b.sql', sql: 'CREATE TABLE b (y TEXT) STRICT; INSERT INTO a VALUES (\'kept\');' },
    ];
    const db = memoryDb();
    expect(migrate(db, steps.slice(0, 1))).toEqual({ from: 0, to: 1 });
    db.prepare('INSERT INTO a VALUES (?)').run('old row');
    expect(migrate(db, steps)).toEqual({ from: 1, to: 2 });
    expect(tableNames(db)).toEqual(['a', 'b']);
    expect(db.prepare('SELECT x FROM a ORDER BY rowid').all()).toEqual([{ x: 'old row' }, { x: 'kept' }]);
  });

  it('refuses a database newer than the code, with a message that says to upgrade', () => {
    const db = memoryDb();
    const latest = loadMigrations().length;
    db.pragma(`user_version = ${latest + 1}`);
    let error: unknown;
    try {
      migrate(db);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseTooNewError);
    expect((error as Error).message).toMatch(/upgrade Kassa/i);
    expect((error as Error).message).toContain(String(latest + 1));
    expect(userVersion(db)).toBe(latest + 1);
    expect(tableNames(db)).toEqual([]);
  });

  it('openDatabase refuses a file from the future too, and leaves it untouched', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kassa-db-')), 'kassa.db');
    const future = new Database(file);
    future.pragma('user_version = 999');
    future.close();
    expect(() => openDatabase(file)).toThrow(DatabaseTooNewError);
    const check = new Database(file, { readonly: true });
    expect(userVersion(check)).toBe(999);
    expect(tableNames(check)).toEqual([]);
    check.close();
  });

  it('a migration with a syntax error rolls back entirely: no partial tables, user_version unchanged', () => {
    const steps: Migration[] = [
      { version: 1, name: '0001-good.sql', sql: 'CREATE TABLE good_one (x TEXT) STRICT;' },
      { version: 2, name: '0002-half.sql', sql: 'CREATE TABLE half_done (y TEXT) STRICT;\nCREATE TABLEE broken (z TEXT);' },
    ];
    const db = memoryDb();
    expect(() => migrate(db, steps)).toThrow(/syntax error/);
    expect(userVersion(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);

    // From a migrated version, the failed step leaves the earlier state intact.
    migrate(db, steps.slice(0, 1));
    expect(() => migrate(db, steps)).toThrow(/syntax error/);
    expect(userVersion(db)).toBe(1);
    expect(tableNames(db)).toEqual(['good_one']);
  });

  it('a migration failing on data (not syntax) rolls back too', () => {
    const steps: Migration[] = [
      { version: 1, name: '0001-a.sql', sql: "CREATE TABLE a (x INTEGER NOT NULL) STRICT; INSERT INTO a VALUES (1); INSERT INTO a VALUES ('not a number');" },
    ];
    const db = memoryDb();
    expect(() => migrate(db, steps)).toThrow();
    expect(userVersion(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);
  });
});

describe('the schema', () => {
  function migrated(): Db {
    const db = openDatabase(':memory:');
    open.push(db);
    return db;
  }

  it('every table is STRICT', () => {
    const db = migrated();
    const tables = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string; sql: string }[];
    expect(tables.length).toBeGreaterThan(5);
    for (const t of tables) expect(t.sql, t.name).toMatch(/\)\s*STRICT\s*$/i);
    const list = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string; strict: number }[];
    expect(list.map((t) => t.name).sort()).toEqual(tables.map((t) => t.name).sort());
    for (const t of list) expect(t.strict, t.name).toBe(1);
  });

  it('foreign keys are on and enforced', () => {
    const db = migrated();
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() =>
      db.prepare("INSERT INTO api_keys (id, store_id, livemode, key_hash, key_hint, scopes, created_at) VALUES ('key_1', 'st_missing', 0, 'h', 'x', '[]', 'now')").run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it('events are immutable: UPDATE and DELETE abort', () => {
    const db = migrated();
    db.prepare(
      "INSERT INTO events (id, type, store_id, livemode, object_type, object_id, data, created_at) VALUES ('evt_1', 'payment_intent.created', 'st_default', 0, 'payment_intent', 'pi_1', '{}', '2026-01-01T00:00:00Z')",
    ).run();
    expect(() => db.prepare("UPDATE events SET type = 'payment_intent.paid' WHERE id = 'evt_1'").run()).toThrow(/events are immutable/);
    expect(() => db.prepare("DELETE FROM events WHERE id = 'evt_1'").run()).toThrow(/events are immutable/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/events are immutable/);
    expect(db.prepare('SELECT type FROM events').all()).toEqual([{ type: 'payment_intent.created' }]);
  });

  it('money columns are TEXT: 18-decimal amounts overflow INTEGER', () => {
    const db = migrated();
    const money: Record<string, string[]> = {
      payment_intents: ['amount', 'pay_amount', 'tolerance', 'amount_received', 'amount_confirmed', 'fiat_amount'],
      payments: ['amount'],
    };
    for (const [table, columns] of Object.entries(money)) {
      const info = db.prepare(`SELECT name, type FROM pragma_table_info('${table}')`).all() as { name: string; type: string }[];
      for (const column of columns) expect(info.find((c) => c.name === column)?.type, `${table}.${column}`).toBe('TEXT');
    }
    // A uint256-sized amount survives exactly, and even a JSON number handed in is kept as text.
    const max = ((1n << 256n) - 1n).toString();
    db.exec("INSERT INTO stores (id, name, created_at) VALUES ('st_x', 'x', 'now')");
    const insert = db.prepare(
      `INSERT INTO payment_intents (id, store_id, livemode, status, network, chain, asset, decimals, amount, currency, pay_amount,
         receive_address, watch_address, address_scheme, address_index, confirmations_required, late_payment_policy, created_at, expires_at, monitor_until, updated_at)
       VALUES (?, 'st_x', 0, 'pending', 'bsc', 'devnet', 'USDT', 18, ?, 'USDT', ?, ?, ?, 'evm', 0, 1, 'accept', 'n', 'n', 'n', 'n')`,
    );
    insert.run('pi_max', max, max, 'a1', 'a1');
    insert.run('pi_num', 25.5, '1', 'a2', 'a2');
    expect(db.prepare("SELECT amount, typeof(amount) AS t FROM payment_intents WHERE id = 'pi_max'").get()).toEqual({ amount: max, t: 'text' });
    expect(db.prepare("SELECT amount, typeof(amount) AS t FROM payment_intents WHERE id = 'pi_num'").get()).toEqual({ amount: '25.5', t: 'text' });
  });
});

describe('derivation indexes', () => {
  it('takeNextIndex never returns the same index twice, even after address rows are deleted', () => {
    const db = openDatabase(':memory:');
    open.push(db);
    const storage = createStorage(db);
    const taken: number[] = [];
    for (let i = 0; i < 3; i++) {
      const index = storage.wallet.takeNextIndex(true, 'evm');
      storage.wallet.insertAddress({ livemode: 1, scheme: 'evm', derivation_index: index, address: `0xaddr${index}`, purpose: 'test', created_at: 'now' });
      taken.push(index);
    }
    expect(taken).toEqual([0, 1, 2]);
    db.exec('DELETE FROM addresses');
    taken.push(storage.wallet.takeNextIndex(true, 'evm'));
    // A rolled-back allocation rolls its counter back too: nothing outside that transaction saw the index.
    expect(() =>
      storage.transaction(() => {
        storage.wallet.takeNextIndex(true, 'evm');
        throw new Error('abort');
      }),
    ).toThrow('abort');
    taken.push(storage.wallet.takeNextIndex(true, 'evm'));
    expect(taken).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(taken).size).toBe(taken.length);
  });

  it('counters are per mode and scheme', () => {
    const db = openDatabase(':memory:');
    open.push(db);
    const { wallet } = createStorage(db);
    expect([wallet.takeNextIndex(true, 'evm'), wallet.takeNextIndex(false, 'evm'), wallet.takeNextIndex(true, 'tron'), wallet.takeNextIndex(true, 'evm')]).toEqual([0, 0, 0, 1]);
  });
});

describe('0005: mempool payments', () => {
  it('keeps the payments of a version-4 database and lets a payment wait without a block, never confirmed', () => {
    const db = new Database(':memory:');
    open.push(db);
    db.pragma('foreign_keys = ON');
    const all = loadMigrations();
    migrate(db, all.slice(0, 4));
    db.exec("INSERT INTO stores (id, name, created_at) VALUES ('st_x', 'x', 'now')");
    db.exec(
      `INSERT INTO payment_intents (id, store_id, livemode, status, network, chain, asset, decimals, amount, currency, pay_amount,
         receive_address, watch_address, address_scheme, address_index, confirmations_required, late_payment_policy, created_at, expires_at, monitor_until, updated_at)
       VALUES ('pi_1', 'st_x', 0, 'pending', 'bitcoin', 'bitcoin', 'BTC', 8, '50000', 'BTC', '50000', 'bc1q', 'bc1q', 'btc', 0, 2, 'flag', 'n', 'n', 'n', 'n')`,
    );
    const payment = (id: string, txid: string, block: number | null, status = 'detected') =>
      db.prepare(
        `INSERT INTO payments (id, intent_id, chain, txid, output_index, from_address, to_address, amount, block_number, block_hash, block_time, status, detected_at)
         VALUES (?, 'pi_1', 'bitcoin', ?, 0, '', 'bc1q', '50000', ?, ?, ?, ?, 'now')`,
      ).run(id, txid, block, block === null ? null : 'h', block === null ? null : 't', status);
    payment('pay_old', 'tx_old', 7);
    migrate(db, all);
    expect(db.prepare("SELECT id, block_number, amount FROM payments").all()).toEqual([{ id: 'pay_old', block_number: 7, amount: '50000' }]);
    payment('pay_mempool', 'tx_new', null);
    expect(() => payment('pay_bad', 'tx_bad', null, 'confirmed')).toThrow(/CHECK/);
    expect(() =>
      db.prepare("INSERT INTO payments (id, intent_id, chain, txid, output_index, from_address, to_address, amount, block_number, block_hash, block_time, status, detected_at) VALUES ('p', 'pi_1', 'bitcoin', 'tx_half', 0, '', 'bc1q', '1', 5, NULL, NULL, 'detected', 'now')").run(),
    ).toThrow(/CHECK/);
    expect(() => payment('pay_dup', 'tx_old', 8)).toThrow(/UNIQUE/);
  });
});
