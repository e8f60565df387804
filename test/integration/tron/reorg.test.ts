// SPEC §6 "Reorg" on Tron: a payment whose block leaves the canonical chain becomes reverted, the
// intent falls back to pending and payment.reverted fires; when the transaction comes back in a
// block of the new branch it is the same payment again, credited once. The test owns the Tron
// devnet (on-demand mining) and makes the reorgs itself; the node mines and syncs through its
// test helper, which goes to that devnet's /devnet/mine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTronDevnet, type TronDevnet } from '../../../src-server/chains/devnet/tron/tron-devnet.ts';
import { openNodeDb } from '../../helpers/devnet-control.ts';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { broadcastTron, signTronTransfer, tronHeadNumber, tronKit, waitForTronScanned } from '../../helpers/tron-devnet-control.ts';

let devnet: TronDevnet;
let node: TestNode;
let api: ApiClient;
const tron = tronKit(() => api);

function paymentRowsFor(txid: string): { id: string; status: string; intent_id: string; amount: string }[] {
  const db = openNodeDb(node.home);
  try {
    return db.prepare('SELECT id, status, intent_id, amount FROM payments WHERE txid = ?').all(txid) as { id: string; status: string; intent_id: string; amount: string }[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  devnet = await startTronDevnet({ blockTimeMs: 0 });
  const home = tempHome('kassa-tron-reorg-');
  node = await startNode({ home, blockTime: 0, config: { devnet: { tron: { rpcUrl: devnet.url } } } });
  api = apiClient(node.merchantUrl, await createApiKey(home));
});
afterAll(async () => {
  await node?.stop();
  await devnet?.stop();
});

describe('Tron chain reorganisation', () => {
  it('a reorg that drops the transaction: the payment is reverted, the intent is pending again, payment.reverted fires', async () => {
    const intent = await tron.create({ amount: '10.00' });
    expect(intent.confirmations_required).toBe(2);
    const { txid } = await tron.pay(intent.id);
    const { head: paidIn } = await tron.mine(1);

    const detected = await tron.get(intent.id);
    expect(detected).toMatchObject({ status: 'confirming', amount_received: '10.00' });
    expect(detected.payments).toHaveLength(1);
    expect(detected.payments[0]).toMatchObject({ txid, block_number: paidIn, status: 'detected', confirmations: 1 });
    const paymentId: string = detected.payments[0].id;
    const orphaned: string = detected.payments[0].block_hash;

    // The block holding the payment is replaced by one without it; then the chain moves on.
    await devnet.reorg(1, { dropTransactions: true });
    await tron.mine(1);

    const reverted = await tron.get(intent.id);
    expect(reverted).toMatchObject({ status: 'pending', exception: null, amount_received: '0', amount_confirmed: '0', amount_due: '10.00' });
    expect(reverted.payments).toHaveLength(1);
    expect(reverted.payments[0]).toMatchObject({ id: paymentId, txid, status: 'reverted', confirmations: 0 });
    expect(reverted.payments[0].reverted_at).not.toBeNull();
    expect(reverted.payments[0].block_hash).toBe(orphaned);
    expect(await tron.eventTypes(paymentId)).toEqual(['payment.reverted']);
    expect(await tron.eventTypes(intent.id)).toEqual(['payment_intent.created', 'payment_intent.payment_detected']);

    // Nothing comes back by itself: more blocks leave the intent pending.
    await tron.mine(2);
    expect(await tron.get(intent.id)).toMatchObject({ status: 'pending', amount_received: '0' });
  });

  it('a reorg that re-includes the transaction in the new branch: the same payment, credited once', async () => {
    const intent = await tron.create({ amount: '11.00' });
    const { txid } = await tron.pay(intent.id);
    const { head: paidIn } = await tron.mine(1);
    const detected = await tron.get(intent.id);
    expect(detected).toMatchObject({ status: 'confirming', amount_received: '11.00' });
    const paymentId: string = detected.payments[0].id;
    const orphaned: string = detected.payments[0].block_hash;

    // Same height, new block id, the transaction inside again.
    await devnet.reorg(1);
    await tron.mine(1);

    const paid = await tron.get(intent.id);
    expect(paid).toMatchObject({ status: 'paid', exception: null, amount_received: '11.00', amount_confirmed: '11.00', amount_due: '0' });
    expect(paid.payments).toHaveLength(1);
    expect(paid.payments[0]).toMatchObject({ id: paymentId, txid, block_number: paidIn, status: 'confirmed', confirmations: 2, reverted_at: null });
    expect(paid.payments[0].block_hash).not.toBe(orphaned);
    expect(paymentRowsFor(txid)).toEqual([{ id: paymentId, status: 'confirmed', intent_id: intent.id, amount: '11000000' }]);

    // The revert and the re-credit are both on the record; the intent is paid once.
    expect(await tron.eventTypes(paymentId)).toEqual(['payment.reverted']);
    const types = await tron.eventTypes(intent.id);
    expect(types.filter((t) => t === 'payment_intent.paid')).toHaveLength(1);
    expect(types[0]).toBe('payment_intent.created');
    expect(types.at(-1)).toBe('payment_intent.paid');
  });

  it('a deeper reorg, then the same signed transaction broadcast again: reverted, then credited once as the same payment', async () => {
    const intent = await tron.create({ amount: '25.00' });
    const transfer = await signTronTransfer({ url: devnet.url, to: intent.receive_address, token: intent.token_contract, units: 25_000_000n });
    expect(await broadcastTron(devnet.url, transfer)).toMatchObject({ result: true });
    const { head: paidIn } = await tron.mine(2);
    const confirmedOnce = await tron.get(intent.id);
    expect(confirmedOnce).toMatchObject({ status: 'paid', amount_received: '25.00' });
    expect(confirmedOnce.payments[0]).toMatchObject({ txid: transfer.txid, block_number: paidIn - 1, confirmations: 2, status: 'confirmed' });
    const paymentId: string = confirmedOnce.payments[0].id;

    // Both blocks are replaced, the payment's included: the paid intent falls back.
    await devnet.reorg(2, { dropTransactions: true });
    await tron.mine(1);
    const reverted = await tron.get(intent.id);
    expect(reverted).toMatchObject({ status: 'pending', amount_received: '0', amount_confirmed: '0' });
    expect(reverted.payments).toEqual([expect.objectContaining({ id: paymentId, status: 'reverted', confirmations: 0 })]);

    // The customer's wallet broadcasts the very same transaction again.
    expect(await broadcastTron(devnet.url, transfer)).toMatchObject({ result: true });
    const { head: remined } = await tron.mine(2);
    const paid = await tron.get(intent.id);
    expect(paid).toMatchObject({ status: 'paid', exception: null, amount_received: '25.00', amount_confirmed: '25.00' });
    expect(paid.payments).toHaveLength(1);
    expect(paid.payments[0]).toMatchObject({ id: paymentId, txid: transfer.txid, block_number: remined - 1, status: 'confirmed', confirmations: 2, reverted_at: null });
    expect(paymentRowsFor(transfer.txid)).toHaveLength(1);

    // Rescans of nothing new change nothing.
    await devnet.mine(3);
    await waitForTronScanned(node.merchantUrl, await tronHeadNumber(devnet.url));
    expect(await tron.get(intent.id)).toMatchObject({ status: 'paid', amount_received: '25.00' });
    expect(paymentRowsFor(transfer.txid)).toHaveLength(1);

    expect(await tron.eventTypes(paymentId)).toEqual(['payment.reverted']);
    expect(await tron.eventTypes(intent.id)).toEqual([
      'payment_intent.created',
      'payment_intent.payment_detected',
      'payment_intent.paid',
      'payment_intent.payment_detected',
      'payment_intent.paid',
    ]);
  });
});
