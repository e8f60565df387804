// The Bitcoin devnet's chain: real blocks (bitcoinjs-lib) on regtest rules — BIP34 coinbases with
// witness commitments, merkle roots, proof of work at regtest difficulty, 100-block coinbase
// maturity — a UTXO set with undo data for reorgs, and a mempool that accepts transactions the way
// bitcoind does: consensus checks, standardness, fees, ancestor limits, opt-in RBF (BIP125) and
// signature verification. Pure in-memory and synchronous; a restart is a fresh regtest chain.
import { Block, Transaction } from 'bitcoinjs-lib';
import type { ChainLogger } from '../../evm/chain-logger.ts';
import { concatBytes, fromHex, reversedHex, scryptPowHash, sha256d, toHex } from './bitcoin-crypto.ts';
import { faucetAccount, type FaucetAccount } from './bitcoin-devnet-accounts.ts';
import { blockSubsidy, type UtxoChainParams } from './bitcoin-devnet-params.ts';
import {
  DEFAULT_BLOCK_MAX_WEIGHT,
  MAX_BLOCK_WEIGHT,
  MAX_MONEY,
  feeAtRate,
  feeRatePerKvB,
  formatFeeRate,
  formatMoney,
  isFinalTx,
  nonstandardInput,
  sequenceLocksHold,
  signalsOptInRbf,
  standardnessProblem,
} from './bitcoin-policy.ts';
import { OP_0, OP_RETURN, isUnspendable, pushData, pushNumber } from './bitcoin-script.ts';
import { checkInputScripts } from './bitcoin-script-verify.ts';

/** A spendable output. Unconfirmed (mempool) coins carry MEMPOOL_HEIGHT. */
export interface Coin {
  value: bigint;
  script: Uint8Array;
  height: number;
  coinbase: boolean;
}

export const MEMPOOL_HEIGHT = 0x7fffffff;
const BLOCK_VERSION = 0x20000000;
/** Median-time-past spans the last 11 blocks. */
const MEDIAN_TIME_SPAN = 11;

export interface ChainTx {
  tx: Transaction;
  txid: string;
  wtxid: string;
  /** Coins spent by each input, in input order; empty for a coinbase. */
  spent: Coin[];
  /** Inputs minus outputs; 0 for a coinbase. */
  fee: bigint;
}

export interface ChainBlock {
  hash: string;
  height: number;
  block: Block;
  raw: Uint8Array;
  txs: ChainTx[];
  size: number;
  strippedSize: number;
  weight: number;
  time: number;
  medianTime: number;
  /** Expected hashes to produce the chain up to this block. */
  chainWork: bigint;
  /** Display hash of the parent; null for genesis. */
  previousHash: string | null;
}

export interface MempoolEntry extends ChainTx {
  hex: string;
  size: number;
  vsize: number;
  weight: number;
  /** Seconds since the epoch when it entered the mempool. */
  time: number;
  /** Tip height when it entered. */
  height: number;
  /** Order of arrival; mempool iteration follows it. */
  sequence: number;
}

export type RejectionKind = 'invalid' | 'missing-inputs' | 'already-known';

/** A transaction the mempool refuses: bitcoind's reject reason, and its debug text when it has one. */
export class MempoolRejection extends Error {
  readonly reason: string;
  readonly details: string | null;
  readonly kind: RejectionKind;
  constructor(reason: string, details: string | null = null, kind: RejectionKind = 'invalid') {
    super(details ? `${reason}, ${details}` : reason);
    this.name = 'MempoolRejection';
    this.reason = reason;
    this.details = details;
    this.kind = kind;
  }
}

export interface AcceptResult {
  txid: string;
  wtxid: string;
  vsize: number;
  fee: bigint;
  /** Mempool transactions evicted by this replacement (direct conflicts and their descendants). */
  replaced: string[];
}

export interface BitcoinChainOptions {
  params: UtxoChainParams;
  logger: ChainLogger;
  /** Replace any mempool transaction, signalling or not (-mempoolfullrbf=1). Default false. */
  fullRbf?: boolean;
  now?: () => number;
}

/** Builds, for a transaction a reorg drops, a conflicting spend the new branch carries instead (or null). */
export type ConflictBuilder = (dropped: ChainTx) => Transaction | null;

const outpointKey = (txid: string, vout: number): string => `${txid}:${vout}`;

function inputOutpoint(tx: Transaction, index: number): { txid: string; vout: number; key: string } {
  const input = tx.ins[index];
  if (!input) throw new RangeError(`no input ${index}`);
  const txid = reversedHex(input.hash);
  return { txid, vout: input.index, key: outpointKey(txid, input.index) };
}

/** 2^256 / (target + 1): the expected number of hashes to meet `bits`. */
function blockWork(bits: number): bigint {
  return (1n << 256n) / (targetFromBits(bits) + 1n);
}

