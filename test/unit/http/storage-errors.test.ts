// A full disk or a read-only database under the merchant API: a 503 in the error envelope naming
// the cause (never a generic 500), nothing half-saved, reads still served, and recovery once the
// disk has room again. The full disk is simulated deterministically with PRAGMA max_page_count.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storageErrorOf, toApiError } from '../../../src-server/http/errors.ts';
import { createMerchantApp } from '../../../src-server/http/merchant-app.ts';
import { defineRoute } from '../../../src-server/http/routes.ts';
import { createApiKeysService } from '../../../src-server/keys/api-keys-service.ts';
import { openDatabase, type Db } from '../../../src-server/storage/db.ts';
import { createStorage, type Storage } from '../../../src-server/storage/index.ts';

const ErrorEnvelope = z.strictObject({
  error: z.strictObject({ type: z.string(), code: z.string(), message: z.string(), param: z.string().nullable() }),
});

function sqliteError(code: string): Error {
  return Object.assign(new Error(`sqlite says ${code}`), { name: 'SqliteError', code });
}

describe('storageErrorOf', () => {
  it.each([
    ['SQLITE_FULL', 'storage_full'],
    ['SQLITE_READONLY', 'storage_read_only'],
    ['SQLITE_READONLY_DBMOVED', 'storage_read_only'],
    ['SQLITE_IOERR_WRITE', 'storage_unavailable'],
    ['SQLITE_IOERR_FSYNC', 'storage_unavailable'],
    ['SQLITE_CANTOPEN', 'storage_unavailable'],
    ['SQLITE_BUSY', 'storage_busy'],
  ])('%s → 503 %s with Retry-After', (code, expected) => {
    const mapped = toApiError(sqliteError(code))!;
    expect(mapped.status).toBe(503);
    expect(mapped.code).toBe(expected);
    expect(mapped.headers['Retry-After']).toMatch(/^\d+$/);
    expect(ErrorEnvelope.safeParse(mapped.toBody()).success).toBe(true);
  });

  it('leaves programming errors (constraint, misuse) and other errors to the generic 500', () => {
    expect(storageErrorOf(sqliteError('SQLITE_CONSTRAINT_UNIQUE'))).toBeNull();
    expect(storageErrorOf(sqliteError('SQLITE_ERROR'))).toBeNull();
    expect(storageErrorOf(new Error('boom'))).toBeNull();
    expect(storageErrorOf(null)).toBeNull();
  });
});

