// Payment links: a reusable URL (`/l/plink_…` on the public listener) that opens a new checkout
// session on every visit, for a fixed amount or one the customer chooses within bounds.
// DELETE archives a link (active = false): it stops opening sessions but stays readable, since
// sessions and payments already made through it point at it.
import { formatAmount } from '../money/amount.ts';
import type { PaymentLinkRow } from '../storage/checkout-store.ts';
import type { Storage } from '../storage/index.ts';
import { isWellFormedId, newId } from '../util/ids.ts';
import { isoSeconds } from '../util/time.ts';
import type { CheckoutSessionsService, PublicCheckoutSession } from './checkout-sessions-service.ts';
import {
  checkoutCurrency,
  linkSessionAmount,
  parseCheckoutAmount,
  resolveCheckoutCurrency,
  resolveMethods,
  type CheckoutCurrency,
  type MethodInput,
} from './checkout-rules.ts';
import { PaymentInputError, type Caller } from './payment-intents-service.ts';
import { listPage } from '../util/list-page.ts';
import { ownedBy } from '../util/owned-by.ts';

export interface PaymentLinkInput {
  /** Fixed amount; null or absent = the customer chooses. */
  amount?: string | number | null | undefined;
  min_amount?: string | number | null | undefined;
  max_amount?: string | number | null | undefined;
  currency?: string | undefined;
  description?: string | null | undefined;
  methods?: MethodInput[] | null | undefined;
  success_url?: string | null | undefined;
  cancel_url?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  active?: boolean | undefined;
}

export interface PublicPaymentLink {
  id: string;
  livemode: boolean;
  active: boolean;
  /** null: the customer chooses. */
  amount: string | null;
  currency: string;
  description: string | null;
  min_amount: string | null;
  max_amount: string | null;
}

export interface PaymentLinksDeps {
  storage: Storage;
  checkoutSessions: CheckoutSessionsService;
  publicBaseUrl: () => string;
  clock?: () => Date;
}

const ISO = (d: Date) => d.toISOString();
const fmt = (units: string | null, decimals: number) => (units === null ? null : formatAmount(BigInt(units), decimals));

/** Amount terms of a link, validated: fixed, or customer-chosen with min ≤ max. */
function linkTerms(input: { amount: unknown; min: unknown; max: unknown }, currency: CheckoutCurrency) {
  const given = (v: unknown) => v !== undefined && v !== null;
  const amount = given(input.amount) ? parseCheckoutAmount(input.amount, currency, 'amount') : null;
  if (amount !== null && (given(input.min) || given(input.max))) {
    const param = given(input.min) ? 'min_amount' : 'max_amount';
    throw new PaymentInputError(400, 'parameter_invalid', param, `${param} applies only when the customer chooses the amount (amount null); this link has a fixed amount`);
  }
  const min = given(input.min) ? parseCheckoutAmount(input.min, currency, 'min_amount') : null;
  const max = given(input.max) ? parseCheckoutAmount(input.max, currency, 'max_amount') : null;
  if (min !== null && max !== null && min > max) throw new PaymentInputError(400, 'parameter_invalid', 'max_amount', 'max_amount must not be below min_amount');
  return { amount, min, max };
}

