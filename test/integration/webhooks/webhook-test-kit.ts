// What the webhook integration files share: a node with a key store (webhook secrets are sealed),
// a compressed retry schedule, and the few API calls a shop's backend makes around its endpoints.
import { expect } from 'vitest';
import { apiClient, createApiKey, eventually, startNode, tempHome, type ApiClient, type StartNodeOptions, type TestNode } from '../../helpers/node.ts';
import { verifyKassaWebhook, type KassaWebhookEvent } from '../../helpers/verify-kassa-signature.ts';
import type { ReceivedWebhook } from '../../helpers/webhook-receiver.ts';

/** Webhook signing secrets are sealed under the key store's data key: a passphrase store for tests. */
export const KEY_STORE_ENV = { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'test-passphrase' } as const;

export interface WebhookNode {
  node: TestNode;
  home: string;
  key: string;
  api: ApiClient;
}

/** A node on a fresh home with `webhooks` config, an on-demand devnet and an unlimited test key. */
export async function startWebhookNode(webhooks: Record<string, unknown>, extra: Partial<StartNodeOptions> = {}): Promise<WebhookNode> {
  const home = extra.home ?? tempHome('kassa-webhooks-');
  const node = await startNode({
    blockTime: 0,
    ...extra,
    home,
    env: { ...KEY_STORE_ENV, ...extra.env },
    config: { ...extra.config, webhooks },
  });
  const key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
  return { node, home, key, api: apiClient(node.merchantUrl, key) };
}

export interface CreatedEndpoint {
  id: string;
  secret: string;
  [field: string]: any;
}

export async function createEndpoint(api: ApiClient, body: Record<string, unknown>): Promise<CreatedEndpoint> {
  const res = await api.post('/api/v1/webhook-endpoints', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.data.secret, 'create shows the secret once').toMatch(/^whsec_/);
  return res.body.data as CreatedEndpoint;
}

export async function deleteEndpoint(api: ApiClient, id: string): Promise<void> {
  const res = await api.call('DELETE', `/api/v1/webhook-endpoints/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function getEndpoint(api: ApiClient, id: string): Promise<any> {
  const res = await api.get(`/api/v1/webhook-endpoints/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

export async function createIntent(api: ApiClient, amount = '25.00'): Promise<any> {
  const res = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

export async function payAndConfirm(api: ApiClient, intentId: string): Promise<void> {
  const paid = await api.post(`/api/v1/test-helpers/payment-intents/${intentId}/pay`, {});
  expect(paid.status, JSON.stringify(paid.body)).toBe(200);
  const mined = await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 2 });
  expect(mined.status, JSON.stringify(mined.body)).toBe(200);
}

/** Every delivery of an endpoint (walks the cursor), newest first as the API lists them. */
export async function listDeliveries(api: ApiClient, endpointId: string, query = ''): Promise<any[]> {
  const all: any[] = [];
  let cursor: string | null = null;
  do {
    const res = await api.get(`/api/v1/webhook-endpoints/${endpointId}/deliveries?limit=100${query}${cursor ? `&starting_after=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.object).toBe('list');
    all.push(...res.body.data);
    cursor = res.body.has_more ? res.body.next_cursor : null;
  } while (cursor);
  return all;
}

/** The endpoint's deliveries of one event. */
export async function deliveriesOfEvent(api: ApiClient, endpointId: string, eventId: string): Promise<any[]> {
  return listDeliveries(api, endpointId, `&event_id=${encodeURIComponent(eventId)}`);
}

/** Waits until the endpoint's delivery of the event has the status, and returns it. */
export async function deliveryWithStatus(api: ApiClient, endpointId: string, eventId: string, status: 'pending' | 'succeeded' | 'failed', timeoutMs = 20_000): Promise<any> {
  return eventually(
    async () => {
      const found = await deliveriesOfEvent(api, endpointId, eventId);
      return found.length > 0 && found.every((d) => d.status === status) ? found[0] : null;
    },
    `the delivery of ${eventId} to ${endpointId} to be ${status}`,
    timeoutMs,
  );
}

/** Every event of one object (payment intent, endpoint …), via the events API. */
export async function eventsOfObject(api: ApiClient, objectId: string): Promise<any[]> {
  const res = await api.get(`/api/v1/events?limit=100&object_id=${encodeURIComponent(objectId)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

/** A header by name in any casing (delivery logs may keep the sender's casing). */
export function headerOf(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export const eventIdOf = (req: ReceivedWebhook): string | undefined => req.headers['x-kassa-event-id'];
export const eventTypeOf = (req: ReceivedWebhook): string | undefined => req.headers['x-kassa-event-type'];

/** The native-format event a request carries, or undefined if the body is not JSON. */
export function eventOf(req: ReceivedWebhook): KassaWebhookEvent | undefined {
  try {
    return JSON.parse(req.rawBody) as KassaWebhookEvent;
  } catch {
    return undefined;
  }
}

/** Requests carrying events about one object (by the body's data.object.id). */
export const requestsAbout = (received: ReceivedWebhook[], objectId: string): ReceivedWebhook[] =>
  received.filter((r) => eventOf(r)?.data?.object?.id === objectId);

/** Asserts the request verifies with the shop's independent verifier and returns its event. */
export function expectVerified(req: ReceivedWebhook, secret: string): KassaWebhookEvent {
  const result = verifyKassaWebhook({ rawBody: req.rawBody, headers: req.headers, secret });
  expect(result, `signature of ${eventTypeOf(req)} ${eventIdOf(req)}: ${JSON.stringify(req.headers)}`).toMatchObject({ ok: true });
  return (result as { ok: true; event: KassaWebhookEvent }).event;
}

/** The sha256= entries of X-Kassa-Signature. */
export const signatureEntries = (req: ReceivedWebhook): string[] =>
  (req.headers['x-kassa-signature'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