function targetFromBits(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

/** A little-endian 256-bit hash as a number. */
function hashValue(hashLE: Uint8Array): bigint {
  return BigInt(`0x${reversedHex(hashLE) || '0'}`);
}

/** GetDifficulty: how many times harder than the minimum (bits 0x1d00ffff) the target is. */
export function difficultyFromBits(bits: number): number {
  let shift = (bits >>> 24) & 0xff;
  let difficulty = 0x0000ffff / (bits & 0x00ffffff);
  while (shift < 29) {
    difficulty *= 256;
    shift += 1;
  }
  while (shift > 29) {
    difficulty /= 256;
    shift -= 1;
  }
  return difficulty;
}

function chainTxOf(tx: Transaction, spent: Coin[]): ChainTx {
  const inputs = spent.reduce((sum, coin) => sum + coin.value, 0n);
  const outputs = tx.outs.reduce((sum, out) => sum + out.value, 0n);
  // The wtxid of the serialisation itself (bitcoinjs reports zero for a coinbase, as the witness merkle tree uses).
  return { tx, txid: tx.getId(), wtxid: reversedHex(sha256d(tx.toBuffer())), spent, fee: tx.isCoinbase() ? 0n : inputs - outputs };
}

export class BitcoinChain {
  readonly params: UtxoChainParams;
  readonly faucet: FaucetAccount;
  private readonly logger: ChainLogger;
  private readonly now: () => number;
  /** -mempoolfullrbf: replace non-signalling transactions too. */
  readonly fullRbf: boolean;

  private active: ChainBlock[] = [];
  private readonly blocksByHash = new Map<string, ChainBlock>();
  private readonly utxo = new Map<string, Coin>();
  private readonly txIndex = new Map<string, { block: ChainBlock; index: number }>();
  /** Confirmed spends: outpoint → spending txid and input index. */
  private readonly chainSpends = new Map<string, { txid: string; vin: number }>();
  /** Confirmed txids touching each script (hex), oldest first. */
  private readonly scriptHistory = new Map<string, string[]>();

  private readonly mempool = new Map<string, MempoolEntry>();
  private readonly mempoolSpends = new Map<string, string>();
  private readonly mempoolByWtxid = new Map<string, string>();
  private mempoolSequence = 0;
  /** Transactions a miner holds back from the mempool and puts in the next block (doubleSpend). */
  private privateTxs: ChainTx[] = [];
  private branchCount = 0;

  constructor(options: BitcoinChainOptions) {
    this.params = options.params;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.fullRbf = options.fullRbf ?? false;
    this.faucet = faucetAccount(this.params);
    this.connectGenesis();
  }

  // ---- reads ----

  tip(): ChainBlock {
    return this.active[this.active.length - 1] as ChainBlock;
  }

  height(): number {
    return this.active.length - 1;
  }

  blockAt(height: number): ChainBlock | null {
    return Number.isSafeInteger(height) && height >= 0 ? (this.active[height] ?? null) : null;
  }

  /** Any block this devnet ever built, stale branches included. */
  blockByHash(hash: string): ChainBlock | null {
    return this.blocksByHash.get(hash.toLowerCase()) ?? null;
  }

  isActive(block: ChainBlock): boolean {
    return this.active[block.height] === block;
  }

  /** Confirmations as bitcoind counts them: tip − height + 1, or −1 for a block off the active chain. */
  confirmations(block: ChainBlock): number {
    return this.isActive(block) ? this.height() - block.height + 1 : -1;
  }

  nextBlock(block: ChainBlock): ChainBlock | null {
    return this.isActive(block) ? (this.active[block.height + 1] ?? null) : null;
  }

  /** A transaction by txid: in the mempool, or confirmed on the active chain. */
  findTransaction(txid: string): { kind: 'mempool'; entry: MempoolEntry } | { kind: 'chain'; ctx: ChainTx; block: ChainBlock; index: number } | null {
    const key = txid.toLowerCase();
    const entry = this.mempool.get(key);
    if (entry) return { kind: 'mempool', entry };
    const location = this.txIndex.get(key);
    if (!location) return null;
    return { kind: 'chain', ctx: location.block.txs[location.index] as ChainTx, block: location.block, index: location.index };
  }

  mempoolEntries(): MempoolEntry[] {
    return [...this.mempool.values()];
  }

  mempoolEntry(txid: string): MempoolEntry | null {
    return this.mempool.get(txid.toLowerCase()) ?? null;
  }

  /** In-mempool parents of an entry. */
  mempoolParents(entry: ChainTx): MempoolEntry[] {
    const parents = new Map<string, MempoolEntry>();
    for (let i = 0; i < entry.tx.ins.length; i++) {
      const parent = this.mempool.get(inputOutpoint(entry.tx, i).txid);
      if (parent) parents.set(parent.txid, parent);
    }
    return [...parents.values()];
  }

  mempoolChildren(entry: ChainTx): MempoolEntry[] {
    const children = new Map<string, MempoolEntry>();
    for (let vout = 0; vout < entry.tx.outs.length; vout++) {
      const spender = this.mempoolSpends.get(outpointKey(entry.txid, vout));
      const child = spender ? this.mempool.get(spender) : undefined;
      if (child) children.set(child.txid, child);
    }
    return [...children.values()];
  }

  /** All in-mempool ancestors (not including the entry). */
  mempoolAncestors(entry: ChainTx): MempoolEntry[] {
    const seen = new Map<string, MempoolEntry>();
    const stack = this.mempoolParents(entry);
    while (stack.length > 0) {
      const next = stack.pop() as MempoolEntry;
      if (seen.has(next.txid)) continue;
      seen.set(next.txid, next);
      stack.push(...this.mempoolParents(next));
    }
    return [...seen.values()];
  }

  /** All in-mempool descendants (not including the entry). */
  mempoolDescendants(entry: ChainTx): MempoolEntry[] {
    const seen = new Map<string, MempoolEntry>();
    const stack = this.mempoolChildren(entry);
    while (stack.length > 0) {
      const next = stack.pop() as MempoolEntry;
      if (seen.has(next.txid)) continue;
      seen.set(next.txid, next);
      stack.push(...this.mempoolChildren(next));
    }
    return [...seen.values()];
  }

  /** bip125-replaceable as getmempoolentry reports it: the entry or an unconfirmed ancestor signals. */
  isBip125Replaceable(entry: MempoolEntry): boolean {
    return signalsOptInRbf(entry.tx) || this.mempoolAncestors(entry).some((ancestor) => signalsOptInRbf(ancestor.tx));
  }

  /** An unspent output; with `includeMempool`, mempool outputs count and mempool spends remove. */
  unspent(txid: string, vout: number, includeMempool: boolean): Coin | null {
    const key = outpointKey(txid.toLowerCase(), vout);
    if (includeMempool && this.mempoolSpends.has(key)) return null;
    const coin = this.utxo.get(key);
    if (coin) return coin;
    if (!includeMempool) return null;
    const parent = this.mempool.get(txid.toLowerCase());
    const out = parent?.tx.outs[vout];
    if (!parent || !out || isUnspendable(out.script)) return null;
    return { value: out.value, script: out.script, height: MEMPOOL_HEIGHT, coinbase: false };
  }

  /** Who spends an output: a mempool transaction, or a confirmed one on the active chain. */
  spenderOf(txid: string, vout: number): { txid: string; vin: number; confirmed: boolean } | null {
    const key = outpointKey(txid.toLowerCase(), vout);
    const inMempool = this.mempoolSpends.get(key);
    if (inMempool) {
      const entry = this.mempool.get(inMempool) as MempoolEntry;
      const vin = entry.tx.ins.findIndex((_, index) => inputOutpoint(entry.tx, index).key === key);
      return { txid: inMempool, vin, confirmed: false };
    }
    const confirmed = this.chainSpends.get(key);
    return confirmed ? { ...confirmed, confirmed: true } : null;
  }

  /** Confirmed transactions touching `script` (outputs paying it or inputs spending it), newest first. */
  confirmedHistory(script: Uint8Array): { ctx: ChainTx; block: ChainBlock; index: number }[] {
    const txids = this.scriptHistory.get(toHex(script)) ?? [];
    const out: { ctx: ChainTx; block: ChainBlock; index: number }[] = [];
    for (let i = txids.length - 1; i >= 0; i--) {
      const location = this.txIndex.get(txids[i] as string);
      if (location) out.push({ ctx: location.block.txs[location.index] as ChainTx, block: location.block, index: location.index });
    }
    return out;
  }

  /** Mempool transactions touching `script`, newest first. */
  mempoolHistory(script: Uint8Array): MempoolEntry[] {
    const hex = toHex(script);
    return this.mempoolEntries()
      .filter((entry) => entry.tx.outs.some((out) => toHex(out.script) === hex) || entry.spent.some((coin) => toHex(coin.script) === hex))
      .reverse();
  }

  /** Unspent outputs paying `script`: confirmed ones and, with `includeMempool`, unconfirmed ones, minus mempool spends. */
  unspentFor(script: Uint8Array, includeMempool: boolean): { txid: string; vout: number; coin: Coin }[] {
    const hex = toHex(script);
    const out: { txid: string; vout: number; coin: Coin }[] = [];
    const seen = new Set<string>();
    const consider = (txid: string, tx: Transaction): void => {
      tx.outs.forEach((output, vout) => {
        if (toHex(output.script) !== hex) return;
        const key = outpointKey(txid, vout);
        if (seen.has(key)) return;
        seen.add(key);
        const coin = this.unspent(txid, vout, includeMempool);
        if (coin) out.push({ txid, vout, coin });
      });
    };
    for (const { ctx } of this.confirmedHistory(script)) consider(ctx.txid, ctx.tx);
    if (includeMempool) for (const entry of this.mempoolHistory(script)) consider(entry.txid, entry.tx);
    return out;
  }

  /** Every confirmed unspent coin (the faucet's coin selection walks it). */
  *confirmedCoins(): Generator<{ txid: string; vout: number; coin: Coin }> {
    for (const [key, coin] of this.utxo) {
      const separator = key.lastIndexOf(':');
      yield { txid: key.slice(0, separator), vout: Number(key.slice(separator + 1)), coin };
    }
  }

  isSpentInMempool(txid: string, vout: number): boolean {
    return this.mempoolSpends.has(outpointKey(txid, vout)) || this.privateTxs.some((p) => p.tx.ins.some((_, i) => inputOutpoint(p.tx, i).key === outpointKey(txid, vout)));
  }

  /** Bytes bitcoind's blk files would hold: each block plus its 8-byte magic and length header. */
  sizeOnDisk(): number {
    return this.active.reduce((sum, block) => sum + block.size + 8, 0);
  }

  /** Median-time-past of the active block at `height` (of the genesis for heights below 0). */
  medianTimePast(height: number): number {
    return this.active[Math.max(0, Math.min(height, this.height()))]?.medianTime ?? 0;
  }

  // ---- mempool acceptance ----

  /**
   * AcceptToMemoryPool. Throws a MempoolRejection with bitcoind's reason; with `testOnly` nothing
   * changes (testmempoolaccept).
   */
  acceptTransaction(tx: Transaction, options: { testOnly?: boolean } = {}): AcceptResult {
    const params = this.params;
    const policy = params.policy;
    const txid = tx.getId();
    const wtxid = reversedHex(sha256d(tx.toBuffer()));

    // CheckTransaction: consensus rules that need no context.
    if (tx.ins.length === 0) throw new MempoolRejection('bad-txns-vin-empty');
    if (tx.outs.length === 0) throw new MempoolRejection('bad-txns-vout-empty');
    if (tx.byteLength(false) * 4 > MAX_BLOCK_WEIGHT) throw new MempoolRejection('bad-txns-oversize');
    let outputTotal = 0n;
    for (const out of tx.outs) {
      if (out.value > MAX_MONEY) throw new MempoolRejection('bad-txns-vout-toolarge');
      outputTotal += out.value;
      if (outputTotal > MAX_MONEY) throw new MempoolRejection('bad-txns-txouttotal-toolarge');
    }
    const outpoints = tx.ins.map((_, index) => inputOutpoint(tx, index));
    if (new Set(outpoints.map((o) => o.key)).size !== outpoints.length) throw new MempoolRejection('bad-txns-inputs-duplicate');
    if (tx.isCoinbase()) throw new MempoolRejection('coinbase');
    if (outpoints.some((o) => /^0+$/.test(o.txid) && o.vout === 0xffffffff)) throw new MempoolRejection('bad-txns-prevout-null');

    // Policy: standardness.
    const nonStandard = standardnessProblem(tx, params);
    if (nonStandard) throw new MempoolRejection(nonStandard);
    if (tx.byteLength(false) < policy.minStandardTxNonWitnessSize) throw new MempoolRejection('tx-size-small');
    const nextHeight = this.height() + 1;
    const tipMedianTime = this.tip().medianTime;
    if (!isFinalTx(tx, nextHeight, tipMedianTime)) throw new MempoolRejection('non-final');

    if (this.mempoolByWtxid.has(wtxid)) throw new MempoolRejection('txn-already-in-mempool');
    if (this.mempool.has(txid)) throw new MempoolRejection('txn-same-nonwitness-data-in-mempool');

    // Direct conflicts: replaceable only if they signal BIP125 themselves (ancestors' signals do not count, as in bitcoind).
    const conflicts = new Map<string, MempoolEntry>();
    for (const outpoint of outpoints) {
      const spender = this.mempoolSpends.get(outpoint.key);
      if (!spender || conflicts.has(spender)) continue;
      const conflicting = this.mempool.get(spender) as MempoolEntry;
      if (!this.fullRbf && !signalsOptInRbf(conflicting.tx)) throw new MempoolRejection('txn-mempool-conflict');
      conflicts.set(spender, conflicting);
    }

    // Coins: confirmed UTXOs and outputs of mempool transactions.
    const spent: Coin[] = [];
    for (const outpoint of outpoints) {
      const coin = this.utxo.get(outpoint.key) ?? this.mempoolOutput(outpoint.txid, outpoint.vout);
      if (!coin) {
        if (tx.outs.some((_, vout) => this.utxo.has(outpointKey(txid, vout)))) {
          throw new MempoolRejection('txn-already-known', null, 'already-known');
        }
        throw new MempoolRejection('bad-txns-inputs-missingorspent', null, 'missing-inputs');
      }
      spent.push(coin);
    }

    const lockInputs = tx.ins.map((input, index) => {
      const coin = spent[index] as Coin;
      const coinHeight = coin.height === MEMPOOL_HEIGHT ? nextHeight : coin.height;
      return { sequence: input.sequence, coinHeight, coinTime: this.medianTimePast(coinHeight - 1) };
    });
    if (!sequenceLocksHold(tx, lockInputs, nextHeight, tipMedianTime)) throw new MempoolRejection('non-BIP68-final');

    // Consensus::CheckTxInputs
    let inputTotal = 0n;
    for (const coin of spent) {
      if (coin.coinbase && nextHeight - coin.height < params.coinbaseMaturity) {
        throw new MempoolRejection('bad-txns-premature-spend-of-coinbase', `tried to spend coinbase at depth ${nextHeight - coin.height}`);
      }
      inputTotal += coin.value;
      if (coin.value > MAX_MONEY || inputTotal > MAX_MONEY) throw new MempoolRejection('bad-txns-inputvalues-outofrange');
    }
    if (inputTotal < outputTotal) {
      throw new MempoolRejection('bad-txns-in-belowout', `value in (${formatMoney(inputTotal)}) < value out (${formatMoney(outputTotal)})`);
    }
    const fee = inputTotal - outputTotal;

    if (nonstandardInput(spent.map((coin) => coin.script))) throw new MempoolRejection('bad-txns-nonstandard-inputs');

    const vsize = tx.virtualSize();
    const minRelayFee = feeAtRate(policy.minRelayFeeSatPerKvB, vsize);
    if (fee < minRelayFee) throw new MempoolRejection('min relay fee not met', `${fee} < ${minRelayFee}`);

    // Ancestor and descendant limits.
    const candidate = chainTxOf(tx, spent);
    const ancestors = this.mempoolAncestors(candidate);
    if (ancestors.length + 1 > policy.ancestorLimit) {
      throw new MempoolRejection('too-long-mempool-chain', `too many unconfirmed ancestors [limit: ${policy.ancestorLimit}]`);
    }
    for (const ancestor of ancestors) {
      if (this.mempoolDescendants(ancestor).length + 2 > policy.descendantLimit) {
        throw new MempoolRejection('too-long-mempool-chain', `too many descendants for tx ${ancestor.txid} [limit: ${policy.descendantLimit}]`);
      }
    }
    for (const ancestor of ancestors) {
      if (conflicts.has(ancestor.txid)) {
        throw new MempoolRejection('bad-txns-spends-conflicting-tx', `${txid} spends conflicting transaction ${ancestor.txid}`);
      }
    }

    // BIP125 replacement rules, in bitcoind's order.
    const evicted = new Map<string, MempoolEntry>();
    if (conflicts.size > 0) {
      const newRate = feeRatePerKvB(fee, vsize);
      for (const original of conflicts.values()) {
        const originalRate = feeRatePerKvB(original.fee, original.vsize);
        if (newRate <= originalRate) {
          throw new MempoolRejection(
            'insufficient fee',
            `rejecting replacement ${txid}; new feerate ${formatFeeRate(newRate, params.currencyUnit)} <= old feerate ${formatFeeRate(originalRate, params.currencyUnit)}`,
          );
        }
      }
      let candidates = 0;
      for (const original of conflicts.values()) candidates += 1 + this.mempoolDescendants(original).length;
      if (candidates > policy.maxReplacementCandidates) {
        throw new MempoolRejection(
          'too many potential replacements',
          `rejecting replacement ${txid}; too many potential replacements (${candidates} > ${policy.maxReplacementCandidates})\n`,
        );
      }
      for (const original of conflicts.values()) {
        evicted.set(original.txid, original);
        for (const descendant of this.mempoolDescendants(original)) evicted.set(descendant.txid, descendant);
      }
      const parentsOfConflicts = new Set<string>();
      for (const original of conflicts.values()) original.tx.ins.forEach((_, i) => parentsOfConflicts.add(inputOutpoint(original.tx, i).txid));
      outpoints.forEach((outpoint, index) => {
        if (!parentsOfConflicts.has(outpoint.txid) && this.mempool.has(outpoint.txid)) {
          throw new MempoolRejection('replacement-adds-unconfirmed', `replacement ${txid} adds unconfirmed input, idx ${index}`);
        }
      });
      const conflictingFees = [...evicted.values()].reduce((sum, entry) => sum + entry.fee, 0n);
      if (fee < conflictingFees) {
        throw new MempoolRejection(
          'insufficient fee',
          `rejecting replacement ${txid}, less fees than conflicting txs; ${formatMoney(fee)} < ${formatMoney(conflictingFees)}`,
        );
      }
      const relayFee = feeAtRate(policy.incrementalRelayFeeSatPerKvB, vsize);
      if (fee - conflictingFees < relayFee) {
        throw new MempoolRejection(
          'insufficient fee',
          `rejecting replacement ${txid}, not enough additional fees to relay; ${formatMoney(fee - conflictingFees)} < ${formatMoney(relayFee)}`,
        );
      }
    }

    // Scripts: signatures over the real sighashes.
    const scriptProblem = checkInputScripts(tx, spent);
    if (scriptProblem) throw new MempoolRejection(scriptProblem);

    const result: AcceptResult = { txid, wtxid, vsize, fee, replaced: [...evicted.keys()] };
    if (options.testOnly) return result;

    for (const entry of evicted.values()) this.removeFromMempool(entry);
    this.addToMempool(tx, spent);
    if (evicted.size > 0) this.logger.info({ txid, replaced: result.replaced }, 'bitcoin devnet: replacement accepted');
    return result;
  }

  /**
   * Queues a transaction that bypasses the mempool and goes into the next block, the way a miner
   * includes a private double spend; conflicting mempool transactions are evicted when it is mined.
   */
  addPrivateTransaction(tx: Transaction): ChainTx {
    const spent: Coin[] = [];
    for (let i = 0; i < tx.ins.length; i++) {
      const outpoint = inputOutpoint(tx, i);
      const coin = this.utxo.get(outpoint.key) ?? this.mempoolOutput(outpoint.txid, outpoint.vout);
      if (!coin) throw new MempoolRejection('bad-txns-inputs-missingorspent', null, 'missing-inputs');
      spent.push(coin);
    }
    const ctx = chainTxOf(tx, spent);
    if (ctx.fee < 0n) throw new MempoolRejection('bad-txns-in-belowout');
    const scriptProblem = checkInputScripts(tx, spent);
    if (scriptProblem) throw new MempoolRejection(scriptProblem);
    this.privateTxs.push(ctx);
    return ctx;
  }

  // ---- mining ----

  /** Mines `count` blocks on the tip; the first takes the held-back and mempool transactions. Returns their hashes. */
  mine(count: number): string[] {
    const hashes: string[] = [];
    for (let i = 0; i < count; i++) {
      const selected = this.selectForBlock();
      const block = this.produceBlock(selected, null);
      hashes.push(block.hash);
    }
    return hashes;
  }

  /**
   * Replaces the last `depth` blocks with a heavier branch of depth + 1 blocks (a node switches only
   * to more work). Their transactions are re-mined one block for one unless `dropTransactions`,
   * which leaves them out (replaced by a conflicting spend where `conflictFor` can build one).
   */
  reorg(depth: number, options: { dropTransactions?: boolean; conflictFor?: ConflictBuilder } = {}): { disconnected: string[]; connected: string[] } {
    const tipHeight = this.height();
    if (!Number.isSafeInteger(depth) || depth < 1 || depth > tipHeight) {
      throw new RangeError(`reorg depth must be between 1 and the tip height (${tipHeight}), got ${depth}`);
    }
    this.branchCount += 1;
    const disconnectedBlocks: ChainBlock[] = [];
    for (let i = 0; i < depth; i++) disconnectedBlocks.unshift(this.disconnectTip());
    // The mempool is rebuilt on top of the new branch, as bitcoind resubmits it after a reorg.
    const pending = this.mempoolEntries();
    for (const entry of pending) this.removeFromMempool(entry);

    const connected: string[] = [];
    for (const old of disconnectedBlocks) {
      const replayed = old.txs.slice(1);
      let txs: Transaction[];
      if (options.dropTransactions) {
        txs = [];
        for (const dropped of replayed) {
          const conflict = options.conflictFor?.(dropped) ?? null;
          if (conflict) txs.push(conflict);
        }
      } else {
        txs = replayed.map((ctx) => ctx.tx);
      }
      connected.push(this.produceBlock(txs.map((tx) => ({ tx })), this.branchCount).hash);
    }
    connected.push(this.produceBlock([], this.branchCount).hash);

    // What the new branch could not re-mine goes back to the mempool, as bitcoind resubmits disconnected transactions.
    const leftOut = options.dropTransactions ? [] : disconnectedBlocks.flatMap((old) => old.txs.slice(1)).filter((ctx) => !this.txIndex.has(ctx.txid));
    for (const entry of [...leftOut, ...pending]) {
      try {
        this.acceptTransaction(entry.tx);
      } catch (error) {
        this.logger.debug({ txid: entry.txid, err: (error as Error).message }, 'bitcoin devnet: mempool transaction dropped by reorg');
      }
    }
    const disconnected = disconnectedBlocks.map((block) => block.hash);
    this.logger.warn({ depth, dropTransactions: options.dropTransactions === true, tip: this.tip().hash }, 'bitcoin devnet: reorg');
    return { disconnected, connected };
  }

  // ---- internals ----

  private mempoolOutput(txid: string, vout: number): Coin | null {
    const parent = this.mempool.get(txid);
    const out = parent?.tx.outs[vout];
    if (!out || isUnspendable(out.script)) return null;
    return { value: out.value, script: out.script, height: MEMPOOL_HEIGHT, coinbase: false };
  }

  private addToMempool(tx: Transaction, spent: Coin[]): MempoolEntry {
    const ctx = chainTxOf(tx, spent);
    const raw = tx.toBuffer();
    const entry: MempoolEntry = {
      ...ctx,
      hex: toHex(raw),
      size: raw.length,
      vsize: tx.virtualSize(),
      weight: tx.weight(),
      time: Math.floor(this.now() / 1000),
      height: this.height(),
      sequence: this.mempoolSequence++,
    };
    this.mempool.set(entry.txid, entry);
    this.mempoolByWtxid.set(entry.wtxid, entry.txid);
    tx.ins.forEach((_, index) => this.mempoolSpends.set(inputOutpoint(tx, index).key, entry.txid));
    return entry;
  }

  private removeFromMempool(entry: ChainTx): void {
    if (!this.mempool.delete(entry.txid)) return;
    this.mempoolByWtxid.delete(entry.wtxid);
    entry.tx.ins.forEach((_, index) => {
      const key = inputOutpoint(entry.tx, index).key;
      if (this.mempoolSpends.get(key) === entry.txid) this.mempoolSpends.delete(key);
    });
  }

  private removeWithDescendants(entry: MempoolEntry): void {
    for (const descendant of this.mempoolDescendants(entry)) this.removeFromMempool(descendant);
    this.removeFromMempool(entry);
  }

  /**
   * The next block's transactions: held-back ones first (after their mempool parents), then the
   * mempool by fee rate with parents before children, up to the block weight bitcoind fills.
   */
  private selectForBlock(): { tx: Transaction }[] {
    const privates = this.privateTxs;
    this.privateTxs = [];
    const excluded = new Set<string>();
    for (const ctx of privates) {
      ctx.tx.ins.forEach((_, index) => {
        const spender = this.mempoolSpends.get(inputOutpoint(ctx.tx, index).key);
        const conflicting = spender ? this.mempool.get(spender) : undefined;
        if (!conflicting) return;
        excluded.add(conflicting.txid);
        for (const descendant of this.mempoolDescendants(conflicting)) excluded.add(descendant.txid);
      });
    }
    const chosen: { tx: Transaction; txid: string }[] = [];
    const included = new Set<string>();
    let weight = 4_000; // room for the coinbase
    const include = (ctx: ChainTx): boolean => {
      if (included.has(ctx.txid)) return true;
      if (weight + ctx.tx.weight() > DEFAULT_BLOCK_MAX_WEIGHT) return false;
      weight += ctx.tx.weight();
      included.add(ctx.txid);
      chosen.push({ tx: ctx.tx, txid: ctx.txid });
      return true;
    };
    for (const ctx of privates) {
      const parents = this.mempoolAncestors(ctx).sort((a, b) => a.sequence - b.sequence);
      for (const parent of parents) include(parent);
      include(ctx);
    }
    const candidates = this.mempoolEntries()
      .filter((entry) => !excluded.has(entry.txid))
      .sort((a, b) => {
        const byRate = feeRatePerKvB(b.fee, b.vsize) - feeRatePerKvB(a.fee, a.vsize);
        return byRate !== 0n ? (byRate > 0n ? 1 : -1) : a.sequence - b.sequence;
      });
    let progress = true;
    while (progress) {
      progress = false;
      for (const entry of candidates) {
        if (included.has(entry.txid)) continue;
        if (!this.mempoolParents(entry).every((parent) => included.has(parent.txid))) continue;
        if (include(entry)) progress = true;
      }
    }
    return chosen;
  }

  /** The coinbase: BIP34 height, a tag, the witness reserved value, the reward to the faucet and the witness commitment. */
  private coinbaseFor(height: number, reward: bigint, tag: number | null): Transaction {
    const coinbase = new Transaction();
    coinbase.version = 2;
    const scriptSig = concatBytes(pushNumber(height), tag === null ? Uint8Array.of(OP_0) : pushNumber(tag));
    // Heights 1–16 encode in one byte; a coinbase scriptSig must be at least two.
    coinbase.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, scriptSig);
    coinbase.setWitness(0, [new Uint8Array(32)]);
    coinbase.addOutput(this.faucet.script, reward);
    return coinbase;
  }

  private produceBlock(items: { tx: Transaction }[], tag: number | null): ChainBlock {
    const parent = this.tip();
    const height = parent.height + 1;
    const created = new Map<string, Coin>();
    const spentHere = new Set<string>();
    const included: ChainTx[] = [];
    for (const { tx } of items) {
      const spent: Coin[] = [];
      let valid = true;
      for (let i = 0; i < tx.ins.length; i++) {
        const { key } = inputOutpoint(tx, i);
        const coin = spentHere.has(key) ? undefined : (created.get(key) ?? this.utxo.get(key));
        if (!coin || (coin.coinbase && height - coin.height < this.params.coinbaseMaturity)) {
          valid = false;
          break;
        }
        spent.push(coin);
      }
      const ctx = chainTxOf(tx, spent);
      if (!valid || ctx.fee < 0n) {
        this.logger.debug({ txid: ctx.txid, height }, 'bitcoin devnet: transaction left out of the block (inputs gone)');
        continue;
      }
      tx.ins.forEach((_, i) => spentHere.add(inputOutpoint(tx, i).key));
      tx.outs.forEach((out, vout) => {
        if (!isUnspendable(out.script)) created.set(outpointKey(ctx.txid, vout), { value: out.value, script: out.script, height, coinbase: false });
      });
      included.push(ctx);
    }
    const fees = included.reduce((sum, ctx) => sum + ctx.fee, 0n);
    const coinbase = this.coinbaseFor(height, blockSubsidy(this.params, height) + fees, tag);
    const transactions = [coinbase, ...included.map((ctx) => ctx.tx)];
    const witnessRoot = Block.calculateMerkleRoot(transactions, true);
    coinbase.addOutput(concatBytes(Uint8Array.of(OP_RETURN), pushData(concatBytes(fromHex('aa21a9ed'), witnessRoot))), 0n);

    const block = new Block();
    block.version = BLOCK_VERSION;
    block.prevHash = parent.block.getHash();
    block.transactions = transactions;
    block.merkleRoot = Block.calculateMerkleRoot(transactions);
    block.witnessCommit = witnessRoot;
    block.bits = this.params.powBits;
    block.timestamp = Math.max(Math.floor(this.now() / 1000), parent.medianTime + 1);
    this.grind(block);
    return this.connect(block, [chainTxOf(coinbase, []), ...included]);
  }

  /** Searches nonces until the header meets the target: sha256d for Bitcoin, scrypt for Litecoin. */
  private grind(block: Block): void {
    const target = targetFromBits(block.bits);
    for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
      block.nonce = nonce;
      const header = block.toBuffer(true);
      const powHash = this.params.powHash === 'scrypt' ? scryptPowHash(header) : sha256d(header);
      if (hashValue(powHash) <= target) return;
    }
    throw new Error('no nonce meets the target');
  }

  private connectGenesis(): void {
    const spec = this.params.genesis;
    const coinbase = new Transaction();
    coinbase.version = 1;
    const headline = new TextEncoder().encode(spec.headline);
    // CScript() << 486604799 << CScriptNum(4) << headline, as every chain since Bitcoin's genesis.
    coinbase.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, concatBytes(fromHex('04ffff001d0104'), pushData(headline)));
    coinbase.addOutput(concatBytes(pushData(fromHex(spec.outputPubkeyHex)), Uint8Array.of(0xac)), 50n * 100_000_000n);
    const block = new Block();
    block.version = 1;
    block.prevHash = new Uint8Array(32);
    block.transactions = [coinbase];
    block.merkleRoot = Block.calculateMerkleRoot([coinbase]);
    block.timestamp = spec.time;
    block.bits = spec.bits;
    block.nonce = spec.nonce;
    if (block.getId() !== spec.hash) throw new Error(`genesis hash mismatch: ${block.getId()} != ${spec.hash}`);
    // The genesis output never enters the UTXO set (bitcoind never connects the genesis transactions).
    this.connect(block, [chainTxOf(coinbase, [])], { genesis: true });
  }

  private connect(block: Block, txs: ChainTx[], options: { genesis?: boolean } = {}): ChainBlock {
    const parent = options.genesis ? null : this.tip();
    const height = parent ? parent.height + 1 : 0;
    const raw = block.toBuffer();
    const times = this.active.slice(Math.max(0, height - MEDIAN_TIME_SPAN + 1)).map((b) => b.time);
    times.push(block.timestamp);
    times.sort((a, b) => a - b);
    const chainBlock: ChainBlock = {
      hash: block.getId(),
      height,
      block,
      raw,
      txs,
      size: raw.length,
      strippedSize: block.byteLength(false, false),
      weight: block.weight(),
      time: block.timestamp,
      medianTime: times[Math.floor(times.length / 2)] as number,
      chainWork: (parent?.chainWork ?? 0n) + blockWork(block.bits),
      previousHash: parent ? parent.hash : null,
    };
    this.blocksByHash.set(chainBlock.hash, chainBlock);
    this.active.push(chainBlock);
    if (options.genesis) return chainBlock;

    txs.forEach((ctx, index) => {
      const touched = new Set<string>();
      ctx.tx.ins.forEach((_, vin) => {
        if (ctx.tx.isCoinbase()) return;
        const { key } = inputOutpoint(ctx.tx, vin);
        this.utxo.delete(key);
        this.chainSpends.set(key, { txid: ctx.txid, vin });
        touched.add(toHex((ctx.spent[vin] as Coin).script));
      });
      ctx.tx.outs.forEach((out, vout) => {
        if (!isUnspendable(out.script)) {
          this.utxo.set(outpointKey(ctx.txid, vout), { value: out.value, script: out.script, height, coinbase: ctx.tx.isCoinbase() });
        }
        touched.add(toHex(out.script));
      });
      for (const script of touched) {
        const list = this.scriptHistory.get(script);
        if (list) list.push(ctx.txid);
        else this.scriptHistory.set(script, [ctx.txid]);
      }
      this.txIndex.set(ctx.txid, { block: chainBlock, index });
    });

    // removeForBlock: mined transactions leave the mempool, and so do their conflicts with descendants.
    for (const ctx of txs.slice(1)) {
      const entry = this.mempool.get(ctx.txid);
      if (entry) this.removeFromMempool(entry);
      ctx.tx.ins.forEach((_, vin) => {
        const spender = this.mempoolSpends.get(inputOutpoint(ctx.tx, vin).key);
        const conflicting = spender ? this.mempool.get(spender) : undefined;
        if (conflicting) {
          this.logger.info({ txid: conflicting.txid, minedConflict: ctx.txid }, 'bitcoin devnet: mempool transaction evicted by a mined conflict');
          this.removeWithDescendants(conflicting);
        }
      });
    }
    this.logger.debug({ height, hash: chainBlock.hash, txs: txs.length }, 'bitcoin devnet: block connected');
    return chainBlock;
  }

  private disconnectTip(): ChainBlock {
    const block = this.active.pop();
    if (!block || block.height === 0) throw new Error('cannot disconnect the genesis block');
    const blockTxids = new Set(block.txs.map((ctx) => ctx.txid));
    for (const ctx of [...block.txs].reverse()) {
      ctx.tx.outs.forEach((_, vout) => this.utxo.delete(outpointKey(ctx.txid, vout)));
      if (!ctx.tx.isCoinbase()) {
        ctx.tx.ins.forEach((_, vin) => {
          const { key } = inputOutpoint(ctx.tx, vin);
          this.utxo.set(key, ctx.spent[vin] as Coin);
          this.chainSpends.delete(key);
        });
      }
      this.txIndex.delete(ctx.txid);
    }
    for (const [script, list] of this.scriptHistory) {
      while (list.length > 0 && blockTxids.has(list[list.length - 1] as string)) list.pop();
      if (list.length === 0) this.scriptHistory.delete(script);
    }
    return block;
  }
}
