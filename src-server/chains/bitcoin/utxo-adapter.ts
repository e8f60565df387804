// ChainAdapter for Bitcoin and Litecoin over an Esplora REST API or bitcoind JSON-RPC.
//
// Canonical address form (WatchSet in, transfers out): the address string as derived — lowercase
// bech32 (`bc1…`, `ltc1…`), base58 legacy as is (see networks.ts). Watched addresses are turned
// into their output scripts once (cached) and every output of a block is matched on its script
// (hex) with one Map lookup, so the cost of a scan is the same for 10 or 10,000 watched addresses.
// (Decoding every output to an address with bitcoinjs-lib's address.fromOutputScript instead
// costs 40–160 µs an output, measured — half a second for a 5,000-output block — and throws on
// Taproot outputs without an ECC library.)
//
// DetectedTransfer: index = vout; from = '' (a raw block's inputs carry no address, and the
// verbosity-2 JSON neither); tokenContract = null; amount in satoshis (litoshis), exact. Outputs
// below the dust threshold are ignored; several outputs to watched addresses in one transaction
// are several transfers; coinbase outputs are ignored (unspendable for 100 blocks, and gone for
// good if their block is reorged out — not something to ship goods against).
//
// Cost of scanBlockRange(from, to) for N blocks (see the backends for the routes): 2N requests on
// either backend (block hash per height, then the block: Esplora /block/:hash/raw, bitcoind
// getblock <hash> 2); when no address is watched, 2N header requests instead of bodies.
//
// getBalances: see UtxoBackend.balances (Esplora: 1 request per address, confirmed + mempool;
// bitcoind: 1 scantxoutset for all of them, confirmed only). Dust counts: it is still held.
import type { AddressBalances, BalanceRead, BlockRef, ChainAdapter, DetectedTransfer, PendingTransfer, RpcEndpointHealth, ScanResult, TransactionState, WatchSet } from '../types.ts';
import { type ChainLogger, silentLogger } from '../evm/chain-logger.ts';
import { createBitcoindBackend } from './bitcoind-backend.ts';
import { createEsploraBackend } from './esplora-backend.ts';
import { canonicalUtxoAddress, DEFAULT_DUST_THRESHOLD_SATS, outputScriptHex, type UtxoNetwork } from './networks.ts';
import { type UtxoBackend, type UtxoBlockHeader, type WatchedScripts } from './utxo-backend.ts';
import { mapWithConcurrency } from '../../util/concurrency.ts';
import type { BasicAuth } from './utxo-http.ts';

export type UtxoBackendConfig =
  | { kind: 'esplora'; urls: string[]; auth?: BasicAuth }
  | { kind: 'bitcoind'; urls: string[]; auth?: BasicAuth };

export interface UtxoAdapterOptions {
  /** Network id, e.g. 'bitcoin', 'litecoin' (or a devnet's). */
  chain: string;
  network: UtxoNetwork;
  backend: UtxoBackendConfig;
  /** Outputs below this many satoshis are ignored. Default: DEFAULT_DUST_THRESHOLD_SATS[network]. */
  dustThresholdSats?: bigint;
  logger?: ChainLogger;
  /** Per HTTP request, per URL. Default 15 s. */
  timeoutMs?: number;
  /** How long a failed URL is passed over. Default 30 s. */
  cooldownMs?: number;
  /** Blocks (and mempool lookups) in flight at once. Default 4. */
  maxConcurrentRequests?: number;
  /** Esplora: up to this many watched addresses the mempool is read per address. Default 20. */
  mempoolAddressQueryLimit?: number;
  /** Most single-transaction requests per mempool scan. Default 100 (Esplora), 500 (bitcoind). */
  maxMempoolTxFetchesPerScan?: number;
}

export interface UtxoAdapter extends ChainAdapter {
  readonly family: 'bitcoin';
  readonly network: UtxoNetwork;
  readonly dustThresholdSats: bigint;
  readonly backend: UtxoBackend;
  scanMempool(watch: WatchSet): Promise<PendingTransfer[]>;
  transactionStates(txids: readonly string[]): Promise<Map<string, TransactionState>>;
  getBalances(addresses: readonly string[], tokenContracts: readonly string[]): Promise<Map<string, AddressBalances>>;
  /** Requests sent per route ('/block/:hash/raw', 'getblock', …). */
  requestCountsByRoute(): Record<string, number>;
}

