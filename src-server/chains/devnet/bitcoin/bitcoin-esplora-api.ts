// The Esplora REST subset (Blockstream/mempool.space electrs) a watcher and a wallet use, over the
// devnet chain: tip, blocks (JSON, raw, txids, status), transactions with prevouts and status,
// address history and UTXOs, the mempool, and POST /tx — with electrs' shapes, text answers and
// error texts. Amounts are integer satoshis, as Esplora gives them.
import type { Network } from 'bitcoinjs-lib';
import { toHex } from './bitcoin-crypto.ts';
import { type BitcoinChain, type ChainBlock, type ChainTx, type MempoolEntry, difficultyFromBits } from './bitcoin-chain.ts';
import { RpcError, sendRawTransaction } from './bitcoin-rpc-api.ts';
import {
  addressScript,
  esploraAddress,
  esploraAsm,
  esploraScriptType,
  isP2SH,
  isP2WSH,
  pushedItems,
  scriptSigOps,
  witnessProgram,
} from './bitcoin-script.ts';

export interface EsploraResponse {
  status: number;
  contentType: string;
  body: string | Uint8Array;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const notFound = (message: string): HttpError => new HttpError(404, message);
const badRequest = (message: string): HttpError => new HttpError(400, message);

const json = (value: unknown): EsploraResponse => ({ status: 200, contentType: 'application/json', body: JSON.stringify(value) });
const text = (value: string): EsploraResponse => ({ status: 200, contentType: 'text/plain', body: value });

/** Txs per page in /block/:hash/txs and /address/:addr/txs/chain (electrs' rest_default_chain_txs_per_page). */
const CHAIN_TXS_PER_PAGE = 25;
/** Mempool txs in address history (rest_default_max_mempool_txs). */
const MAX_MEMPOOL_TXS = 50;
const BLOCKS_PER_PAGE = 10;
const RECENT_MEMPOOL_TXS = 10;

function parseHash(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw badRequest('Invalid hex string');
  return value.toLowerCase();
}

function parseNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest('Invalid number');
  return Number(value);
}

// ---- shapes ----

function outputJson(script: Uint8Array, value: bigint, network: Network): Record<string, unknown> {
  const address = esploraAddress(script, network);
  return {
    scriptpubkey: toHex(script),
    scriptpubkey_asm: esploraAsm(script),
    scriptpubkey_type: esploraScriptType(script),
    ...(address ? { scriptpubkey_address: address } : {}),
    value: Number(value),
  };
}

/** GetTransactionSigOpCost: legacy sigops ×4, P2SH redeem scripts ×4, witness sigops ×1. */
function sigopCost(ctx: ChainTx): number {
  const tx = ctx.tx;
  let legacy = 0;
  for (const input of tx.ins) legacy += scriptSigOps(input.script, false);
  for (const out of tx.outs) legacy += scriptSigOps(out.script, false);
  let cost = legacy * 4;
  if (tx.isCoinbase()) return cost;
  tx.ins.forEach((input, index) => {
    const prev = ctx.spent[index]?.script;
    if (!prev) return;
    let witnessScript = prev;
    if (isP2SH(prev)) {
      const items = pushedItems(input.script);
      const redeem = items?.[items.length - 1];
      if (!redeem) return;
      cost += scriptSigOps(redeem, true) * 4;
      witnessScript = redeem;
    }
    const program = witnessProgram(witnessScript);
    if (program?.version === 0 && program.program.length === 20) cost += 1;
    else if (program?.version === 0 && program.program.length === 32) {
      const last = input.witness[input.witness.length - 1];
      if (last) cost += scriptSigOps(last, true);
    }
  });
  return cost;
}

function statusJson(block: ChainBlock | null): Record<string, unknown> {
  return block ? { confirmed: true, block_height: block.height, block_hash: block.hash, block_time: block.time } : { confirmed: false };
}

