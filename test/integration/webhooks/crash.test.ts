// At least once across a crash (SPEC §7): the outbox is written with the event, so a node killed
// with SIGKILL — while deliveries wait for a retry, or while one is on the wire — sends every event
// after it is started again on the same home. The shop's endpoint keeps its URL throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';
import { apiClient, createApiKey, eventually, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { closedLoopbackPort } from '../../helpers/rpc-proxy.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';
import { createEndpoint, createIntent, deliveriesOfEvent, deliveryWithStatus, eventIdOf, eventsOfObject, expectVerified, KEY_STORE_ENV, listDeliveries } from './webhook-test-kit.ts';

const INTENTS = 5;
// Retries every second for a while: long enough that nothing gives up before the restart.
const WEBHOOKS = { retrySchedule: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], jitter: 0, timeoutMs: 5_000 };

let devnet: TestDevnet;
let home: string;
let key: string;
let node: TestNode | null = null;
let api: ApiClient;
const receivers: WebhookReceiver[] = [];

/** The node on the shared home (an external devnet, so a SIGKILL leaves no orphaned anvil state behind). */
async function startOnHome(): Promise<void> {
  node = await startNode({ home, devnetRpc: devnet.rpcUrl, env: { ...KEY_STORE_ENV }, config: { webhooks: WEBHOOKS } });
  api = apiClient(node.merchantUrl, key); // new ports; the key lives in the database
}

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTime: 0 });
  home = tempHome('kassa-webhooks-crash-');
  key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
  await startOnHome();
});
afterAll(async () => {
  await node?.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await devnet?.stop();
});

describe('crash safety', () => {
  it('events waiting for a retry when the node is killed all arrive after the restart', async () => {
    // The shop is down: nothing listens on its port yet.
    const port = await closedLoopbackPort();
    const url = `http://127.0.0.1:${port}/webhooks/kassa`;
    const ep = await createEndpoint(api, { url, events: ['payment_intent.created'] });
    const intents = [];
    for (let i = 0; i < INTENTS; i++) intents.push(await createIntent(api, `${20 + i}.00`));
    const eventIds: string[] = [];
    for (const intent of intents) {
      const [event] = await eventsOfObject(api, intent.id);
      expect(event.type).toBe('payment_intent.created');
      eventIds.push(event.id);
    }
    // Every delivery has failed at least once (connection refused) and waits for its retry.
    const waiting = await eventually(async () => {
      const all = await listDeliveries(api, ep.id);
      return all.length === INTENTS && all.every((d) => d.status === 'pending' && d.attempt_count >= 1) ? all : null;
    }, 'every delivery to have failed once and be pending');
    for (const d of waiting) {
      expect(d.attempts[0]).toMatchObject({ outcome: 'failed', response: null });
      expect(typeof d.attempts[0].error).toBe('string');
    }

    await node!.kill();
    const shop = await startWebhookReceiver({ port });
    receivers.push(shop);
    expect(shop.url).toBe(url);
    await startOnHome();

    await shop.waitFor(
      (all) => eventIds.every((id) => all.some((r) => eventIdOf(r) === id)),
      `all ${INTENTS} events created before the kill`,
      30_000,
    );
    for (const req of shop.received) expectVerified(req, ep.secret);
    for (const id of eventIds) await deliveryWithStatus(api, ep.id, id, 'succeeded');
  });

  it('an event on the wire when the node is killed is sent again after the restart', async () => {
    // The shop hangs on the first request (the node is killed before it answers), then answers 200.
    const shop = await startWebhookReceiver({ respond: (_req, nth) => (nth === 1 ? { delayMs: 120_000 } : { status: 200 }) });
    receivers.push(shop);
    const ep = await createEndpoint(api, { url: shop.url, events: ['payment_intent.created'] });
    const intent = await createIntent(api, '30.00');
    const [onTheWire] = await shop.waitFor((all) => (all.length >= 1 ? all : null), 'the first request');
    const eventId = eventIdOf(onTheWire!)!;
    expect(expectVerified(onTheWire!, ep.secret).data.object.id).toBe(intent.id);
    expect(shop.unanswered()).toBe(1);

    await node!.kill();
    await startOnHome();

    const again = await shop.waitFor((all) => { const m = all.filter((r) => eventIdOf(r) === eventId); return m.length >= 2 ? m : null; }, 'the same event again after the restart', 40_000);
    expect(again[1]!.rawBody).toBe(onTheWire!.rawBody);
    expectVerified(again[1]!, ep.secret);
    const delivery = await deliveryWithStatus(api, ep.id, eventId, 'succeeded');
    expect(delivery.attempts.at(-1)).toMatchObject({ outcome: 'succeeded', response: { status: 200 } });
    expect(await deliveriesOfEvent(api, ep.id, eventId)).toHaveLength(1);
  });
});
