// Issue 7 "done when": a test-mode bitcoin intent `{"network":"bitcoin","asset":"BTC","amount":"0.0005"}`
// paid through the test helper is seen at 0-conf and becomes paid after its confirmations, and the
// shop hears both through signed webhooks, verified by the shop's own verifier
// (test/helpers/verify-kassa-signature.ts, written from SPEC §7, nothing imported from src-server).
// The same for a Litecoin intent. The node runs its own Bitcoin and Litecoin devnets here (mining on
// demand), as `kassa serve` does in test mode.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { utxoKit } from '../../helpers/utxo-devnet-control.ts';
import { verifyKassaWebhook, type KassaWebhookEvent } from '../../helpers/verify-kassa-signature.ts';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';

let node: TestNode;
let api: ApiClient;
let shop: WebhookReceiver;
let secret: string;
const btc = utxoKit(() => api, 'bitcoin');
const ltc = utxoKit(() => api, 'litecoin');

const verified = (req: ReceivedWebhook): KassaWebhookEvent => {
  const result = verifyKassaWebhook({ rawBody: req.rawBody, headers: req.headers, secret });
  if (!result.ok) throw new Error(`webhook failed verification: ${result.reason}`);
  return result.event;
};
/** The first request announcing `type` about object `id`. */
const about = (type: string, id: string) => (list: ReceivedWebhook[]) => list.find((r) => r.headers['x-kassa-event-type'] === type && verified(r).data.object.id === id);

beforeAll(async () => {
  const home = tempHome('kassa-btc-webhook-');
  // Webhook signing secrets are sealed under the key store's data key: a passphrase store.
  node = await startNode({
    home,
    blockTime: 0,
    env: { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'test-passphrase' },
    config: { devnet: { bitcoin: { blockTime: 0 }, litecoin: { blockTime: 0 }, tron: { enabled: false } } },
  });
  api = apiClient(node.merchantUrl, await createApiKey(home));
  shop = await startWebhookReceiver();
  const created = await api.post('/api/v1/webhook-endpoints', { url: shop.url, events: ['*'] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  secret = created.body.data.secret;
  expect(secret).toMatch(/^whsec_/);
});
afterAll(async () => {
  await node?.stop();
  await shop?.close();
});

it('a bitcoin intent: payment_detected at 0-conf, then paid, reach the shop signed', async () => {
  const res = await api.post('/api/v1/payment-intents', { network: 'bitcoin', asset: 'BTC', amount: '0.0005', custom_id: 'ORDER-btc-webhook' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const intent = res.body.data;

  const { txid } = await btc.pay(intent.id);
  // No block mined yet: the shop hears of the payment from the mempool.
  const detectedRequest = await shop.waitFor(about('payment_intent.payment_detected', intent.id), 'payment_intent.payment_detected at 0-conf');
  const detected = verified(detectedRequest);
  expect(detected).toMatchObject({ object: 'event', type: 'payment_intent.payment_detected', livemode: false });
  expect(detected.data.object).toMatchObject({
    object: 'payment_intent',
    id: intent.id,
    network: 'bitcoin',
    asset: 'BTC',
    status: 'confirming',
    amount: '0.0005',
    amount_received: '0.0005',
    amount_confirmed: '0',
    receive_address: intent.receive_address,
    custom_id: 'ORDER-btc-webhook',
  });
  expect(detected.data.object.payments).toEqual([expect.objectContaining({ txid, vout: 0, amount: '0.0005', block_number: null, confirmations: 0, status: 'detected' })]);
  expect(about('payment_intent.paid', intent.id)(shop.received)).toBeUndefined();

  const { head: minedIn } = await btc.mine(1);
  await btc.mine(1);
  expect(await btc.get(intent.id)).toMatchObject({ status: 'paid', amount_received: '0.0005' });

  const paidRequest = await shop.waitFor(about('payment_intent.paid', intent.id), 'payment_intent.paid for the bitcoin intent');
  expect(paidRequest.method).toBe('POST');
  const paid = verified(paidRequest);
  expect(paid).toMatchObject({ object: 'event', type: 'payment_intent.paid', livemode: false });
  expect(paid.data.object).toMatchObject({
    id: intent.id,
    status: 'paid',
    exception: null,
    amount_received: '0.0005',
    amount_confirmed: '0.0005',
  });
  expect(paid.data.object.payments).toEqual([expect.objectContaining({ txid, vout: 0, amount: '0.0005', block_number: minedIn, confirmations: 2, status: 'confirmed' })]);
  expect(paid.created_at >= detected.created_at).toBe(true);

  verified(await shop.waitFor(about('payment_intent.created', intent.id), 'payment_intent.created'));
  // Each event once (at least once delivery, but nothing here failed).
  const types = shop.received.filter((r) => verified(r).data.object.id === intent.id).map((r) => r.headers['x-kassa-event-type']);
  expect(types.sort()).toEqual(['payment_intent.created', 'payment_intent.paid', 'payment_intent.payment_detected']);

  // A tampered body fails the same verifier.
  expect(verifyKassaWebhook({ rawBody: paidRequest.rawBody.replace('0.0005', '0.5'), headers: paidRequest.headers, secret })).toMatchObject({ ok: false });
});

it('a litecoin intent: payment_detected at 0-conf, then paid, reach the shop signed', async () => {
  const intent = await ltc.create({ amount: '0.25', custom_id: 'ORDER-ltc-webhook' });
  expect(intent.receive_address).toMatch(/^ltc1q/);
  const { txid } = await ltc.pay(intent.id);
  const detected = verified(await shop.waitFor(about('payment_intent.payment_detected', intent.id), 'payment_intent.payment_detected for the litecoin intent'));
  expect(detected.data.object).toMatchObject({ id: intent.id, network: 'litecoin', asset: 'LTC', status: 'confirming', amount_received: '0.25', amount_confirmed: '0' });
  expect(detected.data.object.payments).toEqual([expect.objectContaining({ txid, block_number: null, confirmations: 0 })]);

  await ltc.mine(2);
  const paid = verified(await shop.waitFor(about('payment_intent.paid', intent.id), 'payment_intent.paid for the litecoin intent'));
  expect(paid.data.object).toMatchObject({ id: intent.id, network: 'litecoin', status: 'paid', exception: null, amount_received: '0.25', amount_confirmed: '0.25', custom_id: 'ORDER-ltc-webhook' });
  expect(paid.data.object.payments).toEqual([expect.objectContaining({ txid, confirmations: 2, status: 'confirmed' })]);
});
