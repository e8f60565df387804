-- The credit ledger looks up the intents watching a transfer's recipient, one address at a time:
-- with this index that costs O(transfers), whatever the number of open intents.
CREATE INDEX payment_intents_watch_address ON payment_intents (chain, watch_address, monitor_until);
