// A shop's verification of a Kassa webhook, written from SPEC §7 alone (nothing imported from
// src-server), so a signing bug in the node cannot hide behind the same bug in its own verifier.
//
//   X-Kassa-Signature: sha256=<hex HMAC-SHA256(secret, "{timestamp}.{raw_body}")>[,sha256=<hex>…]
//   X-Kassa-Timestamp: unix seconds;  X-Kassa-Event-Id: the body's id.
// Several entries appear while a rotated-out secret still signs; any one matching is enough.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface KassaWebhookEvent {
  id: string;
  object: 'event';
  type: string;
  created_at: string;
  livemode: boolean;
  data: { object: Record<string, any> };
}

export type KassaVerifyResult = { ok: true; event: KassaWebhookEvent } | { ok: false; reason: string };

export interface KassaVerifyInput {
  rawBody: string;
  /** Any casing of the names; repeated headers may come as arrays. */
  headers: Record<string, string | string[] | undefined>;
  secret: string;
  toleranceSeconds?: number;
  /** The verifier's clock: a Date or milliseconds since the epoch (default: now). */
  now?: Date | number;
}

function header(headers: KassaVerifyInput['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}

export function verifyKassaWebhook({ rawBody, headers, secret, toleranceSeconds = 300, now }: KassaVerifyInput): KassaVerifyResult {
  const signatureHeader = header(headers, 'x-kassa-signature');
  const timestampHeader = header(headers, 'x-kassa-timestamp');
  const eventIdHeader = header(headers, 'x-kassa-event-id');
  if (!signatureHeader) return { ok: false, reason: 'missing X-Kassa-Signature' };
  if (!timestampHeader) return { ok: false, reason: 'missing X-Kassa-Timestamp' };
  if (!/^\d{1,12}$/.test(timestampHeader.trim())) return { ok: false, reason: `malformed X-Kassa-Timestamp ${JSON.stringify(timestampHeader)}` };
  const timestamp = Number(timestampHeader.trim());

  const candidates: Buffer[] = [];
  for (const entry of signatureHeader.split(',')) {
    const match = /^sha256=([0-9a-fA-F]{64})$/.exec(entry.trim());
    if (match) candidates.push(Buffer.from(match[1]!, 'hex'));
  }
  if (candidates.length === 0) return { ok: false, reason: `no sha256=<64 hex> entry in X-Kassa-Signature ${JSON.stringify(signatureHeader)}` };

  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest();
  // Compare against every entry (no early exit), each in constant time.
  let matched = false;
  for (const candidate of candidates) {
    if (timingSafeEqual(candidate, expected)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'signature mismatch' };

  const nowSeconds = Math.floor((now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    return { ok: false, reason: `timestamp outside tolerance: ${timestamp} is ${nowSeconds - timestamp} s from now (tolerance ${toleranceSeconds} s)` };
  }

  let event: KassaWebhookEvent;
  try {
    event = JSON.parse(rawBody) as KassaWebhookEvent;
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (typeof event !== 'object' || event === null || event.object !== 'event' || typeof event.id !== 'string') {
    return { ok: false, reason: 'body is not an event object' };
  }
  if (eventIdHeader !== event.id) return { ok: false, reason: `X-Kassa-Event-Id ${JSON.stringify(eventIdHeader)} differs from the body's id ${event.id}` };
  const eventTypeHeader = header(headers, 'x-kassa-event-type');
  if (eventTypeHeader !== undefined && eventTypeHeader !== event.type) {
    return { ok: false, reason: `X-Kassa-Event-Type ${eventTypeHeader} differs from the body's type ${event.type}` };
  }
  return { ok: true, event };
}
