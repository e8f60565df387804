import type { Db } from './db.ts';

/** Sealed (encrypted) secrets only; sealing happens in wallet/secret-box before anything reaches here. */
export function createSecretsStore(db: Db) {
  const get = db.prepare<[string], { sealed: string }>('SELECT sealed FROM secrets WHERE name = ?');
  const put = db.prepare('INSERT INTO secrets (name, sealed, created_at) VALUES (?, ?, ?)');
  const del = db.prepare('DELETE FROM secrets WHERE name = ?');
  return {
    getSealed: (name: string) => get.get(name)?.sealed ?? null,
    putSealed: (name: string, sealed: string, createdAt: string) => void put.run(name, sealed, createdAt),
    delete: (name: string) => del.run(name).changes === 1,
  };
}
export type SecretsStore = ReturnType<typeof createSecretsStore>;
