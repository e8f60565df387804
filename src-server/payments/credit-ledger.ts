// The credit ledger: what the chain watchers report becomes payments on intents, exactly once
// per (chain, txid, output), and every change funnels into the intent recompute.
import type { Logger } from 'pino';
import type { DetectedTransfer, PendingTransfer } from '../chains/types.ts';
import type { LedgerPort } from '../watch/chain-watcher.ts';
import type { Storage } from '../storage/index.ts';
import type { WatchedIntent } from '../storage/payment-intents-store.ts';
import { newId } from '../util/ids.ts';
import type { EventsService } from '../webhooks/events-service.ts';
import type { PaymentChanges } from './lifecycle.ts';
import { attributeSharedTransfer } from './unique-amount.ts';

const ISO = (d: Date) => d.toISOString();

/** A new detected payment of `intentId`: a mined transfer with its block, a mempool one with the outpoints it spends. */
function insertDetectedPayment(storage: Storage, chain: string, intentId: string, t: DetectedTransfer | PendingTransfer, now: Date): string {
  const mined = 'blockNumber' in t;
  const id = newId('pay');
  storage.payments.insert({
    id,
    intent_id: intentId,
    chain,
    txid: t.txid,
    output_index: t.index,
    from_address: t.from,
    to_address: t.to,
    token_contract: t.tokenContract,
    amount: t.amount.toString(),
    block_number: mined ? t.blockNumber : null,
    block_hash: mined ? t.blockHash : null,
    block_time: mined ? new Date(t.blockTime * 1000).toISOString() : null,
    status: 'detected',
    detected_at: ISO(now),
    confirmed_at: null,
    reverted_at: null,
    spends: mined ? null : JSON.stringify(t.spends),
  });
  return id;
}

