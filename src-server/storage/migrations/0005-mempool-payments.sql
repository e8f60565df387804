-- Payments seen in the mempool (UTXO chains detect at 0-conf) have no block yet: the block columns
-- become nullable. SQLite cannot relax NOT NULL in place, so the table is rebuilt.
CREATE TABLE payments_v5 (
  id TEXT PRIMARY KEY,
  intent_id TEXT NOT NULL REFERENCES payment_intents(id),
  chain TEXT NOT NULL,
  txid TEXT NOT NULL,
  -- Log index (EVM/Tron token), -1 (native EVM/Tron), or vout (UTXO chains).
  output_index INTEGER NOT NULL,
  from_address TEXT NOT NULL,
  to_address TEXT NOT NULL,
  token_contract TEXT,
  amount TEXT NOT NULL,
  -- NULL while the transaction waits in the mempool.
  block_number INTEGER,
  block_hash TEXT,
  block_time TEXT,
  status TEXT NOT NULL CHECK (status IN ('detected', 'confirmed', 'reverted')),
  detected_at TEXT NOT NULL,
  confirmed_at TEXT,
  reverted_at TEXT,
  -- UTXO payments seen in the mempool: JSON array of the outpoints ("txid:vout") their transaction
  -- spends, so a replacement (RBF) or double spend that conflicts with it is recognised at once.
  spends TEXT,
  UNIQUE (chain, txid, output_index),
  CHECK ((block_number IS NULL) = (block_hash IS NULL) AND (block_number IS NULL) = (block_time IS NULL)),
  CHECK (block_number IS NOT NULL OR status != 'confirmed')
) STRICT;
INSERT INTO payments_v5 SELECT id, intent_id, chain, txid, output_index, from_address, to_address, token_contract, amount,
  block_number, block_hash, block_time, status, detected_at, confirmed_at, reverted_at, NULL FROM payments;
DROP TABLE payments;
ALTER TABLE payments_v5 RENAME TO payments;
CREATE INDEX payments_intent ON payments (intent_id);
CREATE INDEX payments_unconfirmed ON payments (chain, status, block_number);
