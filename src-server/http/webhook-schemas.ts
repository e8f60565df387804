// Request and response shapes of the webhook-endpoint, delivery and event routes. Zod checks shape
// only; the webhooks service owns the meaning (url scheme and target, known event types).
import { z } from 'zod';
import { EVENT_TYPES } from '../webhooks/event-types.ts';
import { WEBHOOK_FORMAT_IDS } from '../webhooks/formats.ts';

const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
const MAX_ROTATION_OVERLAP_SECONDS = 7 * 86400;

const limit = z.coerce.number().int().min(1).max(100).default(25).describe('Page size, 1 to 100.');
const startingAfter = z.string().min(1).max(64).optional().describe('Cursor: the `next_cursor` of the previous page.');
const createdBound = z.coerce.date({ error: 'must be an ISO-8601 date or date-time, e.g. "2026-05-29T12:00:00Z"' }).optional();

const endpointUrl = z
  .string()
  .min(1)
  .max(2048)
  .describe('Where events are POSTed: an http(s) URL without credentials, at most 2048 characters.');
const endpointEvents = z
  .array(z.string().max(100))
  .min(1)
  .max(64)
  .describe(`Event types to send: \`["*"]\` for all, exact types, or group wildcards such as \`payment_intent.*\`. Types: ${EVENT_TYPES.join(', ')}.`);
const endpointFormat = z
  .enum(WEBHOOK_FORMAT_IDS)
  .describe('Payload dialect: `native` (Kassa event envelope) or `claude_pay` (the payment intent alone, Claude Pay headers).');
const endpointDescription = z.string().max(500).nullable().describe('A note for you, at most 500 characters.');
const endpointEnabled = z.boolean().describe('false stops deliveries (they wait as pending); true re-enables and clears the failing streak.');

export const CreateWebhookEndpointBody = z
  .strictObject({
    url: endpointUrl,
    events: endpointEvents,
    description: endpointDescription.optional(),
    format: endpointFormat.default('native'),
    enabled: endpointEnabled.default(true),
  })
  .describe('Create a webhook endpoint; the response carries its signing secret, shown this once.');

const updatableFields = ['url', 'events', 'description', 'format', 'enabled'] as const;

export const UpdateWebhookEndpointBody = z
  .strictObject({
    url: endpointUrl.optional(),
    events: endpointEvents.optional(),
    description: endpointDescription.optional(),
    format: endpointFormat.optional(),
    enabled: endpointEnabled.optional(),
  })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), {
    error: `nothing to update: give at least one of ${updatableFields.join(', ')}`,
  })
  .describe('Update a webhook endpoint: give at least one field; fields left out stay as they are.');

export const RotateSecretBody = z
  .strictObject({
    expires_in: z
      .number()
      .int()
      .min(0)
      .max(MAX_ROTATION_OVERLAP_SECONDS)
      .default(86400)
      .describe('Seconds the old secret keeps signing beside the new one (0 to 604800, default 86400); 0 drops it at once.'),
  })
  .describe('Issue a new signing secret.');

export const ListWebhookEndpointsQuery = z.strictObject({
  limit,
  starting_after: startingAfter,
});

export const ListDeliveriesQuery = z.strictObject({
  limit,
  starting_after: startingAfter,
  status: z.enum(DELIVERY_STATUSES).optional(),
  event_id: z.string().min(1).max(64).optional().describe('Only deliveries of this event.'),
});

export const ListEventsQuery = z.strictObject({
  limit,
  starting_after: startingAfter,
  type: z.string().min(1).max(100).optional().describe('Only events of this type, e.g. `payment_intent.paid`.'),
  object_id: z.string().min(1).max(64).optional().describe('Only events about this object, e.g. a payment intent id.'),
  'created[gte]': createdBound,
  'created[lte]': createdBound,
  created_gte: createdBound.describe('Alias of `created[gte]`.'),
  created_lte: createdBound.describe('Alias of `created[lte]`.'),
});

export const DeliveryParams = z.strictObject({
  id: z.string().min(1).max(64),
  delivery_id: z.string().min(1).max(64),
});

export const WebhookEndpointObject = z.object({
  object: z.literal('webhook_endpoint'),
  id: z.string(),
  livemode: z.boolean(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()),
  format: z.enum(WEBHOOK_FORMAT_IDS),
  enabled: z.boolean(),
  disabled_reason: z.enum(['manual', 'failing']).nullable(),
  failing_since: z.string().nullable().describe('When the current run of failed deliveries began.'),
  secret: z.string().optional().describe('`whsec_…`; only in the responses of create and rotate-secret.'),
  previous_secret_expires_at: z.string().nullable().describe('Until then the rotated-out secret signs beside the new one.'),
  created_at: z.string(),
  updated_at: z.string(),
});

export const DeletedWebhookEndpointObject = z.object({
  object: z.literal('webhook_endpoint'),
  id: z.string(),
  deleted: z.literal(true),
});

const DeliveryAttemptObject = z.object({
  attempt: z.number().int().describe('1-based.'),
  started_at: z.string(),
  duration_ms: z.number().int(),
  outcome: z.enum(['succeeded', 'failed']),
  request: z.object({
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
  }),
  response: z
    .object({
      status: z.number().int(),
      body: z.string(),
      body_truncated: z.boolean(),
    })
    .nullable()
    .describe('null when no response came (timeout, refused connection, …).'),
  error: z.string().nullable(),
});

export const WebhookDeliveryObject = z.object({
  object: z.literal('webhook_delivery'),
  id: z.string(),
  livemode: z.boolean(),
  endpoint_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempt_count: z.number().int(),
  next_attempt_at: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  redelivery_of: z.string().nullable().describe('The delivery this one resends, if any.'),
  created_at: z.string(),
  attempts: z.array(DeliveryAttemptObject).describe('Oldest first.'),
});
