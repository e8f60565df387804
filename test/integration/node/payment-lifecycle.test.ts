// SPEC §6 end to end: real anvil, real node process, real HTTP. Mining is on demand, so every
// confirmation count below is exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createApiKey, eventually, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';

let node: TestNode;
let api: ApiClient;

async function createIntent(body: Record<string, unknown>) {
  const res = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}
const pay = async (id: string, amount?: string) => {
  const res = await api.post(`/api/v1/test-helpers/payment-intents/${id}/pay`, amount === undefined ? {} : { amount });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
};
const mine = async (blocks: number) => {
  const res = await api.post('/api/v1/test-helpers/devnet/mine', { blocks });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
};
const get = async (id: string) => (await api.get(`/api/v1/payment-intents/${id}`)).body.data;

beforeAll(async () => {
  const home = tempHome();
  node = await startNode({ home, blockTime: 0 });
  api = apiClient(node.merchantUrl, await createApiKey(home));
});
afterAll(async () => {
  await node?.stop();
});

describe('payment intent lifecycle on the devnet', () => {
  it('exact payment: pending → confirming (1/2) → paid after the required confirmations', async () => {
    const intent = await createIntent({ amount: '25.00', custom_id: 'ORDER-exact' });
    expect(intent).toMatchObject({ status: 'pending', amount: '25.00', pay_amount: '25.00', amount_received: '0', confirmations_required: 2 });
    expect(intent.receive_address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(intent.payment_uri).toContain(`address=${intent.receive_address}&uint256=25000000`);

    const { txid } = await pay(intent.id);
    await mine(1);
    let seen = await get(intent.id);
    expect(seen.status).toBe('confirming');
    expect(seen.amount_received).toBe('25.00');
    expect(seen.amount_confirmed).toBe('0');
    expect(seen.payments).toHaveLength(1);
    expect(seen.payments[0]).toMatchObject({ txid, amount: '25.00', confirmations: 1, status: 'detected' });

    await mine(1);
    seen = await get(intent.id);
    expect(seen).toMatchObject({ status: 'paid', exception: null, amount_received: '25.00', amount_confirmed: '25.00', amount_due: '0' });
    expect(seen.payments[0]).toMatchObject({ confirmations: 2, status: 'confirmed' });
    expect(seen.paid_at).not.toBeNull();
  });

  it('underpayment then expiry: expired with exception underpaid, the remainder shown while pending', async () => {
    const intent = await createIntent({ amount: '10.00' });
    await pay(intent.id, '4.50');
    await mine(2);
    const partial = await get(intent.id);
    expect(partial).toMatchObject({ status: 'pending', amount_received: '4.50', amount_due: '5.50' });
    const res = await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/expire`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'expired', exception: 'underpaid', amount_received: '4.50' });
  });

  it('nothing paid before expiry: expired without exception', async () => {
    const intent = await createIntent({ amount: '3.00' });
    const res = await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/expire`);
    expect(res.body.data).toMatchObject({ status: 'expired', exception: null, amount_received: '0' });
  });

  it('overpayment: paid with exception overpaid', async () => {
    const intent = await createIntent({ amount: '7.00' });
    await pay(intent.id, '7.25');
    await mine(2);
    expect(await get(intent.id)).toMatchObject({ status: 'paid', exception: 'overpaid', amount_received: '7.25', amount_confirmed: '7.25' });
  });

  it('two payments summing to the amount: paid, both listed, each credited once', async () => {
    const intent = await createIntent({ amount: '20.00' });
    await pay(intent.id, '12.00');
    await mine(1);
    expect((await get(intent.id)).status).toBe('pending');
    await pay(intent.id); // the remainder, 8.00
    await mine(2);
    const done = await get(intent.id);
    expect(done).toMatchObject({ status: 'paid', exception: null, amount_received: '20.00' });
    expect(done.payments.map((p: { amount: string }) => p.amount).sort()).toEqual(['12.00', '8.00']);
    // Rescans (more blocks) never credit twice.
    await mine(3);
    expect((await get(intent.id)).amount_received).toBe('20.00');
  });

  it('late payment on a stablecoin: paid_late and accepted (becomes paid)', async () => {
    const intent = await createIntent({ amount: '15.00' });
    expect(intent.late_payment_policy).toBe('accept');
    await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/expire`);
    await pay(intent.id);
    await mine(2);
    expect(await get(intent.id)).toMatchObject({ status: 'paid', exception: 'paid_late', amount_received: '15.00' });
  });

  it('late payment on a volatile asset: paid_late but flagged (stays expired for the operator)', async () => {
    const intent = await createIntent({ asset: 'DEV', amount: '0.5' });
    expect(intent.late_payment_policy).toBe('flag');
    expect(intent.payment_uri).toMatch(/^ethereum:0x[0-9a-fA-F]{40}@31337\?value=500000000000000000$/);
    await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/expire`);
    await pay(intent.id);
    await mine(2);
    expect(await get(intent.id)).toMatchObject({ status: 'expired', exception: 'paid_late', amount_received: '0.50' });
  });

  it('a payment seen before expiry completes after it (confirmation never races expiry)', async () => {
    const intent = await createIntent({ amount: '5.00' });
    await pay(intent.id);
    await mine(1);
    expect((await get(intent.id)).status).toBe('confirming');
    // The intent's time runs out while it waits for its second confirmation.
    const expire = await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/expire`);
    expect(expire.status).toBe(409);
    await mine(1);
    expect(await get(intent.id)).toMatchObject({ status: 'paid', exception: null });
  });

  it('test-mode intents on BSC use the 18-decimal USDT stand-in, like mainnet BSC', async () => {
    const intent = await createIntent({ network: 'bep20', asset: 'usdt', amount: '1.5' });
    expect(intent).toMatchObject({ network: 'bsc', asset: 'USDT', decimals: 18, amount: '1.50', confirmations_required: 2 });
    expect(intent.payment_uri).toContain('uint256=1500000000000000000');
    await pay(intent.id);
    await mine(2);
    expect(await get(intent.id)).toMatchObject({ status: 'paid', amount_received: '1.50' });
  });

  it('cancel: a pending intent with nothing received can be canceled; a paid one cannot', async () => {
    const intent = await createIntent({ amount: '2.00' });
    const canceled = await api.post(`/api/v1/payment-intents/${intent.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.data).toMatchObject({ status: 'canceled' });
    expect(canceled.body.data.canceled_at).not.toBeNull();
    const again = await api.post(`/api/v1/payment-intents/${intent.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('payment_intent_unexpected_state');
  });

  it('the events log holds one event per state change, in order', async () => {
    const intent = await createIntent({ amount: '1.00' });
    await pay(intent.id);
    await mine(2);
    await eventually(async () => (await get(intent.id)).status === 'paid', 'paid');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(`${node.home}/kassa.db`, { readonly: true });
    const types = db.prepare('SELECT type FROM events WHERE object_id = ? ORDER BY seq').all(intent.id).map((r: any) => r.type);
    db.close();
    expect(types).toEqual(['payment_intent.created', 'payment_intent.payment_detected', 'payment_intent.paid']);
  });
});
