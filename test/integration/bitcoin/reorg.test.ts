// SPEC §6 "Reorg" on Bitcoin, both watcher backends: a payment whose block leaves the best chain
// becomes reverted, the intent's status is recomputed and payment.reverted fires; when the new branch
// carries the transaction again it is the same payment, credited once. The test owns the devnet and
// reorganises it (the new branch is one block longer); the node mines and syncs through its test
// helper, which goes to the devnet's /devnet/mine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import type { ApiClient, TestNode } from '../../helpers/node.ts';
import { paymentRows, startUtxoNode, UTXO_BACKENDS, utxoKit, waitForUtxoScanned } from '../../helpers/utxo-devnet-control.ts';

describe.each(UTXO_BACKENDS)('bitcoin chain reorganisation (%s backend)', (backend) => {
  let devnet: BitcoinDevnet;
  let node: TestNode;
  let api: ApiClient;
  const btc = utxoKit(() => api, 'bitcoin');

  beforeAll(async () => {
    devnet = await startBitcoinDevnet({ network: 'bitcoin', blockTimeMs: 0 });
    ({ node, api } = await startUtxoNode(devnet, { backend }));
  });
  afterAll(async () => {
    await node?.stop();
    await devnet?.stop();
  });

  it('a reorg that drops the transaction (a conflicting spend wins): reverted, intent pending, payment.reverted', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const { txid } = await btc.pay(intent.id);
    await btc.untilPayment(intent.id, txid);
    const { head: paidIn } = await btc.mine(1);
    const mined = await btc.get(intent.id);
    expect(mined).toMatchObject({ status: 'confirming', amount_received: '0.0005' });
    expect(mined.payments).toEqual([expect.objectContaining({ txid, block_number: paidIn, confirmations: 1, status: 'detected' })]);
    const paymentId: string = mined.payments[0].id;
    const orphaned: string = mined.payments[0].block_hash;

    // The block holding the payment is replaced by one holding a conflicting spend of its inputs.
    await devnet.reorg(1, { dropTransactions: true });
    await btc.mine(1);

    const reverted = await btc.get(intent.id);
    expect(reverted).toMatchObject({ status: 'pending', exception: null, amount_received: '0', amount_confirmed: '0', amount_due: '0.0005' });
    expect(reverted.payments).toHaveLength(1);
    expect(reverted.payments[0]).toMatchObject({ id: paymentId, txid, status: 'reverted', confirmations: 0 });
    expect(reverted.payments[0].reverted_at).not.toBeNull();
    expect(reverted.payments[0].block_hash).toBe(orphaned);
    expect(await btc.eventTypes(paymentId)).toEqual(['payment.reverted']);
    expect(await btc.eventTypes(intent.id)).toEqual(['payment_intent.created', 'payment_intent.payment_detected']);

    // Nothing comes back by itself.
    await btc.mine(2);
    expect(await btc.get(intent.id)).toMatchObject({ status: 'pending', amount_received: '0' });
    expect(paymentRows(node.home).filter((r) => r.txid === txid)).toEqual([expect.objectContaining({ id: paymentId, status: 'reverted' })]);
  });

  it('a reorg that re-mines the transaction in the new branch: the same payment, credited once', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const { txid } = await btc.pay(intent.id);
    await btc.untilPayment(intent.id, txid);
    const { head: paidIn } = await btc.mine(1);
    const detected = await btc.get(intent.id);
    expect(detected.payments).toEqual([expect.objectContaining({ txid, block_number: paidIn, confirmations: 1 })]);
    const paymentId: string = detected.payments[0].id;
    const orphaned: string = detected.payments[0].block_hash;

    // Same height, new block hash, the transaction inside again; the branch is one block longer.
    await devnet.reorg(1);
    await btc.mine(1);

    const paid = await btc.get(intent.id);
    expect(paid).toMatchObject({ status: 'paid', exception: null, amount_received: '0.0005', amount_confirmed: '0.0005', amount_due: '0' });
    expect(paid.payments).toHaveLength(1);
    expect(paid.payments[0]).toMatchObject({ id: paymentId, txid, block_number: paidIn, status: 'confirmed', confirmations: 3, reverted_at: null });
    expect(paid.payments[0].block_hash).not.toBe(orphaned);
    expect(paymentRows(node.home).filter((r) => r.txid === txid)).toEqual([
      { id: paymentId, intent_id: intent.id, txid, output_index: 0, amount: '50000', status: 'confirmed', block_number: paidIn },
    ]);
    expect(await btc.eventTypes(paymentId)).toEqual(['payment.reverted']);
    const types = await btc.eventTypes(intent.id);
    expect(types[0]).toBe('payment_intent.created');
    expect(types.filter((t) => t === 'payment_intent.paid')).toHaveLength(1);
    expect(types.at(-1)).toBe('payment_intent.paid');
  });

  it('a paid intent whose two confirming blocks are reorged out with the payment: back to pending; a new payment pays it once', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const { txid } = await btc.pay(intent.id);
    await btc.untilPayment(intent.id, txid);
    const { head } = await btc.mine(2);
    const paid = await btc.get(intent.id);
    expect(paid).toMatchObject({ status: 'paid', amount_received: '0.0005' });
    expect(paid.payments[0]).toMatchObject({ txid, block_number: head - 1, confirmations: 2, status: 'confirmed' });
    const paymentId: string = paid.payments[0].id;

    await devnet.reorg(2, { dropTransactions: true });
    await btc.mine(1);
    const reverted = await btc.get(intent.id);
    expect(reverted).toMatchObject({ status: 'pending', exception: null, amount_received: '0', amount_confirmed: '0', paid_at: null });
    expect(reverted.payments).toEqual([expect.objectContaining({ id: paymentId, status: 'reverted', confirmations: 0 })]);

    // The customer pays again: a new transaction, a new payment; the reverted one stays reverted.
    const again = await btc.pay(intent.id);
    await btc.untilPayment(intent.id, again.txid);
    await btc.mine(2);
    const repaid = await btc.get(intent.id);
    expect(repaid).toMatchObject({ status: 'paid', exception: null, amount_received: '0.0005', amount_confirmed: '0.0005' });
    expect(repaid.payments.map((p: { txid: string; status: string }) => [p.txid, p.status]).sort()).toEqual(
      [
        [txid, 'reverted'],
        [again.txid, 'confirmed'],
      ].sort(),
    );

    // Rescans of nothing new change nothing.
    const tip = await devnet.mine(3);
    await waitForUtxoScanned(node.merchantUrl, tip);
    expect(await btc.get(intent.id)).toMatchObject({ status: 'paid', amount_received: '0.0005' });
    expect(await btc.eventTypes(paymentId)).toEqual(['payment.reverted']);
    expect(await btc.eventTypes(intent.id)).toEqual([
      'payment_intent.created',
      'payment_intent.payment_detected',
      'payment_intent.paid',
      'payment_intent.payment_detected',
      'payment_intent.paid',
    ]);
  });

  it('a reorg deeper than the payment: blocks above it change, the payment keeps its block and is never reverted', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const { txid } = await btc.pay(intent.id);
    await btc.untilPayment(intent.id, txid);
    const { head: paidIn } = await btc.mine(1);
    await btc.mine(2);
    // Only the two empty blocks above the payment's block are replaced.
    await devnet.reorg(2, { dropTransactions: true });
    await btc.mine(1);
    const seen = await btc.get(intent.id);
    expect(seen).toMatchObject({ status: 'paid', amount_received: '0.0005', amount_confirmed: '0.0005' });
    expect(seen.payments).toEqual([expect.objectContaining({ txid, block_number: paidIn, status: 'confirmed', confirmations: 5, reverted_at: null })]);
    expect(await btc.eventTypes(seen.payments[0].id)).toEqual([]);
  });
});
