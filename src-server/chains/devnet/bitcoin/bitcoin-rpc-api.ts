// The bitcoind JSON-RPC subset a watcher uses, over the devnet chain: blocks (getblock verbosity
// 0–3), headers, the mempool (getrawmempool, getmempoolentry), transactions (getrawtransaction),
// broadcast (sendrawtransaction, testmempoolaccept) — with bitcoind's result shapes, error codes and
// messages, JSON-RPC 1.0 replies (HTTP 500/404 on errors) and 2.0 replies (HTTP 200), and batches.
// Balances: scantxoutset over the confirmed UTXO set, for addr() and raw() descriptors.
import { type Network, Transaction } from 'bitcoinjs-lib';
import { sha256d, toHex } from './bitcoin-crypto.ts';
import { type BitcoinChain, type ChainBlock, type ChainTx, type Coin, MEMPOOL_HEIGHT, type MempoolEntry, MempoolRejection, difficultyFromBits } from './bitcoin-chain.ts';
import { type JsonAmount, amount, writeJson } from './bitcoin-json.ts';
import { COIN, feeAtRate, feeRatePerKvB } from './bitcoin-policy.ts';
import { addressScript, coreAsm, coreScriptType, descriptorChecksum, inferredDescriptor, isUnspendable, scriptAddress } from './bitcoin-script.ts';

/** bitcoind's RPCErrorCode values the devnet uses. */
export const RPC_ERRORS = {
  MISC_ERROR: -1,
  TYPE_ERROR: -3,
  INVALID_ADDRESS_OR_KEY: -5,
  INVALID_PARAMETER: -8,
  DESERIALIZATION_ERROR: -22,
  VERIFY_ERROR: -25,
  VERIFY_REJECTED: -26,
  VERIFY_ALREADY_IN_CHAIN: -27,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  PARSE_ERROR: -32700,
} as const;

export class RpcError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
  }
}

const TX_DECODE_FAILED = 'TX decode failed. Make sure the tx has at least one input.';
/** sendrawtransaction and testmempoolaccept refuse fee rates at or above this (1 coin/kvB). */
const MAX_MAXFEERATE_SAT_PER_KVB = COIN;

// ---- parameters ----

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function expectType(value: unknown, expected: 'string' | 'number' | 'boolean' | 'array'): void {
  if (typeName(value) !== expected) throw new RpcError(RPC_ERRORS.TYPE_ERROR, `JSON value of type ${typeName(value)} is not of expected type ${expected}`);
}

/** ParseHashV */
function hashParam(value: unknown, name: string): string {
  expectType(value, 'string');
  const text = value as string;
  if (text.length !== 64) throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, `${name} must be of length 64 (not ${text.length}, for '${text}')`);
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, `${name} must be hexadecimal string (not '${text}')`);
  return text.toLowerCase();
}

function intParam(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  expectType(value, 'number');
  if (!Number.isInteger(value)) throw new RpcError(RPC_ERRORS.TYPE_ERROR, 'JSON integer out of range');
  return value as number;
}

function boolParam(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  expectType(value, 'boolean');
  return value as boolean;
}

/** Verbosity given as a number or (for older clients) a boolean. */
function verbosityParam(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return intParam(value, fallback);
}

/** AmountFromValue for a rate in coin/kvB, from the number's decimal text (never float arithmetic). */
function feeRateParam(value: unknown, fallbackSatPerKvB: bigint): bigint {
  if (value === undefined || value === null) return fallbackSatPerKvB;
  if (typeof value !== 'number' && typeof value !== 'string') throw new RpcError(RPC_ERRORS.TYPE_ERROR, 'Amount is not a number or string');
  const text = typeof value === 'number' ? value.toFixed(8) : value.trim();
  const match = /^(\d+)(?:\.(\d{0,8}))?$/.exec(text);
  if (!match) throw new RpcError(RPC_ERRORS.TYPE_ERROR, 'Invalid amount');
  const sats = BigInt(match[1] as string) * COIN + BigInt((match[2] ?? '').padEnd(8, '0') || '0');
  if (sats >= MAX_MAXFEERATE_SAT_PER_KVB) throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, 'Fee rates larger than or equal to 1BTC/kvB are not accepted');
  return sats;
}

