// UtxoBackend over bitcoind-compatible JSON-RPC (Bitcoin Core, Litecoin Core, and proxies that
// speak their RPC).
//
// Requests, whatever the number of watched addresses:
//   tip:                   getblockcount                            1
//   a block's transactions: getblockhash + getblock <hash> 2          2 per block
//   a header:              getblockhash + getblockheader <hash>      2 per block
//   mempool:               getrawmempool + getrawtransaction <txid> true for each transaction new
//                          since the last scan (at most `maxMempoolTxFetchesPerScan`, default 500,
//                          newest first; see MempoolTxCache). The node is the merchant's own, so the
//                          full txid list is cheap; the watch set does not enter into it.
//   transaction states:    getmempoolentry per txid (→ mempool); for those not in the mempool,
//                          getrawtransaction <txid> true (finds confirmed ones on -txindex nodes);
//                          for those still unknown, getblockhash + getblock <hash> 1 for the last
//                          `stateLookbackBlocks` blocks (default 6), once for all of them; only then
//                          'missing'. A node without -txindex must not call a mined payment missing.
//   balances:              scantxoutset "start" [addr(…), …]: one call for all addresses. It reads
//                          the confirmed UTXO set only (bitcoind indexes no addresses, so the
//                          mempool is not in it), and on a mainnet node it walks the whole set:
//                          minutes, one scan at a time per node.
//
// Amounts: verbosity-2 `value`s are JSON numbers in BTC (0.00050000). They are read from the raw
// JSON text as decimal strings (JSON.parse's reviver sees the source) and converted exactly.
import type { PendingTransfer, RpcEndpointHealth, TransactionState } from '../types.ts';
import { type ChainLogger, silentLogger } from '../evm/chain-logger.ts';
import { parseJsonKeepingAmounts, satsFromCoinDecimal } from './json-amounts.ts';
import type { UtxoNetwork } from './networks.ts';
import {
  AMOUNT_KEYS,
  asArray,
  asObject,
  assertTxids,
  malformed,
  MempoolTxCache,
  TXID_PATTERN,
  type UtxoBackend,
  type UtxoBlock,
  type UtxoBlockHeader,
  type UtxoOutput,
  type UtxoTransaction,
  type WatchedScripts,
} from './utxo-backend.ts';
import { mapWithConcurrency } from '../../util/concurrency.ts';
import { type BasicAuth, createUtxoHttp, type HttpAnswer, httpStatusError, type UtxoHttp, UtxoRequestRefusedError } from './utxo-http.ts';

export interface BitcoindBackendOptions {
  chain: string;
  network: UtxoNetwork;
  /** JSON-RPC URLs (http://user:pass@127.0.0.1:8332), tried in this order. */
  urls: readonly string[];
  /** Basic auth for URLs without userinfo (rpcuser/rpcpassword, or `__cookie__` and the cookie). */
  auth?: BasicAuth;
  logger?: ChainLogger;
  timeoutMs?: number;
  cooldownMs?: number;
  maxConcurrentRequests?: number;
  /** Most getrawtransaction requests one mempool scan makes. Default 500. */
  maxMempoolTxFetchesPerScan?: number;
  /** Blocks below the tip searched before a transaction is called missing. Default 6. */
  stateLookbackBlocks?: number;
}

export interface BitcoindBackend extends UtxoBackend {
  readonly kind: 'bitcoind';
  /** One JSON-RPC call with failover (for tests and diagnostics). */
  call(method: string, params: unknown[]): Promise<unknown>;
}

/** A JSON-RPC error that is the request's own (another node would answer the same). */
export class BitcoindRpcError extends UtxoRequestRefusedError {
  readonly code: number;
  readonly method: string;
  constructor(method: string, code: number, message: string) {
    super(`${method}: ${message} (code ${code})`);
    this.name = 'BitcoindRpcError';
    this.code = code;
    this.method = method;
  }
}

/** A JSON-RPC error that says the node cannot serve now (warming up, syncing, pruned): next URL. */
class BitcoindNodeError extends Error {
  constructor(method: string, code: number, message: string) {
    super(`${method}: ${message} (code ${code})`);
    this.name = 'BitcoindNodeError';
  }
}

