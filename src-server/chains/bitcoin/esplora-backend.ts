// UtxoBackend over the Esplora REST API (Blockstream's esplora/electrs, mempool.space, their
// Litecoin deployments, the Kassa Bitcoin devnet).
//
// Requests, whatever the number of watched addresses:
//   tip                     GET /blocks/tip/height                           1
//   a block's transactions  GET /block-height/:h + GET /block/:hash/raw      2 per block
//   a header                GET /block-height/:h + GET /block/:hash/header   2 per block
//   transaction states      GET /tx/:txid                                    1 per txid (404 = missing)
//   balances                GET /address/:addr                               1 per address
//
// Mempool (0-conf detection). Esplora has no "what is new" feed; three ways to look:
//   /mempool/recent             1 request, but only the last 10 transactions: at a few a second,
//                               anything older than ~3 s at poll time is never seen. Lossy; unused.
//   /address/:addr/txs/mempool  1 per watched address per scan: exact, tiny answers, O(addresses).
//   /mempool/txids + /tx/:txid  1 per scan + 1 per transaction new since the last scan (fetched
//                               once, its outputs kept until it leaves the mempool): independent
//                               of the watch set, but the list is the whole mempool (~65 bytes a
//                               transaction, 2 MB for 30,000) and Bitcoin sees ~5 new a second.
// Hybrid: up to `mempoolAddressQueryLimit` watched addresses (default 20, a desktop shop's open
// invoices) per address; above it the txid diff, at most `maxMempoolTxFetchesPerScan` (default
// 100) /tx requests a scan, newest first, the rest on the next scans. Crossing from per-address to
// the diff does one more per-address pass, so nothing paid in between is missed. At start-up with
// a large watch set, a mempool bigger than one scan's budget is not back-filled (those payments
// are found at their first block). test/unit/chains/bitcoin-adapter.test.ts measures both modes.
import type { PendingTransfer, RpcEndpointHealth, TransactionState } from '../types.ts';
import { type ChainLogger, silentLogger } from '../evm/chain-logger.ts';
import { parseJsonKeepingAmounts, satsFromInteger } from './json-amounts.ts';
import type { UtxoNetwork } from './networks.ts';
import { parseRawBlock, parseRawHeader } from './raw-block.ts';
import {
  AMOUNT_KEYS,
  asArray,
  asObject,
  assertTxids,
  malformed,
  MempoolTxCache,
  pendingTransfersOf,
  TXID_PATTERN,
  type UtxoBackend,
  type UtxoBlock,
  type UtxoBlockHeader,
  type UtxoTransaction,
  type WatchedScripts,
} from './utxo-backend.ts';
import { mapWithConcurrency } from '../../util/concurrency.ts';
import {
  createUtxoHttp,
  failIfServerError,
  type HttpAnswer,
  httpStatusError,
  type UtxoHttp,
  type BasicAuth,
} from './utxo-http.ts';

export interface EsploraBackendOptions {
  chain: string;
  network: UtxoNetwork;
  /** Esplora API base URLs, e.g. https://blockstream.info/api, tried in this order. */
  urls: readonly string[];
  auth?: BasicAuth;
  logger?: ChainLogger;
  /** Per HTTP request, per URL. Default 15 s. */
  timeoutMs?: number;
  cooldownMs?: number;
  /** Requests in flight at once (per-address and per-transaction mempool lookups, states). Default 4. */
  maxConcurrentRequests?: number;
  /** Up to this many watched addresses the mempool is read per address. Default 20. */
  mempoolAddressQueryLimit?: number;
  /** Most /tx/:txid requests one mempool scan makes. Default 100. */
  maxMempoolTxFetchesPerScan?: number;
}

export interface EsploraBackend extends UtxoBackend {
  readonly kind: 'esplora';
  /** How the last mempool scan looked: per address, or by txid diff. */
  lastMempoolMode(): 'addresses' | 'txids' | null;
}


