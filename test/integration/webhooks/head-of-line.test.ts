// No head-of-line blocking (SPEC §7): a shop endpoint that answers slowly holds a few delivery
// slots at most; every other endpoint keeps getting its events at once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';
import { createEndpoint, createIntent, deleteEndpoint, eventOf, expectVerified, startWebhookNode, type WebhookNode } from './webhook-test-kit.ts';

const INTENTS = 20;
const SLOW_MS = 8_000;
/** The design's default per-endpoint concurrency: a slow endpoint may hold at most this many slots. */
const PER_ENDPOINT_CONCURRENCY = 4;

let wh: WebhookNode;
let slow: WebhookReceiver;
let healthy: WebhookReceiver;
/** One shop server with a slow path and a fast path: two endpoints on the same host and port. */
let shared: WebhookReceiver;

beforeAll(async () => {
  // Default concurrency and timeoutMs (10 s): the slow answers come in time, just late.
  [wh, slow, healthy, shared] = await Promise.all([
    startWebhookNode({ jitter: 0 }),
    startWebhookReceiver({ respond: () => ({ status: 200, delayMs: SLOW_MS }) }),
    startWebhookReceiver(),
    startWebhookReceiver({ respond: (req) => (req.path.startsWith('/slow') ? { status: 200, delayMs: SLOW_MS } : { status: 200 }) }),
  ]);
});
afterAll(async () => {
  await Promise.all([wh?.node.stop(), slow?.close(), healthy?.close(), shared?.close()]);
});

async function createIntents(): Promise<Set<string>> {
  const intents = await Promise.all(Array.from({ length: INTENTS }, (_, i) => createIntent(wh.api, `${i + 1}.00`)));
  return new Set(intents.map((intent) => intent.id));
}

/** Distinct intents (of `ids`) the requests carry a created event for. */
const intentsIn = (requests: ReceivedWebhook[], ids: Set<string>) =>
  new Set(requests.map((r) => eventOf(r)?.data.object.id).filter((id) => id !== undefined && ids.has(id)));

it(`a slow endpoint (${SLOW_MS / 1000} s per answer) does not hold back a healthy one`, async () => {
  const slowEndpoint = await createEndpoint(wh.api, { url: slow.url, events: ['payment_intent.created'] });
  const fast = await createEndpoint(wh.api, { url: healthy.url, events: ['payment_intent.created'] });

  const ids = await createIntents();
  const createdAll = Date.now();

  const arrived = await healthy.waitFor(
    (all) => (intentsIn(all, ids).size === INTENTS ? all.filter((r) => ids.has(eventOf(r)?.data.object.id)) : null),
    `all ${INTENTS} payment_intent.created events at the healthy endpoint`,
    3_000,
  );
  const lastArrival = Math.max(...arrived.map((r) => r.receivedAt));
  expect(lastArrival - createdAll).toBeLessThan(3_000);
  for (const req of arrived) expectVerified(req, fast.secret);
  expect(arrived, 'each event exactly once (no double dispatch under load)').toHaveLength(INTENTS);

  // Meanwhile the slow endpoint still has requests hanging, and holds only a few slots.
  expect(slow.received.length).toBeGreaterThan(0);
  expect(slow.unanswered()).toBeGreaterThan(0);
  expect(slow.received.length).toBeLessThanOrEqual(PER_ENDPOINT_CONCURRENCY);
  expect(Date.now() - slow.received[0]!.receivedAt).toBeLessThan(SLOW_MS);

  await deleteEndpoint(wh.api, slowEndpoint.id);
  await deleteEndpoint(wh.api, fast.id);
});

it('two endpoints on the same host and port: the slow path does not hold back the fast one', async () => {
  // A shop often runs several endpoints on one server (one per service, or a slow legacy path):
  // connection pooling per host must not let one endpoint's hanging requests starve another's.
  const base = `http://127.0.0.1:${shared.port}`;
  await createEndpoint(wh.api, { url: `${base}/slow/orders`, events: ['payment_intent.created'] });
  const fast = await createEndpoint(wh.api, { url: `${base}/fast/ledger`, events: ['payment_intent.created'] });

  const ids = await createIntents();
  const createdAll = Date.now();
  const fastPath = (all: ReceivedWebhook[]) => all.filter((r) => r.path === '/fast/ledger');
  const arrived = await shared.waitFor(
    (all) => (intentsIn(fastPath(all), ids).size === INTENTS ? fastPath(all).filter((r) => ids.has(eventOf(r)?.data.object.id)) : null),
    `all ${INTENTS} payment_intent.created events at the fast path of the shared server`,
    3_000,
  );
  expect(Math.max(...arrived.map((r) => r.receivedAt)) - createdAll).toBeLessThan(3_000);
  for (const req of arrived) expectVerified(req, fast.secret);
  expect(shared.unanswered()).toBeGreaterThan(0); // the slow path still hangs
});