/** bitcoind's RPCErrorCode values the adapter tells apart. */
export const RPC_INVALID_ADDRESS_OR_KEY = -5; // no such transaction / block
export const RPC_INVALID_PARAMETER = -8; // e.g. block height out of range
// Errors in the request itself; anything else (-28 warming up, -10 initial download, -1 pruned
// block, -32601 method not allowed on this endpoint, -32603) is the node's, and another URL may do.
const REQUEST_FAULT_CODES: ReadonlySet<number> = new Set([RPC_INVALID_ADDRESS_OR_KEY, RPC_INVALID_PARAMETER, -3, -32600, -32602, -32700]);


function hash64(value: unknown, what: string): string {
  if (typeof value !== 'string' || !TXID_PATTERN.test(value)) malformed(`${what} is not a 32-byte hex hash`);
  return value;
}

function height(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) malformed(`${what} is not a height`);
  return value;
}

/** The JSON-RPC answer's result, or the error it carries, mapped (see REQUEST_FAULT_CODES). */
export function interpretRpcAnswer(method: string, answer: HttpAnswer, amountKeys: ReadonlySet<string> = AMOUNT_KEYS): unknown {
  let body: unknown;
  try {
    body = parseJsonKeepingAmounts(answer.body.toString('utf8'), amountKeys);
  } catch {
    // A proxy's HTML error page, an empty 500: the endpoint's problem.
    if (answer.status >= 400) throw httpStatusError(answer);
    return malformed(`${method} answer is not JSON: ${JSON.stringify(answer.body.toString('utf8', 0, 60))}`);
  }
  const envelope = asObject(body, `${method} answer`);
  const error = envelope.error;
  if (error !== null && error !== undefined) {
    const { code, message } = asObject(error, `${method} error`);
    const numericCode = typeof code === 'number' ? code : Number.NaN;
    const text = typeof message === 'string' ? message.slice(0, 200) : 'unknown error';
    if (REQUEST_FAULT_CODES.has(numericCode)) throw new BitcoindRpcError(method, numericCode, text);
    throw new BitcoindNodeError(method, numericCode, text);
  }
  if (answer.status < 200 || answer.status >= 300) throw httpStatusError(answer);
  if (!('result' in envelope)) malformed(`${method} answer has neither result nor error`);
  return envelope.result;
}

function parseOutputs(raw: unknown, txid: string): UtxoOutput[] {
  const outputs: UtxoOutput[] = [];
  for (const [position, item] of asArray(raw, `transaction ${txid} vout`).entries()) {
    const output = asObject(item, `transaction ${txid} output ${position}`);
    const script = (output.scriptPubKey as { hex?: unknown } | undefined)?.hex;
    // Litecoin lists MWEB outputs here too (ismweb, no scriptPubKey): nothing we watch.
    if (output.ismweb === true || script === undefined) continue;
    if (typeof script !== 'string' || !/^[0-9a-fA-F]*$/.test(script)) malformed(`transaction ${txid} output ${position} has no script hex`);
    if (typeof output.value !== 'string') malformed(`transaction ${txid} output ${position} has no value`);
    const vout = output.n === undefined ? position : output.n;
    if (typeof vout !== 'number' || !Number.isSafeInteger(vout) || vout < 0) malformed(`transaction ${txid} output ${position} has a bad n`);
    outputs.push({ vout, script: script.toLowerCase(), value: satsFromCoinDecimal(output.value) });
  }
  return outputs;
}

/** A verbose transaction (getblock 2's `tx[]`, getrawtransaction true) in the backend shape. */
export function parseBitcoindTransaction(raw: unknown): UtxoTransaction {
  const tx = asObject(raw, 'transaction');
  const txid = typeof tx.txid === 'string' && TXID_PATTERN.test(tx.txid) ? tx.txid : malformed('transaction has no txid');
  const vin = asArray(tx.vin, `transaction ${txid} vin`).map((input) => asObject(input, `transaction ${txid} input`));
  return {
    txid,
    coinbase: vin.some((input) => typeof input.coinbase === 'string'),
    replaceable: vin.some((input) => typeof input.sequence === 'number' && input.sequence < 0xffff_fffe),
    from: '',
    spends: vin.flatMap((input) => (typeof input.txid === 'string' && typeof input.vout === 'number' ? [`${input.txid}:${input.vout}`] : [])),
    outputs: parseOutputs(tx.vout, txid),
  };
}

export const SCAN_AMOUNT_KEYS: ReadonlySet<string> = new Set(['amount', 'total_amount']);

/** The scantxoutset call that finds every unspent output paying one of `addresses`. */
export function scanTxOutSetParams(addresses: readonly string[]): unknown[] {
  return ['start', addresses.map((address) => `addr(${address})`)];
}