/** An Esplora transaction object; `block` null for a mempool transaction. */
export function esploraTransactionJson(ctx: ChainTx, block: ChainBlock | null, network: Network): Record<string, unknown> {
  const tx = ctx.tx;
  const coinbase = tx.isCoinbase();
  const vin = tx.ins.map((input, index) => {
    const prev = coinbase ? null : (ctx.spent[index] ?? null);
    const inner: Record<string, string> = {};
    if (prev && isP2SH(prev.script)) {
      const items = pushedItems(input.script);
      const redeem = items?.[items.length - 1];
      if (redeem) {
        inner.inner_redeemscript_asm = esploraAsm(redeem);
        if (isP2WSH(redeem)) {
          const last = input.witness[input.witness.length - 1];
          if (last) inner.inner_witnessscript_asm = esploraAsm(last);
        }
      }
    } else if (prev && isP2WSH(prev.script)) {
      const last = input.witness[input.witness.length - 1];
      if (last) inner.inner_witnessscript_asm = esploraAsm(last);
    }
    return {
      txid: coinbase ? '0'.repeat(64) : toHex(Uint8Array.from(input.hash).reverse()),
      vout: input.index,
      prevout: prev ? outputJson(prev.script, prev.value, network) : null,
      scriptsig: toHex(input.script),
      scriptsig_asm: esploraAsm(input.script),
      ...(input.witness.length > 0 ? { witness: input.witness.map(toHex) } : {}),
      is_coinbase: coinbase,
      sequence: input.sequence,
      ...inner,
    };
  });
  return {
    txid: ctx.txid,
    version: tx.version,
    locktime: tx.locktime,
    vin,
    vout: tx.outs.map((out) => outputJson(out.script, out.value, network)),
    size: tx.byteLength(),
    weight: tx.weight(),
    sigops: sigopCost(ctx),
    fee: Number(ctx.fee),
    status: statusJson(block),
  };
}

function blockJson(block: ChainBlock): Record<string, unknown> {
  return {
    id: block.hash,
    height: block.height,
    version: block.block.version,
    timestamp: block.time,
    tx_count: block.txs.length,
    size: block.size,
    weight: block.weight,
    merkle_root: toHex(Uint8Array.from(block.block.merkleRoot as Uint8Array).reverse()),
    previousblockhash: block.previousHash,
    mediantime: block.medianTime,
    nonce: block.block.nonce,
    bits: block.block.bits,
    difficulty: difficultyFromBits(block.block.bits),
  };
}

/** electrs serves headers of the best chain only: a block a reorg replaced is "not found" except for its status. */
function activeBlock(chain: BitcoinChain, hashText: string): ChainBlock {
  const block = chain.blockByHash(parseHash(hashText));
  if (!block || !chain.isActive(block)) throw notFound('Block not found');
  return block;
}

function addressToScript(chain: BitcoinChain, addressText: string): Uint8Array {
  const script = addressScript(addressText, chain.params.addressNetwork);
  if (script) return script;
  if (addressScript(addressText, chain.params.otherAddressNetwork)) throw badRequest('Address on invalid network');
  throw badRequest('Invalid Bitcoin address');
}

function lookupTransaction(chain: BitcoinChain, txidText: string): { ctx: ChainTx; block: ChainBlock | null } | null {
  const txid = parseHash(txidText);
  const found = chain.findTransaction(txid);
  if (found?.kind === 'mempool') return { ctx: found.entry, block: null };
  if (found?.kind === 'chain') return { ctx: found.ctx, block: found.block };
  // electrs indexes the genesis coinbase like any other transaction.
  const genesis = chain.blockAt(0) as ChainBlock;
  const genesisCoinbase = genesis.txs[0];
  if (genesisCoinbase && genesisCoinbase.txid === txid) return { ctx: genesisCoinbase, block: genesis };
  return null;
}

function addressStats(chain: BitcoinChain, script: Uint8Array): Record<string, unknown> {
  const hex = toHex(script);
  const stats = (entries: ChainTx[]) => {
    let fundedCount = 0;
    let fundedSum = 0n;
    let spentCount = 0;
    let spentSum = 0n;
    for (const ctx of entries) {
      for (const out of ctx.tx.outs) {
        if (toHex(out.script) === hex) {
          fundedCount += 1;
          fundedSum += out.value;
        }
      }
      for (const coin of ctx.spent) {
        if (toHex(coin.script) === hex) {
          spentCount += 1;
          spentSum += coin.value;
        }
      }
    }
    return {
      funded_txo_count: fundedCount,
      funded_txo_sum: Number(fundedSum),
      spent_txo_count: spentCount,
      spent_txo_sum: Number(spentSum),
      tx_count: entries.length,
    };
  };
  return {
    chain_stats: stats(chain.confirmedHistory(script).map((h) => h.ctx)),
    mempool_stats: stats(chain.mempoolHistory(script)),
  };
}

