// ChainAdapter for Tron (mainnet, Shasta/Nile, the Tron devnet) over java-tron's HTTP API.
//
// Canonical address form: base58 `T…` (WatchSet in, DetectedTransfer out); hex `41…` as the node
// writes it is accepted too. Block hash = blockID.
//
// Cost of scanBlockRange(from, to) for N blocks, whatever the number of watched addresses:
//   /wallet/getblockbylimitnext: ⌈N/100⌉ (headers and native TRX transfers), plus one
//     /wallet/getblockbynum per block the node left out of its answer;
//   /wallet/gettransactioninfobyblocknum: at most N, only when tokens are watched, and only for
//     blocks holding a transaction that can run the VM (TRC-20 Transfer event logs are read there,
//     so transferFrom and contract-initiated transfers are caught, not only direct transfer calls).
//
// Cost of getBalances(A addresses, T tokens): A × (1 + T) requests, /wallet/getaccount plus one
//   /wallet/triggerconstantcontract balanceOf per token, at most `maxConcurrentRequests` in flight.
//   java-tron's HTTP API has no batch call and the devnet has no multicall contract.
import type { AddressBalances, BalanceRead, BlockRef, ChainAdapter, DetectedTransfer, RpcEndpointHealth, ScanResult, WatchSet } from '../types.ts';
import { balanceOfBody, getAccountBody, parseAccountBalance, parseBalanceOfAnswer } from './tron-balances.ts';
import { type ChainLogger, silentLogger } from '../evm/chain-logger.ts';
import { isTronHexAddress, normalizeTronAddress, tronAddressFromHex, tronHexKey } from './address.ts';
import { createTronHttp, TronMalformedResponseError } from './tron-http.ts';
import { mapWithConcurrency } from '../../util/concurrency.ts';

export interface TronAdapterOptions {
  /** Network id, e.g. 'tron'. */
  chain: string;
  /** java-tron HTTP API base URLs (TronGrid, a full node, the devnet), tried in this order. */
  urls: string[];
  /** TronGrid API key, sent as the TRON-PRO-API-KEY header. */
  apiKey?: string;
  logger?: ChainLogger;
  /** Per HTTP request, per URL. Default 15 s. */
  timeoutMs?: number;
  /** How long a failed URL is passed over. Default 30 s. */
  cooldownMs?: number;
  /** How long one request may wait for a rate-limited URL when no other can answer. Default 15 s. */
  maxRateLimitWaitMs?: number;
  /** Blocks per /wallet/getblockbylimitnext; java-tron refuses more than 100. Default 100. */
  maxBlocksPerRequest?: number;
  /** Per-block requests in flight at once during a scan. Default 4 (TronGrid rate-limits hard). */
  maxConcurrentRequests?: number;
}

export interface TronAdapter extends ChainAdapter {
  readonly family: 'tron';
  /** Newest solidified (irreversible, ≥ 2/3 of super representatives) block: /walletsolidity/getnowblock. */
  getSolidifiedNumber(): Promise<number>;
  getBalances(addresses: readonly string[], tokenContracts: readonly string[]): Promise<Map<string, AddressBalances>>;
}

export class TronScanRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TronScanRangeError';
  }
}

/** The chain moved under the scan (a reorg between our requests) more often than we retry. */
export class TronInconsistentScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TronInconsistentScanError';
  }
}

/** keccak256("Transfer(address,address,uint256)"), as java-tron writes topics: no 0x. */
export const TRC20_TRANSFER_TOPIC = 'ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/** java-tron's BLOCK_LIMIT_NUM for getblockbylimitnext. */
const MAX_BLOCKS_PER_REQUEST = 100;
const SCAN_ATTEMPTS = 3;
// Contract types that never run the VM, so never emit logs: their blocks need no transaction info.
// Anything else (including types newer than this list) is asked about.
const LOG_FREE_CONTRACT_TYPES: ReadonlySet<string> = new Set([
  'TransferContract',
  'TransferAssetContract',
  'AccountCreateContract',
  'AccountUpdateContract',
  'AccountPermissionUpdateContract',
  'VoteWitnessContract',
  'WithdrawBalanceContract',
  'FreezeBalanceContract',
  'UnfreezeBalanceContract',
  'FreezeBalanceV2Contract',
  'UnfreezeBalanceV2Contract',
  'WithdrawExpireUnfreezeContract',
  'CancelAllUnfreezeV2Contract',
  'DelegateResourceContract',
  'UnDelegateResourceContract',
]);

