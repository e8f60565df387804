// Shared address + unique amount (SPEC §4, opt-in per store and network): one receiving address,
// and the exact amount tells the node which intent a transfer pays.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEVNET_FAUCET, devnetPay } from '../../../src-server/chains/devnet/devnet.ts';
import { apiClient, createApiKey, runCli, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';

let node: TestNode;
let api: ApiClient;

beforeAll(async () => {
  const home = tempHome();
  node = await startNode({ home, blockTime: 0, config: { store: { sharedAddressNetworks: ['devnet'], monitoringWindow: 0 } } });
  api = apiClient(node.merchantUrl, await createApiKey(home));
});
afterAll(async () => {
  await node?.stop();
});

const create = async (body: Record<string, unknown>) => {
  const res = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
};
const get = async (id: string) => (await api.get(`/api/v1/payment-intents/${id}`)).body.data;
const mine = (blocks: number) => api.post('/api/v1/test-helpers/devnet/mine', { blocks });

it('gives intents of the same amount one address and distinct pay amounts, and credits each by its amount', async () => {
  const a = await create({ amount: '50.00' });
  const b = await create({ amount: '50.00' });
  const c = await create({ amount: '50.00' });
  expect(new Set([a.receive_address, b.receive_address, c.receive_address]).size).toBe(1);
  expect([a.address_mode, b.address_mode, c.address_mode]).toEqual(['shared', 'shared', 'shared']);
  expect([a.amount, b.amount, c.amount]).toEqual(['50.00', '50.00', '50.00']);
  expect([a.pay_amount, b.pay_amount, c.pay_amount]).toEqual(['50.00', '50.0001', '50.0002']);
  expect(b.payment_uri).toContain('uint256=50000100');

  // Pay b and c (the test helper pays exactly the pay_amount), not a.
  await api.post(`/api/v1/test-helpers/payment-intents/${c.id}/pay`);
  await api.post(`/api/v1/test-helpers/payment-intents/${b.id}/pay`);
  await mine(2);
  expect(await get(a.id)).toMatchObject({ status: 'pending', amount_received: '0' });
  expect(await get(b.id)).toMatchObject({ status: 'paid', amount_received: '50.0001' });
  expect(await get(c.id)).toMatchObject({ status: 'paid', amount_received: '50.0002' });
});

it('credits nobody for an amount that matches no open intent (never the wrong order)', async () => {
  const d = await create({ amount: '20.00' });
  const devnet = (await api.get('/healthz')).body.devnet;
  // A customer sends 19.99 instead of 20.00 from their own wallet.
  await devnetPay({ rpcUrl: devnet.rpc_url, from: DEVNET_FAUCET, to: d.receive_address, token: d.token_contract, amount: 19_990_000n });
  await mine(2);
  expect(await get(d.id)).toMatchObject({ status: 'pending', amount_received: '0' });
  // Not lost: the operator finds it.
  const { stdout } = await runCli(node.home, ['transfers', 'unattributed', '--json']);
  expect(JSON.parse(stdout)).toMatchObject([{ chain: 'devnet', mode: 'test', reason: 'amount_mismatch', amount_base_units: '19990000', to: d.receive_address.toLowerCase(), status: 'seen' }]);
});

it('frees an amount once its intent is no longer watched', async () => {
  const e = await create({ amount: '7.00' });
  const f = await create({ amount: '7.00' });
  expect([e.pay_amount, f.pay_amount]).toEqual(['7.00', '7.0001']);
  // With no monitoring window, an expired intent stops being watched at once.
  await api.post(`/api/v1/test-helpers/payment-intents/${e.id}/expire`);
  const g = await create({ amount: '7.00' });
  expect(g.pay_amount).toBe('7.00');
});

it('keeps networks that are not opted in on an address per payment', async () => {
  const bsc1 = await create({ network: 'bsc', amount: '5.00' });
  const bsc2 = await create({ network: 'bsc', amount: '5.00' });
  expect([bsc1.address_mode, bsc2.address_mode]).toEqual(['unique', 'unique']);
  expect(bsc1.receive_address).not.toBe(bsc2.receive_address);
  expect([bsc1.pay_amount, bsc2.pay_amount]).toEqual(['5.00', '5.00']);
});