function feeHistogram(entries: MempoolEntry[]): [number, number][] {
  const byRate = new Map<number, number>();
  for (const entry of entries) {
    const rate = Number(entry.fee) / entry.vsize;
    byRate.set(rate, (byRate.get(rate) ?? 0) + entry.vsize);
  }
  return [...byRate.entries()].sort((a, b) => b[0] - a[0]);
}

function spendJson(chain: BitcoinChain, spend: { txid: string; vin: number; confirmed: boolean }): Record<string, unknown> {
  const found = chain.findTransaction(spend.txid);
  const block = found?.kind === 'chain' ? found.block : null;
  return { spent: true, txid: spend.txid, vin: spend.vin, status: statusJson(block) };
}

// ---- routes ----

interface RouteInput {
  chain: BitcoinChain;
  params: Record<string, string>;
  query: URLSearchParams;
  body: string;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: string;
  handle(input: RouteInput): EsploraResponse;
}

const param = (input: RouteInput, name: string): string => input.params[name] as string;

function blockList({ chain, params }: RouteInput): EsploraResponse {
  const start = params.start_height === undefined ? chain.height() : Math.min(parseNumber(params.start_height), chain.height());
  const blocks: Record<string, unknown>[] = [];
  for (let h = start; h >= 0 && blocks.length < BLOCKS_PER_PAGE; h--) blocks.push(blockJson(chain.blockAt(h) as ChainBlock));
  return json(blocks);
}

function blockTxs(input: RouteInput): EsploraResponse {
  const { chain, params } = input;
  const block = activeBlock(chain, param(input, 'hash'));
  const start = params.start_index === undefined ? 0 : Number.parseInt(params.start_index, 10) || 0;
  if (start >= block.txs.length) throw notFound('start index out of range');
  if (start % CHAIN_TXS_PER_PAGE !== 0) throw badRequest(`start index must be a multipication of ${CHAIN_TXS_PER_PAGE}`);
  return json(block.txs.slice(start, start + CHAIN_TXS_PER_PAGE).map((ctx) => esploraTransactionJson(ctx, block, chain.params.addressNetwork)));
}

function txRaw(input: RouteInput, format: 'hex' | 'raw'): EsploraResponse {
  const found = lookupTransaction(input.chain, param(input, 'txid'));
  if (!found) throw notFound('Transaction not found');
  const raw = found.ctx.tx.toBuffer();
  return format === 'raw' ? { status: 200, contentType: 'application/octet-stream', body: raw } : text(toHex(raw));
}

function chainHistory(input: RouteInput): EsploraResponse {
  const { chain, params } = input;
  const script = addressToScript(chain, param(input, 'address'));
  let history = chain.confirmedHistory(script);
  if (params.last_seen_txid !== undefined) {
    const lastSeen = params.last_seen_txid.toLowerCase();
    const index = history.findIndex((h) => h.ctx.txid === lastSeen);
    history = index >= 0 ? history.slice(index + 1) : [];
  }
  return json(history.slice(0, CHAIN_TXS_PER_PAGE).map((h) => esploraTransactionJson(h.ctx, h.block, chain.params.addressNetwork)));
}

