// 0009: the dashboard's tables on an in-memory database — a version-8 database keeps its rows,
// the new tables are STRICT, and the admin store's settings, sessions, tokens and TOTP steps hold
// their invariants.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Db } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function version8(): Db {
  const db = new Database(':memory:');
  open.push(db);
  db.pragma('foreign_keys = ON');
  migrate(db, loadMigrations().slice(0, 8));
  db.exec("INSERT INTO stores (id, name, created_at) VALUES ('st_x', 'x', 'now')");
  return db;
}

const ADMIN_TABLES = ['admin_credentials', 'admin_login_failures', 'admin_one_time_tokens', 'admin_sessions', 'admin_settings'];

describe('0009: admin sessions, credentials, one-time tokens and settings', () => {
  it('keeps existing rows and creates STRICT tables', () => {
    const db = version8();
    migrate(db);
    expect(db.prepare('SELECT id FROM stores').all()).toEqual([{ id: 'st_x' }]);
    const strict = db.prepare(`SELECT name, strict FROM pragma_table_list WHERE name LIKE 'admin_%' ORDER BY name`).all();
    expect(strict).toEqual(ADMIN_TABLES.map((name) => ({ name, strict: 1 })));
  });

  it('settings round-trip as JSON and a missing key is null', () => {
    const db = version8();
    migrate(db);
    const { admin } = createStorage(db);
    expect(admin.getSetting('setup.complete')).toBeNull();
    admin.putSetting('setup.complete', true);
    admin.putSetting('notifications', { paid: true, channels: ['os'] });
    expect(admin.getSetting('setup.complete')).toBe(true);
    expect(admin.getSetting('notifications')).toEqual({ paid: true, channels: ['os'] });
    admin.putSetting('setup.complete', false);
    expect(admin.getSetting('setup.complete')).toBe(false);
    expect(() => admin.putSetting('bad', undefined)).toThrow(/not JSON/);
  });

  it('a session has one of three origins, and the via column refuses others', () => {
    const db = version8();
    migrate(db);
    const { admin } = createStorage(db);
    const row = { token_hash: 'h1', via: 'password' as const, launch_id: null, csrf_token: 'c', created_at: 'a', last_seen_at: 'a', expires_at: 'b', absolute_expires_at: 'c' };
    admin.insertSession(row);
    expect(admin.getSession('h1')).toEqual(row);
    expect(() => admin.insertSession({ ...row, token_hash: 'h2', via: 'api_key' as never })).toThrow(/CHECK/);
    expect(admin.deleteSession('h1')).toBe(true);
    expect(admin.getSession('h1')).toBeNull();
  });

  it('a one-time token is consumed once, and never after it expires', () => {
    const db = version8();
    migrate(db);
    const { admin } = createStorage(db);
    admin.insertOneTimeToken('t1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:15:00.000Z');
    admin.insertOneTimeToken('t2', '2026-01-01T00:00:00.000Z', '2026-01-01T00:15:00.000Z');
    expect(admin.consumeOneTimeToken('t1', '2026-01-01T00:01:00.000Z')).toBe(true);
    expect(admin.consumeOneTimeToken('t1', '2026-01-01T00:01:01.000Z')).toBe(false);
    expect(admin.consumeOneTimeToken('t2', '2026-01-01T00:15:00.000Z')).toBe(false);
    expect(admin.consumeOneTimeToken('unknown', '2026-01-01T00:01:00.000Z')).toBe(false);
  });

  it('a TOTP time step is claimed once, and an older one never', () => {
    const db = version8();
    migrate(db);
    const { admin } = createStorage(db);
    admin.setTotpPending('sealed', 'now');
    expect(admin.enableTotp(100, 'now')).toBe(true);
    expect(admin.claimTotpStep(100)).toBe(false);
    expect(admin.claimTotpStep(99)).toBe(false);
    expect(admin.claimTotpStep(101)).toBe(true);
    expect(admin.claimTotpStep(101)).toBe(false);
    admin.disableTotp('later');
    expect(admin.getCredentials()).toMatchObject({ totp_sealed: null, totp_enabled: 0, totp_last_step: null });
  });
});