interface TronTx {
  txID: string;
  /** Position in the block, for ordering. */
  position: number;
  /** raw_data.contract[0].type, e.g. 'TransferContract'; null when the tx has no contract. */
  type: string | null;
  /** ret[0].contractRet; null when absent. */
  contractRet: string | null;
  /** raw_data.contract[0].parameter.value. */
  value: Record<string, unknown>;
}

interface TronBlock extends BlockRef {
  transactions: TronTx[];
}

interface TronLog {
  address: string;
  topics: string[];
  data: string;
}

interface TronTxInfo {
  id: string;
  blockNumber: number | null;
  /** receipt.result SUCCESS and no top-level result FAILED. */
  success: boolean;
  logs: TronLog[];
}

// --- response shapes ---------------------------------------------------------------------------

function malformed(message: string): never {
  throw new TronMalformedResponseError(message);
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) malformed(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) malformed(`${what} is not an array`);
  return value;
}

/** A java-tron int64 that proto3 JSON omits when zero. */
function optionalInteger(value: unknown, what: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) malformed(`${what} is not a block-sized integer`);
  return value;
}

function hash64(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value)) malformed(`${what} is not a 32-byte hex string`);
  return value.toLowerCase();
}

/** An int64 amount, exact: safe numbers, bigints (from parseTronJson) or decimal strings. */
function amountOf(value: unknown, what: string): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return malformed(`${what} is not an exact integer amount`);
}

function parseTransaction(raw: unknown, position: number): TronTx {
  const tx = asObject(raw, 'transaction');
  const txID = hash64(tx.txID, 'transaction txID');
  const rawData = asObject(tx.raw_data, `transaction ${txID} raw_data`);
  const contracts = rawData.contract === undefined ? [] : asArray(rawData.contract, `transaction ${txID} contract`);
  const first = contracts[0] === undefined ? null : asObject(contracts[0], `transaction ${txID} contract[0]`);
  const type = first && typeof first.type === 'string' ? first.type : null;
  const parameter = first?.parameter === undefined ? {} : asObject(first.parameter, `transaction ${txID} parameter`);
  const value = parameter.value === undefined ? {} : asObject(parameter.value, `transaction ${txID} parameter.value`);
  const ret = tx.ret === undefined ? [] : asArray(tx.ret, `transaction ${txID} ret`);
  const firstRet = ret[0] === undefined ? null : asObject(ret[0], `transaction ${txID} ret[0]`);
  const contractRet = typeof firstRet?.contractRet === 'string' ? firstRet.contractRet : null;
  return { txID, position, type, contractRet, value };
}

function parseBlockHeader(raw: unknown): BlockRef {
  const block = asObject(raw, 'block');
  const hash = hash64(block.blockID, 'blockID');
  const header = asObject(asObject(block.block_header, 'block_header').raw_data, 'block_header.raw_data');
  const number = optionalInteger(header.number, 'block number');
  // The genesis block is the only one allowed to lack a parent.
  const parentHash = header.parentHash === undefined && number === 0 ? '0'.repeat(64) : hash64(header.parentHash, 'parentHash');
  const timestamp = optionalInteger(header.timestamp, 'block timestamp');
  return { number, hash, parentHash, time: Math.floor(timestamp / 1000) };
}

