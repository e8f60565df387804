// ChainAdapter for EVM chains (Ethereum, BSC, Polygon, Base, Arbitrum, the devnet).
//
// Cost of scanBlockRange(from, to) for N blocks, whatever the number of watched addresses:
//   eth_getLogs: 1 per range chunk (chunks only when the provider refuses the range size),
//   eth_getBlockByNumber: N (headers for reorg detection and block times; full transactions
//   only when native transfers are watched).
// Cost of getBalances(A addresses, T tokens): ⌈A / ⌊100 / (1 + T)⌋⌉ HTTP requests, each one
//   JSON-RPC batch of eth_getBalance + T balanceOf eth_calls per address. A provider that refuses
//   batches that large gets halves (remembered), down to plain requests. (A Multicall3 eth_call
//   would be fewer calls on live chains, but anvil does not deploy Multicall3; batches work on both.)
import { createPublicClient, type Hex, numberToHex, type PublicClient, type RpcBlock, type RpcLog, type RpcTransaction } from 'viem';
import type { AddressBalances, BlockRef, ChainAdapter, DetectedTransfer, RpcEndpointHealth, ScanResult, WatchSet } from '../types.ts';
import { balanceCalls, collectBalances } from './evm-balances.ts';
import { type ChainLogger, silentLogger } from './chain-logger.ts';
import { type BatchAnswer, createFailoverRpc, isEndpointFailure, RpcBatchRefusedError, unwrapRpcError } from './rpc-failover.ts';
import { buildTransferLogFilter, decodeTransferLog, isRangeTooLargeError, type TransferLogFilter } from './transfer-logs.ts';
import { mapWithConcurrency } from '../../util/concurrency.ts';

export interface EvmAdapterOptions {
  /** Network id, e.g. 'ethereum', 'bsc', 'devnet'. */
  chain: string;
  /** Tried in this order; a failing URL sits out a cool-down. */
  rpcUrls: string[];
  /** When set, every URL must serve this chain id (checked once per URL before its first use). */
  chainId?: number;
  logger?: ChainLogger;
  /** Per request, per URL. Default 10 s. */
  requestTimeoutMs?: number;
  /** How long a failed URL is passed over. Default 30 s. */
  rpcCooldownMs?: number;
  /** Largest block range per eth_getLogs; halved (and remembered) when a provider refuses. Default 5,000. */
  maxLogsBlockRange?: number;
  /** eth_getBlockByNumber requests in flight at once during a scan. Default 8. */
  maxConcurrentBlockRequests?: number;
  /** Calls per JSON-RPC batch when reading balances (lowered for good when a provider refuses that many). Default 100. */
  maxCallsPerBatch?: number;
  /** Balance batches in flight at once. Default 2. */
  maxConcurrentBatches?: number;
}

export class ScanRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanRangeError';
  }
}

/** The chain moved under the scan (a reorg between our requests) more often than we retry. */
export class InconsistentScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentScanError';
  }
}

type RpcTx = RpcTransaction;
type FullBlock = RpcBlock<'latest', true>;
type HeaderBlock = RpcBlock<'latest', boolean>;

const SCAN_ATTEMPTS = 3;

function toBlockRef(block: HeaderBlock): BlockRef {
  if (block.number === null || block.hash === null) throw new Error('node returned a pending block');
  return {
    number: Number.parseInt(block.number, 16),
    hash: block.hash.toLowerCase(),
    parentHash: block.parentHash.toLowerCase(),
    time: Number.parseInt(block.timestamp, 16),
  };
}

interface SortableTransfer extends DetectedTransfer {
  /** Position of the tx in its block; orders native transfers, which all have index -1. */
  txPosition: number;
}

export interface EvmAdapter extends ChainAdapter {
  readonly family: 'evm';
  getBalances(addresses: readonly string[], tokenContracts: readonly string[]): Promise<Map<string, AddressBalances>>;
}

