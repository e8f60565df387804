// Checkout sessions: one amount, many ways to pay it. A session fans out into one payment intent
// per (network, asset) option through the payment intents service; the customer picks one on the
// hosted page. The first option that becomes paid completes the session, in the same transaction
// as that intent's own transition, and the options that received nothing are canceled.
import type { Logger } from 'pino';
import { formatAmount } from '../money/amount.ts';
import type { RateSource } from '../money/rates.ts';
import type { CheckoutSessionRow, CheckoutSessionStatus } from '../storage/checkout-store.ts';
import type { Storage } from '../storage/index.ts';
import type { IntentStatus, PaymentIntentRow } from '../storage/payment-intents-store.ts';
import { isWellFormedId, newId } from '../util/ids.ts';
import { isoSeconds } from '../util/time.ts';
import type { EventsService } from '../webhooks/events-service.ts';
import {
  canPriceOption,
  candidateOptions,
  checkoutCurrency,
  parseCheckoutAmount,
  pickPrimaryOption,
  resolveMethods,
  type CheckoutCurrency,
  type MethodInput,
  type OptionAvailability,
} from './checkout-rules.ts';
import { canCancel } from './lifecycle.ts';
import { PaymentInputError, type Caller, type PaymentIntentObject, type PaymentIntentsService } from './payment-intents-service.ts';
import { listPage } from '../util/list-page.ts';
import { ownedBy } from '../util/owned-by.ts';

export interface CreateCheckoutSessionInput {
  amount: string | number;
  currency?: string | undefined;
  customer_email?: string | undefined;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
  custom_id?: string | undefined;
  expires_in?: number | undefined;
  success_url?: string | undefined;
  cancel_url?: string | undefined;
  methods?: MethodInput[] | undefined;
  payment_link?: string | undefined;
}

export interface PublicCheckoutOption {
  payment_intent: string;
  network: string;
  asset: string;
  pay_amount: string;
  amount_due: string;
  status: IntentStatus;
}

/** What the public listener may show a customer: no email, no metadata, no custom id. */
export interface PublicCheckoutSession {
  object: 'checkout_session';
  id: string;
  livemode: boolean;
  status: CheckoutSessionStatus;
  amount: string;
  currency: string;
  description: string | null;
  success_url: string | null;
  cancel_url: string | null;
  expires_at: string;
  completed_at: string | null;
  /** The option that paid. */
  payment_intent: string | null;
  /** The option to show first. */
  primary: string | null;
  options: PublicCheckoutOption[];
}

export interface CheckoutSessionsDeps {
  storage: Storage;
  events: EventsService;
  intents: PaymentIntentsService;
  logger: Logger;
  rateSources: RateSource[];
  /** Live networks enabled in config. */
  liveNetworks: () => ReadonlyMap<string, unknown>;
  /** Whether the EVM devnet (test mode of every EVM network) runs. */
  evmDevnet: () => boolean;
  /** Test devnets of the other families, by network id. */
  testNetworks: () => ReadonlyMap<string, { tokens: Readonly<Record<string, string>> }>;
  publicBaseUrl: () => string;
  clock?: () => Date;
}

const ISO = (d: Date) => d.toISOString();
const iso = (s: string | null) => (s === null ? null : isoSeconds(new Date(s)));

/** A (network, asset) the intents service refuses for reasons of this node, not of the request: skip it. */
function isUnavailableOption(err: PaymentInputError): boolean {
  return err.status === 422 || err.code === 'unique_amount_exhausted';
}