function decodeTransaction(value: unknown): Transaction {
  expectType(value, 'string');
  const hex = (value as string).trim();
  if (hex.length === 0 || !/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) throw new RpcError(RPC_ERRORS.DESERIALIZATION_ERROR, TX_DECODE_FAILED);
  try {
    const tx = Transaction.fromHex(hex);
    if (tx.ins.length === 0) throw new Error('no inputs');
    return tx;
  } catch {
    throw new RpcError(RPC_ERRORS.DESERIALIZATION_ERROR, TX_DECODE_FAILED);
  }
}

// ---- result shapes ----

export function scriptPubKeyJson(script: Uint8Array, network: Network): Record<string, unknown> {
  return {
    asm: coreAsm(script),
    desc: inferredDescriptor(script, network),
    hex: toHex(script),
    address: scriptAddress(script, network) ?? undefined,
    type: coreScriptType(script),
  };
}

/** TxToUniv. `details` adds fee (and prevouts at 'prevout') when the spent coins are known. */
export function transactionJson(ctx: ChainTx, network: Network, details: 'plain' | 'fee' | 'prevout', includeHex = true): Record<string, unknown> {
  const tx = ctx.tx;
  const coinbase = tx.isCoinbase();
  const vin = tx.ins.map((input, index) => {
    const witness = input.witness.length > 0 ? input.witness.map(toHex) : undefined;
    if (coinbase) return { coinbase: toHex(input.script), txinwitness: witness, sequence: input.sequence };
    const coin = ctx.spent[index];
    const prevout =
      details === 'prevout' && coin
        ? { generated: coin.coinbase, height: coin.height, value: amount(coin.value), scriptPubKey: scriptPubKeyJson(coin.script, network) }
        : undefined;
    return {
      txid: toHex(Uint8Array.from(input.hash).reverse()),
      vout: input.index,
      scriptSig: { asm: coreAsm(input.script, true), hex: toHex(input.script) },
      txinwitness: witness,
      prevout,
      sequence: input.sequence,
    };
  });
  const vout = tx.outs.map((out, n) => ({ value: amount(out.value), n, scriptPubKey: scriptPubKeyJson(out.script, network) }));
  return {
    txid: ctx.txid,
    hash: ctx.wtxid,
    version: tx.version,
    size: tx.byteLength(),
    vsize: tx.virtualSize(),
    weight: tx.weight(),
    locktime: tx.locktime,
    vin,
    vout,
    fee: details !== 'plain' && !coinbase ? amount(ctx.fee) : undefined,
    hex: includeHex ? tx.toHex() : undefined,
  };
}

