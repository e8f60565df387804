-- Shared address + unique amount (SPEC §4): one receiving address per store, mode and address
-- scheme; every open intent on it gets a unique pay_amount that identifies it.

ALTER TABLE stores ADD COLUMN shared_address_networks TEXT NOT NULL DEFAULT '[]';

ALTER TABLE payment_intents ADD COLUMN address_mode TEXT NOT NULL DEFAULT 'unique'
  CHECK (address_mode IN ('unique', 'shared'));

CREATE TABLE shared_addresses (
  store_id TEXT NOT NULL REFERENCES stores(id),
  livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  scheme TEXT NOT NULL,
  address TEXT NOT NULL,
  derivation_index INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (store_id, livemode, scheme)
) STRICT;

CREATE INDEX payment_intents_shared_amounts ON payment_intents (chain, watch_address, monitor_until)
  WHERE address_mode = 'shared';
