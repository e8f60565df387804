// Regression (found by test/faults/scenarios/storage-faults.ts): with the disk full, no attempt
// outcome could be committed, the delivery stayed pending and due, and the dispatcher sent the same
// event again at once, hundreds of times a second. Now sending pauses (1 s, doubling to 30 s) while
// outcomes cannot be recorded, and the delivery goes out and is recorded once the disk has room.
// The broken disk is PRAGMA query_only: deterministic, no mount needed.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';
import type { KeyStore } from '../../../src-server/wallet/key-store.ts';
import { createWebhookDispatcher } from '../../../src-server/webhooks/dispatcher.ts';
import { createEventsService } from '../../../src-server/webhooks/events-service.ts';
import { createWebhookEndpointsService } from '../../../src-server/webhooks/webhook-endpoints-service.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

it('a disk that refuses writes pauses sending instead of resending in a tight loop, and the delivery is recorded once space returns', async () => {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'kassa-dispatch-full-')), 'kassa.db'));
  cleanups.push(() => void db.close());
  const storage = createStorage(db);
  storage.stores.ensure('st_default', 'Default store', new Date().toISOString());
  const events = createEventsService(storage);
  const keyStore = { kind: 'passphrase', dataKey: randomBytes(32), describe: () => 'test' } as KeyStore;
  const receiver: WebhookReceiver = await startWebhookReceiver();
  cleanups.push(() => receiver.close());
  const webhooks = createWebhookEndpointsService({ storage, events, keyStore, blockPrivateTargets: false, wakeDispatcher: () => {} });
  const endpoint = await webhooks.create({ storeId: 'st_default', livemode: false }, { url: receiver.url, events: ['*'] });
  const event = storage.transaction(() =>
    events.record({ type: 'payment_intent.paid', storeId: 'st_default', livemode: false, objectType: 'payment_intent', objectId: 'pi_x', object: { object: 'payment_intent', id: 'pi_x' }, at: new Date() }),
  );

  // The database refuses writes from here on (SQLITE_READONLY, as on a read-only or full disk): the
  // attempt's outcome cannot be recorded. (A page limit would not do: the attempt row fits the
  // empty root page of its table.)
  db.pragma('query_only = ON');
  expect(() => db.prepare("INSERT INTO stores (id, name, created_at) VALUES ('st_x', 'x', 'x')").run()).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY' }));

  const dispatcher = createWebhookDispatcher({
    storage,
    events,
    keyStore,
    logger: pino({ level: 'silent' }),
    userAgent: 'test',
    config: { concurrency: 4, perEndpointConcurrency: 2, timeoutMs: 2000, retrySchedule: [60], jitter: 0, disableAfter: 86400, blockPrivateTargets: false, pollIntervalMs: 50 },
  });
  dispatcher.start();
  cleanups.push(() => dispatcher.stop());

  await receiver.waitFor((r) => r.length >= 1, 'the first send');
  const windowStart = Date.now();
  await new Promise((r) => setTimeout(r, 2500));
  const sentInWindow = receiver.received.filter((r) => r.receivedAt >= windowStart).length;
  // Paused 1 s, then 2 s: at most two more sends in 2.5 s (a tight loop sent hundreds).
  expect(sentInWindow).toBeLessThanOrEqual(2);
  const [delivery] = webhooks.listDeliveries({ storeId: 'st_default', livemode: false }, endpoint.id, { limit: 10 }).data;
  expect(delivery).toMatchObject({ event_id: event.id, status: 'pending' });

  // The disk recovers: the next send is recorded as delivered.
  db.pragma('query_only = OFF');
  const deadline = Date.now() + 40_000;
  let status = 'pending';
  while (Date.now() < deadline && status === 'pending') {
    await new Promise((r) => setTimeout(r, 100));
    status = webhooks.listDeliveries({ storeId: 'st_default', livemode: false }, endpoint.id, { limit: 10 }).data[0]!.status;
  }
  expect(status).toBe('succeeded');
  expect(receiver.received.every((r) => r.headers['x-kassa-event-id'] === event.id)).toBe(true);
}, 60_000);