function text(answer: HttpAnswer): string {
  return answer.body.toString('utf8').trim();
}

/** 2xx or a thrown endpoint failure; 404 handled by callers that expect it. */
function requireOk(answer: HttpAnswer): void {
  failIfServerError(answer);
  if (answer.status < 200 || answer.status >= 300) throw httpStatusError(answer);
}

function json(answer: HttpAnswer, what: string): unknown {
  requireOk(answer);
  try {
    return parseJsonKeepingAmounts(answer.body.toString('utf8'), AMOUNT_KEYS);
  } catch {
    return malformed(`${what} is not JSON: ${JSON.stringify(answer.body.toString('utf8', 0, 60))}`);
  }
}

const ADDRESS_STATS_AMOUNT_KEYS: ReadonlySet<string> = new Set(['funded_txo_sum', 'spent_txo_sum']);

function statsBalance(raw: unknown, what: string): bigint {
  const stats = asObject(raw, what);
  const sum = (key: string): bigint => {
    const value = stats[key];
    if (typeof value !== 'string' || !/^\d+$/.test(value)) malformed(`${what}.${key} is not an integer amount`);
    return satsFromInteger(value);
  };
  return sum('funded_txo_sum') - sum('spent_txo_sum');
}

/**
 * GET /address/:addr as satoshis held now: (funded − spent) on chain plus (funded − spent) in the
 * mempool, the balance Esplora's own explorer shows. `text` is the raw body, parsed exactly.
 */
export function parseEsploraAddressBalance(text: string, address: string): bigint {
  let body: unknown;
  try {
    body = parseJsonKeepingAmounts(text, ADDRESS_STATS_AMOUNT_KEYS);
  } catch {
    return malformed(`address ${address} stats are not JSON: ${JSON.stringify(text.slice(0, 60))}`);
  }
  const stats = asObject(body, `address ${address}`);
  if (typeof stats.address === 'string' && stats.address !== address) malformed(`asked for address ${address}, got ${stats.address}`);
  const balance = statsBalance(stats.chain_stats, `address ${address} chain_stats`) + statsBalance(stats.mempool_stats, `address ${address} mempool_stats`);
  if (balance < 0n) malformed(`address ${address} spends more than it was paid`);
  return balance;
}

/** An Esplora transaction object (/tx/:txid, /address/:a/txs/mempool) in the backend shape. */
export function parseEsploraTransaction(raw: unknown): UtxoTransaction {
  const tx = asObject(raw, 'transaction');
  const txid = typeof tx.txid === 'string' && TXID_PATTERN.test(tx.txid) ? tx.txid : malformed('transaction has no txid');
  const vin = asArray(tx.vin, `transaction ${txid} vin`).map((input) => asObject(input, `transaction ${txid} input`));
  const vout = asArray(tx.vout, `transaction ${txid} vout`);
  const firstPrevout = vin[0]?.prevout;
  const fromAddress = firstPrevout && typeof firstPrevout === 'object' ? (firstPrevout as { scriptpubkey_address?: unknown }).scriptpubkey_address : undefined;
  return {
    txid,
    coinbase: vin.some((input) => input.is_coinbase === true),
    replaceable: vin.some((input) => typeof input.sequence === 'number' && input.sequence < 0xffff_fffe),
    from: typeof fromAddress === 'string' ? fromAddress : '',
    spends: vin.flatMap((input) => (typeof input.txid === 'string' && typeof input.vout === 'number' && input.is_coinbase !== true ? [`${input.txid}:${input.vout}`] : [])),
    outputs: vout.map((item, index) => {
      const output = asObject(item, `transaction ${txid} output ${index}`);
      if (typeof output.scriptpubkey !== 'string' || !/^[0-9a-fA-F]*$/.test(output.scriptpubkey)) malformed(`transaction ${txid} output ${index} has no scriptpubkey`);
      if (typeof output.value !== 'string') malformed(`transaction ${txid} output ${index} has no value`);
      return { vout: index, script: output.scriptpubkey.toLowerCase(), value: satsFromInteger(output.value) };
    }),
  };
}

