import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class DatabaseTooNewError extends Error {
  constructor(dbVersion: number, codeVersion: number) {
    super(
      `This database is at schema version ${dbVersion}, but this Kassa only knows up to ${codeVersion}. ` +
        'It was written by a newer Kassa: upgrade Kassa, or restore a backup made by this version.',
    );
    this.name = 'DatabaseTooNewError';
  }
}

/** Numbered files `NNNN-name.sql`, in order; a gap or a duplicate number is a build error. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name}: expected number ${i + 1}`);
  });
  return migrations;
}

/** Applies every pending migration in one transaction; refuses a database from the future. */
export function migrate(db: Db, migrations: Migration[] = loadMigrations()): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (from > latest) throw new DatabaseTooNewError(from, latest);
  if (from === latest) return { from, to: from };
  db.transaction(() => {
    for (const m of migrations.slice(from)) db.exec(m.sql);
    db.pragma(`user_version = ${latest}`);
  }).immediate();
  return { from, to: latest };
}

export interface OpenOptions {
  readonly?: boolean;
  migrations?: Migration[];
}

/** Opens (and migrates) the node's database: WAL, synchronous=FULL (money moves here), foreign keys on. */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const db = new Database(file, { readonly: opts.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (!opts.readonly) {
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
  db.pragma('foreign_keys = ON');
  if (!opts.readonly) migrate(db, opts.migrations);
  return db;
}

/** SQLite's online backup API: a consistent copy while the node keeps running. */
export async function backupDatabase(db: Db, destination: string): Promise<void> {
  await db.backup(destination);
}
