import type { Db } from './db.ts';

export type PaymentStatus = 'detected' | 'confirmed' | 'reverted';

export interface PaymentRow {
  id: string;
  intent_id: string;
  chain: string;
  txid: string;
  output_index: number;
  from_address: string;
  to_address: string;
  token_contract: string | null;
  amount: string;
  /** The three block fields are null while the transaction waits in the mempool. */
  block_number: number | null;
  block_hash: string | null;
  block_time: string | null;
  status: PaymentStatus;
  detected_at: string;
  confirmed_at: string | null;
  reverted_at: string | null;
  /** UTXO mempool payments: JSON array of the outpoints their transaction spends; else null. */
  spends?: string | null;
}

export interface UnattributedTransferRow {
  chain: string;
  txid: string;
  output_index: number;
  livemode: 0 | 1;
  to_address: string;
  from_address: string;
  token_contract: string | null;
  amount: string;
  block_number: number;
  block_hash: string;
  reason: 'asset_mismatch' | 'amount_mismatch';
  status: 'seen' | 'reverted';
  detected_at: string;
}

export function createPaymentsStore(db: Db) {
  const recordUnattributed = db.prepare(
    `INSERT INTO unattributed_transfers (chain, txid, output_index, livemode, to_address, from_address, token_contract, amount,
       block_number, block_hash, reason, status, detected_at)
     VALUES (@chain, @txid, @output_index, @livemode, @to_address, @from_address, @token_contract, @amount,
       @block_number, @block_hash, @reason, 'seen', @detected_at)
     ON CONFLICT (chain, txid, output_index) DO UPDATE SET status = 'seen', block_number = excluded.block_number,
       block_hash = excluded.block_hash`,
  );
  const revertUnattributed = db.prepare(
    `UPDATE unattributed_transfers SET status = 'reverted' WHERE chain = ? AND block_number >= ? AND status = 'seen'`,
  );
  const listUnattributed = db.prepare<[number], UnattributedTransferRow>(
    'SELECT * FROM unattributed_transfers ORDER BY detected_at DESC LIMIT ?',
  );
  const insertPayment = db.prepare(
    `INSERT INTO payments (id, intent_id, chain, txid, output_index, from_address, to_address, token_contract, amount,
       block_number, block_hash, block_time, status, detected_at, confirmed_at, reverted_at, spends)
     VALUES (@id, @intent_id, @chain, @txid, @output_index, @from_address, @to_address, @token_contract, @amount,
       @block_number, @block_hash, @block_time, @status, @detected_at, @confirmed_at, @reverted_at, @spends)`,
  );
  const byKey = db.prepare<[string, string, number], PaymentRow>(
    'SELECT * FROM payments WHERE chain = ? AND txid = ? AND output_index = ?',
  );
  // A re-mined transaction may land at another log index; match it by what it moved.
  const revertedTwin = db.prepare<[string, string, string, string, string | null], PaymentRow>(
    `SELECT * FROM payments WHERE chain = ? AND txid = ? AND status = 'reverted' AND to_address = ? AND amount = ?
       AND token_contract IS ? LIMIT 1`,
  );
  const revive = db.prepare(
    `UPDATE payments SET status = 'detected', output_index = @output_index, block_number = @block_number,
       block_hash = @block_hash, block_time = @block_time, reverted_at = NULL, confirmed_at = NULL WHERE id = @id`,
  );
  const byIntent = db.prepare<[string], PaymentRow>(
    'SELECT * FROM payments WHERE intent_id = ? ORDER BY block_number, output_index, id',
  );
  const unconfirmed = db.prepare<[string, number], PaymentRow>(
    `SELECT * FROM payments WHERE chain = ? AND status = 'detected' AND block_number <= ?`,
  );
  const markConfirmed = db.prepare(`UPDATE payments SET status = 'confirmed', confirmed_at = ? WHERE id = ?`);
  const fromBlock = db.prepare<[string, number], PaymentRow>(
    `SELECT * FROM payments WHERE chain = ? AND block_number >= ? AND status != 'reverted'`,
  );
  const pendingOnChain = db.prepare<[string], PaymentRow>(
    `SELECT * FROM payments WHERE chain = ? AND status = 'detected' AND block_number IS NULL`,
  );
  const attachBlock = db.prepare(
    `UPDATE payments SET block_number = @block_number, block_hash = @block_hash, block_time = @block_time WHERE id = @id`,
  );
  const revivePending = db.prepare(
    `UPDATE payments SET status = 'detected', block_number = NULL, block_hash = NULL, block_time = NULL, reverted_at = NULL, confirmed_at = NULL WHERE id = ?`,
  );
  const recentForStore = db.prepare<[string, number, number], PaymentRow>(
    `SELECT p.* FROM payments p JOIN payment_intents i ON i.id = p.intent_id
     WHERE i.store_id = ? AND i.livemode = ? ORDER BY p.detected_at DESC, p.id DESC LIMIT ?`,
  );
  const markReverted = db.prepare(`UPDATE payments SET status = 'reverted', reverted_at = ?, confirmed_at = NULL WHERE id = ?`);

  return {
    recordUnattributed: (row: Omit<UnattributedTransferRow, 'status'>) => void recordUnattributed.run(row),
    revertUnattributedFrom: (chain: string, block: number) => void revertUnattributed.run(chain, block),
    listUnattributed: (limit: number) => listUnattributed.all(limit),
    insert: (row: PaymentRow) => void insertPayment.run({ spends: null, ...row }),
    findByKey: (chain: string, txid: string, index: number) => byKey.get(chain, txid, index) ?? null,
    findRevertedTwin: (chain: string, txid: string, to: string, amount: string, token: string | null) =>
      revertedTwin.get(chain, txid, to, amount, token) ?? null,
    revive: (p: { id: string; output_index: number; block_number: number; block_hash: string; block_time: string }) =>
      void revive.run(p),
    listByIntent: (intentId: string) => byIntent.all(intentId),
    /** Detected (not yet confirmed) payments in blocks at or below `maxBlock`. */
    unconfirmedUpTo: (chain: string, maxBlock: number) => unconfirmed.all(chain, maxBlock),
    markConfirmed: (id: string, at: string) => void markConfirmed.run(at, id),
    liveFromBlock: (chain: string, block: number) => fromBlock.all(chain, block),
    markReverted: (id: string, at: string) => void markReverted.run(at, id),
    /** The newest payments of a store's intents in one mode (the dashboard's "recent payments"). */
    recentForStore: (storeId: string, livemode: boolean, limit: number) => recentForStore.all(storeId, livemode ? 1 : 0, limit),
    /** Payments still in the mempool (no block yet). */
    pendingOnChain: (chain: string) => pendingOnChain.all(chain),
    /** A mempool payment was mined. */
    attachBlock: (p: { id: string; block_number: number; block_hash: string; block_time: string }) => void attachBlock.run(p),
    /** A reverted payment is back in the mempool (replaced by a reorg, or rebroadcast). */
    revivePending: (id: string) => void revivePending.run(id),
  };
}
export type PaymentsStore = ReturnType<typeof createPaymentsStore>;
