// Request and response shapes of the merchant API, in zod: routes validate with them and the
// OpenAPI document is generated from them, so the docs cannot drift from the code.
import { z } from 'zod';

const amountInput = z
  .union([z.string().max(100), z.number()], { error: 'must be a decimal string like "25.00"' })
  .describe('Decimal string such as "25.00" (JSON numbers are read through their decimal text).');

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048);

export const metadataSchema = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
  .describe('Up to 50 string key/value pairs, stored and echoed back.');

export const CreatePaymentIntentBody = z
  .strictObject({
    network: z.string().min(1).max(40).optional().describe('Network id or alias: ethereum|erc20|eth, bsc|bep20|bnb, polygon, base, arbitrum, tron|trc20, bitcoin|btc, litecoin|ltc, devnet.'),
    method: z.string().min(1).max(40).optional().describe('Alias of `network`.'),
    asset: z.string().min(1).max(20).describe('Asset symbol on that network, e.g. USDT.'),
    amount: amountInput,
    currency: z.string().min(3).max(10).optional().describe('Defaults to the asset. A fiat code (USD, EUR, …) prices the intent at a recorded rate.'),
    custom_id: z.string().min(1).max(255).optional().describe('Your order id; unique per store and mode.'),
    customer_email: z.email().max(320).optional(),
    description: z.string().max(1000).optional(),
    metadata: metadataSchema.optional(),
    expires_in: z.number().int().min(60).max(30 * 86400).optional().describe('Seconds until expiry (default: the store\'s, 1800).'),
    success_url: httpUrl.optional(),
    cancel_url: httpUrl.optional(),
  })
  .describe('Create a payment intent.');

const statusEnum = z.enum(['pending', 'confirming', 'paid', 'expired', 'canceled', 'refunded']);

const createdBound = z.coerce.date({ error: 'must be an ISO-8601 date or date-time, e.g. "2026-05-29T12:00:00Z"' }).optional();

export const ListPaymentIntentsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  starting_after: z.string().min(1).max(64).optional(),
  status: statusEnum.optional(),
  custom_id: z.string().min(1).max(255).optional(),
  'created[gte]': createdBound,
  'created[lte]': createdBound,
  created_gte: createdBound,
  created_lte: createdBound,
});

export const IdParams = z.strictObject({ id: z.string().min(1).max(64) });

export const PaymentObject = z.object({
  object: z.literal('payment'),
  id: z.string(),
  payment_intent: z.string(),
  txid: z.string(),
  log_index: z.number().int().nullable(),
  vout: z.number().int().nullable(),
  from: z.string(),
  amount: z.string(),
  block_number: z.number().int().nullable().describe('null while the transaction waits in the mempool (UTXO chains)'),
  block_hash: z.string().nullable(),
  confirmations: z.number().int(),
  status: z.enum(['detected', 'confirmed', 'reverted']),
  detected_at: z.string(),
  confirmed_at: z.string().nullable(),
  reverted_at: z.string().nullable(),
});

export const PaymentIntentObject = z.object({
  object: z.literal('payment_intent'),
  id: z.string(),
  livemode: z.boolean(),
  store_id: z.string(),
  status: statusEnum,
  exception: z.enum(['underpaid', 'overpaid', 'paid_late']).nullable(),
  network: z.string(),
  asset: z.string(),
  amount: z.string(),
  currency: z.string(),
  pay_amount: z.string(),
  amount_received: z.string(),
  amount_confirmed: z.string(),
  amount_due: z.string(),
  decimals: z.number().int(),
  token_contract: z.string().nullable(),
  rate: z.object({ provider: z.string(), pair: z.string(), rate: z.string(), at: z.string() }).nullable(),
  receive_address: z.string(),
  address_mode: z.enum(['unique', 'shared']).describe('unique: a fresh address for this intent; shared: the store\'s shared address, where pay_amount identifies the intent.'),
  payment_uri: z.string(),
  checkout_url: z.string(),
  checkout_session: z.string().nullable().describe('The checkout session this intent is an option of (cs_…), else null.'),
  confirmations_required: z.number().int(),
  late_payment_policy: z.enum(['accept', 'flag']),
  custom_id: z.string().nullable(),
  customer_email: z.string().nullable(),
  description: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  success_url: z.string().nullable(),
  cancel_url: z.string().nullable(),
  payments: z.array(PaymentObject),
  created_at: z.string(),
  expires_at: z.string(),
  monitor_until: z.string(),
  paid_at: z.string().nullable(),
  canceled_at: z.string().nullable(),
});

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  });
}

export const TestPayBody = z.strictObject({
  amount: amountInput.optional().describe('Defaults to exactly what is still due.'),
});

export const TestPayResult = z.object({
  object: z.literal('test_helper.payment'),
  payment_intent: z.string(),
  txid: z.string(),
  network: z.string(),
  chain: z.string(),
  to: z.string(),
  amount: z.string(),
  asset: z.string(),
});

export const TestMineBody = z.strictObject({
  // anvil_mine slows down quadratically with the batch (10,000 blocks take minutes), so one call stays small.
  blocks: z.number().int().min(1).max(1_000).default(1),
  network: z.string().min(1).max(40).optional(),
});

export const TestMineResult = z.object({
  object: z.literal('test_helper.mine'),
  network: z.string(),
  chain: z.string(),
  blocks: z.number().int(),
  head: z.number().int(),
});

export const ErrorBody = z.object({
  error: z.object({
    type: z.string(),
    code: z.string(),
    message: z.string(),
    param: z.string().nullable(),
  }),
});

export const SupportedAssetObject = z.object({
  object: z.literal('supported_asset'),
  network: z.string(),
  network_name: z.string(),
  aliases: z.array(z.string()),
  asset: z.string(),
  decimals: z.number().int(),
  contract: z.string().nullable(),
  default_confirmations: z.number().int(),
  test_mode: z.boolean(),
  live_mode: z.boolean(),
});

export const EventObject = z.object({
  object: z.literal('event'),
  id: z.string(),
  type: z.string(),
  livemode: z.boolean(),
  created_at: z.string(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
