-- Kassa schema, version 1. Money columns hold integer base units as TEXT (18-decimal tokens
-- overflow SQLite's 64-bit INTEGER); times are ISO-8601 UTC strings.

CREATE TABLE stores (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  default_expires_in INTEGER NOT NULL DEFAULT 1800,
  monitoring_window INTEGER NOT NULL DEFAULT 604800,
  -- NULL: accept for stablecoins, flag for volatile assets (SPEC §6).
  late_payment_policy TEXT CHECK (late_payment_policy IN ('accept', 'flag')),
  -- Underpayment tolerance in basis points of the amount.
  underpaid_tolerance_bps INTEGER NOT NULL DEFAULT 0 CHECK (underpaid_tolerance_bps BETWEEN 0 AND 10000),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  store_id TEXT NOT NULL REFERENCES stores(id),
  livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  key_hash TEXT NOT NULL UNIQUE,
  -- First and last characters, for recognising a key in lists; never the key.
  key_hint TEXT NOT NULL,
  name TEXT,
  scopes TEXT NOT NULL,
  -- Requests per second; NULL = unlimited.
  rate_limit INTEGER,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
) STRICT;

-- Encrypted secrets (AES-256-GCM under the key store's data key).
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  sealed TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

-- Public derivation material: one account-level extended public key per mode and scheme.
CREATE TABLE wallet_accounts (
  livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  scheme TEXT NOT NULL CHECK (scheme IN ('evm', 'tron', 'btc', 'ltc')),
  xpub TEXT NOT NULL,
  watch_only INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (livemode, scheme)
) STRICT;

-- Next derivation index per mode and scheme; only ever incremented, so an index is never reused.
CREATE TABLE derivation_counters (
  livemode INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  next_index INTEGER NOT NULL,
  PRIMARY KEY (livemode, scheme)
) STRICT;

CREATE TABLE addresses (
  livemode INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  derivation_index INTEGER NOT NULL,
  address TEXT NOT NULL,
  purpose TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (livemode, scheme, derivation_index),
  UNIQUE (livemode, scheme, address)
) STRICT;

CREATE TABLE payment_intents (
  id TEXT PRIMARY KEY,
  store_id TEXT NOT NULL REFERENCES stores(id),
  livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  status TEXT NOT NULL CHECK (status IN ('pending', 'confirming', 'paid', 'expired', 'canceled', 'refunded')),
  exception TEXT CHECK (exception IN ('underpaid', 'overpaid', 'paid_late')),
  network TEXT NOT NULL,
  -- The chain actually watched: the network itself in live mode, 'devnet' for test-mode EVM intents.
  chain TEXT NOT NULL,
  asset TEXT NOT NULL,
  decimals INTEGER NOT NULL,
  token_contract TEXT,
  amount TEXT NOT NULL,
  currency TEXT NOT NULL,
  fiat_amount TEXT,
  rate TEXT,
  pay_amount TEXT NOT NULL,
  tolerance TEXT NOT NULL DEFAULT '0',
  amount_received TEXT NOT NULL DEFAULT '0',
  amount_confirmed TEXT NOT NULL DEFAULT '0',
  receive_address TEXT NOT NULL,
  -- Canonical (lowercase for EVM) form the watcher matches against.
  watch_address TEXT NOT NULL,
  address_scheme TEXT NOT NULL,
  address_index INTEGER NOT NULL,
  confirmations_required INTEGER NOT NULL,
  late_payment_policy TEXT NOT NULL CHECK (late_payment_policy IN ('accept', 'flag')),
  custom_id TEXT,
  customer_email TEXT,
  description TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  success_url TEXT,
  cancel_url TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  monitor_until TEXT NOT NULL,
  paid_at TEXT,
  canceled_at TEXT,
  updated_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX payment_intents_custom_id ON payment_intents (store_id, livemode, custom_id) WHERE custom_id IS NOT NULL;
CREATE INDEX payment_intents_list ON payment_intents (store_id, livemode, created_at DESC, id DESC);
CREATE INDEX payment_intents_watch ON payment_intents (chain, monitor_until);
CREATE INDEX payment_intents_open ON payment_intents (status, expires_at);

CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  intent_id TEXT NOT NULL REFERENCES payment_intents(id),
  chain TEXT NOT NULL,
  txid TEXT NOT NULL,
  -- Log index (EVM token), -1 (EVM native), or vout (UTXO chains).
  output_index INTEGER NOT NULL,
  from_address TEXT NOT NULL,
  to_address TEXT NOT NULL,
  token_contract TEXT,
  amount TEXT NOT NULL,
  block_number INTEGER NOT NULL,
  block_hash TEXT NOT NULL,
  block_time TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('detected', 'confirmed', 'reverted')),
  detected_at TEXT NOT NULL,
  confirmed_at TEXT,
  reverted_at TEXT,
  UNIQUE (chain, txid, output_index)
) STRICT;
CREATE INDEX payments_intent ON payments (intent_id);
CREATE INDEX payments_unconfirmed ON payments (chain, status, block_number);

-- Scan cursor per chain: the next block to scan. Written only after a range is fully processed.
CREATE TABLE chain_cursors (
  chain TEXT PRIMARY KEY,
  next_block INTEGER NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- Hashes of recently scanned blocks, for reorg detection.
CREATE TABLE chain_blocks (
  chain TEXT NOT NULL,
  number INTEGER NOT NULL,
  hash TEXT NOT NULL,
  parent_hash TEXT NOT NULL,
  time TEXT NOT NULL,
  PRIMARY KEY (chain, number)
) STRICT;

-- The immutable audit log: every state change writes its event here in the same transaction.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  store_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX events_list ON events (store_id, livemode, seq DESC);
CREATE INDEX events_object ON events (object_id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;

CREATE TABLE idempotency_keys (
  api_key_id TEXT NOT NULL,
  key TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
  status_code INTEGER,
  response_body TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (api_key_id, key)
) STRICT;
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