export class UtxoScanRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UtxoScanRangeError';
  }
}

/** The chain moved under the scan (a reorg between our requests) more often than we retry. */
export class UtxoInconsistentScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UtxoInconsistentScanError';
  }
}

const SCAN_ATTEMPTS = 3;

interface SortableTransfer extends DetectedTransfer {
  txPosition: number;
}

function toBlockRef(header: UtxoBlockHeader): BlockRef {
  return { number: header.height, hash: header.hash, parentHash: header.parentHash, time: header.time };
}

export function createUtxoAdapter(options: UtxoAdapterOptions): UtxoAdapter {
  const logger = options.logger ?? silentLogger;
  const dust = options.dustThresholdSats ?? DEFAULT_DUST_THRESHOLD_SATS[options.network];
  if (dust < 0n) throw new RangeError('dustThresholdSats must not be negative');
  const concurrency = Math.max(1, options.maxConcurrentRequests ?? 4);
  const common = {
    chain: options.chain,
    network: options.network,
    urls: options.backend.urls,
    auth: options.backend.auth,
    logger,
    timeoutMs: options.timeoutMs,
    cooldownMs: options.cooldownMs,
    maxConcurrentRequests: concurrency,
    maxMempoolTxFetchesPerScan: options.maxMempoolTxFetchesPerScan,
  };
  const backend: UtxoBackend =
    options.backend.kind === 'esplora'
      ? createEsploraBackend({ ...common, mempoolAddressQueryLimit: options.mempoolAddressQueryLimit })
      : createBitcoindBackend(common);

  // address → script hex (null: not an address here). The same thousands come back every scan.
  const scriptCache = new Map<string, string | null>();
  const reportedInvalid = new Set<string>();

  /** Watched scripts → watched address; addresses that are not valid here are logged once and skipped. */
  function watchedScripts(addresses: ReadonlySet<string>): WatchedScripts {
    const watched = new Map<string, string>();
    for (const address of addresses) {
      let script = scriptCache.get(address);
      if (script === undefined) {
        if (scriptCache.size >= 200_000) scriptCache.clear();
        script = canonicalUtxoAddress(address, options.network) === null ? null : outputScriptHex(address, options.network);
        scriptCache.set(address, script);
      }
      if (script === null) {
        if (!reportedInvalid.has(address)) logger.warn({ chain: options.chain, address }, `watched address is not a ${options.network} address; ignored`);
        reportedInvalid.add(address);
        continue;
      }
      watched.set(script, address);
    }
    return watched;
  }

  async function blockHashOrFail(height: number, from: number, to: number): Promise<string> {
    const hash = await backend.blockHashAt(height);
    if (hash === null) throw new UtxoScanRangeError(`${options.chain}: block ${height} does not exist yet (scan ${from}..${to})`);
    return hash;
  }

  async function scanOnce(from: number, to: number, watch: WatchSet): Promise<ScanResult> {
    const watched = watch.native ? watchedScripts(watch.addresses) : new Map<string, string>();
    const heights = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const transfers: SortableTransfer[] = [];
    const headers = await mapWithConcurrency(heights, concurrency, async (height): Promise<UtxoBlockHeader> => {
      const hash = await blockHashOrFail(height, from, to);
      if (watched.size === 0) {
        const header = await backend.blockHeader(hash, height);
        if (header === null) throw new UtxoInconsistentScanError(`${options.chain}: block ${hash} at ${height} vanished (reorg during scan)`);
        return header;
      }
      const block = await backend.block(hash, height);
      if (block === null) throw new UtxoInconsistentScanError(`${options.chain}: block ${hash} at ${height} vanished (reorg during scan)`);
      for (const [txPosition, tx] of block.transactions.entries()) {
        if (tx.coinbase) continue;
        for (const output of tx.outputs) {
          const to = watched.get(output.script);
          if (to === undefined || output.value < dust) continue;
          transfers.push({
            txid: tx.txid,
            index: output.vout,
            from: tx.from,
            to,
            tokenContract: null,
            amount: output.value,
            blockNumber: block.height,
            blockHash: block.hash,
            blockTime: block.time,
            txPosition,
          });
        }
      }
      const { transactions: _, ...header } = block;
      return header;
    });
    const blocks: BlockRef[] = [];
    for (const header of headers) {
      const previous = blocks[blocks.length - 1];
      if (previous && header.parentHash !== previous.hash) {
        throw new UtxoInconsistentScanError(`${options.chain}: block ${header.height} does not extend ${previous.hash} (reorg during scan)`);
      }
      blocks.push(toBlockRef(header));
    }
    transfers.sort((a, b) => a.blockNumber - b.blockNumber || a.txPosition - b.txPosition || a.index - b.index);
    return { transfers: transfers.map(({ txPosition: _, ...transfer }) => transfer), blocks };
  }

  return {
    chain: options.chain,
    family: 'bitcoin',
    network: options.network,
    dustThresholdSats: dust,
    backend,

    getHeadNumber(): Promise<number> {
      return backend.tipHeight();
    },

    async getBlock(number: number): Promise<BlockRef | null> {
      if (!Number.isSafeInteger(number) || number < 0) throw new UtxoScanRangeError(`invalid block number ${number}`);
      const hash = await backend.blockHashAt(number);
      if (hash === null) return null;
      const header = await backend.blockHeader(hash, number);
      return header === null ? null : toBlockRef(header);
    },

    async scanBlockRange(from: number, to: number, watch: WatchSet): Promise<ScanResult> {
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
        throw new UtxoScanRangeError(`invalid block range ${from}..${to}`);
      }
      for (let attempt = 1; ; attempt++) {
        try {
          return await scanOnce(from, to, watch);
        } catch (error) {
          if (!(error instanceof UtxoInconsistentScanError) || attempt >= SCAN_ATTEMPTS) throw error;
          logger.warn({ chain: options.chain, from, to, attempt, error: error.message }, 'chain changed during scan, rescanning');
        }
      }
    },

    async scanMempool(watch: WatchSet): Promise<PendingTransfer[]> {
      if (!watch.native || watch.addresses.size === 0) return [];
      const watched = watchedScripts(watch.addresses);
      if (watched.size === 0) return [];
      const pending = await backend.mempoolTransfers(watched);
      return pending.filter((t) => t.amount >= dust).sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.index - b.index));
    },

    transactionStates(txids: readonly string[]): Promise<Map<string, TransactionState>> {
      return backend.transactionStates(txids);
    },

    async getBalances(addresses: readonly string[], tokenContracts: readonly string[]): Promise<Map<string, AddressBalances>> {
      const noTokens = new Map<string, BalanceRead>(tokenContracts.map((t) => [t, { ok: false, error: `${options.network} has no tokens` }]));
      const scriptOf = new Map<string, string | null>();
      const watched = new Map<string, string>();
      for (const address of new Set(addresses)) {
        const script = canonicalUtxoAddress(address, options.network) === null ? null : outputScriptHex(address, options.network);
        scriptOf.set(address, script);
        if (script !== null) watched.set(script, address);
      }
      const held = await backend.balances(watched);
      const out = new Map<string, AddressBalances>();
      for (const [address, script] of scriptOf) {
        const amount = script === null ? undefined : held.get(script);
        const native: BalanceRead =
          script === null ? { ok: false, error: `not a ${options.network} address: ${address}` } : amount === undefined ? { ok: false, error: 'not in the answer' } : { ok: true, amount };
        out.set(address, { native, tokens: noTokens });
      }
      return out;
    },

    rpcHealth(): RpcEndpointHealth[] {
      return backend.health();
    },

    rpcRequestCount(): number {
      return backend.requestCount();
    },

    requestCountsByRoute(): Record<string, number> {
      return backend.requestCountsByRoute();
    },
  };
}
