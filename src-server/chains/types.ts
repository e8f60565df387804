// The one interface every chain family implements. Adapters speak one chain's protocol and
// know nothing of invoices: they find transfers to addresses they are told to watch.

export type ChainFamily = 'evm' | 'tron' | 'bitcoin';

/** What the watcher asks an adapter to look for in a block range. */
export interface WatchSet {
  /** Receiving addresses in the adapter's canonical form (EVM: lowercase 0x hex). */
  addresses: ReadonlySet<string>;
  /** Token contracts to watch (EVM: lowercase 0x hex). Empty = no token scanning. */
  tokenContracts: ReadonlySet<string>;
  /** Whether native-coin transfers to the watched addresses matter. */
  native: boolean;
}

/** One incoming transfer found on chain, in base units. */
export interface DetectedTransfer {
  txid: string;
  /** Log index (EVM token), -1 for a native EVM transfer (one per tx), vout for UTXO chains. */
  index: number;
  from: string;
  /** Canonical form, as in WatchSet.addresses. */
  to: string;
  /** Token contract (canonical form) or null for the native coin. */
  tokenContract: string | null;
  amount: bigint;
  blockNumber: number;
  blockHash: string;
  /** Unix seconds of the block. */
  blockTime: number;
}

/** A transfer in the mempool, not yet in a block (UTXO chains detect payments at 0-conf). */
export interface PendingTransfer {
  txid: string;
  /** vout. */
  index: number;
  /** First input's address when the backend tells it, else ''. */
  from: string;
  to: string;
  tokenContract: null;
  amount: bigint;
  /** BIP125: the transaction signals that it may be replaced (RBF). */
  replaceable: boolean;
  /** Outpoints (`txid:vout`) the transaction spends: another transaction spending one of them conflicts with it. */
  spends: readonly string[];
}

export type TransactionState = 'mempool' | 'confirmed' | 'missing';

export interface BlockRef {
  number: number;
  hash: string;
  parentHash: string;
  /** Unix seconds. */
  time: number;
}

export interface ScanResult {
  transfers: DetectedTransfer[];
  /** Every block of the scanned range, ascending, for reorg detection. */
  blocks: BlockRef[];
}

export interface RpcEndpointHealth {
  url: string;
  ok: boolean;
  lastError: string | null;
  lastErrorAt: string | null;
  requests: number;
  failures: number;
}

/** One balance as read from the chain: base units, or why it could not be read. */
export type BalanceRead = { ok: true; amount: bigint } | { ok: false; error: string };

/** What one address holds now: the native coin and each token asked about (canonical contract → read). */
export interface AddressBalances {
  native: BalanceRead;
  tokens: ReadonlyMap<string, BalanceRead>;
}

export interface ChainAdapter {
  /** The chain this adapter watches, e.g. 'devnet', 'ethereum', 'bsc'. */
  readonly chain: string;
  readonly family: ChainFamily;
  getHeadNumber(): Promise<number>;
  /** Header of a block; null when the chain has no block at that height. */
  getBlock(number: number): Promise<BlockRef | null>;
  /**
   * Every transfer to a watched address in [from, to] (inclusive) plus the headers of those
   * blocks. The number of RPC calls depends on the range, never on the size of the watch set.
   */
  scanBlockRange(from: number, to: number, watch: WatchSet): Promise<ScanResult>;
  /**
   * UTXO chains: transfers to watched addresses now in the mempool. Optional; chains without a
   * public mempool (EVM via most RPCs, Tron) detect at the first block.
   */
  scanMempool?(watch: WatchSet): Promise<PendingTransfer[]>;
  /** UTXO chains: where each transaction is now; 'missing' = replaced (RBF), double-spent or dropped. */
  transactionStates?(txids: readonly string[]): Promise<Map<string, TransactionState>>;
  /**
   * The newest block the chain itself calls final (Tron: the solidified block). Optional; a payment
   * at or below it is confirmed whatever its confirmation count.
   */
  getFinalizedNumber?(): Promise<number>;
  /**
   * What each address holds now (latest block; UTXO chains: confirmed plus mempool on Esplora,
   * the confirmed UTXO set on bitcoind), keyed by the address as given. Addresses and contracts in
   * the adapter's canonical form; UTXO chains have no tokens. A read the node refused for one
   * address or token is a failed BalanceRead; an endpoint that cannot answer at all throws.
   * Optional so test doubles of the watcher need not implement it.
   */
  getBalances?(addresses: readonly string[], tokenContracts: readonly string[]): Promise<Map<string, AddressBalances>>;
  /** Per-URL health, for /healthz. */
  rpcHealth(): RpcEndpointHealth[];
  /** Total JSON-RPC requests sent (for metrics and the calls-per-block test). */
  rpcRequestCount(): number;
  close?(): Promise<void>;
}
