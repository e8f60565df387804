import type { Db } from './db.ts';

export type AdminSessionVia = 'launch' | 'password' | 'one_time';

export interface AdminSessionRow {
  token_hash: string;
  via: AdminSessionVia;
  launch_id: string | null;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  absolute_expires_at: string;
}

export interface AdminCredentialsRow {
  password_hash: string | null;
  password_set_at: string | null;
  totp_sealed: string | null;
  totp_enabled: 0 | 1;
  totp_last_step: number | null;
  updated_at: string;
}

/** Dashboard sessions, the admin's credentials, one-time login tokens, login failures and settings. */
export function createAdminStore(db: Db) {
  const insertSession = db.prepare(
    `INSERT INTO admin_sessions (token_hash, via, launch_id, csrf_token, created_at, last_seen_at, expires_at, absolute_expires_at)
     VALUES (@token_hash, @via, @launch_id, @csrf_token, @created_at, @last_seen_at, @expires_at, @absolute_expires_at)`,
  );
  const getSession = db.prepare<[string], AdminSessionRow>('SELECT * FROM admin_sessions WHERE token_hash = ?');
  const touchSession = db.prepare('UPDATE admin_sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?');
  const deleteSession = db.prepare('DELETE FROM admin_sessions WHERE token_hash = ?');
  // Launch sessions are not timed: they end with their launch (deleteStaleLaunchSessions).
  const deleteExpiredSessions = db.prepare("DELETE FROM admin_sessions WHERE via <> 'launch' AND (expires_at <= ? OR absolute_expires_at <= ?)");
  const deleteStaleLaunchSessions = db.prepare("DELETE FROM admin_sessions WHERE via = 'launch' AND (launch_id IS NULL OR launch_id <> ?)");
  const deleteAllSessions = db.prepare('DELETE FROM admin_sessions');
  const deleteOtherSessions = db.prepare('DELETE FROM admin_sessions WHERE token_hash <> ?');

  const getCredentials = db.prepare<[], AdminCredentialsRow>(
    'SELECT password_hash, password_set_at, totp_sealed, totp_enabled, totp_last_step, updated_at FROM admin_credentials WHERE id = 1',
  );
  const ensureCredentials = db.prepare('INSERT INTO admin_credentials (id, updated_at) VALUES (1, ?) ON CONFLICT(id) DO NOTHING');
  const setPassword = db.prepare('UPDATE admin_credentials SET password_hash = ?, password_set_at = ?, updated_at = ? WHERE id = 1');
  const setTotpPending = db.prepare('UPDATE admin_credentials SET totp_sealed = ?, totp_enabled = 0, totp_last_step = NULL, updated_at = ? WHERE id = 1');
  const enableTotp = db.prepare('UPDATE admin_credentials SET totp_enabled = 1, totp_last_step = ?, updated_at = ? WHERE id = 1 AND totp_sealed IS NOT NULL');
  const disableTotp = db.prepare('UPDATE admin_credentials SET totp_sealed = NULL, totp_enabled = 0, totp_last_step = NULL, updated_at = ? WHERE id = 1');
  // The compare-and-set is what refuses a replayed code, even from two requests at once.
  const claimTotpStep = db.prepare(
    'UPDATE admin_credentials SET totp_last_step = ? WHERE id = 1 AND (totp_last_step IS NULL OR totp_last_step < ?)',
  );

  const insertOneTime = db.prepare('INSERT INTO admin_one_time_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)');
  const consumeOneTime = db.prepare('UPDATE admin_one_time_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?');
  const pruneOneTime = db.prepare('DELETE FROM admin_one_time_tokens WHERE expires_at <= ?');

  const insertFailure = db.prepare('INSERT INTO admin_login_failures (client, at) VALUES (?, ?)');
  const failuresSince = db.prepare<[string, string], { n: number; first: string | null }>(
    'SELECT COUNT(*) AS n, MIN(at) AS first FROM admin_login_failures WHERE client = ? AND at > ?',
  );
  const clearFailures = db.prepare('DELETE FROM admin_login_failures WHERE client = ?');
  const pruneFailures = db.prepare('DELETE FROM admin_login_failures WHERE at <= ?');

  const getSetting = db.prepare<[string], { value: string }>('SELECT value FROM admin_settings WHERE key = ?');
  const putSetting = db.prepare(
    'INSERT INTO admin_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const deleteSetting = db.prepare('DELETE FROM admin_settings WHERE key = ?');

  const credentials = () => getCredentials.get() ?? null;
  const ensure = (at: string) => void ensureCredentials.run(at);

  return {
    insertSession: (row: AdminSessionRow) => void insertSession.run(row),
    getSession: (tokenHash: string) => getSession.get(tokenHash) ?? null,
    touchSession: (tokenHash: string, lastSeenAt: string, expiresAt: string) => void touchSession.run(lastSeenAt, expiresAt, tokenHash),
    deleteSession: (tokenHash: string) => deleteSession.run(tokenHash).changes === 1,
    deleteExpiredSessions: (now: string) => deleteExpiredSessions.run(now, now).changes,
    /** Launch sessions die with the process that minted them. */
    deleteStaleLaunchSessions: (currentLaunchId: string) => deleteStaleLaunchSessions.run(currentLaunchId).changes,
    /** After a password change: everyone logs in again. */
    deleteAllSessions: () => deleteAllSessions.run().changes,
    deleteOtherSessions: (keepTokenHash: string) => deleteOtherSessions.run(keepTokenHash).changes,

    getCredentials: credentials,
    setPassword(passwordHash: string, at: string): void {
      ensure(at);
      setPassword.run(passwordHash, at, at);
    },
    /** Stores a new (not yet enabled) sealed TOTP secret, replacing any previous one. */
    setTotpPending(sealed: string, at: string): void {
      ensure(at);
      setTotpPending.run(sealed, at);
    },
    enableTotp: (step: number, at: string) => enableTotp.run(step, at).changes === 1,
    disableTotp(at: string): void {
      ensure(at);
      disableTotp.run(at);
    },
    /** True when `step` is newer than the last accepted one (and now is the last). */
    claimTotpStep: (step: number) => claimTotpStep.run(step, step).changes === 1,

    insertOneTimeToken: (tokenHash: string, createdAt: string, expiresAt: string) => void insertOneTime.run(tokenHash, createdAt, expiresAt),
    /** Marks the token used; true only for the first use of an unexpired token. */
    consumeOneTimeToken: (tokenHash: string, now: string) => consumeOneTime.run(now, tokenHash, now).changes === 1,
    pruneOneTimeTokens: (now: string) => pruneOneTime.run(now).changes,

    recordLoginFailure: (client: string, at: string) => void insertFailure.run(client, at),
    loginFailuresSince(client: string, since: string): { count: number; first: string | null } {
      const row = failuresSince.get(client, since)!;
      return { count: row.n, first: row.first };
    },
    clearLoginFailures: (client: string) => void clearFailures.run(client),
    pruneLoginFailures: (before: string) => void pruneFailures.run(before),

    /** A dashboard setting (JSON), or null when it was never written. */
    getSetting(key: string): unknown {
      const row = getSetting.get(key);
      return row ? (JSON.parse(row.value) as unknown) : null;
    },
    putSetting(key: string, value: unknown, at: string = new Date().toISOString()): void {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError(`setting ${key}: value is not JSON`);
      putSetting.run(key, text, at);
    },
    deleteSetting: (key: string) => deleteSetting.run(key).changes === 1,
  };
}
export type AdminStore = ReturnType<typeof createAdminStore>;
