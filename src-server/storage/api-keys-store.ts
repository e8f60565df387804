import type { Db } from './db.ts';

export interface ApiKeyRow {
  id: string;
  store_id: string;
  livemode: 0 | 1;
  key_hash: string;
  key_hint: string;
  name: string | null;
  scopes: string;
  rate_limit: number | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function createApiKeysStore(db: Db) {
  const insertKey = db.prepare(
    `INSERT INTO api_keys (id, store_id, livemode, key_hash, key_hint, name, scopes, rate_limit, created_at)
     VALUES (@id, @store_id, @livemode, @key_hash, @key_hint, @name, @scopes, @rate_limit, @created_at)`,
  );
  const byHash = db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE key_hash = ?');
  const byId = db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?');
  const all = db.prepare<[], ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id');
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  return {
    insert: (row: Omit<ApiKeyRow, 'last_used_at' | 'revoked_at'>) => void insertKey.run(row),
    findByHash: (hash: string) => byHash.get(hash) ?? null,
    get: (id: string) => byId.get(id) ?? null,
    list: () => all.all(),
    revoke: (id: string, at: string) => revoke.run(at, id).changes === 1,
    touchLastUsed: (id: string, at: string) => void touch.run(at, id),
  };
}
export type ApiKeysStore = ReturnType<typeof createApiKeysStore>;