export function createCreditLedger(deps: {
  storage: Storage;
  events: EventsService;
  logger: Logger;
  /** Re-derives an intent's state from its payments (inside the caller's transaction). */
  recompute: (intentId: string, now: Date, changes?: PaymentChanges) => void;
}): LedgerPort {
  const { storage, events, logger, recompute } = deps;

  /** The intents watching each recipient: one indexed lookup per distinct address, O(transfers) not O(open intents). */
  function watchersOf(chain: string, transfers: readonly { to: string }[], now: Date): Map<string, WatchedIntent[]> {
    const byAddress = new Map<string, WatchedIntent[]>();
    for (const address of new Set(transfers.map((t) => t.to))) {
      const watching = storage.intents.watchedAt(chain, address, ISO(now));
      if (watching.length > 0) byAddress.set(address, watching);
    }
    return byAddress;
  }
  return {
    creditTransfers(chain: string, transfers: DetectedTransfer[], now: Date): void {
      if (transfers.length === 0) return;
      const byAddress = watchersOf(chain, transfers, now);
      const touched = new Map<string, { detected: string[]; reverted: string[] }>();
      for (const t of transfers) {
        const candidates = byAddress.get(t.to);
        if (!candidates) continue;
        const sameAsset = candidates.filter((c) => c.token_contract === t.tokenContract);
        const intent = sameAsset[0]?.address_mode === 'shared' ? attributeSharedTransfer(t.amount, sameAsset) : sameAsset[0];
        if (!intent) {
          // The money is at our address either way; only what it pays is unknown. Keep it for the operator.
          const reason = sameAsset.length ? 'amount_mismatch' : 'asset_mismatch';
          storage.payments.recordUnattributed({
            chain,
            txid: t.txid,
            output_index: t.index,
            livemode: storage.intents.get(candidates[0]!.id)!.livemode,
            to_address: t.to,
            from_address: t.from,
            token_contract: t.tokenContract,
            amount: t.amount.toString(),
            block_number: t.blockNumber,
            block_hash: t.blockHash,
            reason,
            detected_at: ISO(now),
          });
          logger.warn({ chain, txid: t.txid, to: t.to, token: t.tokenContract, amount: t.amount.toString(), reason }, 'transfer to our address pays no intent; kept for the operator');
          continue;
        }
        const existing = storage.payments.findByKey(chain, t.txid, t.index)
          ?? storage.payments.findRevertedTwin(chain, t.txid, t.to, t.amount.toString(), t.tokenContract);
        const blockTime = new Date(t.blockTime * 1000).toISOString();
        let paymentId: string;
        if (existing && existing.status !== 'reverted') {
          // Seen in the mempool before: now it has a block, and confirmations start counting.
          if (existing.block_number === null) storage.payments.attachBlock({ id: existing.id, block_number: t.blockNumber, block_hash: t.blockHash, block_time: blockTime });
          continue; // credited already
        }
        if (existing) {
          // A reorged-out transaction mined again: the same payment comes back, never a second one.
          storage.payments.revive({ id: existing.id, output_index: t.index, block_number: t.blockNumber, block_hash: t.blockHash, block_time: blockTime });
          paymentId = existing.id;
        } else {
          paymentId = insertDetectedPayment(storage, chain, intent.id, t, now);
        }
        const entry = touched.get(intent.id) ?? { detected: [], reverted: [] };
        entry.detected.push(paymentId);
        touched.set(intent.id, entry);
      }
      for (const [intentId, changes] of touched) recompute(intentId, now, changes);
    },

    hasUnconfirmed(chain: string, head: number): boolean {
      return storage.payments.unconfirmedUpTo(chain, head).length > 0;
    },

    confirmUpTo(chain: string, head: number, now: Date, finalized?: number): void {
      const touched = new Set<string>();
      const required = new Map<string, number>();
      for (const p of storage.payments.unconfirmedUpTo(chain, head)) {
        let need = required.get(p.intent_id);
        if (need === undefined) {
          need = storage.intents.get(p.intent_id)!.confirmations_required;
          required.set(p.intent_id, need);
        }
        if (head - p.block_number! + 1 >= need || (finalized !== undefined && p.block_number! <= finalized)) {
          storage.payments.markConfirmed(p.id, ISO(now));
          touched.add(p.intent_id);
        }
      }
      for (const id of touched) recompute(id, now);
    },

    creditPending(chain: string, transfers: PendingTransfer[], now: Date): void {
      if (transfers.length === 0) return;
      const byAddress = watchersOf(chain, transfers, now);
      const touched = new Map<string, { detected: string[]; reverted: string[] }>();
      const entry = (intentId: string) => {
        const e = touched.get(intentId) ?? { detected: [], reverted: [] };
        touched.set(intentId, e);
        return e;
      };
      // A transaction spending what a waiting payment's transaction spends replaces it (RBF) or
      // double-spends it: that payment is reverted here, before the newcomer counts, never both at once.
      const spentBy = new Map<string, string>();
      for (const t of transfers) for (const outpoint of t.spends) spentBy.set(outpoint, t.txid);
      for (const p of storage.payments.pendingOnChain(chain)) {
        const spends = p.spends ? (JSON.parse(p.spends) as string[]) : [];
        const conflicting = spends.map((o) => spentBy.get(o)).find((txid) => txid !== undefined && txid !== p.txid);
        if (!conflicting) continue;
        storage.payments.markReverted(p.id, ISO(now));
        entry(p.intent_id).reverted.push(p.id);
        logger.warn({ chain, txid: p.txid, by: conflicting, intent: p.intent_id }, 'unconfirmed payment replaced by a conflicting transaction (RBF or double spend): reverted');
      }
      for (const t of transfers) {
        const candidates = byAddress.get(t.to)?.filter((c) => c.token_contract === null);
        if (!candidates?.length) continue; // what pays no intent is recorded once it is mined
        const intent = candidates[0]!.address_mode === 'shared' ? attributeSharedTransfer(t.amount, candidates) : candidates[0];
        if (!intent) continue;
        const existing = storage.payments.findByKey(chain, t.txid, t.index);
        if (existing && existing.status !== 'reverted') continue; // seen already
        let paymentId: string;
        if (existing) {
          storage.payments.revivePending(existing.id);
          paymentId = existing.id;
        } else {
          paymentId = insertDetectedPayment(storage, chain, intent.id, t, now);
        }
        entry(intent.id).detected.push(paymentId);
        logger.info({ chain, txid: t.txid, intent: intent.id, amount: t.amount.toString(), replaceable: t.replaceable }, 'payment seen in the mempool');
      }
      for (const [intentId, changes] of touched) recompute(intentId, now, changes);
    },

    revertPending(chain: string, txids: ReadonlySet<string>, now: Date): void {
      const touched = new Map<string, string[]>();
      for (const p of storage.payments.pendingOnChain(chain)) {
        if (!txids.has(p.txid)) continue;
        storage.payments.markReverted(p.id, ISO(now));
        touched.set(p.intent_id, [...(touched.get(p.intent_id) ?? []), p.id]);
        logger.warn({ chain, txid: p.txid, intent: p.intent_id }, 'unconfirmed payment left the mempool (replaced, double-spent or dropped): reverted');
      }
      for (const [id, reverted] of touched) recompute(id, now, { detected: [], reverted });
    },

    pendingTxids(chain: string): string[] {
      return [...new Set(storage.payments.pendingOnChain(chain).map((p) => p.txid))];
    },

    revertFrom(chain: string, fromBlock: number, now: Date): void {
      storage.payments.revertUnattributedFrom(chain, fromBlock);
      const touched = new Map<string, string[]>();
      for (const p of storage.payments.liveFromBlock(chain, fromBlock)) {
        storage.payments.markReverted(p.id, ISO(now));
        touched.set(p.intent_id, [...(touched.get(p.intent_id) ?? []), p.id]);
      }
      for (const [id, reverted] of touched) recompute(id, now, { detected: [], reverted });
    },

    afterCommit: () => events.flush(),
    afterRollback: () => events.discardPending(),
  };
}
