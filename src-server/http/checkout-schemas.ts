// Request and response shapes of the checkout-session and payment-link routes. Zod checks shape;
// the services own the meaning (currencies, networks, amount precision and ranges).
import { z } from 'zod';
import { metadataSchema, PaymentIntentObject } from './schemas.ts';

const amountInput = z
  .union([z.string().max(100), z.number()], { error: 'must be a decimal string like "25.00"' })
  .describe('Decimal string such as "25.00" (JSON numbers are read through their decimal text).');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);
const limit = z.coerce.number().int().min(1).max(100).default(25).describe('Page size, 1 to 100.');
const startingAfter = z.string().min(1).max(64).optional().describe('Cursor: the `next_cursor` of the previous page.');
const currency = z
  .string()
  .min(3)
  .max(10)
  .describe('A fiat code (USD, EUR, …; default USD: USD-pegged stablecoins price 1:1, other assets need a configured rate) or an asset symbol (USDT, ETH, …: only that asset is offered).');

const method = z.strictObject({
  network: z.string().min(1).max(40).describe('Network id or alias (bsc, bep20, trc20, …).'),
  asset: z.string().min(1).max(20).optional().describe('Asset symbol on that network; absent = every asset of the network.'),
});
const methods = z
  .array(method)
  .min(1)
  .max(50)
  .describe('Restrict the options to these (network, asset) pairs; default: every enabled pair that can be priced in `currency`.');

export const CreateCheckoutSessionBody = z
  .strictObject({
    amount: amountInput,
    currency: currency.optional(),
    customer_email: z.email().max(320).optional(),
    description: z.string().max(1000).optional(),
    metadata: metadataSchema.optional(),
    custom_id: z.string().min(1).max(255).optional().describe('Your order id; unique among checkout sessions per store and mode.'),
    expires_in: z.number().int().min(60).max(30 * 86400).optional().describe('Seconds until every option expires (default: the store\'s, 1800).'),
    success_url: httpUrl.optional(),
    cancel_url: httpUrl.optional(),
    methods: methods.optional(),
    payment_link: z.string().min(1).max(64).optional().describe('The payment link this session is attributed to.'),
  })
  .describe('Create a checkout session: one payment intent per option; the customer picks one on the hosted page.');

const sessionStatus = z.enum(['open', 'complete', 'expired', 'canceled']);

export const ListCheckoutSessionsQuery = z.strictObject({
  limit,
  starting_after: startingAfter,
  status: sessionStatus.optional(),
  custom_id: z.string().min(1).max(255).optional(),
  payment_link: z.string().min(1).max(64).optional().describe('Only sessions opened through this payment link.'),
});

export const CheckoutSessionObject = z.object({
  object: z.literal('checkout_session'),
  id: z.string(),
  livemode: z.boolean(),
  status: sessionStatus.describe('open → complete when one option is paid; expired when every option expired unpaid; canceled by the API.'),
  url: z.string().describe('The hosted checkout page on the public listener.'),
  amount: z.string(),
  currency: z.string(),
  primary: PaymentIntentObject.nullable().describe('The option shown first: USDT, else USDC, else another asset, on the network with the cheapest transfers.'),
  options: z.array(PaymentIntentObject),
  payment_intent: z.string().nullable().describe('The option that paid.'),
  payment_link: z.string().nullable(),
  custom_id: z.string().nullable(),
  customer_email: z.string().nullable(),
  description: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  success_url: z.string().nullable(),
  cancel_url: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
  completed_at: z.string().nullable(),
  canceled_at: z.string().nullable(),
});

const linkFields = {
  amount: amountInput.nullable().describe('Fixed amount; null lets the customer choose (within min_amount..max_amount).'),
  min_amount: amountInput.nullable().describe('Customer-chosen links only.'),
  max_amount: amountInput.nullable().describe('Customer-chosen links only.'),
  currency,
  description: z.string().max(1000).nullable(),
  methods: methods.nullable(),
  success_url: httpUrl.nullable(),
  cancel_url: httpUrl.nullable(),
  metadata: metadataSchema,
  active: z.boolean(),
};

export const CreatePaymentLinkBody = z
  .strictObject({
    amount: linkFields.amount.optional(),
    min_amount: linkFields.min_amount.optional(),
    max_amount: linkFields.max_amount.optional(),
    currency: linkFields.currency.optional(),
    description: linkFields.description.optional(),
    methods: linkFields.methods.optional(),
    success_url: linkFields.success_url.optional(),
    cancel_url: linkFields.cancel_url.optional(),
    metadata: linkFields.metadata.optional(),
    active: linkFields.active.optional(),
  })
  .describe('Create a payment link: a reusable URL that opens a new checkout session on every visit.');

export const UpdatePaymentLinkBody = CreatePaymentLinkBody.refine((patch) => Object.values(patch).some((v) => v !== undefined), {
  error: 'nothing to update: give at least one field',
}).describe('Update a payment link; fields left out stay as they are. Sessions already opened keep their terms.');

export const ListPaymentLinksQuery = z.strictObject({
  limit,
  starting_after: startingAfter,
  active: z.enum(['true', 'false']).optional().describe('Only active (true) or archived (false) links.'),
});

export const PaymentLinkObject = z.object({
  object: z.literal('payment_link'),
  id: z.string(),
  livemode: z.boolean(),
  active: z.boolean().describe('false once archived (DELETE): the link no longer opens sessions.'),
  url: z.string().describe('`/l/plink_…` on the public listener.'),
  amount: z.string().nullable(),
  min_amount: z.string().nullable(),
  max_amount: z.string().nullable(),
  currency: z.string(),
  description: z.string().nullable(),
  methods: z.array(z.object({ network: z.string(), asset: z.string().optional() })).nullable(),
  success_url: z.string().nullable(),
  cancel_url: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
