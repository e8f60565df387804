import type { Db } from './db.ts';

export interface ChainBlockRow {
  chain: string;
  number: number;
  hash: string;
  parent_hash: string;
  time: string;
}

/** Scan cursors and recent block hashes per chain (reorg detection). */
export function createChainStore(db: Db) {
  const cursor = db.prepare<[string], { next_block: number }>('SELECT next_block FROM chain_cursors WHERE chain = ?');
  const setCursor = db.prepare(
    `INSERT INTO chain_cursors (chain, next_block, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (chain) DO UPDATE SET next_block = excluded.next_block, updated_at = excluded.updated_at`,
  );
  const putBlock = db.prepare(
    `INSERT INTO chain_blocks (chain, number, hash, parent_hash, time) VALUES (@chain, @number, @hash, @parent_hash, @time)
     ON CONFLICT (chain, number) DO UPDATE SET hash = excluded.hash, parent_hash = excluded.parent_hash, time = excluded.time`,
  );
  const block = db.prepare<[string, number], ChainBlockRow>('SELECT * FROM chain_blocks WHERE chain = ? AND number = ?');
  const latestBlock = db.prepare<[string], ChainBlockRow>(
    'SELECT * FROM chain_blocks WHERE chain = ? ORDER BY number DESC LIMIT 1',
  );
  const blocksDesc = db.prepare<[string, number], ChainBlockRow>(
    'SELECT * FROM chain_blocks WHERE chain = ? AND number < ? ORDER BY number DESC',
  );
  const dropFrom = db.prepare('DELETE FROM chain_blocks WHERE chain = ? AND number >= ?');
  // Block 0 stays: it identifies the chain (a devnet restarted from scratch has another genesis).
  const prune = db.prepare('DELETE FROM chain_blocks WHERE chain = ? AND number < ? AND number > 0');
  const forgetChain = db.transaction((chain: string) => {
    db.prepare('DELETE FROM chain_blocks WHERE chain = ?').run(chain);
    db.prepare('DELETE FROM chain_cursors WHERE chain = ?').run(chain);
  });
  return {
    getCursor: (chain: string) => cursor.get(chain)?.next_block ?? null,
    setCursor: (chain: string, nextBlock: number, at: string) => void setCursor.run(chain, nextBlock, at),
    putBlock: (row: ChainBlockRow) => void putBlock.run(row),
    getBlock: (chain: string, number: number) => block.get(chain, number) ?? null,
    latestBlock: (chain: string) => latestBlock.get(chain) ?? null,
    /** Stored blocks below `below`, newest first (walked back to find a fork point). */
    blocksBelow: (chain: string, below: number) => blocksDesc.all(chain, below),
    dropBlocksFrom: (chain: string, number: number) => void dropFrom.run(chain, number),
    pruneBlocksBelow: (chain: string, number: number) => void prune.run(chain, number),
    /** Drops the cursor and stored hashes: the next scan starts at the chain's head. */
    forgetChain: (chain: string) => void forgetChain(chain),
  };
}
export type ChainStore = ReturnType<typeof createChainStore>;
