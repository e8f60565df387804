// An unconfirmed Bitcoin payment is not money yet. On both watcher backends: a payment seen at 0-conf
// that is replaced (BIP125 RBF) by a transaction paying someone else, or double-spent by a
// conflicting transaction a miner includes, becomes `reverted` (payment.reverted) and the intent is
// pending again; a replacement that still pays the intent (a fee bump) credits the new transaction
// and reverts the old one, and the intent never holds both at once. The devnet is the test's own,
// so it can replace and double-spend the faucet's transactions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import type { ApiClient, TestNode } from '../../helpers/node.ts';
import { paymentRows, startUtxoNode, STRANGER_BTC_ADDRESS, UTXO_BACKENDS, utxoKit } from '../../helpers/utxo-devnet-control.ts';

/** Consecutive equal samples folded into one: ['a', 'a', 'b', 'a'] → ['a', 'b', 'a']. */
function runs(samples: string[]): string[] {
  return samples.filter((s, i) => i === 0 || s !== samples[i - 1]);
}

describe.each(UTXO_BACKENDS)('bitcoin RBF and double spends (%s backend)', (backend) => {
  let devnet: BitcoinDevnet;
  let node: TestNode;
  let api: ApiClient;
  const btc = utxoKit(() => api, 'bitcoin');

  beforeAll(async () => {
    devnet = await startBitcoinDevnet({ network: 'bitcoin', blockTimeMs: 0 });
    // No rate limit: one test watches an intent as fast as the API answers.
    ({ node, api } = await startUtxoNode(devnet, { backend, apiKeyArgs: ['--rate-limit', 'off'] }));
  });
  afterAll(async () => {
    await node?.stop();
    await devnet?.stop();
  });

  it('replaced by a transaction paying someone else: the payment is reverted, the intent pending again', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const original = await devnet.pay({ to: intent.receive_address, amountSats: 50_000n, replaceable: true, feeRateSatVb: 2 });
    const seen = await btc.untilPayment(intent.id, original.txid);
    expect(seen).toMatchObject({ status: 'confirming', amount_received: '0.0005' });
    const paymentId: string = seen.payments[0].id;

    const replacement = await devnet.replace(original.txid, { to: STRANGER_BTC_ADDRESS, feeRateSatVb: 10 });
    expect(replacement.txid).not.toBe(original.txid);
    const reverted = await btc.until(intent.id, (i) => i.payments[0]?.status === 'reverted', 'the replaced payment reverted');
    expect(reverted).toMatchObject({ status: 'pending', exception: null, amount_received: '0', amount_confirmed: '0', amount_due: '0.0005' });
    expect(reverted.payments).toHaveLength(1);
    expect(reverted.payments[0]).toMatchObject({ id: paymentId, txid: original.txid, status: 'reverted', block_number: null, confirmations: 0 });
    expect(reverted.payments[0].reverted_at).not.toBeNull();
    expect(await btc.eventTypes(paymentId)).toEqual(['payment.reverted']);
    expect(await btc.eventTypes(intent.id)).toEqual(['payment_intent.created', 'payment_intent.payment_detected']);

    // The replacement is mined (to the stranger): nothing comes back.
    await btc.mine(2);
    const later = await btc.get(intent.id);
    expect(later).toMatchObject({ status: 'pending', amount_received: '0' });
    expect(later.payments).toEqual([expect.objectContaining({ id: paymentId, status: 'reverted' })]);

    // The customer pays again, properly: paid.
    const { txid } = await btc.pay(intent.id);
    await btc.untilPayment(intent.id, txid);
    await btc.mine(2);
    expect(await btc.get(intent.id)).toMatchObject({ status: 'paid', exception: null, amount_received: '0.0005', amount_confirmed: '0.0005' });
  });

  it('a fee bump to the same payee: the new txid credits, the old reverts, and the intent never counts both', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const original = await devnet.pay({ to: intent.receive_address, amountSats: 50_000n, replaceable: true, feeRateSatVb: 2 });
    const seen = await btc.untilPayment(intent.id, original.txid);
    expect(seen).toMatchObject({ status: 'confirming', exception: null, amount_received: '0.0005' });
    const oldId: string = seen.payments[0].id;

    // Watch the intent as fast as the API answers while the node takes in the replacement.
    const observed: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const now = await btc.get(intent.id);
        observed.push(`${now.amount_received}/${now.exception ?? '-'}`);
      }
    })();
    const bump = await devnet.replace(original.txid, { feeRateSatVb: 12 });
    const settled = await btc.until(
      intent.id,
      (i) => i.payments.some((p: { txid: string; status: string }) => p.txid === original.txid && p.status === 'reverted') && i.payments.some((p: { txid: string }) => p.txid === bump.txid),
      'the bump credited and the original reverted',
    );
    watching = false;
    await watcher;

    expect(settled).toMatchObject({ status: 'confirming', exception: null, amount_received: '0.0005', amount_confirmed: '0' });
    expect(settled.payments).toHaveLength(2);
    const newPayment = settled.payments.find((p: { txid: string }) => p.txid === bump.txid);
    expect(newPayment).toMatchObject({ vout: 0, amount: '0.0005', status: 'detected', block_number: null, confirmations: 0 });
    expect(settled.payments.find((p: { txid: string }) => p.txid === original.txid)).toMatchObject({ id: oldId, status: 'reverted' });
    expect(await btc.eventTypes(oldId)).toEqual(['payment.reverted']);

    // Never double: not in any state the API showed, nor in any event the shop was sent. (Soft, so
    // the rest of the story is checked even when this fails.)
    const snapshots = (await btc.events(intent.id)).map((e) => `${e.type} ${e.data.object.amount_received}/${e.data.object.exception ?? '-'}`);
    const seenStates = runs(observed);
    expect.soft(seenStates, `intent states (amount_received/exception) seen while the replacement was taken in; events: ${snapshots.join('; ')}`).toEqual(['0.0005/-']);
    expect.soft(snapshots).toEqual([
      'payment_intent.created 0/-',
      'payment_intent.payment_detected 0.0005/-',
      'payment_intent.payment_detected 0.0005/-',
    ]);

    await btc.mine(2);
    const paid = await btc.get(intent.id);
    expect(paid).toMatchObject({ status: 'paid', exception: null, amount_received: '0.0005', amount_confirmed: '0.0005' });
    expect(paid.payments.filter((p: { status: string }) => p.status !== 'reverted')).toEqual([expect.objectContaining({ txid: bump.txid, status: 'confirmed', confirmations: 2 })]);
    expect(paymentRows(node.home).filter((r) => r.intent_id === intent.id).map((r) => [r.txid, r.status]).sort()).toEqual(
      [
        [original.txid, 'reverted'],
        [bump.txid, 'confirmed'],
      ].sort(),
    );
    expect((await btc.eventTypes(intent.id)).filter((t) => t === 'payment_intent.paid')).toHaveLength(1);
  });

  it('double spend: a conflicting transaction is mined instead; the payment is reverted, the intent pending', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    // Not even signalling RBF: a miner's conflicting transaction wins all the same.
    const original = await devnet.pay({ to: intent.receive_address, amountSats: 50_000n, replaceable: false });
    const seen = await btc.untilPayment(intent.id, original.txid);
    expect(seen).toMatchObject({ status: 'confirming', amount_received: '0.0005' });
    const paymentId: string = seen.payments[0].id;

    const conflict = await devnet.doubleSpend(original.txid);
    expect(conflict.txid).not.toBe(original.txid);
    await btc.mine(1); // the conflict is in this block; the original leaves the mempool
    const reverted = await btc.until(intent.id, (i) => i.payments[0]?.status === 'reverted', 'the double-spent payment reverted');
    expect(reverted).toMatchObject({ status: 'pending', exception: null, amount_received: '0', amount_confirmed: '0' });
    expect(reverted.payments).toEqual([expect.objectContaining({ id: paymentId, txid: original.txid, status: 'reverted', block_number: null })]);
    expect(await btc.eventTypes(paymentId)).toEqual(['payment.reverted']);

    await btc.mine(2);
    expect(await btc.get(intent.id)).toMatchObject({ status: 'pending', amount_received: '0' });
    expect(paymentRows(node.home).filter((r) => r.intent_id === intent.id)).toEqual([expect.objectContaining({ id: paymentId, status: 'reverted' })]);
  });

  it('a 0-conf payment that leaves the mempool because it was mined is attached to its block, never reverted', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const { txid } = await btc.pay(intent.id);
    await btc.untilPayment(intent.id, txid);
    await btc.mine(1);
    await btc.mine(1);
    const paid = await btc.get(intent.id);
    expect(paid).toMatchObject({ status: 'paid', amount_received: '0.0005' });
    expect(paid.payments).toEqual([expect.objectContaining({ txid, status: 'confirmed', reverted_at: null })]);
    expect(await btc.eventTypes(paid.payments[0].id)).toEqual([]);
  });
});
