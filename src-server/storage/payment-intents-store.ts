import type { Db } from './db.ts';

export type IntentStatus = 'pending' | 'confirming' | 'paid' | 'expired' | 'canceled' | 'refunded';
export type IntentException = 'underpaid' | 'overpaid' | 'paid_late' | null;

export interface PaymentIntentRow {
  id: string;
  store_id: string;
  livemode: 0 | 1;
  status: IntentStatus;
  exception: IntentException;
  network: string;
  chain: string;
  asset: string;
  decimals: number;
  token_contract: string | null;
  amount: string;
  currency: string;
  fiat_amount: string | null;
  rate: string | null;
  pay_amount: string;
  tolerance: string;
  amount_received: string;
  amount_confirmed: string;
  receive_address: string;
  watch_address: string;
  address_mode: 'unique' | 'shared';
  address_scheme: string;
  address_index: number;
  confirmations_required: number;
  late_payment_policy: 'accept' | 'flag';
  custom_id: string | null;
  /** The checkout session this intent is an option of (set at creation), else null. */
  checkout_session_id: string | null;
  customer_email: string | null;
  description: string | null;
  metadata: string;
  success_url: string | null;
  cancel_url: string | null;
  created_at: string;
  expires_at: string;
  monitor_until: string;
  paid_at: string | null;
  canceled_at: string | null;
  updated_at: string;
}

export interface IntentListFilter {
  storeId: string;
  livemode: boolean;
  status?: IntentStatus | undefined;
  customId?: string | undefined;
  createdGte?: string | undefined;
  createdLte?: string | undefined;
  /** Keyset cursor: rows strictly older than this (created_at, id). */
  before?: { created_at: string; id: string } | undefined;
  limit: number;
}

/** The dashboard's invoice search: every filter optional, `search` over ids, email, address and txids. */
export interface IntentSearchFilter {
  storeId: string;
  livemode: boolean;
  status?: IntentStatus | undefined;
  exception?: Exclude<IntentException, null> | undefined;
  network?: string | undefined;
  asset?: string | undefined;
  createdGte?: string | undefined;
  createdLte?: string | undefined;
  /** Prefix (or exact) match; `hex` compares addresses and txids case-insensitively. */
  search?: { text: string; lower: string; length: number; hex: boolean } | undefined;
  before?: { created_at: string; id: string } | undefined;
  limit: number;
}

/** A paid intent as the dashboard's volume figures need it. */
export interface PaidIntentRow {
  network: string;
  asset: string;
  decimals: number;
  amount_received: string;
  paid_at: string;
}

export interface WatchedIntent {
  id: string;
  watch_address: string;
  token_contract: string | null;
  address_mode: 'unique' | 'shared';
  pay_amount: string;
  status: IntentStatus;
}

export interface IntentStateUpdate {
  id: string;
  status: IntentStatus;
  exception: IntentException;
  amount_received: string;
  amount_confirmed: string;
  paid_at: string | null;
  canceled_at: string | null;
  updated_at: string;
}

const COLUMNS = [
  'id', 'store_id', 'livemode', 'status', 'exception', 'network', 'chain', 'asset', 'decimals', 'token_contract',
  'amount', 'currency', 'fiat_amount', 'rate', 'pay_amount', 'tolerance', 'amount_received', 'amount_confirmed',
  'receive_address', 'watch_address', 'address_mode', 'address_scheme', 'address_index', 'confirmations_required',
  'late_payment_policy', 'custom_id', 'customer_email', 'description', 'metadata', 'success_url', 'cancel_url',
  'created_at', 'expires_at', 'monitor_until', 'paid_at', 'canceled_at', 'updated_at', 'checkout_session_id',
] as const;

