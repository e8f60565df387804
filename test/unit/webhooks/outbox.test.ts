// The outbox is written in the event's own transaction: it commits and rolls back with it, and only
// endpoints that subscribe (and are enabled) get a row.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src-server/storage/db.ts';
import { createStorage, type Storage } from '../../../src-server/storage/index.ts';
import type { KeyStore } from '../../../src-server/wallet/key-store.ts';
import { createEventsService, type EventsService } from '../../../src-server/webhooks/events-service.ts';
import { createWebhookEndpointsService, liveSigningSecrets } from '../../../src-server/webhooks/webhook-endpoints-service.ts';

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

const caller = { storeId: 'st_default', livemode: false };
const keyStore = { kind: 'passphrase', dataKey: randomBytes(32), describe: () => 'test' } as KeyStore;

function setup(clock: () => Date = () => new Date()) {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'kassa-outbox-')), 'kassa.db'));
  dbs.push(db);
  const storage = createStorage(db);
  storage.stores.ensure('st_default', 'Default store', new Date().toISOString());
  const events = createEventsService(storage);
  let wakes = 0;
  const webhooks = createWebhookEndpointsService({ storage, events, keyStore, blockPrivateTargets: false, wakeDispatcher: () => void wakes++, clock });
  return { storage, events, webhooks, wakes: () => wakes };
}

function record(storage: Storage, events: EventsService, type: 'payment_intent.created' | 'payment_intent.paid', livemode = false) {
  return storage.transaction(() =>
    events.record({ type, storeId: 'st_default', livemode, objectType: 'payment_intent', objectId: 'pi_x', object: { object: 'payment_intent', id: 'pi_x' }, at: new Date() }),
  );
}

describe('outbox', () => {
  it('one delivery per subscribed, enabled endpoint of the same mode', async () => {
    const { storage, events, webhooks } = setup();
    const all = await webhooks.create(caller, { url: 'http://127.0.0.1:9/a', events: ['*'] });
    const paidOnly = await webhooks.create(caller, { url: 'http://127.0.0.1:9/b', events: ['payment_intent.paid'] });
    const off = await webhooks.create(caller, { url: 'http://127.0.0.1:9/c', events: ['*'], enabled: false });
    const live = await webhooks.create({ ...caller, livemode: true }, { url: 'http://127.0.0.1:9/d', events: ['*'] });
    const created = record(storage, events, 'payment_intent.created');
    const paid = record(storage, events, 'payment_intent.paid');
    const ids = (endpoint: string) => webhooks.listDeliveries(caller, endpoint, { limit: 100 }).data.map((d) => d.event_id);
    expect(ids(all.id)).toEqual([paid.id, created.id]);
    expect(ids(paidOnly.id)).toEqual([paid.id]);
    expect(ids(off.id)).toEqual([]);
    expect(webhooks.listDeliveries({ ...caller, livemode: true }, live.id, { limit: 100 }).data).toEqual([]);
  });

  it('a rolled-back transaction leaves neither the event nor its deliveries', async () => {
    const { storage, events, webhooks } = setup();
    const endpoint = await webhooks.create(caller, { url: 'http://127.0.0.1:9/a', events: ['*'] });
    expect(() =>
      storage.transaction(() => {
        record(storage, events, 'payment_intent.created');
        throw new Error('the state change failed');
      }),
    ).toThrow('the state change failed');
    events.discardPending();
    expect(events.list(caller, { limit: 10 }).data).toEqual([]);
    expect(webhooks.listDeliveries(caller, endpoint.id, { limit: 10 }).data).toEqual([]);
  });

  it('deleting an endpoint takes its queued deliveries with it', async () => {
    const { storage, events, webhooks } = setup();
    const endpoint = await webhooks.create(caller, { url: 'http://127.0.0.1:9/a', events: ['*'] });
    record(storage, events, 'payment_intent.created');
    expect(webhooks.remove(caller, endpoint.id)).toEqual({ object: 'webhook_endpoint', id: endpoint.id, deleted: true });
    expect(storage.webhooks.allEnabledEndpoints()).toEqual([]);
    expect(storage.db.prepare('SELECT COUNT(*) AS n FROM webhook_deliveries').get()).toEqual({ n: 0 });
    expect(() => webhooks.get(caller, endpoint.id)).toThrow(/No such webhook_endpoint/);
  });

  it('a test event goes to its endpoint only', async () => {
    const { events, webhooks } = setup();
    const a = await webhooks.create(caller, { url: 'http://127.0.0.1:9/a', events: ['*'] });
    const b = await webhooks.create(caller, { url: 'http://127.0.0.1:9/b', events: ['*'] });
    const delivery = webhooks.sendTest(caller, a.id);
    expect(delivery).toMatchObject({ object: 'webhook_delivery', endpoint_id: a.id, event_type: 'test.webhook', status: 'pending', attempt_count: 0 });
    expect(webhooks.listDeliveries(caller, b.id, { limit: 10 }).data).toEqual([]);
    expect(events.get(caller, delivery.event_id).data.object).toMatchObject({ object: 'webhook_endpoint', id: a.id });
    expect(JSON.stringify(events.get(caller, delivery.event_id))).not.toContain('whsec_');
  });
});

