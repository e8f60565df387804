import type { Db } from './db.ts';
import type { PaymentIntentRow } from './payment-intents-store.ts';

export type CheckoutSessionStatus = 'open' | 'complete' | 'expired' | 'canceled';

export interface CheckoutSessionRow {
  id: string;
  store_id: string;
  livemode: 0 | 1;
  status: CheckoutSessionStatus;
  amount: string;
  amount_decimals: number;
  currency: string;
  primary_intent_id: string | null;
  payment_intent_id: string | null;
  payment_link_id: string | null;
  custom_id: string | null;
  customer_email: string | null;
  description: string | null;
  metadata: string;
  success_url: string | null;
  cancel_url: string | null;
  created_at: string;
  expires_at: string;
  completed_at: string | null;
  canceled_at: string | null;
  updated_at: string;
}

export interface PaymentLinkRow {
  id: string;
  store_id: string;
  livemode: 0 | 1;
  amount: string | null;
  min_amount: string | null;
  max_amount: string | null;
  amount_decimals: number;
  currency: string;
  description: string | null;
  methods: string | null;
  success_url: string | null;
  cancel_url: string | null;
  metadata: string;
  active: 0 | 1;
  created_at: string;
  updated_at: string;
}

export interface CheckoutListFilter {
  storeId: string;
  livemode: boolean;
  status?: CheckoutSessionStatus | undefined;
  customId?: string | undefined;
  paymentLinkId?: string | undefined;
  before?: { created_at: string; id: string } | undefined;
  limit: number;
}

export interface PaymentLinkListFilter {
  storeId: string;
  livemode: boolean;
  active?: boolean | undefined;
  before?: { created_at: string; id: string } | undefined;
  limit: number;
}

const SESSION_COLUMNS = [
  'id', 'store_id', 'livemode', 'status', 'amount', 'amount_decimals', 'currency', 'primary_intent_id', 'payment_intent_id',
  'payment_link_id', 'custom_id', 'customer_email', 'description', 'metadata', 'success_url', 'cancel_url', 'created_at',
  'expires_at', 'completed_at', 'canceled_at', 'updated_at',
] as const;

const LINK_COLUMNS = [
  'id', 'store_id', 'livemode', 'amount', 'min_amount', 'max_amount', 'amount_decimals', 'currency', 'description', 'methods',
  'success_url', 'cancel_url', 'metadata', 'active', 'created_at', 'updated_at',
] as const;

const insertSql = (table: string, columns: readonly string[]) =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`;

/** Keyset page newest first: rows strictly older than `before` (created_at, id). */
function pageWhere(where: string[], params: Record<string, unknown>, before: { created_at: string; id: string } | undefined): void {
  if (!before) return;
  where.push('(created_at < @beforeCreated OR (created_at = @beforeCreated AND id < @beforeId))');
  params.beforeCreated = before.created_at;
  params.beforeId = before.id;
}

export function createCheckoutStore(db: Db) {
  const insertSession = db.prepare(insertSql('checkout_sessions', SESSION_COLUMNS));
  const sessionById = db.prepare<[string], CheckoutSessionRow>('SELECT * FROM checkout_sessions WHERE id = ?');
  const sessionByCustomId = db.prepare<[string, number, string], CheckoutSessionRow>(
    'SELECT * FROM checkout_sessions WHERE store_id = ? AND livemode = ? AND custom_id = ?',
  );
  const updateSessionState = db.prepare(
    `UPDATE checkout_sessions SET status = @status, payment_intent_id = @payment_intent_id, completed_at = @completed_at,
       canceled_at = @canceled_at, updated_at = @updated_at WHERE id = @id`,
  );
  const setPrimary = db.prepare('UPDATE checkout_sessions SET primary_intent_id = ?, expires_at = ? WHERE id = ?');
  const sessionOfIntent = db.prepare<[string], { checkout_session_id: string | null }>(
    'SELECT checkout_session_id FROM payment_intents WHERE id = ?',
  );
  const optionsOf = db.prepare<[string], PaymentIntentRow>(
    'SELECT * FROM payment_intents WHERE checkout_session_id = ? ORDER BY created_at, rowid',
  );
  const insertLink = db.prepare(insertSql('payment_links', LINK_COLUMNS));
  const linkById = db.prepare<[string], PaymentLinkRow>('SELECT * FROM payment_links WHERE id = ?');
  const updateLink = db.prepare(
    `UPDATE payment_links SET ${LINK_COLUMNS.filter((c) => !['id', 'store_id', 'livemode', 'created_at'].includes(c)).map((c) => `${c} = @${c}`).join(', ')}
     WHERE id = @id`,
  );

  return {
    insertSession: (row: CheckoutSessionRow) => void insertSession.run(row),
    getSession: (id: string) => sessionById.get(id) ?? null,
    findSessionByCustomId: (storeId: string, livemode: boolean, customId: string) =>
      sessionByCustomId.get(storeId, livemode ? 1 : 0, customId) ?? null,
    updateSessionState: (u: Pick<CheckoutSessionRow, 'id' | 'status' | 'payment_intent_id' | 'completed_at' | 'canceled_at' | 'updated_at'>) =>
      void updateSessionState.run(u),
    setPrimary: (id: string, primaryIntentId: string, expiresAt: string) => void setPrimary.run(primaryIntentId, expiresAt, id),
    /** Marks a payment intent as an option of a session (once; an intent belongs to one session). */
    sessionIdOfIntent: (intentId: string) => sessionOfIntent.get(intentId)?.checkout_session_id ?? null,
    /** The session's option intents, in the order they were created. */
    optionsOf: (sessionId: string) => optionsOf.all(sessionId),
    listSessions(f: CheckoutListFilter): CheckoutSessionRow[] {
      const where = ['store_id = @storeId', 'livemode = @livemode'];
      const params: Record<string, unknown> = { storeId: f.storeId, livemode: f.livemode ? 1 : 0, limit: f.limit };
      if (f.status) (where.push('status = @status'), (params.status = f.status));
      if (f.customId) (where.push('custom_id = @customId'), (params.customId = f.customId));
      if (f.paymentLinkId) (where.push('payment_link_id = @paymentLinkId'), (params.paymentLinkId = f.paymentLinkId));
      pageWhere(where, params, f.before);
      return db
        .prepare<Record<string, unknown>, CheckoutSessionRow>(
          `SELECT * FROM checkout_sessions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`,
        )
        .all(params);
    },

    insertLink: (row: PaymentLinkRow) => void insertLink.run(row),
    getLink: (id: string) => linkById.get(id) ?? null,
    updateLink: (row: PaymentLinkRow) => void updateLink.run(row),
    listLinks(f: PaymentLinkListFilter): PaymentLinkRow[] {
      const where = ['store_id = @storeId', 'livemode = @livemode'];
      const params: Record<string, unknown> = { storeId: f.storeId, livemode: f.livemode ? 1 : 0, limit: f.limit };
      if (f.active !== undefined) (where.push('active = @active'), (params.active = f.active ? 1 : 0));
      pageWhere(where, params, f.before);
      return db
        .prepare<Record<string, unknown>, PaymentLinkRow>(
          `SELECT * FROM payment_links WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`,
        )
        .all(params);
    },
  };
}
export type CheckoutStore = ReturnType<typeof createCheckoutStore>;
