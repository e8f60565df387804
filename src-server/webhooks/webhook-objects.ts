// API objects of webhook endpoints and deliveries, from their rows. Secrets never pass through here.
import type { WebhookAttemptRow, WebhookDeliveryListRow, WebhookEndpointRow } from '../storage/webhooks-store.ts';
import { isoSeconds } from '../util/time.ts';

export interface WebhookEndpointObject {
  object: 'webhook_endpoint';
  id: string;
  livemode: boolean;
  url: string;
  description: string | null;
  events: string[];
  format: string;
  enabled: boolean;
  disabled_reason: 'manual' | 'failing' | null;
  failing_since: string | null;
  /** Only in the answers to create and rotate-secret. */
  secret?: string;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttemptObject {
  attempt: number;
  started_at: string;
  duration_ms: number;
  outcome: 'succeeded' | 'failed';
  request: { url: string; headers: Record<string, string>; body: string };
  response: { status: number; body: string; body_truncated: boolean } | null;
  error: string | null;
}

export interface WebhookDeliveryObject {
  object: 'webhook_delivery';
  id: string;
  livemode: boolean;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempt_count: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  redelivery_of: string | null;
  created_at: string;
  attempts: WebhookAttemptObject[];
}

const iso = (s: string | null) => (s === null ? null : isoSeconds(new Date(s)));

/** True while a rotated-out secret still signs alongside the current one. */
export function previousSecretLive(row: WebhookEndpointRow, now: Date): boolean {
  return row.previous_secret_sealed !== null && row.previous_secret_expires_at !== null && Date.parse(row.previous_secret_expires_at) > now.getTime();
}

export function endpointObject(row: WebhookEndpointRow, now: Date, secret?: string): WebhookEndpointObject {
  return {
    object: 'webhook_endpoint',
    id: row.id,
    livemode: row.livemode === 1,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    format: row.format,
    enabled: row.enabled === 1,
    disabled_reason: row.disabled_reason,
    failing_since: iso(row.failing_since),
    ...(secret !== undefined ? { secret } : {}),
    previous_secret_expires_at: previousSecretLive(row, now) ? iso(row.previous_secret_expires_at) : null,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

export function deliveryObject(row: WebhookDeliveryListRow, attempts: WebhookAttemptRow[]): WebhookDeliveryObject {
  return {
    object: 'webhook_delivery',
    id: row.id,
    livemode: row.livemode === 1,
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempt_count: row.attempt_count,
    next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    last_attempt_at: iso(row.last_attempt_at),
    delivered_at: iso(row.delivered_at),
    redelivery_of: row.redelivery_of,
    created_at: iso(row.created_at)!,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      started_at: isoSeconds(new Date(a.started_at)),
      duration_ms: a.duration_ms,
      outcome: a.outcome,
      request: { url: a.request_url, headers: JSON.parse(a.request_headers) as Record<string, string>, body: a.request_body },
      response: a.response_status === null ? null : { status: a.response_status, body: a.response_body ?? '', body_truncated: a.response_truncated === 1 },
      error: a.error,
    })),
  };
}