const ROUTES: Route[] = [
  { method: 'GET', pattern: '/blocks/tip/height', handle: ({ chain }) => text(String(chain.height())) },
  { method: 'GET', pattern: '/blocks/tip/hash', handle: ({ chain }) => text(chain.tip().hash) },
  { method: 'GET', pattern: '/blocks', handle: blockList },
  { method: 'GET', pattern: '/blocks/:start_height', handle: blockList },
  {
    method: 'GET',
    pattern: '/block-height/:height',
    handle: (input) => {
      const block = input.chain.blockAt(parseNumber(param(input, 'height')));
      if (!block) throw notFound('Block not found');
      return text(block.hash);
    },
  },
  { method: 'GET', pattern: '/block/:hash', handle: (input) => json(blockJson(activeBlock(input.chain, param(input, 'hash')))) },
  {
    method: 'GET',
    pattern: '/block/:hash/status',
    handle: (input) => {
      const { chain } = input;
      const block = chain.blockByHash(parseHash(param(input, 'hash')));
      return json(
        block && chain.isActive(block)
          ? { in_best_chain: true, height: block.height, next_best: chain.nextBlock(block)?.hash ?? null }
          : { in_best_chain: false, height: null, next_best: null },
      );
    },
  },
  {
    method: 'GET',
    pattern: '/block/:hash/txids',
    handle: (input) => {
      const block = input.chain.blockByHash(parseHash(param(input, 'hash')));
      if (!block) throw notFound('Block not found');
      return json(block.txs.map((ctx) => ctx.txid));
    },
  },
  { method: 'GET', pattern: '/block/:hash/header', handle: (input) => text(toHex(activeBlock(input.chain, param(input, 'hash')).block.toBuffer(true))) },
  {
    method: 'GET',
    pattern: '/block/:hash/raw',
    handle: (input) => ({ status: 200, contentType: 'application/octet-stream', body: activeBlock(input.chain, param(input, 'hash')).raw }),
  },
  {
    method: 'GET',
    pattern: '/block/:hash/txid/:index',
    handle: (input) => {
      const ctx = activeBlock(input.chain, param(input, 'hash')).txs[parseNumber(param(input, 'index'))];
      if (!ctx) throw notFound('tx index out of range');
      return text(ctx.txid);
    },
  },
  { method: 'GET', pattern: '/block/:hash/txs', handle: blockTxs },
  { method: 'GET', pattern: '/block/:hash/txs/:start_index', handle: blockTxs },
  {
    method: 'GET',
    pattern: '/tx/:txid',
    handle: (input) => {
      const found = lookupTransaction(input.chain, param(input, 'txid'));
      if (!found) throw notFound('Transaction not found');
      return json(esploraTransactionJson(found.ctx, found.block, input.chain.params.addressNetwork));
    },
  },
  { method: 'GET', pattern: '/tx/:txid/hex', handle: (input) => txRaw(input, 'hex') },
  { method: 'GET', pattern: '/tx/:txid/raw', handle: (input) => txRaw(input, 'raw') },
  {
    method: 'GET',
    pattern: '/tx/:txid/status',
    // electrs answers {"confirmed":false} for any txid it cannot place in a block, known or not.
    handle: (input) => json(statusJson(lookupTransaction(input.chain, param(input, 'txid'))?.block ?? null)),
  },
  {
    method: 'GET',
    pattern: '/tx/:txid/outspend/:vout',
    handle: (input) => {
      const spend = input.chain.spenderOf(parseHash(param(input, 'txid')), parseNumber(param(input, 'vout')));
      return json(spend ? spendJson(input.chain, spend) : { spent: false });
    },
  },
  {
    method: 'GET',
    pattern: '/tx/:txid/outspends',
    handle: (input) => {
      const { chain } = input;
      const found = lookupTransaction(chain, param(input, 'txid'));
      if (!found) throw notFound('Transaction not found');
      return json(
        found.ctx.tx.outs.map((_, vout) => {
          const spend = chain.spenderOf(found.ctx.txid, vout);
          return spend ? spendJson(chain, spend) : { spent: false };
        }),
      );
    },
  },
  {
    method: 'POST',
    pattern: '/tx',
    handle: ({ chain, body }) => {
      try {
        return text(sendRawTransaction(chain, body.trim()));
      } catch (error) {
        if (!(error instanceof RpcError)) throw error;
        // electrs relays bitcoind's error as "<method> RPC error: <error object>".
        throw badRequest(`sendrawtransaction RPC error: ${JSON.stringify({ code: error.code, message: error.message })}`);
      }
    },
  },
  {
    method: 'GET',
    pattern: '/address/:address',
    handle: (input) => {
      const address = param(input, 'address');
      return json({ address, ...addressStats(input.chain, addressToScript(input.chain, address)) });
    },
  },
  {
    method: 'GET',
    pattern: '/address/:address/txs',
    handle: (input) => {
      const { chain } = input;
      const script = addressToScript(chain, param(input, 'address'));
      const mempool = chain.mempoolHistory(script).slice(0, MAX_MEMPOOL_TXS).map((entry) => esploraTransactionJson(entry, null, chain.params.addressNetwork));
      const confirmed = chain.confirmedHistory(script).slice(0, CHAIN_TXS_PER_PAGE).map((h) => esploraTransactionJson(h.ctx, h.block, chain.params.addressNetwork));
      return json([...mempool, ...confirmed]);
    },
  },
  { method: 'GET', pattern: '/address/:address/txs/chain', handle: chainHistory },
  { method: 'GET', pattern: '/address/:address/txs/chain/:last_seen_txid', handle: chainHistory },
  {
    method: 'GET',
    pattern: '/address/:address/txs/mempool',
    handle: (input) => {
      const { chain, query } = input;
      const script = addressToScript(chain, param(input, 'address'));
      const max = Number.parseInt(query.get('max_txs') ?? '', 10);
      const limit = Number.isInteger(max) && max > 0 ? max : MAX_MEMPOOL_TXS;
      return json(chain.mempoolHistory(script).slice(0, limit).map((entry) => esploraTransactionJson(entry, null, chain.params.addressNetwork)));
    },
  },
  {
    method: 'GET',
    pattern: '/address/:address/utxo',
    handle: (input) => {
      const { chain } = input;
      const script = addressToScript(chain, param(input, 'address'));
      return json(
        chain.unspentFor(script, true).map(({ txid, vout, coin }) => {
          const found = chain.findTransaction(txid);
          return { txid, vout, status: statusJson(found?.kind === 'chain' ? found.block : null), value: Number(coin.value) };
        }),
      );
    },
  },
  {
    method: 'GET',
    pattern: '/mempool',
    handle: ({ chain }) => {
      const entries = chain.mempoolEntries();
      return json({
        count: entries.length,
        vsize: entries.reduce((sum, e) => sum + e.vsize, 0),
        total_fee: Number(entries.reduce((sum, e) => sum + e.fee, 0n)),
        fee_histogram: feeHistogram(entries),
      });
    },
  },
  { method: 'GET', pattern: '/mempool/txids', handle: ({ chain }) => json(chain.mempoolEntries().map((entry) => entry.txid)) },
  {
    method: 'GET',
    pattern: '/mempool/recent',
    handle: ({ chain }) =>
      json(
        chain
          .mempoolEntries()
          .slice(-RECENT_MEMPOOL_TXS)
          .reverse()
          .map((entry) => ({
            txid: entry.txid,
            fee: Number(entry.fee),
            vsize: entry.vsize,
            value: Number(entry.tx.outs.reduce((sum, out) => sum + out.value, 0n)),
          })),
      ),
  },
  // A regtest node has no fee history, so electrs has no estimates to give.
  { method: 'GET', pattern: '/fee-estimates', handle: () => json({}) },
];

