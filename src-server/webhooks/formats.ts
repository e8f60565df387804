// Wire formats of a webhook delivery. Each format turns one event into the request a receiver gets:
// body, headers and signature. The seed dialects (SPEC §9) plug in here as further entries.
import type { ApiEvent } from './events-service.ts';
import { signatureHeaderValue } from './signing.ts';

export interface OutgoingWebhook {
  headers: Record<string, string>;
  body: string;
}

export interface FormatContext {
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** Live signing secrets, the current one first. */
  secrets: readonly string[];
  userAgent: string;
}

export interface WebhookFormatter {
  describe: string;
  build(event: ApiEvent, ctx: FormatContext): OutgoingWebhook;
}

const native: WebhookFormatter = {
  describe: 'Kassa native (SPEC §7): the event object, X-Kassa-* headers',
  build(event, ctx) {
    const body = JSON.stringify({
      id: event.id,
      object: 'event',
      type: event.type,
      created_at: event.created_at,
      livemode: event.livemode,
      data: event.data,
    });
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': ctx.userAgent,
        'x-kassa-event-id': event.id,
        'x-kassa-event-type': event.type,
        'x-kassa-timestamp': String(ctx.timestamp),
        'x-kassa-signature': signatureHeaderValue(ctx.secrets, ctx.timestamp, body),
      },
    };
  },
};

// Seed 000 (Claude Pay): the body is the object itself (the payment intent), the event in headers.
// Its receivers compare one `sha256=<hex>`, so during a rotation the old secret alone signs until it
// expires: shops keep verifying until the cut-over time the merchant chose (expires_in).
const claudePay: WebhookFormatter = {
  describe: 'Claude Pay (seed 000): the payment intent object, X-Claude-Pay-* headers',
  build(event, ctx) {
    const body = JSON.stringify(event.data.object);
    const signingSecret = ctx.secrets[ctx.secrets.length - 1]!;
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': ctx.userAgent,
        'x-claude-pay-event-id': event.id,
        'x-claude-pay-event-type': event.type,
        'x-claude-pay-timestamp': String(ctx.timestamp),
        'x-claude-pay-signature': signatureHeaderValue([signingSecret], ctx.timestamp, body),
      },
    };
  },
};

export const WEBHOOK_FORMATS = { native, claude_pay: claudePay } as const satisfies Record<string, WebhookFormatter>;
export type WebhookFormatId = keyof typeof WEBHOOK_FORMATS;
export const WEBHOOK_FORMAT_IDS = Object.keys(WEBHOOK_FORMATS) as WebhookFormatId[];

export function isWebhookFormat(value: string): value is WebhookFormatId {
  return Object.hasOwn(WEBHOOK_FORMATS, value);
}
