// The default store's settings from config.json change what customers experience.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';

let node: TestNode;
let api: ApiClient;

beforeAll(async () => {
  const home = tempHome();
  node = await startNode({
    home,
    blockTime: 0,
    config: { store: { expiresIn: 600, underpaidToleranceBps: 100, latePaymentPolicy: 'flag', monitoringWindow: 3600 } },
  });
  api = apiClient(node.merchantUrl, await createApiKey(home));
});
afterAll(async () => {
  await node?.stop();
});

it('uses the store expiry and monitoring window', async () => {
  const { body } = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '10.00' });
  const created = Date.parse(body.data.created_at);
  expect(Date.parse(body.data.expires_at) - created).toBe(600_000);
  expect(Date.parse(body.data.monitor_until) - Date.parse(body.data.expires_at)).toBe(3_600_000);
  const custom = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '10.00', expires_in: 120 });
  expect(Date.parse(custom.body.data.expires_at) - Date.parse(custom.body.data.created_at)).toBe(120_000);
});

it('counts a payment within the underpayment tolerance as paid, and one below it as not', async () => {
  const within = (await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '10.00' })).body.data;
  const below = (await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '10.00' })).body.data;
  await api.post(`/api/v1/test-helpers/payment-intents/${within.id}/pay`, { amount: '9.90' });
  await api.post(`/api/v1/test-helpers/payment-intents/${below.id}/pay`, { amount: '9.89' });
  await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 2 });
  expect((await api.get(`/api/v1/payment-intents/${within.id}`)).body.data).toMatchObject({ status: 'paid', exception: null, amount_received: '9.90' });
  expect((await api.get(`/api/v1/payment-intents/${below.id}`)).body.data).toMatchObject({ status: 'pending', amount_received: '9.89', amount_due: '0.11' });
});

it('flags a late stablecoin payment when the store says so', async () => {
  const intent = (await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDC', amount: '4.00' })).body.data;
  expect(intent.late_payment_policy).toBe('flag');
  await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/expire`);
  await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/pay`);
  await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 2 });
  expect((await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data).toMatchObject({ status: 'expired', exception: 'paid_late', amount_received: '4.00' });
});
