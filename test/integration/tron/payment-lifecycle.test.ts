// SPEC §6 on Tron, end to end: a real node process, its own Tron devnet (java-tron HTTP API
// simulator) mining on demand, TronWeb-signed transfers from the devnet faucet, real HTTP. Every
// confirmation count below is exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TronWeb } from 'tronweb';
import { TRON_DEVNET_FAUCET, TRON_DEVNET_USDT } from '../../../src-server/chains/devnet/tron/tron-devnet-accounts.ts';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { tronKit } from '../../helpers/tron-devnet-control.ts';

let node: TestNode;
let api: ApiClient;
const tron = tronKit(() => api);

beforeAll(async () => {
  const home = tempHome('kassa-tron-');
  node = await startNode({ home, blockTime: 0 });
  api = apiClient(node.merchantUrl, await createApiKey(home));
});
afterAll(async () => {
  await node?.stop();
});

describe('payment intent lifecycle on the Tron devnet', () => {
  it('exact USDT payment: pending → confirming (1/2) → paid after the required confirmations', async () => {
    const intent = await tron.create({ amount: '10.00', custom_id: 'ORDER-tron-exact' });
    expect(intent).toMatchObject({
      status: 'pending',
      exception: null,
      network: 'tron',
      asset: 'USDT',
      decimals: 6,
      amount: '10.00',
      pay_amount: '10.00',
      amount_received: '0',
      amount_confirmed: '0',
      confirmations_required: 2,
      late_payment_policy: 'accept',
      token_contract: TRON_DEVNET_USDT,
      payments: [],
    });
    expect(TronWeb.isAddress(intent.receive_address)).toBe(true);
    expect(intent.receive_address).toMatch(/^T[1-9A-HJ-NP-Za-km-z]{33}$/);

    const { txid } = await tron.pay(intent.id);
    expect(txid).toMatch(/^[0-9a-f]{64}$/);
    const mined = await tron.mine(1);
    let seen = await tron.get(intent.id);
    expect(seen).toMatchObject({ status: 'confirming', exception: null, amount_received: '10.00', amount_confirmed: '0', amount_due: '0' });
    expect(seen.payments).toHaveLength(1);
    expect(seen.payments[0]).toMatchObject({
      object: 'payment',
      payment_intent: intent.id,
      txid,
      // The first (only) log of the transaction: the TRC-20 Transfer event.
      log_index: 0,
      vout: null,
      from: TRON_DEVNET_FAUCET.address,
      amount: '10.00',
      block_number: mined.head,
      confirmations: 1,
      status: 'detected',
      confirmed_at: null,
      reverted_at: null,
    });
    expect(seen.payments[0].block_hash).toMatch(/^[0-9a-f]{64}$/);
    // java-tron block ids begin with the block number.
    expect(Number.parseInt(seen.payments[0].block_hash.slice(0, 16), 16)).toBe(mined.head);

    await tron.mine(1);
    seen = await tron.get(intent.id);
    expect(seen).toMatchObject({ status: 'paid', exception: null, amount_received: '10.00', amount_confirmed: '10.00', amount_due: '0' });
    expect(seen.payments).toHaveLength(1);
    expect(seen.payments[0]).toMatchObject({ txid, confirmations: 2, status: 'confirmed' });
    expect(seen.payments[0].confirmed_at).not.toBeNull();
    expect(seen.paid_at).not.toBeNull();

    // More blocks: more confirmations, nothing credited again.
    await tron.mine(2);
    seen = await tron.get(intent.id);
    expect(seen).toMatchObject({ status: 'paid', amount_received: '10.00' });
    expect(seen.payments).toHaveLength(1);
    expect(seen.payments[0].confirmations).toBe(4);
  });

  it('exact TRX payment (native): confirming, then paid; the payment has no log index', async () => {
    const intent = await tron.create({ asset: 'TRX', amount: '12.5' });
    expect(intent).toMatchObject({ network: 'tron', asset: 'TRX', decimals: 6, amount: '12.50', token_contract: null, confirmations_required: 2, late_payment_policy: 'flag' });
    const { txid } = await tron.pay(intent.id);
    await tron.mine(1);
    let seen = await tron.get(intent.id);
    expect(seen).toMatchObject({ status: 'confirming', amount_received: '12.50', amount_confirmed: '0' });
    expect(seen.payments).toHaveLength(1);
    expect(seen.payments[0]).toMatchObject({ txid, log_index: null, vout: null, from: TRON_DEVNET_FAUCET.address, amount: '12.50', confirmations: 1, status: 'detected' });
    await tron.mine(1);
    seen = await tron.get(intent.id);
    expect(seen).toMatchObject({ status: 'paid', exception: null, amount_received: '12.50', amount_confirmed: '12.50' });
    expect(seen.payments[0]).toMatchObject({ confirmations: 2, status: 'confirmed' });
  });

  it('underpayment then expiry: expired with exception underpaid; the remainder shown while pending', async () => {
    const intent = await tron.create({ amount: '10.00' });
    await tron.pay(intent.id, '4.50');
    await tron.mine(2);
    expect(await tron.get(intent.id)).toMatchObject({ status: 'pending', exception: null, amount_received: '4.50', amount_confirmed: '4.50', amount_due: '5.50' });
    expect(await tron.expire(intent.id)).toMatchObject({ status: 'expired', exception: 'underpaid', amount_received: '4.50' });
  });

  it('overpayment: paid with exception overpaid', async () => {
    const intent = await tron.create({ amount: '7.00' });
    await tron.pay(intent.id, '7.25');
    await tron.mine(2);
    expect(await tron.get(intent.id)).toMatchObject({ status: 'paid', exception: 'overpaid', amount_received: '7.25', amount_confirmed: '7.25', amount_due: '0' });
  });

  it('two payments summing to the amount: paid, both listed, each credited once', async () => {
    const intent = await tron.create({ amount: '20.00' });
    const first = await tron.pay(intent.id, '12.00');
    await tron.mine(1);
    expect(await tron.get(intent.id)).toMatchObject({ status: 'pending', amount_received: '12.00', amount_due: '8.00' });
    const second = await tron.pay(intent.id); // the remainder, 8.00
    await tron.mine(2);
    const done = await tron.get(intent.id);
    expect(done).toMatchObject({ status: 'paid', exception: null, amount_received: '20.00', amount_confirmed: '20.00' });
    expect(done.payments.map((p: { txid: string; amount: string }) => [p.txid, p.amount]).sort()).toEqual([[first.txid, '12.00'], [second.txid, '8.00']].sort());
    // Rescans (more blocks) never credit twice.
    await tron.mine(3);
    const later = await tron.get(intent.id);
    expect(later).toMatchObject({ status: 'paid', amount_received: '20.00' });
    expect(later.payments).toHaveLength(2);
  });

  it('late USDT payment: paid_late, accepted by the stablecoin policy (becomes paid)', async () => {
    const intent = await tron.create({ amount: '15.00' });
    expect(intent.late_payment_policy).toBe('accept');
    expect(await tron.expire(intent.id)).toMatchObject({ status: 'expired', exception: null, amount_received: '0' });
    await tron.pay(intent.id);
    await tron.mine(2);
    expect(await tron.get(intent.id)).toMatchObject({ status: 'paid', exception: 'paid_late', amount_received: '15.00', amount_confirmed: '15.00' });
  });

  it('late TRX payment: paid_late but flagged by the volatile-asset policy (stays expired for the operator)', async () => {
    const intent = await tron.create({ asset: 'TRX', amount: '3' });
    expect(intent.late_payment_policy).toBe('flag');
    await tron.expire(intent.id);
    await tron.pay(intent.id);
    await tron.mine(2);
    expect(await tron.get(intent.id)).toMatchObject({ status: 'expired', exception: 'paid_late', amount_received: '3.00', amount_confirmed: '3.00' });
  });

  it('a payment seen before expiry completes after it (confirmation never races expiry)', async () => {
    const intent = await tron.create({ amount: '5.00' });
    await tron.pay(intent.id);
    await tron.mine(1);
    expect((await tron.get(intent.id)).status).toBe('confirming');
    const expire = await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/expire`);
    expect(expire.status).toBe(409);
    await tron.mine(1);
    expect(await tron.get(intent.id)).toMatchObject({ status: 'paid', exception: null });
  });

  it('the events list for the intent holds created, payment_detected and paid, in order', async () => {
    const intent = await tron.create({ amount: '1.00' });
    await tron.pay(intent.id);
    await tron.mine(1);
    await tron.mine(1);
    expect((await tron.get(intent.id)).status).toBe('paid');
    expect(await tron.eventTypes(intent.id)).toEqual(['payment_intent.created', 'payment_intent.payment_detected', 'payment_intent.paid']);
  });
});