export function createPaymentLinksService(deps: PaymentLinksDeps) {
  const { storage, checkoutSessions } = deps;
  const clock = deps.clock ?? (() => new Date());

  function serialize(row: PaymentLinkRow) {
    return {
      object: 'payment_link' as const,
      id: row.id,
      livemode: row.livemode === 1,
      active: row.active === 1,
      url: `${deps.publicBaseUrl().replace(/\/$/, '')}/l/${row.id}`,
      amount: fmt(row.amount, row.amount_decimals),
      min_amount: fmt(row.min_amount, row.amount_decimals),
      max_amount: fmt(row.max_amount, row.amount_decimals),
      currency: row.currency,
      description: row.description,
      methods: row.methods === null ? null : (JSON.parse(row.methods) as { network: string; asset?: string }[]),
      success_url: row.success_url,
      cancel_url: row.cancel_url,
      metadata: JSON.parse(row.metadata) as Record<string, string>,
      created_at: isoSeconds(new Date(row.created_at)),
      updated_at: isoSeconds(new Date(row.updated_at)),
    };
  }
  type PaymentLinkObject = ReturnType<typeof serialize>;

  function ownedRow(caller: Caller, id: string): PaymentLinkRow {
    const row = isWellFormedId(id, 'plink') ? storage.checkout.getLink(id) : null;
    if (!ownedBy(row, caller)) {
      throw new PaymentInputError(404, 'resource_missing', 'id', `No such payment_link: '${id.slice(0, 80)}'`);
    }
    return row;
  }

  /** Validates the whole link (after a create or a patch) and returns its row fields. */
  function validated(caller: Caller, input: PaymentLinkInput, current: PaymentLinkRow | null) {
    const pick = <K extends keyof PaymentLinkInput>(key: K, fromRow: unknown) => (input[key] !== undefined ? input[key] : fromRow);
    const currencyInput = input.currency ?? current?.currency;
    const currency = checkoutCurrency(currencyInput);
    // Amounts kept from the row are re-read in the (possibly new) currency's units.
    const fromRow = (units: string | null | undefined) => (units === null || units === undefined || !current ? null : formatAmount(BigInt(units), current.amount_decimals));
    const amountPatched = input.amount !== undefined;
    const terms = linkTerms(
      {
        amount: pick('amount', fromRow(current?.amount)),
        // Setting a fixed amount clears the bounds a customer-chosen link had.
        min: amountPatched && input.amount !== null && input.min_amount === undefined ? null : pick('min_amount', fromRow(current?.min_amount)),
        max: amountPatched && input.amount !== null && input.max_amount === undefined ? null : pick('max_amount', fromRow(current?.max_amount)),
      },
      currency,
    );
    const methodsInput = input.methods !== undefined ? input.methods : current?.methods ? (JSON.parse(current.methods) as MethodInput[]) : null;
    const methods = methodsInput === null ? null : resolveMethods(methodsInput).map((m) => (m.asset ? { network: m.network.id, asset: m.asset.symbol } : { network: m.network.id }));
    // A link nobody could pay is refused now, not on the customer's first visit.
    checkoutSessions.priceableOptions(caller.livemode, currency, terms.amount ?? terms.min ?? 1n, methods ?? undefined);
    return {
      amount: terms.amount?.toString() ?? null,
      min_amount: terms.min?.toString() ?? null,
      max_amount: terms.max?.toString() ?? null,
      amount_decimals: currency.decimals,
      currency: currency.code,
      methods: methods === null ? null : JSON.stringify(methods),
    };
  }

  return {
    serialize,

    create(caller: Caller, input: PaymentLinkInput): PaymentLinkObject {
      const now = clock();
      if (!storage.stores.get(caller.storeId)) throw new PaymentInputError(404, 'resource_missing', null, 'the key\'s store no longer exists');
      const row: PaymentLinkRow = {
        id: newId('plink'),
        store_id: caller.storeId,
        livemode: caller.livemode ? 1 : 0,
        ...validated(caller, input, null),
        description: input.description ?? null,
        success_url: input.success_url ?? null,
        cancel_url: input.cancel_url ?? null,
        metadata: JSON.stringify(input.metadata ?? {}),
        active: input.active === false ? 0 : 1,
        created_at: ISO(now),
        updated_at: ISO(now),
      };
      storage.checkout.insertLink(row);
      return serialize(row);
    },

    get(caller: Caller, id: string): PaymentLinkObject {
      return serialize(ownedRow(caller, id));
    },

    list(caller: Caller, q: { limit: number; startingAfter?: string | undefined; active?: boolean | undefined }) {
      let before: { created_at: string; id: string } | undefined;
      if (q.startingAfter !== undefined) {
        const anchor = isWellFormedId(q.startingAfter, 'plink') ? storage.checkout.getLink(q.startingAfter) : null;
        if (!ownedBy(anchor, caller)) {
          throw new PaymentInputError(400, 'parameter_invalid', 'starting_after', `starting_after: no such payment_link '${q.startingAfter.slice(0, 80)}'`);
        }
        before = { created_at: anchor.created_at, id: anchor.id };
      }
      const rows = storage.checkout.listLinks({ storeId: caller.storeId, livemode: caller.livemode, active: q.active, before, limit: q.limit + 1 });
      return listPage(rows, q.limit, serialize);
    },

    update(caller: Caller, id: string, patch: PaymentLinkInput): PaymentLinkObject {
      const now = clock();
      const row = storage.transaction(() => {
        const current = ownedRow(caller, id);
        const updated: PaymentLinkRow = {
          ...current,
          ...validated(caller, patch, current),
          description: patch.description !== undefined ? patch.description : current.description,
          success_url: patch.success_url !== undefined ? patch.success_url : current.success_url,
          cancel_url: patch.cancel_url !== undefined ? patch.cancel_url : current.cancel_url,
          metadata: patch.metadata !== undefined ? JSON.stringify(patch.metadata) : current.metadata,
          active: patch.active === undefined ? current.active : patch.active ? 1 : 0,
          updated_at: ISO(now),
        };
        storage.checkout.updateLink(updated);
        return updated;
      });
      return serialize(row);
    },

    /** DELETE archives: the link stops opening sessions (active = false) and stays readable; PATCH {active: true} restores it. */
    delete(caller: Caller, id: string): PaymentLinkObject {
      const now = clock();
      const row = storage.transaction(() => {
        const current = ownedRow(caller, id);
        const archived: PaymentLinkRow = { ...current, active: 0, updated_at: current.active === 0 ? current.updated_at : ISO(now) };
        storage.checkout.updateLink(archived);
        return archived;
      });
      return serialize(row);
    },

    /** For the public listener: what a visitor may see of a link, or null for any id that is not one. */
    getPublic(id: string): PublicPaymentLink | null {
      if (typeof id !== 'string' || !isWellFormedId(id, 'plink')) return null;
      const row = storage.checkout.getLink(id);
      if (!row) return null;
      return {
        id: row.id,
        livemode: row.livemode === 1,
        active: row.active === 1,
        amount: fmt(row.amount, row.amount_decimals),
        currency: row.currency,
        description: row.description,
        min_amount: fmt(row.min_amount, row.amount_decimals),
        max_amount: fmt(row.max_amount, row.amount_decimals),
      };
    },

    /**
     * A visit: opens a NEW checkout session for the link, in the link's mode. Throws PaymentInputError:
     * 404 resource_missing (no such link), 409 payment_link_inactive (archived), 400 naming `amount`
     * (missing, malformed, too precise or out of the link's range), or the session's own 4xx.
     */
    openSession(id: string, input: { amount?: string | number | undefined }): PublicCheckoutSession {
      const row = typeof id === 'string' && isWellFormedId(id, 'plink') ? storage.checkout.getLink(id) : null;
      if (!row) throw new PaymentInputError(404, 'resource_missing', 'id', 'No such payment link');
      if (row.active !== 1) throw new PaymentInputError(409, 'payment_link_inactive', 'id', 'This payment link is no longer active');
      const currency = resolveCheckoutCurrency(row.currency)!;
      const units = linkSessionAmount(
        {
          amount: row.amount === null ? null : BigInt(row.amount),
          min: row.min_amount === null ? null : BigInt(row.min_amount),
          max: row.max_amount === null ? null : BigInt(row.max_amount),
          currency: { ...currency, decimals: row.amount_decimals },
        },
        input.amount,
      );
      const caller = { storeId: row.store_id, livemode: row.livemode === 1 };
      const session = checkoutSessions.create(caller, {
        amount: formatAmount(units, row.amount_decimals),
        currency: row.currency,
        description: row.description ?? undefined,
        metadata: JSON.parse(row.metadata) as Record<string, string>,
        success_url: row.success_url ?? undefined,
        cancel_url: row.cancel_url ?? undefined,
        methods: row.methods === null ? undefined : (JSON.parse(row.methods) as MethodInput[]),
        payment_link: row.id,
      });
      return checkoutSessions.getPublic(session.id)!;
    },
  };
}

export type PaymentLinksService = ReturnType<typeof createPaymentLinksService>;
export type PaymentLinkObject = ReturnType<PaymentLinksService['serialize']>;