export function createEsploraBackend(options: EsploraBackendOptions): EsploraBackend {
  const logger = options.logger ?? silentLogger;
  const http: UtxoHttp = createUtxoHttp({
    chain: options.chain,
    service: 'Esplora',
    urls: options.urls,
    auth: options.auth,
    timeoutMs: options.timeoutMs,
    cooldownMs: options.cooldownMs,
    logger,
  });
  const concurrency = Math.max(1, options.maxConcurrentRequests ?? 4);
  const addressQueryLimit = Math.max(0, options.mempoolAddressQueryLimit ?? 20);
  const mempool = new MempoolTxCache(options.maxMempoolTxFetchesPerScan ?? 100);
  let lastMode: 'addresses' | 'txids' | null = null;
  let reportedSkip = false;

  const get = <T>(route: string, path: string, interpret: (answer: HttpAnswer) => T, accept = '*/*') =>
    http.request(route, path, { method: 'GET', accept }, interpret);

  async function blockHashAt(height: number): Promise<string | null> {
    return get('/block-height/:height', `/block-height/${height}`, (answer) => {
      if (answer.status === 404) return null;
      requireOk(answer);
      const hash = text(answer).toLowerCase();
      return TXID_PATTERN.test(hash) ? hash : malformed(`/block-height/${height} answered ${JSON.stringify(hash.slice(0, 70))}`);
    });
  }

  async function blockHeader(hash: string, height: number): Promise<UtxoBlockHeader | null> {
    return get('/block/:hash/header', `/block/${hash}/header`, (answer) => {
      if (answer.status === 404) return null;
      requireOk(answer);
      const hex = text(answer);
      if (!/^[0-9a-fA-F]{160}$/.test(hex)) malformed(`header of ${hash} is not 80 bytes of hex`);
      return parseRawHeader(Buffer.from(hex, 'hex'), hash, height);
    });
  }

  async function block(hash: string, height: number): Promise<UtxoBlock | null> {
    return get(
      '/block/:hash/raw',
      `/block/${hash}/raw`,
      (answer) => {
        if (answer.status === 404) return null;
        requireOk(answer);
        return parseRawBlock(answer.body, options.network, hash, height);
      },
      'application/octet-stream',
    );
  }

  /** /address/:addr/txs/mempool for each watched address: every pending transfer to them. */
  async function mempoolByAddress(watched: WatchedScripts): Promise<PendingTransfer[]> {
    const addresses = [...new Set(watched.values())];
    const lists = await mapWithConcurrency(addresses, concurrency, (address) =>
      get('/address/:address/txs/mempool', `/address/${encodeURIComponent(address)}/txs/mempool`, (answer) =>
        asArray(json(answer, `mempool transactions of ${address}`), `mempool transactions of ${address}`).map(parseEsploraTransaction),
      ),
    );
    const transfers = new Map<string, PendingTransfer>();
    for (const tx of lists.flat()) {
      for (const transfer of pendingTransfersOf(tx, watched)) transfers.set(`${transfer.txid}:${transfer.index}`, transfer);
    }
    return [...transfers.values()];
  }

  /** /mempool/txids, then /tx/:txid for transactions not seen before (see the file comment). */
  async function mempoolByTxidDiff(watched: WatchedScripts): Promise<PendingTransfer[]> {
    const txids = await get('/mempool/txids', '/mempool/txids', (answer) => {
      const list = asArray(json(answer, 'mempool txids'), 'mempool txids');
      if (list.some((txid) => typeof txid !== 'string' || !TXID_PATTERN.test(txid))) malformed('mempool txids holds a non-txid');
      return list as string[];
    });
    const toFetch = mempool.reconcile(txids);
    if (mempool.skippedAtStartup > 0 && !reportedSkip) {
      reportedSkip = true;
      logger.info(
        { chain: options.chain, skipped: mempool.skippedAtStartup },
        'mempool backlog at start-up not fetched; payments already in it are found at their first block',
      );
    }
    await mapWithConcurrency(toFetch, concurrency, async (txid) => {
      const tx = await get('/tx/:txid', `/tx/${txid}`, (answer) => {
        if (answer.status === 404) return null; // left the mempool between the list and now
        const body = json(answer, `transaction ${txid}`);
        // Mined between the list and now: the block scan credits it.
        if ((body as { status?: { confirmed?: unknown } } | null)?.status?.confirmed === true) return null;
        return parseEsploraTransaction(body);
      });
      if (tx && tx.txid !== txid) malformed(`asked for transaction ${txid}, got ${tx.txid}`);
      mempool.store(txid, tx);
    });
    return mempool.transfers(watched);
  }

  return {
    kind: 'esplora',

    tipHeight(): Promise<number> {
      return get('/blocks/tip/height', '/blocks/tip/height', (answer) => {
        requireOk(answer);
        const height = Number(text(answer));
        return Number.isSafeInteger(height) && height >= 0 ? height : malformed(`tip height is ${JSON.stringify(text(answer).slice(0, 40))}`);
      });
    },

    blockHashAt,
    blockHeader,
    block,

    async mempoolTransfers(watched: WatchedScripts): Promise<PendingTransfer[]> {
      if (watched.size === 0) return [];
      const addressCount = new Set(watched.values()).size;
      if (addressCount <= addressQueryLimit) {
        lastMode = 'addresses';
        mempool.reset();
        return mempoolByAddress(watched);
      }
      const crossing = lastMode === 'addresses';
      lastMode = 'txids';
      const diff = await mempoolByTxidDiff(watched);
      if (!crossing) return diff;
      // What arrived since the last per-address scan may sit in the backlog the diff skipped.
      const byAddress = await mempoolByAddress(watched);
      const merged = new Map(diff.map((t) => [`${t.txid}:${t.index}`, t]));
      for (const t of byAddress) merged.set(`${t.txid}:${t.index}`, t);
      return [...merged.values()];
    },

    async transactionStates(txids: readonly string[]): Promise<Map<string, TransactionState>> {
      assertTxids(txids);
      const unique = [...new Set(txids)];
      // /tx/:txid, not /tx/:txid/status: electrs answers the latter {"confirmed":false} for any
      // txid it cannot place in a block, known or not, so it cannot tell 'mempool' from 'missing'.
      const states = await mapWithConcurrency(unique, concurrency, (txid) =>
        get('/tx/:txid', `/tx/${txid}`, (answer): TransactionState => {
          if (answer.status === 404) return 'missing'; // neither in a block nor in its mempool
          const tx = asObject(json(answer, `transaction ${txid}`), `transaction ${txid}`);
          if (tx.txid !== txid) malformed(`asked for transaction ${txid}, got ${String(tx.txid)}`);
          const confirmed = (tx.status as { confirmed?: unknown } | undefined)?.confirmed;
          if (typeof confirmed !== 'boolean') malformed(`transaction ${txid} has no status.confirmed`);
          return confirmed ? 'confirmed' : 'mempool';
        }),
      );
      return new Map(unique.map((txid, i) => [txid, states[i] as TransactionState]));
    },

    async balances(watched: WatchedScripts): Promise<Map<string, bigint>> {
      const entries = [...watched.entries()];
      const amounts = await mapWithConcurrency(entries, concurrency, ([, address]) =>
        get('/address/:address', `/address/${encodeURIComponent(address)}`, (answer) => {
          requireOk(answer);
          return parseEsploraAddressBalance(answer.body.toString('utf8'), address);
        }),
      );
      return new Map(entries.map(([script], i) => [script, amounts[i] as bigint]));
    },

    lastMempoolMode: () => lastMode,
    health: (): RpcEndpointHealth[] => http.health(),
    requestCount: () => http.requestCount(),
    requestCountsByRoute: () => http.requestCountsByRoute(),
  };
}