/** bitcoind prints doubles with 16 significant digits (UniValue), e.g. 4.656542373906925e-10. */
function coreDouble(value: number): number {
  return Number(value.toPrecision(16));
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

function headerJson(block: ChainBlock, chain: BitcoinChain): Record<string, unknown> {
  return {
    hash: block.hash,
    confirmations: chain.confirmations(block),
    height: block.height,
    version: block.block.version,
    versionHex: hex8(block.block.version),
    merkleroot: toHex(Uint8Array.from(block.block.merkleRoot as Uint8Array).reverse()),
    time: block.time,
    mediantime: block.medianTime,
    nonce: block.block.nonce,
    bits: hex8(block.block.bits),
    difficulty: coreDouble(difficultyFromBits(block.block.bits)),
    chainwork: block.chainWork.toString(16).padStart(64, '0'),
    nTx: block.txs.length,
    previousblockhash: block.previousHash ?? undefined,
    nextblockhash: chain.nextBlock(block)?.hash,
  };
}

function blockJson(block: ChainBlock, chain: BitcoinChain, verbosity: number): Record<string, unknown> {
  const tx =
    verbosity <= 1
      ? block.txs.map((ctx) => ctx.txid)
      : block.txs.map((ctx) => transactionJson(ctx, chain.params.addressNetwork, verbosity >= 3 ? 'prevout' : 'fee'));
  return { ...headerJson(block, chain), strippedsize: block.strippedSize, size: block.size, weight: block.weight, tx };
}

/** entryToJSON */
export function mempoolEntryJson(entry: MempoolEntry, chain: BitcoinChain): Record<string, unknown> {
  const ancestors = chain.mempoolAncestors(entry);
  const descendants = chain.mempoolDescendants(entry);
  const sum = (entries: MempoolEntry[], pick: (e: MempoolEntry) => number): number => entries.reduce((total, e) => total + pick(e), 0);
  const sumFees = (entries: MempoolEntry[]): bigint => entries.reduce((total, e) => total + e.fee, 0n);
  return {
    vsize: entry.vsize,
    weight: entry.weight,
    time: entry.time,
    height: entry.height,
    descendantcount: descendants.length + 1,
    descendantsize: sum(descendants, (e) => e.vsize) + entry.vsize,
    ancestorcount: ancestors.length + 1,
    ancestorsize: sum(ancestors, (e) => e.vsize) + entry.vsize,
    wtxid: entry.wtxid,
    fees: {
      base: amount(entry.fee),
      modified: amount(entry.fee),
      ancestor: amount(sumFees(ancestors) + entry.fee),
      descendant: amount(sumFees(descendants) + entry.fee),
    },
    depends: chain.mempoolParents(entry).map((e) => e.txid),
    spentby: chain.mempoolChildren(entry).map((e) => e.txid),
    'bip125-replaceable': chain.isBip125Replaceable(entry),
    // No peers ever ask for it, so bitcoind would keep it in its unbroadcast set.
    unbroadcast: true,
  };
}

// ---- broadcast (shared with Esplora's POST /tx, which forwards to sendrawtransaction) ----

function rejectionToRpcError(rejection: MempoolRejection): RpcError {
  if (rejection.kind === 'missing-inputs') return new RpcError(RPC_ERRORS.VERIFY_ERROR, rejection.message);
  return new RpcError(RPC_ERRORS.VERIFY_REJECTED, rejection.message);
}

/** sendrawtransaction: the txid, or an RpcError carrying bitcoind's code and message. */
export function sendRawTransaction(chain: BitcoinChain, hexValue: unknown, maxFeeRateValue?: unknown, maxBurnValue?: unknown): string {
  const tx = decodeTransaction(hexValue);
  const maxFeeRate = feeRateParam(maxFeeRateValue, chain.params.policy.defaultMaxFeeRateSatPerKvB);
  const maxBurn = maxBurnValue === undefined || maxBurnValue === null ? 0n : feeRateParam(maxBurnValue, 0n);
  for (const out of tx.outs) {
    if (isUnspendable(out.script) && out.value > maxBurn) {
      throw new RpcError(RPC_ERRORS.VERIFY_ERROR, 'Unspendable output exceeds maximum configured by user (maxburnamount)');
    }
  }
  const txid = tx.getId();
  // BroadcastTransaction: outputs already in the UTXO set mean it is mined; already in the mempool is success.
  if (tx.outs.some((_, vout) => chain.unspent(txid, vout, false))) throw new RpcError(RPC_ERRORS.VERIFY_ALREADY_IN_CHAIN, chain.params.messages.alreadyInChain);
  if (chain.mempoolEntry(txid)) return txid;
  try {
    const tested = chain.acceptTransaction(tx, { testOnly: true });
    if (maxFeeRate > 0n && tested.fee > feeAtRate(maxFeeRate, tested.vsize)) {
      throw new RpcError(RPC_ERRORS.VERIFY_ERROR, 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)');
    }
    return chain.acceptTransaction(tx).txid;
  } catch (error) {
    if (error instanceof MempoolRejection) throw rejectionToRpcError(error);
    throw error;
  }
}

function testMempoolAccept(chain: BitcoinChain, rawtxs: unknown, maxFeeRateValue: unknown): unknown[] {
  expectType(rawtxs, 'array');
  const list = rawtxs as unknown[];
  if (list.length < 1 || list.length > 25) throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, 'Array must contain between 1 and 25 transactions.');
  const maxFeeRate = feeRateParam(maxFeeRateValue, chain.params.policy.defaultMaxFeeRateSatPerKvB);
  const txs = list.map(decodeTransaction);
  return txs.map((tx) => {
    const base = { txid: tx.getId(), wtxid: toHex(sha256d(tx.toBuffer()).reverse()) };
    try {
      const result = chain.acceptTransaction(tx, { testOnly: true });
      if (maxFeeRate > 0n && result.fee > feeAtRate(maxFeeRate, result.vsize)) return { ...base, allowed: false, 'reject-reason': 'max-fee-exceeded' };
      return {
        ...base,
        allowed: true,
        vsize: result.vsize,
        fees: { base: amount(result.fee), 'effective-feerate': amount(feeRatePerKvB(result.fee, result.vsize)), 'effective-includes': [base.wtxid] },
      };
    } catch (error) {
      if (!(error instanceof MempoolRejection)) throw error;
      return { ...base, allowed: false, 'reject-reason': error.kind === 'missing-inputs' ? 'missing-inputs' : error.reason };
    }
  });
}

