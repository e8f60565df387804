-- Checkout sessions and payment links (SPEC §5). A session fans out into one payment intent per
-- (network, asset) the customer may choose; the first option paid completes it. A payment link is
-- a reusable template that opens a new session per visit. Amounts are integer units of the
-- session's `currency` at `amount_decimals` (fiat minor units, or the asset's largest precision).

CREATE TABLE payment_links (
  id TEXT PRIMARY KEY,
  store_id TEXT NOT NULL REFERENCES stores(id),
  livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  -- NULL: the customer chooses the amount, within min_amount..max_amount when set.
  amount TEXT,
  min_amount TEXT,
  max_amount TEXT,
  amount_decimals INTEGER NOT NULL,
  currency TEXT NOT NULL,
  description TEXT,
  -- JSON array of {network, asset} the sessions may offer; NULL = every enabled option.
  methods TEXT,
  success_url TEXT,
  cancel_url TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  active INTEGER NOT NULL CHECK (active IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK (amount IS NULL OR (min_amount IS NULL AND max_amount IS NULL))
) STRICT;
CREATE INDEX payment_links_list ON payment_links (store_id, livemode, created_at DESC, id DESC);

CREATE TABLE checkout_sessions (
  id TEXT PRIMARY KEY,
  store_id TEXT NOT NULL REFERENCES stores(id),
  livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  status TEXT NOT NULL CHECK (status IN ('open', 'complete', 'expired', 'canceled')),
  amount TEXT NOT NULL,
  amount_decimals INTEGER NOT NULL,
  currency TEXT NOT NULL,
  -- The option the page shows first.
  primary_intent_id TEXT,
  -- The option that paid; set once, when the session completes.
  payment_intent_id TEXT,
  payment_link_id TEXT REFERENCES payment_links(id),
  custom_id TEXT,
  customer_email TEXT,
  description TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  success_url TEXT,
  cancel_url TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  completed_at TEXT,
  canceled_at TEXT,
  updated_at TEXT NOT NULL,
  CHECK ((status = 'complete') = (payment_intent_id IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX checkout_sessions_custom_id ON checkout_sessions (store_id, livemode, custom_id) WHERE custom_id IS NOT NULL;
CREATE INDEX checkout_sessions_list ON checkout_sessions (store_id, livemode, created_at DESC, id DESC);
CREATE INDEX checkout_sessions_link ON checkout_sessions (payment_link_id) WHERE payment_link_id IS NOT NULL;

-- The session an intent is an option of; NULL for intents created on their own.
ALTER TABLE payment_intents ADD COLUMN checkout_session_id TEXT REFERENCES checkout_sessions(id);
CREATE INDEX payment_intents_checkout_session ON payment_intents (checkout_session_id) WHERE checkout_session_id IS NOT NULL;
