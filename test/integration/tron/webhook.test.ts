// Issue 6 "done when": a test-mode tron USDT intent paid through the test helper becomes paid after
// the required confirmations, with its webhook — signed, and verified by the shop's own verifier
// (test/helpers/verify-kassa-signature.ts, written from SPEC §7, nothing imported from src-server).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TRON_DEVNET_FAUCET } from '../../../src-server/chains/devnet/tron/tron-devnet-accounts.ts';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { tronKit } from '../../helpers/tron-devnet-control.ts';
import { verifyKassaWebhook, type KassaWebhookEvent } from '../../helpers/verify-kassa-signature.ts';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';

let node: TestNode;
let api: ApiClient;
let shop: WebhookReceiver;
const tron = tronKit(() => api);

beforeAll(async () => {
  const home = tempHome('kassa-tron-webhook-');
  // Webhook signing secrets are sealed under the key store's data key: a passphrase store.
  node = await startNode({ home, blockTime: 0, env: { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'test-passphrase' } });
  api = apiClient(node.merchantUrl, await createApiKey(home));
  shop = await startWebhookReceiver();
});
afterAll(async () => {
  await node?.stop();
  await shop?.close();
});

it('a paid tron USDT intent: created, payment_detected and paid reach the shop, signed', async () => {
  const created = await api.post('/api/v1/webhook-endpoints', { url: shop.url, events: ['*'] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const secret: string = created.body.data.secret;
  expect(secret).toMatch(/^whsec_/);

  const intent = await tron.create({ amount: '10.00', custom_id: 'ORDER-tron-webhook' });
  const { txid } = await tron.pay(intent.id);
  await tron.mine(1);
  await tron.mine(1);
  expect(await tron.get(intent.id)).toMatchObject({ status: 'paid', amount_received: '10.00' });

  const verified = (req: ReceivedWebhook): KassaWebhookEvent => {
    const result = verifyKassaWebhook({ rawBody: req.rawBody, headers: req.headers, secret });
    if (!result.ok) throw new Error(`webhook failed verification: ${result.reason}`);
    return result.event;
  };
  const about = (type: string) => (list: ReceivedWebhook[]) => list.find((r) => r.headers['x-kassa-event-type'] === type && verified(r).data.object.id === intent.id);

  const paidRequest = await shop.waitFor(about('payment_intent.paid'), 'payment_intent.paid for the tron intent');
  expect(paidRequest.method).toBe('POST');
  const paid = verified(paidRequest);
  expect(paid).toMatchObject({ object: 'event', type: 'payment_intent.paid', livemode: false });
  expect(paid.data.object).toMatchObject({
    object: 'payment_intent',
    id: intent.id,
    network: 'tron',
    asset: 'USDT',
    status: 'paid',
    exception: null,
    amount: '10.00',
    amount_received: '10.00',
    amount_confirmed: '10.00',
    receive_address: intent.receive_address,
    custom_id: 'ORDER-tron-webhook',
  });
  expect(paid.data.object.payments).toEqual([
    expect.objectContaining({ txid, from: TRON_DEVNET_FAUCET.address, amount: '10.00', status: 'confirmed', confirmations: 2, log_index: 0 }),
  ]);

  // The earlier events of the intent came too, each verifiable.
  const detected = verified(await shop.waitFor(about('payment_intent.payment_detected'), 'payment_intent.payment_detected'));
  expect(detected.data.object).toMatchObject({ id: intent.id, status: 'confirming', amount_received: '10.00', amount_confirmed: '0' });
  verified(await shop.waitFor(about('payment_intent.created'), 'payment_intent.created'));

  // A tampered body fails the same verifier.
  expect(verifyKassaWebhook({ rawBody: paidRequest.rawBody.replace('10.00', '99.00'), headers: paidRequest.headers, secret })).toMatchObject({ ok: false });
});