/**
 * scantxoutset "start"'s result as satoshis per scriptPubKey hex; scripts asked about with no
 * unspent output are 0. Amounts are the raw JSON text (see SCAN_AMOUNT_KEYS), converted exactly.
 */
export function parseScanTxOutSet(result: unknown, scripts: readonly string[]): Map<string, bigint> {
  const scan = asObject(result, 'scantxoutset result');
  if (scan.success !== true) malformed('scantxoutset did not complete (aborted)');
  const sums = new Map(scripts.map((script) => [script, 0n]));
  let total = 0n;
  for (const [i, raw] of asArray(scan.unspents, 'scantxoutset unspents').entries()) {
    const unspent = asObject(raw, `scantxoutset unspent ${i}`);
    if (typeof unspent.scriptPubKey !== 'string' || !/^[0-9a-fA-F]*$/.test(unspent.scriptPubKey)) malformed(`scantxoutset unspent ${i} has no scriptPubKey`);
    if (typeof unspent.amount !== 'string') malformed(`scantxoutset unspent ${i} has no amount`);
    const script = unspent.scriptPubKey.toLowerCase();
    const amount = satsFromCoinDecimal(unspent.amount);
    total += amount;
    const before = sums.get(script);
    if (before === undefined) malformed(`scantxoutset returned an output for a script not asked about (${script.slice(0, 20)}…)`);
    sums.set(script, before + amount);
  }
  if (typeof scan.total_amount === 'string' && satsFromCoinDecimal(scan.total_amount) !== total) malformed('scantxoutset total_amount is not the sum of its unspents');
  return sums;
}

