// Webhook signatures (SPEC §7): HMAC-SHA256 over "{timestamp}.{raw_body}", keyed by the whole
// `whsec_…` string. While a rotated-out secret is still live, the header carries one entry per secret.
import { createHmac } from 'node:crypto';
import { randomBase62 } from '../util/ids.ts';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBase62(32)}`;
}

/** Hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`). */
export function signWebhookPayload(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

/** `sha256=<hex>[,sha256=<hex>…]`, the current secret first. */
export function signatureHeaderValue(secrets: readonly string[], timestamp: number, rawBody: string): string {
  return secrets.map((s) => `sha256=${signWebhookPayload(s, timestamp, rawBody)}`).join(',');
}