function parseBlock(raw: unknown): TronBlock {
  const ref = parseBlockHeader(raw);
  const list = (raw as { transactions?: unknown }).transactions;
  const transactions = list === undefined ? [] : asArray(list, `block ${ref.number} transactions`).map(parseTransaction);
  return { ...ref, transactions };
}

/** /wallet/getblockbynum, /wallet/getnowblock: `{}` means no such block. */
function parseOptionalBlockHeader(raw: unknown): BlockRef | null {
  return Object.keys(asObject(raw, 'block')).length === 0 ? null : parseBlockHeader(raw);
}

function parseOptionalBlock(raw: unknown): TronBlock | null {
  return Object.keys(asObject(raw, 'block')).length === 0 ? null : parseBlock(raw);
}

/** /wallet/getblockbylimitnext: `{"block": [...]}`, or `{}` when the node has none of them. */
function parseBlockList(raw: unknown): TronBlock[] {
  const body = asObject(raw, 'block list');
  return body.block === undefined ? [] : asArray(body.block, 'block list').map(parseBlock);
}

function parseLog(raw: unknown, what: string): TronLog {
  const log = asObject(raw, what);
  const topics = log.topics === undefined ? [] : asArray(log.topics, `${what} topics`);
  if (typeof log.address !== 'string' || topics.some((t) => typeof t !== 'string')) malformed(`${what} has no address or non-string topics`);
  if (log.data !== undefined && typeof log.data !== 'string') malformed(`${what} data is not a string`);
  return { address: log.address, topics: topics as string[], data: (log.data as string | undefined) ?? '' };
}

/** /wallet/gettransactioninfobyblocknum: an array, or `{}` (block 0, or nothing). */
function parseTransactionInfoList(raw: unknown): TronTxInfo[] {
  if (!Array.isArray(raw)) {
    if (Object.keys(asObject(raw, 'transaction info list')).length === 0) return [];
    malformed('transaction info list is neither an array nor {}');
  }
  return raw.map((item) => {
    const info = asObject(item, 'transaction info');
    const id = hash64(info.id, 'transaction info id');
    const receipt = info.receipt === undefined ? {} : asObject(info.receipt, `transaction info ${id} receipt`);
    const logs = info.log === undefined ? [] : asArray(info.log, `transaction info ${id} log`);
    return {
      id,
      blockNumber: info.blockNumber === undefined ? null : optionalInteger(info.blockNumber, `transaction info ${id} blockNumber`),
      success: receipt.result === 'SUCCESS' && info.result !== 'FAILED',
      logs: logs.map((log, i) => parseLog(log, `transaction info ${id} log[${i}]`)),
    };
  });
}

// --- TRC-20 Transfer logs ----------------------------------------------------------------------

export interface DecodedTrc20Transfer {
  /** Token contract, `41…` lowercase hex. */
  tokenHex: string;
  fromHex: string;
  toHex: string;
  amount: bigint;
}

const strip0x = (hex: string) => (hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex);
const ADDRESS_TOPIC = /^0{24}[0-9a-fA-F]{40}$/;

/**
 * token/from/to/amount of a TRC-20 Transfer log as java-tron writes it (address: 20-byte hex
 * without 41; topics and data: hex without 0x); null for anything else sharing topic0, such as a
 * TRC-721 Transfer, whose token id is a 4th topic.
 */
export function decodeTrc20TransferLog(log: { address: string; topics: readonly string[]; data: string }): DecodedTrc20Transfer | null {
  if (log.topics.length !== 3) return null;
  const [topic0, fromTopic, toTopic] = log.topics.map(strip0x) as [string, string, string];
  if (topic0.toLowerCase() !== TRC20_TRANSFER_TOPIC) return null;
  if (!ADDRESS_TOPIC.test(fromTopic) || !ADDRESS_TOPIC.test(toTopic)) return null;
  const data = strip0x(log.data);
  if (!/^[0-9a-fA-F]{64}$/.test(data)) return null;
  const address = strip0x(log.address);
  const tokenHex = /^[0-9a-fA-F]{40}$/.test(address) ? `41${address.toLowerCase()}` : tronHexKey(log.address);
  if (tokenHex === null) return null;
  return {
    tokenHex,
    fromHex: `41${fromTopic.slice(24).toLowerCase()}`,
    toHex: `41${toTopic.slice(24).toLowerCase()}`,
    amount: BigInt(`0x${data}`),
  };
}