export function createBitcoindBackend(options: BitcoindBackendOptions): BitcoindBackend {
  const logger = options.logger ?? silentLogger;
  const http: UtxoHttp = createUtxoHttp({
    chain: options.chain,
    service: 'bitcoind RPC',
    urls: options.urls,
    auth: options.auth,
    timeoutMs: options.timeoutMs,
    cooldownMs: options.cooldownMs,
    logger,
  });
  const concurrency = Math.max(1, options.maxConcurrentRequests ?? 4);
  const lookback = Math.max(0, options.stateLookbackBlocks ?? 6);
  const mempool = new MempoolTxCache(options.maxMempoolTxFetchesPerScan ?? 500);
  let nextId = 1;
  let reportedSkip = false;

  function call(method: string, params: unknown[], amountKeys: ReadonlySet<string> = AMOUNT_KEYS): Promise<unknown> {
    const body = JSON.stringify({ jsonrpc: '1.0', id: nextId++, method, params });
    return http.request(method, '', { method: 'POST', body, accept: 'application/json' }, (answer) => interpretRpcAnswer(method, answer, amountKeys));
  }

  /** `call`, with the given error code turned into null. */
  async function callOrNull(method: string, params: unknown[], nullCode: number): Promise<unknown> {
    try {
      return await call(method, params);
    } catch (error) {
      if (error instanceof BitcoindRpcError && error.code === nullCode) return null;
      throw error;
    }
  }

  async function blockHashAt(h: number): Promise<string | null> {
    const hash = await callOrNull('getblockhash', [h], RPC_INVALID_PARAMETER);
    return hash === null ? null : hash64(hash, `getblockhash ${h}`);
  }

  function checkHeader(raw: unknown, hash: string, h: number, what: string): UtxoBlockHeader {
    const header = asObject(raw, what);
    if (header.hash !== hash) malformed(`asked for block ${hash}, got ${String(header.hash)}`);
    if (height(header.height, `${what} height`) !== h) malformed(`block ${hash} is at height ${String(header.height)}, not ${h}`);
    if (typeof header.time !== 'number' || !Number.isSafeInteger(header.time)) malformed(`${what} has no time`);
    const parentHash = header.previousblockhash === undefined && h === 0 ? '0'.repeat(64) : hash64(header.previousblockhash, `${what} previousblockhash`);
    return { height: h, hash, parentHash, time: header.time };
  }

  async function blockHeader(hash: string, h: number): Promise<UtxoBlockHeader | null> {
    const raw = await callOrNull('getblockheader', [hash, true], RPC_INVALID_ADDRESS_OR_KEY);
    return raw === null ? null : checkHeader(raw, hash, h, `header ${hash}`);
  }

  async function block(hash: string, h: number): Promise<UtxoBlock | null> {
    const raw = await callOrNull('getblock', [hash, 2], RPC_INVALID_ADDRESS_OR_KEY);
    if (raw === null) return null;
    const header = checkHeader(raw, hash, h, `block ${hash}`);
    const transactions = asArray((raw as { tx?: unknown }).tx, `block ${hash} tx`).map(parseBitcoindTransaction);
    return { ...header, transactions };
  }

  /** Whether each of `txids` is in one of the last `lookback` + 1 blocks; one pass for all of them. */
  async function foundInRecentBlocks(txids: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(txids);
    const found = new Set<string>();
    const tip = height(await call('getblockcount', []), 'getblockcount');
    for (let h = tip; h >= Math.max(0, tip - lookback) && found.size < wanted.size; h--) {
      const hash = await blockHashAt(h);
      if (hash === null) continue;
      const raw = await callOrNull('getblock', [hash, 1], RPC_INVALID_ADDRESS_OR_KEY);
      if (raw === null) continue;
      for (const txid of asArray((raw as { tx?: unknown }).tx, `block ${hash} tx`)) {
        if (typeof txid === 'string' && wanted.has(txid)) found.add(txid);
      }
    }
    return found;
  }

  return {
    kind: 'bitcoind',
    call,

    async tipHeight(): Promise<number> {
      return height(await call('getblockcount', []), 'getblockcount');
    },

    blockHashAt,
    blockHeader,
    block,

    async mempoolTransfers(watched: WatchedScripts): Promise<PendingTransfer[]> {
      if (watched.size === 0) return [];
      const list = asArray(await call('getrawmempool', []), 'getrawmempool');
      if (list.some((txid) => typeof txid !== 'string' || !TXID_PATTERN.test(txid))) malformed('getrawmempool holds a non-txid');
      const toFetch = mempool.reconcile(list as string[]);
      if (mempool.skippedAtStartup > 0 && !reportedSkip) {
        reportedSkip = true;
        logger.info(
          { chain: options.chain, skipped: mempool.skippedAtStartup },
          'mempool backlog at start-up not fetched; payments already in it are found at their first block',
        );
      }
      await mapWithConcurrency(toFetch, concurrency, async (txid) => {
        const raw = await callOrNull('getrawtransaction', [txid, true], RPC_INVALID_ADDRESS_OR_KEY);
        // Gone (replaced, evicted) or mined between the list and now: the block scan has it then.
        if (raw === null || typeof (raw as { blockhash?: unknown }).blockhash === 'string') {
          mempool.store(txid, null);
          return;
        }
        const tx = parseBitcoindTransaction(raw);
        if (tx.txid !== txid) malformed(`asked for transaction ${txid}, got ${tx.txid}`);
        mempool.store(txid, tx);
      });
      return mempool.transfers(watched);
    },

    async transactionStates(txids: readonly string[]): Promise<Map<string, TransactionState>> {
      assertTxids(txids);
      const unique = [...new Set(txids)];
      const states = new Map<string, TransactionState>();
      const inMempool = await mapWithConcurrency(unique, concurrency, async (txid) => (await callOrNull('getmempoolentry', [txid], RPC_INVALID_ADDRESS_OR_KEY)) !== null);
      const elsewhere = unique.filter((_, i) => !inMempool[i]);
      for (const txid of unique.filter((_, i) => inMempool[i])) states.set(txid, 'mempool');
      const unknown: string[] = [];
      await mapWithConcurrency(elsewhere, concurrency, async (txid) => {
        const raw = await callOrNull('getrawtransaction', [txid, true], RPC_INVALID_ADDRESS_OR_KEY);
        if (raw === null) unknown.push(txid);
        else states.set(txid, typeof (raw as { blockhash?: unknown }).blockhash === 'string' ? 'confirmed' : 'mempool');
      });
      if (unknown.length > 0) {
        const mined = await foundInRecentBlocks(unknown);
        for (const txid of unknown) states.set(txid, mined.has(txid) ? 'confirmed' : 'missing');
      }
      return new Map(unique.map((txid) => [txid, states.get(txid) as TransactionState]));
    },

    async balances(watched: WatchedScripts): Promise<Map<string, bigint>> {
      if (watched.size === 0) return new Map();
      const scripts = [...watched.keys()];
      const result = await call('scantxoutset', scanTxOutSetParams([...watched.values()]), SCAN_AMOUNT_KEYS);
      return parseScanTxOutSet(result, scripts);
    },

    health: (): RpcEndpointHealth[] => http.health(),
    requestCount: () => http.requestCount(),
    requestCountsByRoute: () => http.requestCountsByRoute(),
  };
}