export function createCheckoutSessionsService(deps: CheckoutSessionsDeps) {
  const { storage, events, intents, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const baseUrl = () => deps.publicBaseUrl().replace(/\/$/, '');

  function availability(livemode: boolean): OptionAvailability {
    return {
      livemode,
      liveNetworks: new Set(deps.liveNetworks().keys()),
      evmDevnet: deps.evmDevnet(),
      testNetworks: deps.testNetworks(),
    };
  }

  /**
   * The options a session in `currency` would offer, before any intent exists; a 400 naming
   * `methods` (when given) or `currency` when none can be priced.
   */
  function priceableOptions(livemode: boolean, currency: CheckoutCurrency, units: bigint, methods: MethodInput[] | undefined, param = 'methods') {
    const resolved = methods === undefined ? undefined : resolveMethods(methods, param);
    const candidates = candidateOptions(availability(livemode), resolved);
    const priced = candidates.filter((o) => canPriceOption(o, currency, units, deps.rateSources));
    if (priced.length === 0) {
      const mode = livemode ? 'live' : 'test';
      if (resolved !== undefined) {
        throw new PaymentInputError(400, 'no_payment_options', param, candidates.length === 0
          ? `${param}: none of these networks and assets is available in ${mode} mode on this node`
          : `${param}: none of these assets can be priced in ${currency.code}; configure a rate under "rates" in config.json or pick other methods`);
      }
      throw new PaymentInputError(400, 'no_payment_options', 'currency', candidates.length === 0
        ? `currency: no network is enabled for ${mode} mode on this node, so a session has nothing to offer`
        : `currency: no enabled asset can be priced in ${currency.code}; use USD (stablecoins are 1:1), an asset symbol, or configure a rate under "rates" in config.json`);
    }
    return priced;
  }

  function serialize(row: CheckoutSessionRow, options: PaymentIntentRow[] = storage.checkout.optionsOf(row.id)) {
    const objects = options.map((o) => intents.serialize(o));
    const primary = objects.find((o) => o.id === row.primary_intent_id) ?? objects[0] ?? null;
    return {
      object: 'checkout_session' as const,
      id: row.id,
      livemode: row.livemode === 1,
      status: row.status,
      url: `${baseUrl()}/checkout/${row.id}`,
      amount: formatAmount(BigInt(row.amount), row.amount_decimals),
      currency: row.currency,
      primary,
      options: objects,
      payment_intent: row.payment_intent_id,
      payment_link: row.payment_link_id,
      custom_id: row.custom_id,
      customer_email: row.customer_email,
      description: row.description,
      metadata: JSON.parse(row.metadata) as Record<string, string>,
      success_url: row.success_url,
      cancel_url: row.cancel_url,
      created_at: isoSeconds(new Date(row.created_at)),
      expires_at: isoSeconds(new Date(row.expires_at)),
      completed_at: iso(row.completed_at),
      canceled_at: iso(row.canceled_at),
    };
  }
  type CheckoutSessionObject = ReturnType<typeof serialize>;

  function toPublic(row: CheckoutSessionRow): PublicCheckoutSession {
    const options = storage.checkout.optionsOf(row.id);
    return {
      object: 'checkout_session',
      id: row.id,
      livemode: row.livemode === 1,
      status: row.status,
      amount: formatAmount(BigInt(row.amount), row.amount_decimals),
      currency: row.currency,
      description: row.description,
      success_url: row.success_url,
      cancel_url: row.cancel_url,
      expires_at: isoSeconds(new Date(row.expires_at)),
      completed_at: iso(row.completed_at),
      payment_intent: row.payment_intent_id,
      primary: row.primary_intent_id,
      options: options.map((o) => {
        const due = BigInt(o.pay_amount) - BigInt(o.amount_received);
        return {
          payment_intent: o.id,
          network: o.network,
          asset: o.asset,
          pay_amount: formatAmount(BigInt(o.pay_amount), o.decimals),
          amount_due: formatAmount(due > 0n ? due : 0n, o.decimals),
          status: o.status,
        };
      }),
    };
  }

  function ownedRow(caller: Caller, id: string): CheckoutSessionRow {
    const row = isWellFormedId(id, 'cs') ? storage.checkout.getSession(id) : null;
    if (!ownedBy(row, caller)) {
      throw new PaymentInputError(404, 'resource_missing', 'id', `No such checkout_session: '${id.slice(0, 80)}'`);
    }
    return row;
  }

  /** Cancels an option that has received nothing, with its event; inside a transaction. False when it has money or is not pending. */
  function cancelOption(option: PaymentIntentRow, now: Date): boolean {
    const payments = storage.payments.listByIntent(option.id);
    if (!canCancel(option.status, payments)) return false;
    const updated: PaymentIntentRow = { ...option, status: 'canceled', canceled_at: ISO(now), updated_at: ISO(now) };
    storage.intents.updateState(updated);
    events.record({ type: 'payment_intent.canceled', storeId: option.store_id, livemode: option.livemode === 1, objectType: 'payment_intent', objectId: option.id, object: intents.serialize(updated, payments), at: now });
    return true;
  }

  /** The session side of an option's status change; runs in the transaction that writes the change. */
  function onOptionStatusChange(intent: PaymentIntentRow, _from: IntentStatus, now: Date): void {
    const sessionId = storage.checkout.sessionIdOfIntent(intent.id);
    if (sessionId === null) return;
    const session = storage.checkout.getSession(sessionId);
    if (!session || session.status === 'complete') return; // a second option paid later keeps its own lifecycle
    if (intent.status === 'paid') {
      // Completes from open, and also from expired or canceled: a late or in-flight payment that is accepted is never lost.
      for (const option of storage.checkout.optionsOf(session.id)) {
        if (option.id !== intent.id) cancelOption(option, now);
      }
      const completed: CheckoutSessionRow = { ...session, status: 'complete', payment_intent_id: intent.id, completed_at: ISO(now), updated_at: ISO(now) };
      storage.checkout.updateSessionState(completed);
      events.record({ type: 'checkout_session.completed', storeId: session.store_id, livemode: session.livemode === 1, objectType: 'checkout_session', objectId: session.id, object: serialize(completed), at: now });
      logger.info({ session: session.id, intent: intent.id, from: session.status }, 'checkout session completed');
      return;
    }
    if (session.status !== 'open' || (intent.status !== 'expired' && intent.status !== 'canceled')) return;
    const options = storage.checkout.optionsOf(session.id);
    if (!options.every((o) => o.status === 'expired' || o.status === 'canceled')) return;
    const status: CheckoutSessionStatus = options.some((o) => o.status === 'expired') ? 'expired' : 'canceled';
    storage.checkout.updateSessionState({ ...session, status, canceled_at: status === 'canceled' ? ISO(now) : null, updated_at: ISO(now) });
    logger.info({ session: session.id, status }, 'checkout session ended unpaid');
  }
  intents.onStatusChange(onOptionStatusChange);

  return {
    serialize,
    priceableOptions,

    create(caller: Caller, input: CreateCheckoutSessionInput): CheckoutSessionObject {
      const now = clock();
      const store = storage.stores.get(caller.storeId);
      if (!store) throw new PaymentInputError(404, 'resource_missing', null, 'the key\'s store no longer exists');
      const currency = checkoutCurrency(input.currency);
      const units = parseCheckoutAmount(input.amount, currency);
      const amountText = formatAmount(units, currency.decimals);
      if (input.payment_link !== undefined) {
        const link = isWellFormedId(input.payment_link, 'plink') ? storage.checkout.getLink(input.payment_link) : null;
        if (!ownedBy(link, caller)) {
          throw new PaymentInputError(400, 'parameter_invalid', 'payment_link', `payment_link: no such payment_link '${input.payment_link.slice(0, 80)}'`);
        }
      }
      const options = priceableOptions(caller.livemode, currency, units, input.methods);
      const expiresIn = input.expires_in ?? store.default_expires_in;
      const id = newId('cs');
      let row: CheckoutSessionRow;
      try {
        row = storage.transaction(() => {
          if (input.custom_id !== undefined && storage.checkout.findSessionByCustomId(caller.storeId, caller.livemode, input.custom_id)) {
            throw new PaymentInputError(409, 'custom_id_taken', 'custom_id', `custom_id "${input.custom_id.slice(0, 80)}" is already used by another checkout session in this store`);
          }
          const session: CheckoutSessionRow = {
            id,
            store_id: caller.storeId,
            livemode: caller.livemode ? 1 : 0,
            status: 'open',
            amount: units.toString(),
            amount_decimals: currency.decimals,
            currency: currency.code,
            primary_intent_id: null,
            payment_intent_id: null,
            payment_link_id: input.payment_link ?? null,
            custom_id: input.custom_id ?? null,
            customer_email: input.customer_email ?? null,
            description: input.description ?? null,
            metadata: JSON.stringify(input.metadata ?? {}),
            success_url: input.success_url ?? null,
            cancel_url: input.cancel_url ?? null,
            created_at: ISO(now),
            expires_at: ISO(new Date(now.getTime() + expiresIn * 1000)),
            completed_at: null,
            canceled_at: null,
            updated_at: ISO(now),
          };
          storage.checkout.insertSession(session);
          const created: PaymentIntentObject[] = [];
          for (const option of options) {
            try {
              // A nested transaction (a savepoint): an option refused here leaves nothing behind.
              const intent = intents.create(caller, {
                network: option.network.id,
                asset: option.asset.symbol,
                amount: amountText,
                currency: currency.code,
                customer_email: input.customer_email,
                description: input.description,
                metadata: input.metadata,
                expires_in: expiresIn,
                success_url: input.success_url,
                cancel_url: input.cancel_url,
                checkout_session: id,
              });
              created.push(intent);
            } catch (err) {
              if (!(err instanceof PaymentInputError) || !isUnavailableOption(err)) throw err;
              logger.warn({ session: id, network: option.network.id, asset: option.asset.symbol, reason: err.code }, 'checkout option left out');
            }
          }
          if (created.length === 0) {
            throw new PaymentInputError(422, 'no_payment_options', input.methods ? 'methods' : 'currency', 'no payment option could be opened on this node right now (networks unavailable); try again later');
          }
          const primary = created[pickPrimaryOption(created)]!;
          const expiresAt = created.reduce((latest, o) => (o.expires_at > latest ? o.expires_at : latest), created[0]!.expires_at);
          storage.checkout.setPrimary(id, primary.id, ISO(new Date(expiresAt)));
          return storage.checkout.getSession(id)!;
        });
      } catch (err) {
        events.discardPending();
        throw err;
      }
      events.flush();
      logger.info({ session: row.id, options: options.length, livemode: caller.livemode }, 'checkout session created');
      return serialize(row);
    },

    get(caller: Caller, id: string): CheckoutSessionObject {
      return serialize(ownedRow(caller, id));
    },

    list(caller: Caller, q: { limit: number; startingAfter?: string | undefined; status?: CheckoutSessionStatus | undefined; customId?: string | undefined; paymentLink?: string | undefined }) {
      let before: { created_at: string; id: string } | undefined;
      if (q.startingAfter !== undefined) {
        const anchor = isWellFormedId(q.startingAfter, 'cs') ? storage.checkout.getSession(q.startingAfter) : null;
        if (!ownedBy(anchor, caller)) {
          throw new PaymentInputError(400, 'parameter_invalid', 'starting_after', `starting_after: no such checkout_session '${q.startingAfter.slice(0, 80)}'`);
        }
        before = { created_at: anchor.created_at, id: anchor.id };
      }
      const rows = storage.checkout.listSessions({
        storeId: caller.storeId,
        livemode: caller.livemode,
        status: q.status,
        customId: q.customId,
        paymentLinkId: q.paymentLink,
        before,
        limit: q.limit + 1,
      });
      return listPage(rows, q.limit, (r) => serialize(r));
    },

    /** Ends an open session: options that received nothing are canceled; options with money keep their own lifecycle. */
    cancel(caller: Caller, id: string): CheckoutSessionObject {
      const now = clock();
      ownedRow(caller, id);
      let row: CheckoutSessionRow;
      try {
        row = storage.transaction(() => {
          const fresh = storage.checkout.getSession(id)!;
          if (fresh.status !== 'open') {
            throw new PaymentInputError(409, 'checkout_session_unexpected_state', null, `only an open checkout session can be canceled; this one is ${fresh.status}`);
          }
          for (const option of storage.checkout.optionsOf(id)) cancelOption(option, now);
          const canceled: CheckoutSessionRow = { ...fresh, status: 'canceled', canceled_at: ISO(now), updated_at: ISO(now) };
          storage.checkout.updateSessionState(canceled);
          return canceled;
        });
      } catch (err) {
        events.discardPending();
        throw err;
      }
      events.flush();
      return serialize(row);
    },

    /** For the public listener: the customer-safe view, or null for any id that is not a session (never throws on hostile input). */
    getPublic(id: string): PublicCheckoutSession | null {
      if (typeof id !== 'string' || !isWellFormedId(id, 'cs')) return null;
      const row = storage.checkout.getSession(id);
      return row ? toPublic(row) : null;
    },
  };
}

export type CheckoutSessionsService = ReturnType<typeof createCheckoutSessionsService>;
export type CheckoutSessionObject = ReturnType<CheckoutSessionsService['serialize']>;
