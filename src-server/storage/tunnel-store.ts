import type { Db } from './db.ts';

export interface TunnelSettingsRow {
  enabled: 0 | 1;
  provider: string | null;
  /** JSON object of non-secret options. */
  options: string;
  revision: number;
  updated_at: string;
}

export interface TunnelStatusRow {
  revision: number;
  provider: string | null;
  status: string;
  url: string | null;
  since: string;
  last_error: string | null;
  last_error_at: string | null;
  attempts: number;
  next_retry_at: string | null;
  public_base_url: string | null;
  node_pid: number | null;
  heartbeat_at: string | null;
}

/** The desired tunnel (one row, written by the CLI and the API) and the node's report (one row). */
export function createTunnelStore(db: Db) {
  const getSettings = db.prepare<[], TunnelSettingsRow>('SELECT enabled, provider, options, revision, updated_at FROM tunnel_settings WHERE id = 1');
  const getRevision = db.prepare<[], { revision: number }>('SELECT revision FROM tunnel_settings WHERE id = 1');
  const putSettings = db.prepare(
    `INSERT INTO tunnel_settings (id, enabled, provider, options, revision, updated_at) VALUES (1, @enabled, @provider, @options, 1, @updated_at)
     ON CONFLICT(id) DO UPDATE SET enabled = excluded.enabled, provider = excluded.provider, options = excluded.options,
       revision = tunnel_settings.revision + 1, updated_at = excluded.updated_at`,
  );
  const getStatus = db.prepare<[], TunnelStatusRow>('SELECT * FROM tunnel_status WHERE id = 1');
  const putStatus = db.prepare(
    `INSERT INTO tunnel_status (id, revision, provider, status, url, since, last_error, last_error_at, attempts, next_retry_at, public_base_url, node_pid, heartbeat_at)
     VALUES (1, @revision, @provider, @status, @url, @since, @last_error, @last_error_at, @attempts, @next_retry_at, @public_base_url, @node_pid, @heartbeat_at)
     ON CONFLICT(id) DO UPDATE SET revision = excluded.revision, provider = excluded.provider, status = excluded.status, url = excluded.url,
       since = excluded.since, last_error = excluded.last_error, last_error_at = excluded.last_error_at, attempts = excluded.attempts,
       next_retry_at = excluded.next_retry_at, public_base_url = excluded.public_base_url, node_pid = excluded.node_pid, heartbeat_at = excluded.heartbeat_at`,
  );
  const heartbeat = db.prepare('UPDATE tunnel_status SET heartbeat_at = ? WHERE id = 1 AND node_pid = ?');
  return {
    getSettings: () => getSettings.get() ?? null,
    /** Cheap: what the node polls every second. */
    getRevision: () => getRevision.get()?.revision ?? 0,
    /** Writes the desired tunnel and returns its new revision. */
    putSettings(row: { enabled: 0 | 1; provider: string | null; options: string; updated_at: string }): number {
      putSettings.run(row);
      return getRevision.get()!.revision;
    },
    getStatus: () => getStatus.get() ?? null,
    putStatus: (row: TunnelStatusRow) => void putStatus.run(row),
    heartbeat: (at: string, pid: number) => heartbeat.run(at, pid).changes === 1,
  };
}
export type TunnelStore = ReturnType<typeof createTunnelStore>;
