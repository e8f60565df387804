// What the public listener may show about an object: the customer's view, by id, with no
// merchant or customer data (no email, metadata, custom_id, store). Ids are hostile input: only
// the shape we issue is ever looked up.
import { getNetwork, type NetworkInfo } from '../money/assets.ts';
import type { CheckoutSessionsService } from '../payments/checkout-sessions-service.ts';
import type { PaymentIntentsService, PaymentIntentObject } from '../payments/payment-intents-service.ts';
import type { PaymentLinksService } from '../payments/payment-links-service.ts';
import type { Storage } from '../storage/index.ts';
import { isWellFormedId } from '../util/ids.ts';

export interface PublicPayment {
  txid: string;
  amount: string;
  confirmations: number;
  status: string;
}

export interface PublicIntentView {
  object: 'payment_intent';
  id: string;
  livemode: boolean;
  status: string;
  exception: string | null;
  network: string;
  network_name: string;
  asset: string;
  token_contract: string | null;
  amount: string;
  currency: string;
  pay_amount: string;
  amount_received: string;
  amount_confirmed: string;
  amount_remaining: string;
  receive_address: string;
  payment_uri: string;
  confirmations_required: number;
  payments: PublicPayment[];
  description: string | null;
  success_url: string | null;
  cancel_url: string | null;
  expires_at: string;
  paid_at: string | null;
}

export type { PublicCheckoutSession } from '../payments/checkout-sessions-service.ts';
export type { PublicPaymentLink } from '../payments/payment-links-service.ts';

/** What the public listener needs of the checkout-sessions service. */
export type CheckoutSessionsPort = Pick<CheckoutSessionsService, 'getPublic'>;
/** What the public listener needs of the payment-links service. */
export type PaymentLinksPort = Pick<PaymentLinksService, 'getPublic' | 'openSession'>;

/** Only http(s) URLs leave the page as links or redirects (never `javascript:` and friends). */
export function safeHttpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

export function networkName(id: string): string {
  try {
    return getNetwork(id as NetworkInfo['id']).name;
  } catch {
    return id;
  }
}

export function toPublicIntent(o: PaymentIntentObject): PublicIntentView {
  return {
    object: 'payment_intent',
    id: o.id,
    livemode: o.livemode,
    status: o.status,
    exception: o.exception,
    network: o.network,
    network_name: networkName(o.network),
    asset: o.asset,
    token_contract: o.token_contract,
    amount: o.amount,
    currency: o.currency,
    pay_amount: o.pay_amount,
    amount_received: o.amount_received,
    amount_confirmed: o.amount_confirmed,
    amount_remaining: o.amount_due,
    receive_address: o.receive_address,
    payment_uri: o.payment_uri,
    confirmations_required: o.confirmations_required,
    payments: o.payments
      .filter((p) => p.status !== 'reverted')
      .map((p) => ({ txid: p.txid, amount: p.amount, confirmations: p.confirmations, status: p.status })),
    description: o.description,
    success_url: safeHttpUrl(o.success_url),
    cancel_url: safeHttpUrl(o.cancel_url),
    expires_at: o.expires_at,
    paid_at: o.paid_at,
  };
}

/** Statuses after which nothing the customer can see changes any more. */
export function isTerminalIntentStatus(status: string): boolean {
  return status === 'paid' || status === 'expired' || status === 'canceled' || status === 'refunded';
}

export function createPublicViews(deps: { storage: Storage; intents: PaymentIntentsService }) {
  return {
    /** The intent's public view, or null for an unknown or malformed id. */
    intent(id: string): PublicIntentView | null {
      if (!isWellFormedId(id, 'pi')) return null;
      const row = deps.storage.intents.get(id);
      return row ? toPublicIntent(deps.intents.serialize(row)) : null;
    },
    /** The row behind a public view (the test-mode simulator needs chain details). */
    intentRow(id: string) {
      if (!isWellFormedId(id, 'pi')) return null;
      return deps.storage.intents.get(id) ?? null;
    },
  };
}
export type PublicViews = ReturnType<typeof createPublicViews>;
