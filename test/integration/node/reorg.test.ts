// SPEC §6 "Reorg": a payment whose block leaves the canonical chain becomes reverted, the intent
// falls back, payment.reverted fires; when the same transaction is mined again it is the same
// payment again and nothing is credited twice. The test owns the anvil (on-demand mining) and
// makes the reorg itself with evm_snapshot / evm_revert.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address, Hex } from 'viem';
import {
  headNumber,
  mineForward,
  openNodeDb,
  rpcCall,
  sendRawTransaction,
  signTokenTransfer,
  waitForScanned,
} from '../../helpers/devnet-control.ts';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';
import { apiClient, createApiKey, eventually, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';

let devnet: TestDevnet;
let node: TestNode;
let api: ApiClient;

const get = async (id: string) => (await api.get(`/api/v1/payment-intents/${id}`)).body.data;

function eventsAbout(objectIds: string[]): { type: string; object_id: string }[] {
  const db = openNodeDb(node.home);
  try {
    const marks = objectIds.map(() => '?').join(', ');
    return db.prepare(`SELECT type, object_id FROM events WHERE object_id IN (${marks}) ORDER BY seq`).all(...objectIds) as { type: string; object_id: string }[];
  } finally {
    db.close();
  }
}

function paymentRowsFor(txid: string): { id: string; status: string; intent_id: string }[] {
  const db = openNodeDb(node.home);
  try {
    return db.prepare('SELECT id, status, intent_id FROM payments WHERE txid = ?').all(txid) as { id: string; status: string; intent_id: string }[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTime: 0 });
  const home = tempHome();
  node = await startNode({ home, devnetRpc: devnet.rpcUrl });
  api = apiClient(node.merchantUrl, await createApiKey(home));
});
afterAll(async () => {
  await node?.stop();
  await devnet?.stop();
});

describe('chain reorganisation', () => {
  it('reverts a reorged-out payment, then credits the re-mined transaction once, as the same payment', async () => {
    const created = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '25.00' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const intent = created.body.data;
    expect(intent.confirmations_required).toBe(2);

    const snapshot = await rpcCall<Hex>(devnet.rpcUrl, 'evm_snapshot');
    const forkBase = await headNumber(devnet.rpcUrl);
    const transfer = await signTokenTransfer({
      rpcUrl: devnet.rpcUrl,
      from: devnet.info.faucet,
      token: devnet.info.tokens.USDT,
      to: intent.receive_address as Address,
      amount: 25_000_000n,
    });
    expect(await sendRawTransaction(devnet.rpcUrl, transfer.raw)).toBe(transfer.txid);
    await rpcCall(devnet.rpcUrl, 'anvil_mine', ['0x1']);

    // Seen in block forkBase+1: one confirmation of two.
    const detected = await eventually(async () => {
      const seen = await get(intent.id);
      return seen.status === 'confirming' ? seen : null;
    }, 'intent confirming');
    expect(detected.amount_received).toBe('25.00');
    expect(detected.payments).toHaveLength(1);
    expect(detected.payments[0]).toMatchObject({ txid: transfer.txid, block_number: forkBase + 1, status: 'detected', confirmations: 1 });
    const paymentId: string = detected.payments[0].id;
    const orphanedHash: string = detected.payments[0].block_hash;

    // The reorg: back to the fork base, then a longer chain without the transaction.
    expect(await rpcCall(devnet.rpcUrl, 'evm_revert', [snapshot])).toBe(true);
    await mineForward(devnet.rpcUrl, 3, 30);
    expect(await headNumber(devnet.rpcUrl)).toBe(forkBase + 3);
    expect(await rpcCall(devnet.rpcUrl, 'eth_getTransactionReceipt', [transfer.txid])).toBeNull();
    const replacement = await rpcCall<{ hash: string }>(devnet.rpcUrl, 'eth_getBlockByNumber', [`0x${(forkBase + 1).toString(16)}`, false]);
    expect(replacement.hash).not.toBe(orphanedHash);

    const reverted = await eventually(async () => {
      const seen = await get(intent.id);
      return seen.payments[0]?.status === 'reverted' ? seen : null;
    }, 'payment reverted');
    expect(reverted).toMatchObject({ status: 'pending', exception: null, amount_received: '0', amount_confirmed: '0', amount_due: '25.00' });
    expect(reverted.payments).toHaveLength(1);
    expect(reverted.payments[0]).toMatchObject({ id: paymentId, status: 'reverted', confirmations: 0 });
    expect(reverted.payments[0].reverted_at).not.toBeNull();
    expect(eventsAbout([paymentId]).map((e) => e.type)).toEqual(['payment.reverted']);

    // The same signed transaction is valid again on the new chain (the faucet's nonce went back).
    expect(await sendRawTransaction(devnet.rpcUrl, transfer.raw)).toBe(transfer.txid);
    await rpcCall(devnet.rpcUrl, 'anvil_mine', ['0x2']);

    const paid = await eventually(async () => {
      const seen = await get(intent.id);
      return seen.status === 'paid' ? seen : null;
    }, 'intent paid after the re-mine');
    expect(paid).toMatchObject({ exception: null, amount_received: '25.00', amount_confirmed: '25.00', amount_due: '0' });
    expect(paid.payments).toHaveLength(1);
    expect(paid.payments[0]).toMatchObject({ id: paymentId, txid: transfer.txid, block_number: forkBase + 4, status: 'confirmed', confirmations: 2, reverted_at: null });
    expect(paymentRowsFor(transfer.txid)).toEqual([{ id: paymentId, status: 'confirmed', intent_id: intent.id }]);

    // More blocks (rescans of nothing new) change nothing.
    await rpcCall(devnet.rpcUrl, 'anvil_mine', ['0x3']);
    await waitForScanned(node.merchantUrl, await headNumber(devnet.rpcUrl));
    expect(await get(intent.id)).toMatchObject({ status: 'paid', amount_received: '25.00', amount_confirmed: '25.00' });
    expect(paymentRowsFor(transfer.txid)).toHaveLength(1);

    // What a webhook consumer sees: the payment arrives, is taken back, arrives again, and the
    // intent is paid once. The second payment_detected is the same payment id, not a new one.
    expect(eventsAbout([intent.id, paymentId]).map((e) => e.type)).toEqual([
      'payment_intent.created',
      'payment_intent.payment_detected',
      'payment.reverted',
      'payment_intent.payment_detected',
      'payment_intent.paid',
    ]);
  });
});