// ---- scantxoutset ----

/** Descriptor::Parse's checksum handling (require_checksum false, as scantxoutset calls it). */
function descriptorBody(text: string): string {
  const parts = text.split('#');
  if (parts.length > 2) throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, "Multiple '#' symbols");
  const [body = '', given] = parts;
  let computed: string;
  try {
    computed = descriptorChecksum(body);
  } catch {
    throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, 'Invalid characters in payload');
  }
  if (given !== undefined) {
    if (given.length !== 8) throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, `Expected 8 character checksum, not ${given.length} characters`);
    if (given !== computed) throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, `Provided checksum '${given}' does not match computed checksum '${computed}'`);
  }
  return body;
}

/** EvalDescriptorStringOrObject for the descriptors a payment watcher uses: addr(…) and raw(…). */
function scanObjectScript(scanObject: unknown, network: Network): Uint8Array {
  let text: string;
  if (typeof scanObject === 'string') text = scanObject;
  else if (scanObject !== null && typeof scanObject === 'object' && !Array.isArray(scanObject)) {
    const desc = (scanObject as { desc?: unknown }).desc;
    if (typeof desc !== 'string') throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, 'Descriptor needs to be provided in scan object');
    text = desc;
    if ((scanObject as { range?: unknown }).range !== undefined) {
      descriptorBody(text);
      throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, 'Range should not be specified for an un-ranged descriptor');
    }
  } else throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, 'Scan object needs to be either a string or an object');
  const body = descriptorBody(text);
  const call = /^([a-z_]+)\((.*)\)$/s.exec(body);
  if (call?.[1] === 'addr') {
    const script = addressScript(call[2] as string, network);
    if (!script) throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, 'Address is not valid');
    return script;
  }
  if (call?.[1] === 'raw') {
    const hex = call[2] as string;
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, 'Raw script is not hex');
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  }
  if (call && ['pk', 'pkh', 'wpkh', 'sh', 'wsh', 'combo', 'multi', 'sortedmulti', 'tr', 'rawtr'].includes(call[1] as string)) {
    throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, `'${call[1]}' descriptors are not served by the Kassa devnet (it scans addr() and raw())`);
  }
  throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, `'${body.split('(')[0]}' is not a valid descriptor function`);
}

/** COutPoint order: uint256 compares its bytes as stored, i.e. the txid's hex reversed byte by byte. */
function outpointOrder(a: { txid: string; vout: number }, b: { txid: string; vout: number }): number {
  const ka = toHex(Uint8Array.from(Buffer.from(a.txid, 'hex')).reverse());
  const kb = toHex(Uint8Array.from(Buffer.from(b.txid, 'hex')).reverse());
  return ka < kb ? -1 : ka > kb ? 1 : a.vout - b.vout;
}

/** scantxoutset: a scan of the whole confirmed UTXO set (no mempool), answered at once, so never "in progress". */
function scanTxOutSet(args: unknown[], chain: BitcoinChain): unknown {
  const [action, scanObjects] = args;
  if (action === undefined) throw new RpcError(RPC_ERRORS.MISC_ERROR, 'scantxoutset "action" ( [scanobjects,...] )');
  expectType(action, 'string');
  if (scanObjects !== undefined && scanObjects !== null) expectType(scanObjects, 'array');
  if (action === 'status') return null;
  if (action === 'abort') return false;
  if (action !== 'start') throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, `Invalid action '${action as string}'`);
  if (scanObjects === undefined || scanObjects === null) throw new RpcError(RPC_ERRORS.MISC_ERROR, 'scanobjects argument is required for the start action');
  const network = chain.params.addressNetwork;
  const needles = new Map<string, string>();
  for (const scanObject of scanObjects as unknown[]) {
    const script = scanObjectScript(scanObject, network);
    needles.set(toHex(script), inferredDescriptor(script, network));
  }
  const found: { txid: string; vout: number; coin: Coin; desc: string }[] = [];
  let scanned = 0;
  for (const { txid, vout, coin } of chain.confirmedCoins()) {
    scanned += 1;
    const desc = needles.get(toHex(coin.script));
    if (desc !== undefined) found.push({ txid, vout, coin, desc });
  }
  found.sort(outpointOrder);
  // Litecoin Core 0.21 predates the coinbase field (Bitcoin Core 25); `blockhash` and `confirmations` came in Bitcoin Core 28.
  const withCoinbase = chain.params.network === 'bitcoin';
  const tip = chain.tip();
  return {
    success: true,
    txouts: scanned,
    height: tip.height,
    bestblock: tip.hash,
    unspents: found.map(({ txid, vout, coin, desc }) => ({
      txid,
      vout,
      scriptPubKey: toHex(coin.script),
      desc,
      amount: amount(coin.value),
      coinbase: withCoinbase ? coin.coinbase : undefined,
      height: coin.height,
    })),
    total_amount: amount(found.reduce((sum, f) => sum + f.coin.value, 0n)),
  };
}

