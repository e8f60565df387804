// 0006: checkout sessions and payment links on an in-memory database — a version-5 database keeps
// its intents, which gain a nullable checkout_session_id; the new tables are STRICT and guard
// their invariants.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Db } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function version5(): Db {
  const db = new Database(':memory:');
  open.push(db);
  db.pragma('foreign_keys = ON');
  migrate(db, loadMigrations().slice(0, 5));
  db.exec("INSERT INTO stores (id, name, created_at) VALUES ('st_x', 'x', 'now')");
  db.exec(
    `INSERT INTO payment_intents (id, store_id, livemode, status, network, chain, asset, decimals, amount, currency, pay_amount,
       receive_address, watch_address, address_scheme, address_index, confirmations_required, late_payment_policy, created_at, expires_at, monitor_until, updated_at)
     VALUES ('pi_old', 'st_x', 0, 'pending', 'bsc', 'devnet', 'USDT', 18, '1', 'USDT', '1', 'a', 'a', 'evm', 0, 2, 'accept', 'n', 'n', 'n', 'n')`,
  );
  return db;
}

const session = (id: string, over: Record<string, unknown> = {}) => ({
  id, store_id: 'st_x', livemode: 0, status: 'open', amount: '2500', amount_decimals: 2, currency: 'USD', primary_intent_id: null,
  payment_intent_id: null, payment_link_id: null, custom_id: null, customer_email: null, description: null, metadata: '{}',
  success_url: null, cancel_url: null, created_at: '2026-01-01T00:00:00.000Z', expires_at: '2026-01-01T00:30:00.000Z',
  completed_at: null, canceled_at: null, updated_at: '2026-01-01T00:00:00.000Z', ...over,
});

describe('0006: checkout sessions and payment links', () => {
  it('keeps existing intents (checkout_session_id NULL) and creates STRICT tables', () => {
    const db = version5();
    migrate(db);
    expect(db.prepare("SELECT id, checkout_session_id FROM payment_intents").all()).toEqual([{ id: 'pi_old', checkout_session_id: null }]);
    const strict = db.prepare("SELECT name, strict FROM pragma_table_list WHERE name IN ('checkout_sessions', 'payment_links') ORDER BY name").all();
    expect(strict).toEqual([{ name: 'checkout_sessions', strict: 1 }, { name: 'payment_links', strict: 1 }]);
    for (const [table, column] of [['checkout_sessions', 'amount'], ['payment_links', 'amount'], ['payment_links', 'min_amount'], ['payment_links', 'max_amount']] as const) {
      const info = db.prepare(`SELECT type FROM pragma_table_info('${table}') WHERE name = ?`).get(column) as { type: string };
      expect(info.type, `${table}.${column}`).toBe('TEXT');
    }
  });

  it('the store module finds the session of an intent and its options, and pages newest first', () => {
    const db = version5();
    migrate(db);
    const { checkout } = createStorage(db);
    checkout.insertSession(session('cs_a') as never);
    checkout.insertSession(session('cs_b', { created_at: '2026-01-01T00:00:01.000Z' }) as never);
    db.prepare("UPDATE payment_intents SET checkout_session_id = 'cs_a' WHERE id = 'pi_old'").run();
    expect(checkout.sessionIdOfIntent('pi_old')).toBe('cs_a');
    expect(checkout.optionsOf('cs_a').map((r) => r.id)).toEqual(['pi_old']);
    const page1 = checkout.listSessions({ storeId: 'st_x', livemode: false, limit: 1 });
    expect(page1.map((r) => r.id)).toEqual(['cs_b']);
    const page2 = checkout.listSessions({ storeId: 'st_x', livemode: false, limit: 5, before: { created_at: page1[0]!.created_at, id: 'cs_b' } });
    expect(page2.map((r) => r.id)).toEqual(['cs_a']);
  });

  it('refuses what would break the rules: unknown statuses, a complete session without its intent, a custom_id twice, bounds on a fixed link, a dangling intent link', () => {
    const db = version5();
    migrate(db);
    const { checkout } = createStorage(db);
    expect(() => checkout.insertSession(session('cs_1', { status: 'paid' }) as never)).toThrow(/CHECK/);
    expect(() => checkout.insertSession(session('cs_2', { status: 'complete' }) as never)).toThrow(/CHECK/);
    checkout.insertSession(session('cs_3', { custom_id: 'ORDER-1' }) as never);
    expect(() => checkout.insertSession(session('cs_4', { custom_id: 'ORDER-1' }) as never)).toThrow(/UNIQUE/);
    checkout.insertSession(session('cs_5', { custom_id: 'ORDER-1', livemode: 1 }) as never);
    const link = { id: 'plink_1', store_id: 'st_x', livemode: 0, amount: '2500', min_amount: '100', max_amount: null, amount_decimals: 2, currency: 'USD', description: null, methods: null, success_url: null, cancel_url: null, metadata: '{}', active: 1, created_at: 'n', updated_at: 'n' };
    expect(() => checkout.insertLink(link as never)).toThrow(/CHECK/);
    checkout.insertLink({ ...link, min_amount: null } as never);
    expect(checkout.getLink('plink_1')?.amount).toBe('2500');
    expect(() => db.prepare("UPDATE payment_intents SET checkout_session_id = 'cs_missing' WHERE id = 'pi_old'").run()).toThrow(/FOREIGN KEY/);
  });
});