export interface EsploraMatch {
  /** e.g. "GET /block/:hash/raw": the key requests are counted under. */
  route: string;
  run(chain: BitcoinChain, query: URLSearchParams, body: string): EsploraResponse;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route for a request path (any "/api" prefix already removed), or null when none matches. */
export function matchEsploraRoute(method: string, path: string): EsploraMatch | null {
  const segments = path.split('/').slice(1);
  const effective = method === 'HEAD' ? 'GET' : method;
  for (const route of ROUTES) {
    if (route.method !== effective) continue;
    const parts = route.pattern.split('/').slice(1);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const part = parts[i] as string;
      const segment = safeDecode(segments[i] as string);
      if (part.startsWith(':')) params[part.slice(1)] = segment;
      else ok = part === segment;
    }
    if (!ok) continue;
    return {
      route: `${route.method} ${route.pattern}`,
      run(chain, query, body) {
        try {
          return route.handle({ chain, params, query, body });
        } catch (error) {
          if (error instanceof HttpError) return { status: error.status, contentType: 'text/plain', body: error.message };
          throw error;
        }
      },
    };
  }
  return null;
}

/** electrs' answer to a path it has no route for. */
export function unknownEndpoint(path: string): EsploraResponse {
  return { status: 404, contentType: 'text/plain', body: `endpoint does not exist ${JSON.stringify(path)}` };
}
