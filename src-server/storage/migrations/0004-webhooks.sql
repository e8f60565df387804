-- Webhook endpoints, the durable outbox of deliveries, and the log of every attempt (SPEC §7).

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  store_id TEXT NOT NULL REFERENCES stores(id),
  livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  url TEXT NOT NULL,
  description TEXT,
  -- JSON array: ["*"], event types, or group wildcards such as "payment_intent.*".
  events TEXT NOT NULL,
  format TEXT NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  disabled_reason TEXT CHECK (disabled_reason IN ('manual', 'failing')),
  -- Signing secrets, sealed under the key store's data key; never plaintext.
  secret_sealed TEXT NOT NULL,
  previous_secret_sealed TEXT,
  previous_secret_expires_at TEXT,
  -- First failed attempt of the current failing streak; NULL after any success.
  failing_since TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_list ON webhook_endpoints (store_id, livemode, created_at DESC, id DESC);

-- The outbox: one row per (event, endpoint), written in the transaction that records the event.
CREATE TABLE webhook_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL REFERENCES events(id),
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_attempt_at TEXT,
  delivered_at TEXT,
  redelivery_of TEXT,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, seq DESC);

CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
  request_url TEXT NOT NULL,
  request_headers TEXT NOT NULL,
  request_body TEXT NOT NULL,
  response_status INTEGER,
  response_body TEXT,
  response_truncated INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
) STRICT;