export function createPaymentIntentsStore(db: Db) {
  const insertIntent = db.prepare(
    `INSERT INTO payment_intents (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')})`,
  );
  const byId = db.prepare<[string], PaymentIntentRow>('SELECT * FROM payment_intents WHERE id = ?');
  const byCustomId = db.prepare<[string, number, string], PaymentIntentRow>(
    'SELECT * FROM payment_intents WHERE store_id = ? AND livemode = ? AND custom_id = ?',
  );
  const watched = db.prepare<[string, string], WatchedIntent>(
    'SELECT id, watch_address, token_contract, address_mode, pay_amount, status FROM payment_intents WHERE chain = ? AND monitor_until > ?',
  );
  const watchedAt = db.prepare<[string, string, string], WatchedIntent>(
    'SELECT id, watch_address, token_contract, address_mode, pay_amount, status FROM payment_intents WHERE chain = ? AND watch_address = ? AND monitor_until > ?',
  );
  const watchedAfter = db.prepare<[number, number, string, string], { watch_address: string; token_contract: string | null }>(
    'SELECT watch_address, token_contract FROM payment_intents WHERE rowid > ? AND rowid <= ? AND chain = ? AND monitor_until > ?',
  );
  const maxRowid = db.prepare<[], number | null>('SELECT max(rowid) FROM payment_intents').pluck();
  const dueForExpiry = db.prepare<[string, number], { id: string; chain: string; expires_at: string }>(
    `SELECT id, chain, expires_at FROM payment_intents WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
  );
  const updateState = db.prepare(
    `UPDATE payment_intents SET status = @status, exception = @exception, amount_received = @amount_received,
       amount_confirmed = @amount_confirmed, paid_at = @paid_at, canceled_at = @canceled_at, updated_at = @updated_at
     WHERE id = @id`,
  );
  const sharedAmounts = db.prepare<[string, string, string | null, string], { pay_amount: string }>(
    `SELECT pay_amount FROM payment_intents WHERE address_mode = 'shared' AND chain = ? AND watch_address = ?
       AND token_contract IS ? AND monitor_until > ?`,
  );
  const setExpiry = db.prepare(
    'UPDATE payment_intents SET expires_at = ?, monitor_until = ?, updated_at = ? WHERE id = ?',
  );
  const paidBetween = db.prepare<[string, number, string, string], PaidIntentRow>(
    `SELECT network, asset, decimals, amount_received, paid_at FROM payment_intents
     WHERE store_id = ? AND livemode = ? AND status = 'paid' AND paid_at >= ? AND paid_at < ?`,
  );
  const statusCounts = db.prepare<[string, number], { status: IntentStatus; n: number }>(
    'SELECT status, count(*) AS n FROM payment_intents WHERE store_id = ? AND livemode = ? GROUP BY status',
  );
  const attentionCount = db.prepare<[string, number], { n: number }>(
    `SELECT count(*) AS n FROM payment_intents WHERE store_id = ? AND livemode = ? AND status = 'expired' AND exception IN ('paid_late', 'underpaid')`,
  );
  const updatedSince = db.prepare<[string, number, string, number], PaymentIntentRow>(
    'SELECT * FROM payment_intents WHERE store_id = ? AND livemode = ? AND updated_at > ? ORDER BY updated_at LIMIT ?',
  );
  const setPolicy = db.prepare('UPDATE payment_intents SET late_payment_policy = ?, updated_at = ? WHERE id = ?');
  const countOpen = db.prepare<[string, string], { n: number }>(
    `SELECT count(*) AS n FROM payment_intents WHERE chain = ? AND monitor_until > ?`,
  );
  /** list() and search(): rows matching `where`, newest first, strictly older than the keyset cursor `before`. */
  const newestFirst = (where: string[], params: Record<string, unknown>, before: { created_at: string; id: string } | undefined): PaymentIntentRow[] => {
    if (before) {
      where.push('(created_at < @beforeCreated OR (created_at = @beforeCreated AND id < @beforeId))');
      params.beforeCreated = before.created_at;
      params.beforeId = before.id;
    }
    return db
      .prepare<Record<string, unknown>, PaymentIntentRow>(
        `SELECT * FROM payment_intents WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`,
      )
      .all(params);
  };

  return {
    insert: (row: PaymentIntentRow) => void insertIntent.run(row),
    get: (id: string) => byId.get(id) ?? null,
    findByCustomId: (storeId: string, livemode: boolean, customId: string) =>
      byCustomId.get(storeId, livemode ? 1 : 0, customId) ?? null,
    list(f: IntentListFilter): PaymentIntentRow[] {
      const where = ['store_id = @storeId', 'livemode = @livemode'];
      const params: Record<string, unknown> = { storeId: f.storeId, livemode: f.livemode ? 1 : 0, limit: f.limit };
      if (f.status) (where.push('status = @status'), (params.status = f.status));
      if (f.customId) (where.push('custom_id = @customId'), (params.customId = f.customId));
      if (f.createdGte) (where.push('created_at >= @createdGte'), (params.createdGte = f.createdGte));
      if (f.createdLte) (where.push('created_at <= @createdLte'), (params.createdLte = f.createdLte));
      return newestFirst(where, params, f.before);
    },
    /** The dashboard's filtered, searched list, newest first (keyset cursor as list()). */
    search(f: IntentSearchFilter): PaymentIntentRow[] {
      const where = ['store_id = @storeId', 'livemode = @livemode'];
      const params: Record<string, unknown> = { storeId: f.storeId, livemode: f.livemode ? 1 : 0, limit: f.limit };
      if (f.status) (where.push('status = @status'), (params.status = f.status));
      if (f.exception) (where.push('exception = @exception'), (params.exception = f.exception));
      if (f.network) (where.push('network = @network'), (params.network = f.network));
      if (f.asset) (where.push('asset = @asset'), (params.asset = f.asset));
      if (f.createdGte) (where.push('created_at >= @createdGte'), (params.createdGte = f.createdGte));
      if (f.createdLte) (where.push('created_at <= @createdLte'), (params.createdLte = f.createdLte));
      if (f.search) {
        Object.assign(params, { q: f.search.text, qLower: f.search.lower, qLen: f.search.length, qHex: f.search.hex ? 1 : 0 });
        // Addresses and txids in hex match whatever their case; base58 ones are case-sensitive.
        const prefixed = (column: string) => `(CASE WHEN @qHex = 1 THEN lower(substr(${column}, 1, @qLen)) = @qLower ELSE substr(${column}, 1, @qLen) = @q END)`;
        where.push(
          `(substr(id, 1, @qLen) = @q OR substr(custom_id, 1, @qLen) = @q OR lower(substr(customer_email, 1, @qLen)) = @qLower
            OR ${prefixed('receive_address')}
            OR EXISTS (SELECT 1 FROM payments p WHERE p.intent_id = payment_intents.id AND ${prefixed('p.txid')}))`,
        );
      }
      return newestFirst(where, params, f.before);
    },
    /** Intents that became paid in [from, to) (ISO), for volume figures. */
    paidBetween: (storeId: string, livemode: boolean, from: string, to: string) => paidBetween.all(storeId, livemode ? 1 : 0, from, to),
    countByStatus(storeId: string, livemode: boolean): Partial<Record<IntentStatus, number>> {
      return Object.fromEntries(statusCounts.all(storeId, livemode ? 1 : 0).map((r) => [r.status, r.n]));
    },
    /** Expired with a late payment awaiting the operator, or underpaid. */
    countNeedingAttention: (storeId: string, livemode: boolean) => attentionCount.get(storeId, livemode ? 1 : 0)!.n,
    /** Intents written after `since` (ISO), oldest change first: the dashboard stream's catch-up. */
    updatedSince: (storeId: string, livemode: boolean, since: string, limit: number) => updatedSince.all(storeId, livemode ? 1 : 0, since, limit),
    /** The operator's decision on one intent (accepting a flagged late payment). */
    setLatePaymentPolicy: (id: string, policy: 'accept' | 'flag', at: string) => void setPolicy.run(policy, at, id),
    /** Every intent whose address the watcher must still look at on this chain. */
    watchedOnChain: (chain: string, now: string) => watched.all(chain, now),
    countWatched: (chain: string, now: string) => countOpen.get(chain, now)!.n,
    /** The intents watching one address on this chain (the ledger's lookup per transfer). */
    watchedAt: (chain: string, watchAddress: string, now: string) => watchedAt.all(chain, watchAddress, now),
    /** The newest intent's rowid (intents are never deleted, so rowids only grow): a high-water mark. */
    maxRowid: () => maxRowid.get() ?? 0,
    /** Watched addresses of intents with afterRowid < rowid <= upToRowid: the watcher's incremental watch set. */
    watchedAddressesBetween: (chain: string, now: string, afterRowid: number, upToRowid: number) => watchedAfter.all(afterRowid, upToRowid, chain, now),
    /** pay_amounts still watched on a shared address for one asset: a new intent must not reuse them. */
    sharedPayAmountsInUse: (chain: string, watchAddress: string, tokenContract: string | null, now: string) =>
      sharedAmounts.all(chain, watchAddress, tokenContract, now).map((r) => BigInt(r.pay_amount)),
    dueForExpiry: (now: string, limit: number) => dueForExpiry.all(now, limit),
    updateState: (u: IntentStateUpdate) => void updateState.run(u),
    setExpiry: (id: string, expiresAt: string, monitorUntil: string, at: string) =>
      void setExpiry.run(expiresAt, monitorUntil, at, id),
  };
}
export type PaymentIntentsStore = ReturnType<typeof createPaymentIntentsStore>;
