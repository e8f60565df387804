import type { Db } from './db.ts';

export type WebhookFormat = 'native' | 'claude_pay';
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookEndpointRow {
  id: string;
  store_id: string;
  livemode: 0 | 1;
  url: string;
  description: string | null;
  /** JSON array of subscriptions. */
  events: string;
  format: string;
  enabled: 0 | 1;
  disabled_reason: 'manual' | 'failing' | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveryRow {
  seq: number;
  id: string;
  endpoint_id: string;
  event_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  redelivery_of: string | null;
  created_at: string;
}

/** A due delivery with the event it carries. */
export interface DueDeliveryRow extends WebhookDeliveryRow {
  event_seq: number;
  event_type: string;
  event_store_id: string;
  event_livemode: 0 | 1;
  event_object_type: string;
  event_object_id: string;
  event_data: string;
  event_created_at: string;
}

/** A delivery joined with what its list view shows of the event. */
export interface WebhookDeliveryListRow extends WebhookDeliveryRow {
  event_type: string;
  livemode: 0 | 1;
}

export interface WebhookAttemptRow {
  delivery_id: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  outcome: 'succeeded' | 'failed';
  request_url: string;
  request_headers: string;
  request_body: string;
  response_status: number | null;
  response_body: string | null;
  response_truncated: 0 | 1;
  error: string | null;
}

export function createWebhooksStore(db: Db) {
  const insertEndpoint = db.prepare(
    `INSERT INTO webhook_endpoints (id, store_id, livemode, url, description, events, format, enabled, disabled_reason,
       secret_sealed, previous_secret_sealed, previous_secret_expires_at, failing_since, created_at, updated_at)
     VALUES (@id, @store_id, @livemode, @url, @description, @events, @format, @enabled, @disabled_reason,
       @secret_sealed, @previous_secret_sealed, @previous_secret_expires_at, @failing_since, @created_at, @updated_at)`,
  );
  const updateEndpoint = db.prepare(
    `UPDATE webhook_endpoints SET url = @url, description = @description, events = @events, format = @format,
       enabled = @enabled, disabled_reason = @disabled_reason, secret_sealed = @secret_sealed,
       previous_secret_sealed = @previous_secret_sealed, previous_secret_expires_at = @previous_secret_expires_at,
       failing_since = @failing_since, updated_at = @updated_at
     WHERE id = @id`,
  );
  const endpointById = db.prepare<[string], WebhookEndpointRow>('SELECT * FROM webhook_endpoints WHERE id = ?');
  const deleteEndpoint = db.prepare('DELETE FROM webhook_endpoints WHERE id = ?');
  const enabledEndpoints = db.prepare<[string, number], WebhookEndpointRow>(
    'SELECT * FROM webhook_endpoints WHERE store_id = ? AND livemode = ? AND enabled = 1',
  );
  const allEnabledEndpoints = db.prepare<[], WebhookEndpointRow>('SELECT * FROM webhook_endpoints WHERE enabled = 1 ORDER BY id');
  const countEndpoints = db.prepare<[string, number], number>('SELECT count(*) FROM webhook_endpoints WHERE store_id = ? AND livemode = ?').pluck();
  const deliveriesForEvents = db.prepare<[string, number], WebhookDeliveryListRow>(
    `SELECT d.*, e.type AS event_type, e.livemode AS livemode FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.event_id IN (SELECT value FROM json_each(?)) ORDER BY d.seq DESC LIMIT ?`,
  );
  const failingEndpoints = db.prepare<[], WebhookEndpointRow>('SELECT * FROM webhook_endpoints WHERE failing_since IS NOT NULL ORDER BY id');
  const setFailingSince = db.prepare('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?');

  const insertDelivery = db.prepare(
    `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempt_count, next_attempt_at, redelivery_of, created_at)
     VALUES (@id, @endpoint_id, @event_id, 'pending', 0, @next_attempt_at, @redelivery_of, @created_at)`,
  );
  const deliveryById = db.prepare<[string], WebhookDeliveryListRow>(
    `SELECT d.*, e.type AS event_type, e.livemode AS livemode FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?`,
  );
  const deliveryState = db.prepare<[string], { status: DeliveryStatus; attempt_count: number }>('SELECT status, attempt_count FROM webhook_deliveries WHERE id = ?');
  // With its event, so sending needs no further read.
  const dueForEndpoint = db.prepare<[string, string, number], DueDeliveryRow>(
    `SELECT d.*, e.seq AS event_seq, e.type AS event_type, e.store_id AS event_store_id, e.livemode AS event_livemode,
       e.object_type AS event_object_type, e.object_id AS event_object_id, e.data AS event_data, e.created_at AS event_created_at
     FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.endpoint_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ?
     ORDER BY d.next_attempt_at, d.seq LIMIT ?`,
  );
  const nextDueForEndpoint = db.prepare<[string], { at: string | null }>(
    `SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending'`,
  );
  const finishAttempt = db.prepare(
    `UPDATE webhook_deliveries SET status = @status, attempt_count = @attempt_count, next_attempt_at = @next_attempt_at,
       last_attempt_at = @last_attempt_at, delivered_at = @delivered_at
     WHERE id = @id`,
  );
  const insertAttempt = db.prepare(
    `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, outcome, request_url, request_headers,
       request_body, response_status, response_body, response_truncated, error)
     VALUES (@delivery_id, @attempt, @started_at, @duration_ms, @outcome, @request_url, @request_headers,
       @request_body, @response_status, @response_body, @response_truncated, @error)`,
  );
  const attemptsOf = db.prepare<[string], WebhookAttemptRow>('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt');

  return {
    insertEndpoint: (row: WebhookEndpointRow) => void insertEndpoint.run(row),
    updateEndpoint: (row: WebhookEndpointRow) => void updateEndpoint.run(row),
    getEndpoint: (id: string) => endpointById.get(id) ?? null,
    /** Deletes the endpoint with its deliveries and their attempts (ON DELETE CASCADE). */
    deleteEndpoint: (id: string) => deleteEndpoint.run(id).changes === 1,
    enabledEndpoints: (storeId: string, livemode: boolean) => enabledEndpoints.all(storeId, livemode ? 1 : 0),
    allEnabledEndpoints: () => allEnabledEndpoints.all(),
    setFailingSince: (id: string, at: string | null) => void setFailingSince.run(at, id),
    countEndpoints: (storeId: string, livemode: boolean) => countEndpoints.get(storeId, livemode ? 1 : 0) ?? 0,
    /** Endpoints whose deliveries are failing now (failing_since set), enabled or not. */
    failingEndpoints: () => failingEndpoints.all(),
    /** Every delivery (any endpoint) of these events, newest first. */
    deliveriesForEvents: (eventIds: readonly string[], limit: number) =>
      eventIds.length === 0 ? [] : deliveriesForEvents.all(JSON.stringify(eventIds), limit),
    listEndpoints(f: { storeId: string; livemode: boolean; before?: { created_at: string; id: string } | undefined; limit: number }): WebhookEndpointRow[] {
      const params: Record<string, unknown> = { storeId: f.storeId, livemode: f.livemode ? 1 : 0, limit: f.limit };
      let cursor = '';
      if (f.before) {
        cursor = 'AND (created_at < @beforeCreated OR (created_at = @beforeCreated AND id < @beforeId))';
        params.beforeCreated = f.before.created_at;
        params.beforeId = f.before.id;
      }
      return db
        .prepare<Record<string, unknown>, WebhookEndpointRow>(
          `SELECT * FROM webhook_endpoints WHERE store_id = @storeId AND livemode = @livemode ${cursor}
           ORDER BY created_at DESC, id DESC LIMIT @limit`,
        )
        .all(params);
    },

    insertDelivery: (row: { id: string; endpoint_id: string; event_id: string; next_attempt_at: string; redelivery_of: string | null; created_at: string }) =>
      void insertDelivery.run(row),
    getDelivery: (id: string) => deliveryById.get(id) ?? null,
    getDeliveryState: (id: string) => deliveryState.get(id) ?? null,
    dueForEndpoint: (endpointId: string, now: string, limit: number) => dueForEndpoint.all(endpointId, now, limit),
    nextDueForEndpoint: (endpointId: string) => nextDueForEndpoint.get(endpointId)?.at ?? null,
    finishAttempt: (row: { id: string; status: DeliveryStatus; attempt_count: number; next_attempt_at: string | null; last_attempt_at: string; delivered_at: string | null }) =>
      void finishAttempt.run(row),
    insertAttempt: (row: WebhookAttemptRow) => void insertAttempt.run(row),
    attemptsOf: (deliveryId: string) => attemptsOf.all(deliveryId),
    listDeliveries(f: { endpointId: string; status?: DeliveryStatus | undefined; eventId?: string | undefined; beforeSeq?: number | undefined; limit: number }): WebhookDeliveryListRow[] {
      const where = ['d.endpoint_id = @endpointId'];
      const params: Record<string, unknown> = { endpointId: f.endpointId, limit: f.limit };
      if (f.status) (where.push('d.status = @status'), (params.status = f.status));
      if (f.eventId) (where.push('d.event_id = @eventId'), (params.eventId = f.eventId));
      if (f.beforeSeq !== undefined) (where.push('d.seq < @beforeSeq'), (params.beforeSeq = f.beforeSeq));
      return db
        .prepare<Record<string, unknown>, WebhookDeliveryListRow>(
          `SELECT d.*, e.type AS event_type, e.livemode AS livemode FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
           WHERE ${where.join(' AND ')} ORDER BY d.seq DESC LIMIT @limit`,
        )
        .all(params);
    },
  };
}
export type WebhooksStore = ReturnType<typeof createWebhooksStore>;