// ---- methods ----

interface RpcMethod {
  /** Parameter names, for JSON-RPC named parameters. */
  params: string[];
  handle(args: unknown[], chain: BitcoinChain): unknown;
}

function blockParam(chain: BitcoinChain, value: unknown): ChainBlock {
  const hash = hashParam(value, 'blockhash');
  const block = chain.blockByHash(hash);
  if (!block) throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, 'Block not found');
  return block;
}

function genesisCoinbaseTxid(chain: BitcoinChain): string {
  return (chain.blockAt(0) as ChainBlock).txs[0]?.txid ?? '';
}

const METHODS: Record<string, RpcMethod> = {
  getblockchaininfo: {
    params: [],
    handle: (_args, chain) => {
      const tip = chain.tip();
      return {
        chain: chain.params.chainName,
        blocks: tip.height,
        headers: tip.height,
        bestblockhash: tip.hash,
        difficulty: coreDouble(difficultyFromBits(tip.block.bits)),
        time: tip.time,
        mediantime: tip.medianTime,
        verificationprogress: 1,
        // bitcoind leaves initial block download once the tip is less than a day old.
        initialblockdownload: tip.time < Date.now() / 1000 - 24 * 3600,
        chainwork: tip.chainWork.toString(16).padStart(64, '0'),
        size_on_disk: chain.sizeOnDisk(),
        pruned: false,
        warnings: '',
      };
    },
  },
  getblockcount: { params: [], handle: (_args, chain) => chain.height() },
  getbestblockhash: { params: [], handle: (_args, chain) => chain.tip().hash },
  getblockhash: {
    params: ['height'],
    handle: ([height], chain) => {
      if (height === undefined) throw new RpcError(RPC_ERRORS.MISC_ERROR, 'getblockhash height');
      const block = chain.blockAt(intParam(height, -1));
      if (!block) throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, 'Block height out of range');
      return block.hash;
    },
  },
  getblockheader: {
    params: ['blockhash', 'verbose'],
    handle: ([hash, verbose], chain) => {
      const block = blockParam(chain, hash);
      return boolParam(verbose, true) ? headerJson(block, chain) : toHex(block.block.toBuffer(true));
    },
  },
  getblock: {
    params: ['blockhash', 'verbosity'],
    handle: ([hash, verbosityValue], chain) => {
      const block = blockParam(chain, hash);
      const verbosity = verbosityParam(verbosityValue, 1);
      if (verbosity <= 0) return toHex(block.raw);
      return blockJson(block, chain, verbosity);
    },
  },
  getrawmempool: {
    params: ['verbose', 'mempool_sequence'],
    handle: ([verbose, sequence], chain) => {
      const entries = chain.mempoolEntries();
      if (boolParam(verbose, false)) {
        if (boolParam(sequence, false)) throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, 'Verbose results cannot contain mempool sequence values.');
        return Object.fromEntries(entries.map((entry) => [entry.txid, mempoolEntryJson(entry, chain)]));
      }
      const txids = entries.map((entry) => entry.txid);
      return boolParam(sequence, false) ? { txids, mempool_sequence: entries.length } : txids;
    },
  },
  getmempoolentry: {
    params: ['txid'],
    handle: ([txid], chain) => {
      const entry = chain.mempoolEntry(hashParam(txid, 'txid'));
      if (!entry) throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, 'Transaction not in mempool');
      return mempoolEntryJson(entry, chain);
    },
  },
  getmempoolinfo: {
    params: [],
    handle: (_args, chain) => {
      const entries = chain.mempoolEntries();
      const rate = (satPerKvB: bigint): JsonAmount => amount(satPerKvB);
      return {
        loaded: true,
        size: entries.length,
        bytes: entries.reduce((sum, e) => sum + e.vsize, 0),
        usage: entries.reduce((sum, e) => sum + e.size * 4 + 288, 0),
        total_fee: amount(entries.reduce((sum, e) => sum + e.fee, 0n)),
        maxmempool: 300_000_000,
        mempoolminfee: rate(chain.params.policy.minRelayFeeSatPerKvB),
        minrelaytxfee: rate(chain.params.policy.minRelayFeeSatPerKvB),
        incrementalrelayfee: rate(chain.params.policy.incrementalRelayFeeSatPerKvB),
        unbroadcastcount: entries.length,
        fullrbf: chain.fullRbf,
      };
    },
  },
  getrawtransaction: {
    params: ['txid', 'verbosity', 'blockhash'],
    handle: ([txidValue, verbosityValue, blockhashValue], chain) => {
      const txid = hashParam(txidValue, 'parameter 1');
      const verbosity = verbosityParam(verbosityValue, 0);
      if (txid === genesisCoinbaseTxid(chain)) {
        throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, 'The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved');
      }
      let found: { ctx: ChainTx; block: ChainBlock | null; inActiveChain?: boolean } | null = null;
      if (blockhashValue !== undefined && blockhashValue !== null) {
        const block = chain.blockByHash(hashParam(blockhashValue, 'parameter 3'));
        if (!block) throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, 'Block hash not found');
        const ctx = block.txs.find((t) => t.txid === txid);
        if (!ctx) throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, 'No such transaction found in the provided block. Use gettransaction for wallet transactions.');
        found = { ctx, block, inActiveChain: chain.isActive(block) };
      } else {
        const location = chain.findTransaction(txid);
        if (location?.kind === 'mempool') found = { ctx: location.entry, block: null };
        else if (location?.kind === 'chain') found = { ctx: location.ctx, block: location.block };
      }
      if (!found) {
        throw new RpcError(RPC_ERRORS.INVALID_ADDRESS_OR_KEY, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
      }
      if (verbosity <= 0) return found.ctx.tx.toHex();
      // Prevouts and fee come from block undo data, which mempool transactions do not have.
      const details = verbosity >= 2 && found.block ? 'prevout' : 'plain';
      const body = transactionJson(found.ctx, chain.params.addressNetwork, details);
      const block = found.block;
      if (!block) return body;
      const confirmed = chain.isActive(block);
      return {
        in_active_chain: found.inActiveChain,
        ...body,
        blockhash: block.hash,
        confirmations: confirmed ? chain.confirmations(block) : 0,
        time: confirmed ? block.time : undefined,
        blocktime: confirmed ? block.time : undefined,
      };
    },
  },
  gettxout: {
    params: ['txid', 'n', 'include_mempool'],
    handle: ([txidValue, nValue, includeMempool], chain) => {
      const txid = hashParam(txidValue, 'txid');
      const coin: Coin | null = chain.unspent(txid, intParam(nValue, 0), boolParam(includeMempool, true));
      if (!coin) return null;
      return {
        bestblock: chain.tip().hash,
        confirmations: coin.height === MEMPOOL_HEIGHT ? 0 : chain.height() - coin.height + 1,
        value: amount(coin.value),
        scriptPubKey: scriptPubKeyJson(coin.script, chain.params.addressNetwork),
        coinbase: coin.coinbase,
      };
    },
  },
  sendrawtransaction: {
    params: ['hexstring', 'maxfeerate', 'maxburnamount'],
    handle: ([hex, maxFeeRate, maxBurn], chain) => sendRawTransaction(chain, hex, maxFeeRate, maxBurn),
  },
  testmempoolaccept: {
    params: ['rawtxs', 'maxfeerate'],
    handle: ([rawtxs, maxFeeRate], chain) => testMempoolAccept(chain, rawtxs, maxFeeRate),
  },
  scantxoutset: { params: ['action', 'scanobjects'], handle: scanTxOutSet },
  estimatesmartfee: {
    params: ['conf_target', 'estimate_mode'],
    // A regtest node has seen no fee history, so it has no estimate.
    handle: ([target]) => {
      intParam(target, 0);
      return { errors: ['Insufficient data or no feerate found'], blocks: 0 };
    },
  },
  getnetworkinfo: {
    params: [],
    handle: (_args, chain) => ({
      version: chain.params.network === 'bitcoin' ? 270000 : 210400,
      subversion: chain.params.network === 'bitcoin' ? '/Satoshi:27.0.0/' : '/LitecoinCore:0.21.4/',
      protocolversion: 70016,
      localservices: '0000000000000409',
      localservicesnames: ['NETWORK', 'WITNESS', 'NETWORK_LIMITED'],
      localrelay: true,
      timeoffset: 0,
      networkactive: true,
      connections: 0,
      connections_in: 0,
      connections_out: 0,
      networks: [],
      relayfee: amount(chain.params.policy.minRelayFeeSatPerKvB),
      incrementalfee: amount(chain.params.policy.incrementalRelayFeeSatPerKvB),
      localaddresses: [],
      warnings: '',
    }),
  },
};

