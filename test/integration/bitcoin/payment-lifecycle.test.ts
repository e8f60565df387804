// SPEC §6 on Bitcoin, end to end, on both watcher backends (Esplora REST and bitcoind JSON-RPC): a
// real node process, a Bitcoin devnet the test owns (real signed transactions and blocks, mining on
// demand), the node's own test helpers, real HTTP. A payment is seen at 0-conf from the mempool
// (block_number null, confirmations 0, intent confirming) and confirms after the required blocks.
// Mining goes through the node's test helper, which scans before it answers, so every confirmation
// count is exact; 0-conf detection happens on the watcher's own poll, so it is waited for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import type { ApiClient, TestNode } from '../../helpers/node.ts';
import { paymentRows, startUtxoNode, UTXO_BACKENDS, utxoKit } from '../../helpers/utxo-devnet-control.ts';

describe.each(UTXO_BACKENDS)('bitcoin payment intent lifecycle (%s backend)', (backend) => {
  let devnet: BitcoinDevnet;
  let node: TestNode;
  let api: ApiClient;
  const btc = utxoKit(() => api, 'bitcoin');
  /** What the payment's `from` reads at 0-conf: Esplora's transaction JSON names the first input's address; bitcoind's verbose JSON does not. */
  const zeroConfFrom = () => (backend === 'esplora' ? devnet.faucet.address : '');

  beforeAll(async () => {
    devnet = await startBitcoinDevnet({ network: 'bitcoin', blockTimeMs: 0 });
    ({ node, api } = await startUtxoNode(devnet, { backend }));
  });
  afterAll(async () => {
    await node?.stop();
    await devnet?.stop();
  });

  it('exact payment: seen at 0-conf (no block, payment_detected), then confirming with 1 block, paid at 2', async () => {
    const intent = await btc.create({ amount: '0.0005', custom_id: `ORDER-btc-exact-${backend}` });
    expect(intent).toMatchObject({
      status: 'pending',
      exception: null,
      network: 'bitcoin',
      asset: 'BTC',
      decimals: 8,
      amount: '0.0005',
      pay_amount: '0.0005',
      amount_received: '0',
      amount_confirmed: '0',
      amount_due: '0.0005',
      confirmations_required: 2,
      late_payment_policy: 'flag',
      token_contract: null,
      address_mode: 'unique',
      payments: [],
    });
    expect(intent.receive_address).toMatch(/^bc1q[02-9ac-hj-np-z]{38}$/);
    expect(intent.payment_uri).toBe(`bitcoin:${intent.receive_address}?amount=0.0005`);

    const { txid } = await btc.pay(intent.id);
    expect(txid).toMatch(/^[0-9a-f]{64}$/);

    // 0-conf: from the mempool, before any block.
    const seen = await btc.untilPayment(intent.id, txid);
    expect(seen).toMatchObject({ status: 'confirming', exception: null, amount_received: '0.0005', amount_confirmed: '0', amount_due: '0' });
    expect(seen.payments).toHaveLength(1);
    expect(seen.payments[0]).toMatchObject({
      object: 'payment',
      payment_intent: intent.id,
      txid,
      vout: 0,
      log_index: null,
      from: zeroConfFrom(),
      amount: '0.0005',
      block_number: null,
      block_hash: null,
      confirmations: 0,
      status: 'detected',
      confirmed_at: null,
      reverted_at: null,
    });
    const paymentId: string = seen.payments[0].id;
    // payment_detected was sent while the payment had no block.
    const detectedEvents = (await btc.events(intent.id)).filter((e) => e.type === 'payment_intent.payment_detected');
    expect(detectedEvents).toHaveLength(1);
    expect(detectedEvents[0]!.data.object).toMatchObject({ status: 'confirming', amount_received: '0.0005', amount_confirmed: '0' });
    expect(detectedEvents[0]!.data.object.payments).toEqual([expect.objectContaining({ id: paymentId, txid, block_number: null, confirmations: 0, status: 'detected' })]);

    // The block attaches to the same payment: one confirmation.
    const { head: minedIn } = await btc.mine(1);
    let now = await btc.get(intent.id);
    expect(now).toMatchObject({ status: 'confirming', amount_received: '0.0005', amount_confirmed: '0' });
    expect(now.payments).toHaveLength(1);
    expect(now.payments[0]).toMatchObject({ id: paymentId, txid, block_number: minedIn, confirmations: 1, status: 'detected' });
    expect(now.payments[0].block_hash).toMatch(/^[0-9a-f]{64}$/);

    await btc.mine(1);
    now = await btc.get(intent.id);
    expect(now).toMatchObject({ status: 'paid', exception: null, amount_received: '0.0005', amount_confirmed: '0.0005', amount_due: '0' });
    expect(now.payments).toEqual([expect.objectContaining({ id: paymentId, txid, block_number: minedIn, confirmations: 2, status: 'confirmed' })]);
    expect(now.payments[0].confirmed_at).not.toBeNull();
    expect(now.paid_at).not.toBeNull();

    // More blocks: more confirmations, nothing credited again.
    await btc.mine(2);
    now = await btc.get(intent.id);
    expect(now).toMatchObject({ status: 'paid', amount_received: '0.0005' });
    expect(now.payments).toHaveLength(1);
    expect(now.payments[0].confirmations).toBe(4);
    expect(paymentRows(node.home).filter((p) => p.txid === txid)).toEqual([
      expect.objectContaining({ id: paymentId, intent_id: intent.id, output_index: 0, amount: '50000', status: 'confirmed', block_number: minedIn }),
    ]);

    // Events, in order: created, payment_detected (at 0-conf), paid.
    expect(await btc.eventTypes(intent.id)).toEqual(['payment_intent.created', 'payment_intent.payment_detected', 'payment_intent.paid']);
  });

  it('underpayment then expiry: the remainder shown while pending, then expired with exception underpaid', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const { txid } = await btc.pay(intent.id, '0.0002');
    const seen = await btc.untilPayment(intent.id, txid);
    expect(seen).toMatchObject({ status: 'pending', exception: null, amount_received: '0.0002', amount_confirmed: '0', amount_due: '0.0003' });
    await btc.mine(2);
    expect(await btc.get(intent.id)).toMatchObject({ status: 'pending', exception: null, amount_received: '0.0002', amount_confirmed: '0.0002', amount_due: '0.0003' });
    expect(await btc.expire(intent.id)).toMatchObject({ status: 'expired', exception: 'underpaid', amount_received: '0.0002', amount_confirmed: '0.0002' });
    expect(await btc.eventTypes(intent.id)).toEqual([
      'payment_intent.created',
      'payment_intent.payment_detected',
      'payment_intent.expired',
      'payment_intent.underpaid',
    ]);
  });

  it('overpayment: confirming with exception overpaid at 0-conf, then paid overpaid', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const { txid } = await btc.pay(intent.id, '0.00071234');
    expect(await btc.untilPayment(intent.id, txid)).toMatchObject({ status: 'confirming', exception: 'overpaid', amount_received: '0.00071234', amount_due: '0' });
    await btc.mine(2);
    expect(await btc.get(intent.id)).toMatchObject({ status: 'paid', exception: 'overpaid', amount_received: '0.00071234', amount_confirmed: '0.00071234', amount_due: '0' });
  });

  it('two payments summing to the amount: pending after the first, paid after both confirm, each credited once', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const first = await btc.pay(intent.id, '0.00031');
    expect(await btc.untilPayment(intent.id, first.txid)).toMatchObject({ status: 'pending', amount_received: '0.00031', amount_due: '0.00019' });
    await btc.mine(1);
    expect(await btc.get(intent.id)).toMatchObject({ status: 'pending', amount_received: '0.00031', amount_confirmed: '0' });

    const second = await btc.pay(intent.id); // the remainder, 0.00019
    const both = await btc.untilPayment(intent.id, second.txid);
    // Enough is seen: confirming, though the second has no block and the first one confirmation.
    expect(both).toMatchObject({ status: 'confirming', exception: null, amount_received: '0.0005', amount_confirmed: '0' });
    await btc.mine(1);
    // The first has 2 confirmations, the second 1: confirmed sum 0.00031 < 0.0005.
    expect(await btc.get(intent.id)).toMatchObject({ status: 'confirming', amount_received: '0.0005', amount_confirmed: '0.00031' });
    await btc.mine(1);
    const done = await btc.get(intent.id);
    expect(done).toMatchObject({ status: 'paid', exception: null, amount_received: '0.0005', amount_confirmed: '0.0005' });
    expect(done.payments.map((p: { txid: string; amount: string }) => [p.txid, p.amount]).sort()).toEqual(
      [
        [first.txid, '0.00031'],
        [second.txid, '0.00019'],
      ].sort(),
    );
    await btc.mine(3);
    const later = await btc.get(intent.id);
    expect(later).toMatchObject({ status: 'paid', amount_received: '0.0005' });
    expect(later.payments).toHaveLength(2);
    const types = await btc.eventTypes(intent.id);
    expect(types.filter((t) => t === 'payment_intent.payment_detected')).toHaveLength(2);
    expect(types.filter((t) => t === 'payment_intent.paid')).toHaveLength(1);
  });

  it('late payment after expiry: paid_late, flagged by the volatile-asset policy (stays expired)', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    expect(intent.late_payment_policy).toBe('flag');
    expect(await btc.expire(intent.id)).toMatchObject({ status: 'expired', exception: null, amount_received: '0' });
    const { txid } = await btc.pay(intent.id);
    // The mempool scan looks for what is awaited; a late payment is picked up from its block.
    await btc.mine(1);
    const seen = await btc.get(intent.id);
    expect(seen).toMatchObject({ status: 'expired', exception: 'paid_late', amount_received: '0.0005', amount_confirmed: '0' });
    expect(seen.payments).toEqual([expect.objectContaining({ txid, confirmations: 1, status: 'detected' })]);
    await btc.mine(1);
    expect(await btc.get(intent.id)).toMatchObject({ status: 'expired', exception: 'paid_late', amount_received: '0.0005', amount_confirmed: '0.0005' });
    expect(await btc.eventTypes(intent.id)).toEqual([
      'payment_intent.created',
      'payment_intent.expired',
      'payment_intent.payment_detected',
      'payment_intent.paid_late',
    ]);
  });

  it('a payment seen at 0-conf before expiry completes after it (confirmation never races expiry)', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const { txid } = await btc.pay(intent.id);
    expect(await btc.untilPayment(intent.id, txid)).toMatchObject({ status: 'confirming' });
    const expire = await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/expire`);
    expect(expire.status).toBe(409);
    await btc.mine(2);
    expect(await btc.get(intent.id)).toMatchObject({ status: 'paid', exception: null, amount_confirmed: '0.0005' });
  });
});