interface Harness {
  url: string;
  key: string;
  db: Db;
  storage: Storage;
  close(): Promise<void>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

/** A merchant app on a real database file, with one route that writes a row and one that reads. */
async function startHarness(opts: { readonlyHandle?: boolean } = {}): Promise<Harness> {
  const file = join(mkdtempSync(join(tmpdir(), 'kassa-storage-errors-')), 'kassa.db');
  const writer = openDatabase(file);
  const writerStorage = createStorage(writer);
  writerStorage.stores.ensure('st_default', 'Default store', new Date().toISOString());
  const { key } = createApiKeysService({ storage: writerStorage, defaultRateLimit: 1000 }).create({ mode: 'test', storeId: 'st_default' });
  // The app runs on the handle under test: the writer itself, or a read-only handle on the same file.
  const db = opts.readonlyHandle ? openDatabase(file, { readonly: true }) : writer;
  const storage = createStorage(db);
  let counter = 0;
  const routes = [
    defineRoute({
      method: 'post', path: '/api/v1/things', operationId: 'createThing', summary: 'write', tag: 'test', scope: 'payment_intents:write',
      body: z.strictObject({ name: z.string().max(20_000) }), response: z.object({ id: z.string() }), envelope: 'data', status: 201,
      handler: ({ body }) => {
        const id = `st_${++counter}_${Date.now()}`;
        storage.transaction(() => storage.stores.ensure(id, (body as { name: string }).name, new Date().toISOString()));
        return { id };
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/things', operationId: 'listThings', summary: 'read', tag: 'test', scope: 'payment_intents:read',
      response: z.object({ count: z.number() }), envelope: 'data', status: 200,
      handler: () => ({ count: storage.stores.list().length }),
    }),
  ];
  const app = createMerchantApp({
    storage,
    apiKeys: createApiKeysService({ storage, defaultRateLimit: 1000 }),
    routes,
    sealer: null,
    logger: pino({ level: 'silent' }),
    metrics: new Registry(),
    health: () => ({ status: 'ok' }),
    version: 'test',
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const h: Harness = {
    url,
    key,
    db,
    storage,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (db !== writer) db.close();
      writer.close();
    },
  };
  harnesses.push(h);
  return h;
}

async function call(h: Harness, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/api/v1/things`, {
    method,
    headers: { authorization: `Bearer ${h.key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/** Fills the database up to its page limit, so the next write that needs a page fails with SQLITE_FULL. */
function fillDisk(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS ballast (x TEXT) STRICT');
  db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 4}`);
  const insert = db.prepare('INSERT INTO ballast VALUES (?)');
  expect(() => {
    for (;;) insert.run('x'.repeat(1000));
  }).toThrow(expect.objectContaining({ code: 'SQLITE_FULL' }));
}

describe('a full disk under the merchant API', () => {
  it('answers 503 storage_full in the error envelope, saves nothing, keeps serving reads, and recovers', async () => {
    const h = await startHarness();
    const before = h.storage.stores.list().length;
    fillDisk(h.db);

    const full = await call(h, 'POST', { name: 'x'.repeat(9000) });
    expect(full.status, JSON.stringify(full.body)).toBe(503);
    expect(ErrorEnvelope.parse(full.body).error).toMatchObject({ type: 'api_error', code: 'storage_full', param: null });
    expect(full.body.error.message).toMatch(/disk is full/);
    expect(full.headers.get('retry-after')).toBe('30');
    expect(h.storage.stores.list().length).toBe(before);

    // Reads still work on a full disk (the API key's last-used stamp is informational and may not be written).
    const read = await call(h, 'GET');
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.data.count).toBe(before);

    // The Idempotency-Key claim is a write too: 503, and the key is not left claimed.
    const idem = await call(h, 'POST', { name: 'y'.repeat(9000) }, { 'Idempotency-Key': 'full-disk-1' });
    expect(idem.status, JSON.stringify(idem.body)).toBe(503);
    expect(idem.body.error.code).toBe('storage_full');

    expect(h.db.pragma('integrity_check', { simple: true })).toBe('ok');

    // Space returns: the same requests succeed, the idempotent one exactly once.
    h.db.exec('DROP TABLE ballast');
    h.db.pragma('max_page_count = 1073741823');
    const created = await call(h, 'POST', { name: 'x'.repeat(9000) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const first = await call(h, 'POST', { name: 'y'.repeat(9000) }, { 'Idempotency-Key': 'full-disk-1' });
    const replay = await call(h, 'POST', { name: 'y'.repeat(9000) }, { 'Idempotency-Key': 'full-disk-1' });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.data.id).toBe(first.body.data.id);
    expect(h.storage.stores.list().length).toBe(before + 2);
    expect(h.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

describe('a read-only database under the merchant API', () => {
  it('answers 503 storage_read_only for writes and keeps serving reads', async () => {
    const h = await startHarness({ readonlyHandle: true });
    const write = await call(h, 'POST', { name: 'z' });
    expect(write.status, JSON.stringify(write.body)).toBe(503);
    expect(ErrorEnvelope.parse(write.body).error).toMatchObject({ type: 'api_error', code: 'storage_read_only', param: null });
    const idem = await call(h, 'POST', { name: 'z' }, { 'Idempotency-Key': 'ro-1' });
    expect(idem.status, JSON.stringify(idem.body)).toBe(503);
    expect(idem.body.error.code).toBe('storage_read_only');
    const read = await call(h, 'GET');
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.data.count).toBe(1);
  });
});