/** Method names the devnet answers. */
export const RPC_METHOD_NAMES = Object.keys(METHODS);

// ---- JSON-RPC envelope ----

interface RpcReply {
  body: unknown;
  /** HTTP status a lone legacy request would get. */
  status: number;
  method: string | null;
  notification: boolean;
}

function legacyStatus(code: number): number {
  if (code === RPC_ERRORS.INVALID_REQUEST) return 400;
  if (code === RPC_ERRORS.METHOD_NOT_FOUND) return 404;
  return 500;
}

function callOne(request: unknown, chain: BitcoinChain): RpcReply {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    const error = { code: RPC_ERRORS.INVALID_REQUEST, message: 'Invalid Request object' };
    return { body: { result: null, error, id: null }, status: 400, method: null, notification: false };
  }
  const object = request as Record<string, unknown>;
  const v2 = object.jsonrpc === '2.0';
  const id = object.id ?? null;
  const reply = (result: unknown, error: { code: number; message: string } | null): unknown => {
    if (v2) return error ? { jsonrpc: '2.0', error, id } : { jsonrpc: '2.0', result, id };
    return { result: error ? null : result, error, id };
  };
  const method = typeof object.method === 'string' ? object.method : null;
  try {
    if (object.method === undefined) throw new RpcError(RPC_ERRORS.INVALID_REQUEST, 'Missing method');
    if (method === null) throw new RpcError(RPC_ERRORS.INVALID_REQUEST, 'Method must be a string');
    const handler = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!handler) throw new RpcError(RPC_ERRORS.METHOD_NOT_FOUND, 'Method not found');
    let args: unknown[];
    const params = object.params;
    if (params === undefined || params === null) args = [];
    else if (Array.isArray(params)) args = params;
    else if (typeof params === 'object') {
      const named = params as Record<string, unknown>;
      for (const key of Object.keys(named)) {
        if (!handler.params.includes(key)) throw new RpcError(RPC_ERRORS.INVALID_PARAMETER, `Unknown named parameter ${key}`);
      }
      args = handler.params.map((name) => named[name]);
    } else throw new RpcError(RPC_ERRORS.INVALID_REQUEST, 'Params must be an array or object');
    const result = handler.handle(args, chain);
    return { body: reply(result, null), status: 200, method, notification: v2 && object.id === undefined };
  } catch (error) {
    const rpcError = error instanceof RpcError ? error : new RpcError(RPC_ERRORS.MISC_ERROR, (error as Error).message);
    return {
      body: reply(null, { code: rpcError.code, message: rpcError.message }),
      status: v2 ? 200 : legacyStatus(rpcError.code),
      method,
      notification: v2 && object.id === undefined,
    };
  }
}

export interface RpcHttpReply {
  status: number;
  /** Empty for a JSON-RPC 2.0 notification (HTTP 204). */
  body: string;
  /** Methods called, for request counting. */
  methods: string[];
}

/** One HTTP POST body: a request or a batch. */
export function handleRpcBody(text: string, chain: BitcoinChain): RpcHttpReply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: 500, body: `${writeJson({ result: null, error: { code: RPC_ERRORS.PARSE_ERROR, message: 'Parse error' }, id: null })}\n`, methods: [] };
  }
  if (Array.isArray(parsed)) {
    const replies = parsed.map((request) => callOne(request, chain));
    const bodies = replies.filter((r) => !r.notification).map((r) => r.body);
    return { status: 200, body: `${writeJson(bodies)}\n`, methods: replies.flatMap((r) => (r.method ? [r.method] : [])) };
  }
  const reply = callOne(parsed, chain);
  if (reply.notification) return { status: 204, body: '', methods: reply.method ? [reply.method] : [] };
  return { status: reply.status, body: `${writeJson(reply.body)}\n`, methods: reply.method ? [reply.method] : [] };
}
