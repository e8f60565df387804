import type { Db } from './db.ts';

export interface IdempotencyRow {
  api_key_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  state: 'in_progress' | 'done';
  status_code: number | null;
  response_body: string | null;
  created_at: string;
}

export function createIdempotencyStore(db: Db) {
  const get = db.prepare<[string, string], IdempotencyRow>(
    'SELECT * FROM idempotency_keys WHERE api_key_id = ? AND key = ?',
  );
  const claim = db.prepare(
    `INSERT INTO idempotency_keys (api_key_id, key, method, path, request_hash, state, created_at)
     VALUES (@api_key_id, @key, @method, @path, @request_hash, 'in_progress', @created_at) ON CONFLICT DO NOTHING`,
  );
  const finish = db.prepare(
    `UPDATE idempotency_keys SET state = 'done', status_code = ?, response_body = ? WHERE api_key_id = ? AND key = ?`,
  );
  const release = db.prepare(`DELETE FROM idempotency_keys WHERE api_key_id = ? AND key = ? AND state = 'in_progress'`);
  const expire = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
  return {
    get: (apiKeyId: string, key: string) => get.get(apiKeyId, key) ?? null,
    /** True when this request now owns the key; false when a row already exists. */
    claim: (row: Omit<IdempotencyRow, 'state' | 'status_code' | 'response_body'>) => claim.run(row).changes === 1,
    finish: (apiKeyId: string, key: string, status: number, body: string) => void finish.run(status, body, apiKeyId, key),
    release: (apiKeyId: string, key: string) => void release.run(apiKeyId, key),
    expireBefore: (cutoff: string) => expire.run(cutoff).changes,
  };
}
export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