// --- the adapter -------------------------------------------------------------------------------

interface SortableTransfer extends DetectedTransfer {
  txPosition: number;
}

export function createTronAdapter(options: TronAdapterOptions): TronAdapter {
  const logger = options.logger ?? silentLogger;
  const http = createTronHttp({
    chain: options.chain,
    urls: options.urls,
    apiKey: options.apiKey,
    requestTimeoutMs: options.timeoutMs,
    cooldownMs: options.cooldownMs,
    maxRateLimitWaitMs: options.maxRateLimitWaitMs,
    logger,
  });
  const blocksPerRequest = Math.min(MAX_BLOCKS_PER_REQUEST, Math.max(1, options.maxBlocksPerRequest ?? MAX_BLOCKS_PER_REQUEST));
  const concurrency = Math.max(1, options.maxConcurrentRequests ?? 4);
  // base58 → hex for watched addresses: the same thousands of addresses come back every scan.
  const hexKeyCache = new Map<string, string | null>();
  // Said once per value, not on every scan.
  const reportedInvalid = new Set<string>();

  function cachedHexKey(address: string): string | null {
    let key = hexKeyCache.get(address);
    if (key === undefined) {
      if (hexKeyCache.size >= 200_000) hexKeyCache.clear();
      key = tronHexKey(address);
      hexKeyCache.set(address, key);
    }
    return key;
  }

  /** `41…` hex → canonical base58 of every watched entry; unreadable entries are logged and skipped. */
  function indexByHex(values: ReadonlySet<string>, what: string): Map<string, string> {
    const index = new Map<string, string>();
    for (const value of values) {
      const key = cachedHexKey(value);
      if (key === null) {
        if (!reportedInvalid.has(value)) logger.warn({ chain: options.chain, value }, `watched ${what} is not a Tron address; ignored`);
        reportedInvalid.add(value);
        continue;
      }
      index.set(key, isTronHexAddress(value) ? tronAddressFromHex(value) : value);
    }
    return index;
  }

  function fetchBlock(number: number): Promise<TronBlock | null> {
    return http.post('/wallet/getblockbynum', { num: number }, (json) => {
      const block = parseOptionalBlock(json);
      if (block && block.number !== number) malformed(`asked for block ${number}, got ${block.number}`);
      return block;
    });
  }

  /** Blocks from..to, ascending, every one present and each the parent of the next. */
  async function fetchBlocks(from: number, to: number): Promise<TronBlock[]> {
    const found = new Map<number, TronBlock>();
    for (let start = from; start <= to; start += blocksPerRequest) {
      const end = Math.min(to, start + blocksPerRequest - 1);
      const list = await http.post('/wallet/getblockbylimitnext', { startNum: start, endNum: end + 1 }, parseBlockList);
      for (const block of list) {
        if (block.number >= start && block.number <= end) found.set(block.number, block);
      }
    }
    const missing: number[] = [];
    for (let n = from; n <= to; n++) if (!found.has(n)) missing.push(n);
    if (missing.length > 0) {
      logger.debug({ chain: options.chain, from, to, missing: missing.length }, 'getblockbylimitnext left blocks out; fetching them one by one');
      const fetched = await mapWithConcurrency(missing, concurrency, fetchBlock);
      for (const [i, block] of fetched.entries()) {
        if (block === null) throw new TronScanRangeError(`${options.chain}: block ${missing[i]} does not exist yet (scan ${from}..${to})`);
        found.set(block.number, block);
      }
    }
    const blocks: TronBlock[] = [];
    for (let n = from; n <= to; n++) {
      const block = found.get(n) as TronBlock;
      const previous = blocks[blocks.length - 1];
      if (previous && block.parentHash !== previous.hash) {
        throw new TronInconsistentScanError(`${options.chain}: block ${n} does not extend ${previous.hash} (reorg during scan)`);
      }
      blocks.push(block);
    }
    return blocks;
  }

  /** The block's transaction info, checked to belong to this very block (same fork, nothing left out). */
  async function fetchTransactionInfo(block: TronBlock): Promise<TronTxInfo[]> {
    const infos = await http.post('/wallet/gettransactioninfobyblocknum', { num: block.number }, parseTransactionInfoList);
    const txIds = new Set(block.transactions.map((tx) => tx.txID));
    const infoIds = new Set<string>();
    for (const info of infos) {
      if (!txIds.has(info.id) || (info.blockNumber !== null && info.blockNumber !== block.number)) {
        throw new TronInconsistentScanError(`${options.chain}: transaction info for block ${block.number} is from another fork (tx ${info.id})`);
      }
      infoIds.add(info.id);
    }
    for (const tx of block.transactions) {
      if (!LOG_FREE_CONTRACT_TYPES.has(tx.type ?? '') && !infoIds.has(tx.txID)) {
        throw new TronInconsistentScanError(`${options.chain}: transaction info for block ${block.number} lacks tx ${tx.txID}`);
      }
    }
    return infos;
  }

  function nativeTransfers(blocks: readonly TronBlock[], addresses: ReadonlyMap<string, string>): SortableTransfer[] {
    const transfers: SortableTransfer[] = [];
    for (const block of blocks) {
      for (const tx of block.transactions) {
        if (tx.type !== 'TransferContract') continue;
        if (tx.contractRet !== null && tx.contractRet !== 'SUCCESS') continue;
        const toRaw = tx.value.to_address;
        const toKey = typeof toRaw === 'string' ? tronHexKey(toRaw) : null;
        const to = toKey === null ? undefined : addresses.get(toKey);
        if (to === undefined) continue;
        const amount = amountOf(tx.value.amount, `transaction ${tx.txID} amount`);
        if (amount <= 0n) continue;
        const ownerRaw = tx.value.owner_address;
        transfers.push({
          txid: tx.txID,
          index: -1,
          from: typeof ownerRaw === 'string' ? (normalizeTronAddress(ownerRaw) ?? ownerRaw) : '',
          to,
          tokenContract: null,
          amount,
          blockNumber: block.number,
          blockHash: block.hash,
          blockTime: block.time,
          txPosition: tx.position,
        });
      }
    }
    return transfers;
  }

  async function tokenTransfers(
    blocks: readonly TronBlock[],
    addresses: ReadonlyMap<string, string>,
    tokens: ReadonlyMap<string, string>,
  ): Promise<SortableTransfer[]> {
    const candidates = blocks.filter((b) => b.transactions.some((tx) => !LOG_FREE_CONTRACT_TYPES.has(tx.type ?? '')));
    const infoLists = await mapWithConcurrency(candidates, concurrency, fetchTransactionInfo);
    const transfers: SortableTransfer[] = [];
    for (const [i, block] of candidates.entries()) {
      const positions = new Map(block.transactions.map((tx) => [tx.txID, tx.position]));
      for (const info of infoLists[i] as TronTxInfo[]) {
        if (!info.success) continue;
        for (const [logIndex, log] of info.logs.entries()) {
          const decoded = decodeTrc20TransferLog(log);
          if (!decoded || decoded.amount === 0n) continue;
          const token = tokens.get(decoded.tokenHex);
          const to = addresses.get(decoded.toHex);
          if (token === undefined || to === undefined) continue;
          transfers.push({
            txid: info.id,
            index: logIndex,
            from: tronAddressFromHex(decoded.fromHex),
            to,
            tokenContract: token,
            amount: decoded.amount,
            blockNumber: block.number,
            blockHash: block.hash,
            blockTime: block.time,
            txPosition: positions.get(info.id) ?? 0,
          });
        }
      }
    }
    return transfers;
  }

  async function scanOnce(from: number, to: number, watch: WatchSet): Promise<ScanResult> {
    const addresses = indexByHex(watch.addresses, 'address');
    const tokens = indexByHex(watch.tokenContracts, 'token contract');
    const blocks = await fetchBlocks(from, to);
    const transfers: SortableTransfer[] = [];
    if (addresses.size > 0 && watch.native) transfers.push(...nativeTransfers(blocks, addresses));
    if (addresses.size > 0 && tokens.size > 0) transfers.push(...(await tokenTransfers(blocks, addresses, tokens)));
    transfers.sort((a, b) => a.blockNumber - b.blockNumber || a.txPosition - b.txPosition || a.index - b.index);
    return {
      transfers: transfers.map(({ txPosition: _, ...transfer }) => transfer),
      blocks: blocks.map(({ transactions: _, ...ref }) => ref),
    };
  }

  function nowBlockNumber(path: string): Promise<number> {
    return http.post(path, {}, (json) => parseOptionalBlockHeader(json)?.number ?? malformed(`${path} returned no block`));
  }

  return {
    chain: options.chain,
    family: 'tron',

    getHeadNumber(): Promise<number> {
      return nowBlockNumber('/wallet/getnowblock');
    },

    getSolidifiedNumber(): Promise<number> {
      return nowBlockNumber('/walletsolidity/getnowblock');
    },

    getFinalizedNumber(): Promise<number> {
      return nowBlockNumber('/walletsolidity/getnowblock');
    },

    async getBlock(number: number): Promise<BlockRef | null> {
      if (!Number.isSafeInteger(number) || number < 0) throw new TronScanRangeError(`invalid block number ${number}`);
      return http.post('/wallet/getblockbynum', { num: number }, (json) => {
        const block = parseOptionalBlockHeader(json);
        if (block && block.number !== number) malformed(`asked for block ${number}, got ${block.number}`);
        return block;
      });
    },

    async scanBlockRange(from: number, to: number, watch: WatchSet): Promise<ScanResult> {
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
        throw new TronScanRangeError(`invalid block range ${from}..${to}`);
      }
      for (let attempt = 1; ; attempt++) {
        try {
          return await scanOnce(from, to, watch);
        } catch (error) {
          if (!(error instanceof TronInconsistentScanError) || attempt >= SCAN_ATTEMPTS) throw error;
          logger.warn({ chain: options.chain, from, to, attempt, error: error.message }, 'chain changed during scan, rescanning');
        }
      }
    },

    async getBalances(addresses: readonly string[], tokenContracts: readonly string[]): Promise<Map<string, AddressBalances>> {
      const tokens = [...new Set(tokenContracts)];
      const unique = [...new Set(addresses)];
      const results = await mapWithConcurrency(unique, concurrency, async (address): Promise<AddressBalances> => {
        if (tronHexKey(address) === null) {
          const error: BalanceRead = { ok: false, error: `not a Tron address: ${address}` };
          return { native: error, tokens: new Map(tokens.map((t) => [t, error])) };
        }
        const native: BalanceRead = { ok: true, amount: await http.post('/wallet/getaccount', getAccountBody(address), parseAccountBalance) };
        const reads = new Map<string, BalanceRead>();
        for (const token of tokens) {
          reads.set(
            token,
            tronHexKey(token) === null
              ? { ok: false, error: `not a Tron contract address: ${token}` }
              : await http.post('/wallet/triggerconstantcontract', balanceOfBody(address, token), (json) => parseBalanceOfAnswer(json, token)),
          );
        }
        return { native, tokens: reads };
      });
      return new Map(unique.map((address, i) => [address, results[i] as AddressBalances]));
    },

    rpcHealth(): RpcEndpointHealth[] {
      return http.health();
    },

    rpcRequestCount(): number {
      return http.requestCount();
    },
  };
}
