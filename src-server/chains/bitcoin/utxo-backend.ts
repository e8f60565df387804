// The one interface both UTXO backends (Esplora REST, bitcoind JSON-RPC) implement for the UTXO
// adapter, the shapes they hand back, and what they share: matching outputs to watched scripts and
// remembering which mempool transactions were already fetched.
import type { PendingTransfer, RpcEndpointHealth, TransactionState } from '../types.ts';
import { UtxoMalformedResponseError } from './utxo-http.ts';

/** One transaction output, as both backends parse it. */
export interface UtxoOutput {
  /** Position in the transaction's outputs. */
  vout: number;
  /** scriptPubKey, lowercase hex: what watched addresses are matched on. */
  script: string;
  /** Satoshis (litoshis), exact. */
  value: bigint;
}

export interface UtxoTransaction {
  txid: string;
  coinbase: boolean;
  /** BIP125 explicit signal: an input with nSequence < 0xfffffffe. */
  replaceable: boolean;
  /** First input's address when the backend tells it (Esplora JSON); '' otherwise (raw blocks). */
  from: string;
  /** Outpoints spent, `txid:vout` (empty for a coinbase). */
  spends: string[];
  outputs: UtxoOutput[];
}

export interface UtxoBlockHeader {
  height: number;
  hash: string;
  parentHash: string;
  /** Unix seconds (header nTime). */
  time: number;
}

export interface UtxoBlock extends UtxoBlockHeader {
  transactions: UtxoTransaction[];
}

/** Watched scriptPubKeys (lowercase hex) → the watched address, as the WatchSet spells it. */
export type WatchedScripts = ReadonlyMap<string, string>;

export interface UtxoBackend {
  readonly kind: 'esplora' | 'bitcoind';
  tipHeight(): Promise<number>;
  /** Hash of the block at `height` on the backend's best chain; null when it has none there yet. */
  blockHashAt(height: number): Promise<string | null>;
  /** Header of block `hash`, said to be at `height`; null when the backend does not know the hash. */
  blockHeader(hash: string, height: number): Promise<UtxoBlockHeader | null>;
  /** Every transaction of block `hash` (at `height`), outputs parsed; null when the hash is unknown. */
  block(hash: string, height: number): Promise<UtxoBlock | null>;
  /**
   * Outputs paying a watched script in transactions now in the mempool, dust included (the
   * adapter filters). The cost is the backend's to justify; it never depends on the block range.
   */
  mempoolTransfers(watched: WatchedScripts): Promise<PendingTransfer[]>;
  transactionStates(txids: readonly string[]): Promise<Map<string, TransactionState>>;
  /**
   * Satoshis each watched script holds now, keyed by script hex (every one asked about present).
   * Esplora: confirmed plus mempool, one /address/:addr per address; bitcoind: the confirmed UTXO
   * set, one scantxoutset for all of them (bitcoind has no address index for the mempool).
   */
  balances(watched: WatchedScripts): Promise<Map<string, bigint>>;
  health(): RpcEndpointHealth[];
  requestCount(): number;
  requestCountsByRoute(): Record<string, number>;
}

export const TXID_PATTERN = /^[0-9a-f]{64}$/;

/** A response that is not what the protocol promises: fail over, never guess. */
export function malformed(message: string): never {
  throw new UtxoMalformedResponseError(message);
}

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) malformed(`${what} is not an object`);
  return value as Record<string, unknown>;
}

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) malformed(`${what} is not an array`);
  return value;
}

/** JSON keys whose numbers are amounts, parsed exactly (see json-amounts.ts). */
export const AMOUNT_KEYS: ReadonlySet<string> = new Set(['value']);

export function assertTxids(txids: readonly string[]): void {
  for (const txid of txids) {
    if (!TXID_PATTERN.test(txid)) throw new TypeError(`not a transaction id (64 lowercase hex): ${JSON.stringify(txid)}`);
  }
}

/** Pending transfers of `tx` to watched scripts, one per matching output. */
export function pendingTransfersOf(tx: UtxoTransaction, watched: WatchedScripts): PendingTransfer[] {
  const transfers: PendingTransfer[] = [];
  if (tx.coinbase) return transfers;
  for (const output of tx.outputs) {
    const to = watched.get(output.script);
    if (to === undefined) continue;
    transfers.push({ txid: tx.txid, index: output.vout, from: tx.from, to, tokenContract: null, amount: output.value, replaceable: tx.replaceable, spends: tx.spends });
  }
  return transfers;
}

/**
 * Which mempool transactions to fetch, given the backend's full list of mempool txids each scan:
 * every txid is fetched at most once and its parsed outputs kept until it leaves the mempool, so a
 * scan costs one list request plus one request per transaction that is new since the last scan.
 *
 * - At most `maxFetchesPerScan` per scan; the rest wait, newest arrivals first (a payment made
 *   now matters more than the backlog). Waiting txids that leave the mempool are never fetched.
 * - The first list seen (start-up) is a backlog of unknown age: when it is larger than one scan's
 *   budget it is recorded as seen without fetching it. Payments already in the mempool then are
 *   found at their first block instead of at 0-conf. A smaller one (Litecoin, a devnet) is fetched.
 */
export class MempoolTxCache {
  private readonly maxFetchesPerScan: number;
  /** txid → parsed transaction; null = seen, not fetched (start-up backlog, or gone when fetched). */
  private readonly known = new Map<string, UtxoTransaction | null>();
  /** Not fetched yet, newest first. */
  private waiting: string[] = [];
  private primed = false;
  skippedAtStartup = 0;

  constructor(maxFetchesPerScan: number) {
    this.maxFetchesPerScan = Math.max(1, maxFetchesPerScan);
  }

  /** Takes the backend's current mempool txids; returns the ones to fetch now. */
  reconcile(current: readonly string[]): string[] {
    const present = new Set(current);
    for (const txid of this.known.keys()) if (!present.has(txid)) this.known.delete(txid);
    const waitingSet = new Set<string>();
    this.waiting = this.waiting.filter((txid) => present.has(txid) && !waitingSet.has(txid) && waitingSet.add(txid));
    const fresh = current.filter((txid) => !this.known.has(txid) && !waitingSet.has(txid));
    if (!this.primed) {
      this.primed = true;
      if (fresh.length > this.maxFetchesPerScan) {
        for (const txid of fresh) this.known.set(txid, null);
        this.skippedAtStartup = fresh.length;
        return [];
      }
    }
    this.waiting = [...fresh, ...this.waiting];
    return this.waiting.splice(0, this.maxFetchesPerScan);
  }

  /** Records a fetched transaction (null: it left the mempool between the list and the fetch). */
  store(txid: string, tx: UtxoTransaction | null): void {
    this.known.set(txid, tx);
  }

  /** Transfers to watched scripts in every fetched transaction still in the mempool. */
  transfers(watched: WatchedScripts): PendingTransfer[] {
    const transfers: PendingTransfer[] = [];
    if (watched.size === 0) return transfers;
    for (const tx of this.known.values()) if (tx) transfers.push(...pendingTransfersOf(tx, watched));
    return transfers;
  }

  /** Forget everything (the next list is a start-up backlog again). */
  reset(): void {
    this.known.clear();
    this.waiting = [];
    this.primed = false;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  get size(): number {
    return this.known.size;
  }
}