export function createEvmAdapter(options: EvmAdapterOptions): EvmAdapter {
  const logger = options.logger ?? silentLogger;
  const rpc = createFailoverRpc({
    chain: options.chain,
    rpcUrls: options.rpcUrls,
    chainId: options.chainId,
    requestTimeoutMs: options.requestTimeoutMs,
    cooldownMs: options.rpcCooldownMs,
    logger,
  });
  // cacheTime 0: viem caches eth_blockNumber for 4 s by default; the watcher wants the real head.
  const client: PublicClient = createPublicClient({ transport: rpc.transport, cacheTime: 0 });
  const concurrency = Math.max(1, options.maxConcurrentBlockRequests ?? 8);
  let logsRangeLimit = Math.max(1, options.maxLogsBlockRange ?? 5_000);
  let callsPerBatch = Math.max(1, options.maxCallsPerBatch ?? 100);

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw unwrapRpcError(error);
    }
  }

  function fetchBlock(number: number, fullTransactions: boolean): Promise<HeaderBlock | null> {
    return call(() =>
      client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(number), fullTransactions] }),
    ) as Promise<HeaderBlock | null>;
  }

  /** Transfer logs in [from, to], in as few requests as the provider's range limit allows. */
  async function fetchTransferLogs(from: number, to: number, filter: TransferLogFilter): Promise<RpcLog[]> {
    const logs: RpcLog[] = [];
    let start = from;
    while (start <= to) {
      const end = Math.min(to, start + logsRangeLimit - 1);
      try {
        const chunk = await call(() =>
          client.request({
            method: 'eth_getLogs',
            params: [{ fromBlock: numberToHex(start), toBlock: numberToHex(end), address: filter.address, topics: filter.topics }],
          }),
        );
        logs.push(...(chunk as RpcLog[]));
        start = end + 1;
      } catch (error) {
        if (!isRangeTooLargeError(error) || end === start) throw error;
        logsRangeLimit = Math.max(1, Math.floor((end - start + 1) / 2));
        logger.warn({ chain: options.chain, from: start, to: end, newLimit: logsRangeLimit }, 'eth_getLogs range refused, splitting');
      }
    }
    return logs;
  }

  /**
   * Answers to `calls`, as few HTTP requests as the provider takes: one batch, halved (and the
   * smaller size remembered) when the provider refuses a batch that large, down to plain requests.
   */
  async function sendCalls(calls: readonly { method: string; params: unknown[] }[]): Promise<BatchAnswer[]> {
    const size = callsPerBatch;
    if (calls.length > size) {
      const answers: BatchAnswer[] = [];
      for (let i = 0; i < calls.length; i += size) answers.push(...(await sendCalls(calls.slice(i, i + size))));
      return answers;
    }
    if (size === 1) return [await sendPlain(calls[0] as { method: string; params: unknown[] })];
    try {
      return await rpc.requestBatch(calls);
    } catch (error) {
      if (!(error instanceof RpcBatchRefusedError)) throw unwrapRpcError(error);
      callsPerBatch = Math.max(1, Math.floor(calls.length / 2));
      logger.warn({ chain: options.chain, calls: calls.length, newLimit: callsPerBatch, error: error.message }, 'JSON-RPC batch refused, sending smaller ones');
      return sendCalls(calls);
    }
  }

  /** One call as a plain request, for a provider that takes no batches; a reverted call is its own answer. */
  async function sendPlain(call: { method: string; params: unknown[] }): Promise<BatchAnswer> {
    try {
      return { ok: true, result: await rpc.request(call) };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number' && !isEndpointFailure(error, call.method)) return { ok: false, code, message: (error as Error).message };
      throw unwrapRpcError(error);
    }
  }

  async function scanOnce(from: number, to: number, watch: WatchSet): Promise<ScanResult> {
    // Already canonical (lowercase, see WatchSet): no per-scan copy of a set that may hold 100,000 addresses.
    const addresses = watch.addresses;
    const tokens = new Set([...watch.tokenContracts].map((a) => a.toLowerCase()));
    const scanTokens = addresses.size > 0 && tokens.size > 0;
    const scanNative = addresses.size > 0 && watch.native;
    const numbers = Array.from({ length: to - from + 1 }, (_, i) => from + i);

    const [logs, rawBlocks] = await Promise.all([
      scanTokens ? fetchTransferLogs(from, to, buildTransferLogFilter(tokens, addresses)) : Promise.resolve([]),
      mapWithConcurrency(numbers, concurrency, (n) => fetchBlock(n, scanNative)),
    ]);

    const blocks: BlockRef[] = [];
    for (const [i, raw] of rawBlocks.entries()) {
      if (raw === null) throw new ScanRangeError(`${options.chain}: block ${numbers[i]} does not exist yet (scan ${from}..${to})`);
      const ref = toBlockRef(raw);
      const previous = blocks[blocks.length - 1];
      if (previous && ref.parentHash !== previous.hash) {
        throw new InconsistentScanError(`${options.chain}: block ${ref.number} does not extend ${previous.hash} (reorg during scan)`);
      }
      blocks.push(ref);
    }
    const byNumber = new Map(blocks.map((b) => [b.number, b]));

    const transfers: SortableTransfer[] = [];
    for (const log of logs) {
      if (log.removed) continue;
      const decoded = decodeTransferLog(log);
      if (!decoded || !addresses.has(decoded.to) || !tokens.has(log.address.toLowerCase())) continue;
      if (log.blockNumber === null || log.blockHash === null || log.logIndex === null || log.transactionHash === null) continue;
      const blockNumber = Number.parseInt(log.blockNumber, 16);
      const block = byNumber.get(blockNumber);
      if (!block || block.hash !== log.blockHash.toLowerCase()) {
        throw new InconsistentScanError(`${options.chain}: log in block ${blockNumber} is from another fork than its header`);
      }
      transfers.push({
        txid: log.transactionHash.toLowerCase(),
        index: Number.parseInt(log.logIndex, 16),
        from: decoded.from,
        to: decoded.to,
        tokenContract: log.address.toLowerCase(),
        amount: decoded.amount,
        blockNumber,
        blockHash: block.hash,
        blockTime: block.time,
        txPosition: log.transactionIndex === null ? 0 : Number.parseInt(log.transactionIndex, 16),
      });
    }

    if (scanNative) {
      for (const [i, raw] of rawBlocks.entries()) {
        const block = blocks[i] as BlockRef;
        for (const tx of (raw as FullBlock).transactions as RpcTx[]) {
          // Receiving addresses are our own code-less EOAs: an included value transfer to them
          // cannot revert, so no receipt is needed. Value arriving via contract calls (internal
          // transactions) is not visible here.
          const to = tx.to?.toLowerCase();
          if (!to || !addresses.has(to)) continue;
          const value = BigInt(tx.value);
          if (value <= 0n) continue;
          transfers.push({
            txid: tx.hash.toLowerCase(),
            index: -1,
            from: tx.from.toLowerCase(),
            to,
            tokenContract: null,
            amount: value,
            blockNumber: block.number,
            blockHash: block.hash,
            blockTime: block.time,
            txPosition: tx.transactionIndex === null ? 0 : Number.parseInt(tx.transactionIndex, 16),
          });
        }
      }
    }

    transfers.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index || a.txPosition - b.txPosition);
    return { transfers: transfers.map(({ txPosition: _, ...transfer }) => transfer), blocks };
  }

  return {
    chain: options.chain,
    family: 'evm',

    async getHeadNumber(): Promise<number> {
      const head = await call(() => client.request({ method: 'eth_blockNumber' }));
      return Number.parseInt(head as Hex, 16);
    },

    async getBlock(number: number): Promise<BlockRef | null> {
      if (!Number.isSafeInteger(number) || number < 0) throw new ScanRangeError(`invalid block number ${number}`);
      const block = await fetchBlock(number, false);
      return block === null ? null : toBlockRef(block);
    },

    async scanBlockRange(from: number, to: number, watch: WatchSet): Promise<ScanResult> {
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
        throw new ScanRangeError(`invalid block range ${from}..${to}`);
      }
      for (let attempt = 1; ; attempt++) {
        try {
          return await scanOnce(from, to, watch);
        } catch (error) {
          if (!(error instanceof InconsistentScanError) || attempt >= SCAN_ATTEMPTS) throw error;
          logger.warn({ chain: options.chain, from, to, attempt, error: error.message }, 'chain changed during scan, rescanning');
        }
      }
    },

    async getBalances(addresses: readonly string[], tokenContracts: readonly string[]): Promise<Map<string, AddressBalances>> {
      const tokens = [...new Set(tokenContracts.map((t) => t.toLowerCase()))];
      const out = new Map<string, AddressBalances>();
      const valid: string[] = [];
      for (const address of new Set(addresses)) {
        if (/^0x[0-9a-fA-F]{40}$/.test(address)) valid.push(address);
        else {
          const error = { ok: false as const, error: `not an EVM address: ${address}` };
          out.set(address, { native: error, tokens: new Map(tokens.map((t) => [t, error])) });
        }
      }
      const perBatch = Math.max(1, Math.floor(callsPerBatch / (1 + tokens.length)));
      const groups: string[][] = [];
      for (let i = 0; i < valid.length; i += perBatch) groups.push(valid.slice(i, i + perBatch));
      await mapWithConcurrency(groups, Math.max(1, options.maxConcurrentBatches ?? 2), async (group) => {
        const calls = balanceCalls(group.map((a) => a.toLowerCase()), tokens);
        const answers = await sendCalls(calls);
        const balances = collectBalances(calls, answers);
        for (const address of group) out.set(address, balances.get(address.toLowerCase()) as AddressBalances);
      });
      return out;
    },

    rpcHealth(): RpcEndpointHealth[] {
      return rpc.health();
    },

    rpcRequestCount(): number {
      return rpc.requestCount();
    },
  };
}