describe('secrets', () => {
  it('are shown once, stored sealed, and both sign during a rotation window', async () => {
    let now = new Date('2026-05-29T12:00:00Z');
    const { storage, webhooks } = setup(() => now);
    const created = await webhooks.create(caller, { url: 'http://127.0.0.1:9/a', events: ['*'] });
    expect(created.secret).toMatch(/^whsec_/);
    expect(webhooks.get(caller, created.id)).not.toHaveProperty('secret');
    const row = storage.webhooks.getEndpoint(created.id)!;
    expect(row.secret_sealed).not.toContain(created.secret!.slice(6));
    expect(liveSigningSecrets(row, keyStore, now)).toEqual([created.secret]);

    const rotated = webhooks.rotateSecret(caller, created.id, { expiresIn: 3600 });
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previous_secret_expires_at).toBe('2026-05-29T13:00:00Z');
    expect(liveSigningSecrets(storage.webhooks.getEndpoint(created.id)!, keyStore, now)).toEqual([rotated.secret, created.secret]);
    now = new Date('2026-05-29T13:00:01Z');
    expect(liveSigningSecrets(storage.webhooks.getEndpoint(created.id)!, keyStore, now)).toEqual([rotated.secret]);
    expect(webhooks.get(caller, created.id).previous_secret_expires_at).toBeNull();

    const immediate = webhooks.rotateSecret(caller, created.id, { expiresIn: 0 });
    expect(liveSigningSecrets(storage.webhooks.getEndpoint(created.id)!, keyStore, now)).toEqual([immediate.secret]);
  });

  it('without a key store, endpoints cannot be created', async () => {
    const { storage, events } = setup();
    const none = { kind: 'none', dataKey: null, describe: () => 'none' } as KeyStore;
    const webhooks = createWebhookEndpointsService({ storage, events, keyStore: none, blockPrivateTargets: false, wakeDispatcher: () => {} });
    await expect(webhooks.create(caller, { url: 'http://127.0.0.1:9/a', events: ['*'] })).rejects.toMatchObject({ status: 409, code: 'key_store_unavailable' });
  });
});

describe('validation', () => {
  it('names the field at fault', async () => {
    const { webhooks } = setup();
    await expect(webhooks.create(caller, { url: 'ftp://x/y', events: ['*'] })).rejects.toMatchObject({ status: 400, param: 'url' });
    await expect(webhooks.create(caller, { url: 'http://x/y', events: [] })).rejects.toMatchObject({ status: 400, param: 'events' });
    await expect(webhooks.create(caller, { url: 'http://x/y', events: ['payment_intent.paid', 'nope'] })).rejects.toMatchObject({ status: 400, param: 'events[1]' });
    await expect(webhooks.create(caller, { url: 'http://x/y', events: ['*'], format: 'xml' })).rejects.toMatchObject({ status: 400, param: 'format' });
    const ok = await webhooks.create(caller, { url: 'http://x/y', events: ['payment_intent.paid', '*'] });
    expect(ok.events).toEqual(['*']);
  });

  it('live mode with blockPrivateTargets refuses private targets; test mode does not', async () => {
    const { storage, events } = setup();
    const guarded = createWebhookEndpointsService({ storage, events, keyStore, blockPrivateTargets: true, wakeDispatcher: () => {}, resolve: async () => ['192.168.1.20'] });
    await expect(guarded.create({ ...caller, livemode: true }, { url: 'https://shop.lan/hook', events: ['*'] })).rejects.toMatchObject({ status: 400, code: 'url_private_target', param: 'url' });
    await expect(guarded.create({ ...caller, livemode: true }, { url: 'http://127.0.0.1:3000/hook', events: ['*'] })).rejects.toMatchObject({ code: 'url_private_target' });
    expect((await guarded.create(caller, { url: 'http://127.0.0.1:3000/hook', events: ['*'] })).url).toBe('http://127.0.0.1:3000/hook');
  });
});

describe('transactionWithoutSync', () => {
  it('relaxes the disk sync for its own commit only, also when it throws', () => {
    const { storage } = setup();
    const level = () => storage.db.pragma('synchronous', { simple: true });
    expect(level()).toBe(2); // FULL
    let inside: unknown;
    storage.transactionWithoutSync(() => {
      inside = level();
    });
    expect(inside).toBe(1); // NORMAL
    expect(level()).toBe(2);
    expect(() => storage.transactionWithoutSync(() => { throw new Error('boom'); })).toThrow('boom');
    expect(level()).toBe(2);
  });
});
