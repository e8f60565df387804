-- Money that reached one of our addresses but pays no intent: another asset than the intent's, or
-- an amount on a shared address that matches no open intent. Kept so the operator can act on it.
CREATE TABLE unattributed_transfers (
  chain TEXT NOT NULL,
  txid TEXT NOT NULL,
  output_index INTEGER NOT NULL,
  livemode INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  to_address TEXT NOT NULL,
  from_address TEXT NOT NULL,
  token_contract TEXT,
  amount TEXT NOT NULL,
  block_number INTEGER NOT NULL,
  block_hash TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('asset_mismatch', 'amount_mismatch')),
  status TEXT NOT NULL CHECK (status IN ('seen', 'reverted')),
  detected_at TEXT NOT NULL,
  PRIMARY KEY (chain, txid, output_index)
) STRICT;
CREATE INDEX unattributed_transfers_recent ON unattributed_transfers (detected_at DESC);
