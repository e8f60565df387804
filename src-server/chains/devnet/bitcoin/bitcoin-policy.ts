// Relay-policy rules of the imitated node as pure functions: standardness, dust, fee rates and the
// money formats bitcoind prints in its messages (FormatMoney, CFeeRate::ToString).
import type { Transaction } from 'bitcoinjs-lib';
import type { RelayPolicy, UtxoChainParams } from './bitcoin-devnet-params.ts';
import { OP_1, OP_CHECKMULTISIG, coreScriptType, isPushOnly, isUnspendable, parseScript, witnessProgram } from './bitcoin-script.ts';

export const COIN = 100_000_000n;
/** MAX_MONEY: 21 million coins (Litecoin's 84 million is not reachable on a devnet). */
export const MAX_MONEY = 21_000_000n * COIN;
export const MAX_BLOCK_WEIGHT = 4_000_000;
/** DEFAULT_BLOCK_MAX_WEIGHT: what bitcoind's block assembler fills up to. */
export const DEFAULT_BLOCK_MAX_WEIGHT = MAX_BLOCK_WEIGHT - 4_000;
export const LOCKTIME_THRESHOLD = 500_000_000;
export const SEQUENCE_FINAL = 0xffffffff;
/** nSequence at or below this opts in to replacement (BIP125). */
export const MAX_BIP125_RBF_SEQUENCE = 0xfffffffd;
const SEQUENCE_LOCKTIME_DISABLE_FLAG = 0x80000000;
const SEQUENCE_LOCKTIME_TYPE_FLAG = 0x00400000;
const SEQUENCE_LOCKTIME_MASK = 0x0000ffff;
const SEQUENCE_LOCKTIME_GRANULARITY = 9;

/** "%d.%08d" — how bitcoind writes amounts in JSON. */
export function formatAmount(sats: bigint): string {
  const negative = sats < 0n;
  const magnitude = negative ? -sats : sats;
  const text = `${magnitude / COIN}.${(magnitude % COIN).toString().padStart(8, '0')}`;
  return negative ? `-${text}` : text;
}

/** FormatMoney: like formatAmount with trailing zeros trimmed to two decimals ("0.001", "1.50"). */
export function formatMoney(sats: bigint): string {
  const full = formatAmount(sats);
  return full.replace(/(\.\d\d\d*?)0+$/, '$1');
}

/** CFeeRate::ToString in BTC/kvB mode, e.g. "0.00001000 BTC/kvB". */
export function formatFeeRate(satPerKvB: bigint, unit: string): string {
  return `${formatAmount(satPerKvB)} ${unit}/kvB`;
}

/** CFeeRate(fee, vsize): sat per 1000 vbytes, rounded down. */
export function feeRatePerKvB(fee: bigint, vsize: number): bigint {
  return vsize > 0 ? (fee * 1000n) / BigInt(vsize) : 0n;
}

/** CFeeRate::GetFee: the fee for `vsize` at `satPerKvB`, rounded up, at least 1 for a non-zero rate. */
export function feeAtRate(satPerKvB: bigint, vsize: number): bigint {
  const size = BigInt(vsize);
  let fee = (satPerKvB * size + 999n) / 1000n;
  if (fee === 0n && size !== 0n && satPerKvB > 0n) fee = 1n;
  return fee;
}

/** GetDustThreshold: what spending the output would cost at the dust relay fee; 0 for unspendable outputs. */
export function dustThreshold(script: Uint8Array, policy: RelayPolicy): bigint {
  if (isUnspendable(script)) return 0n;
  const scriptLengthPrefix = script.length < 0xfd ? 1 : 3;
  let size = 8 + scriptLengthPrefix + script.length;
  // A witness input costs 32+4+1+(107/4)+4 bytes, a legacy one 32+4+1+107+4.
  size += witnessProgram(script) ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return feeAtRate(policy.dustRelayFeeSatPerKvB, size);
}

export function isDust(value: bigint, script: Uint8Array, policy: RelayPolicy): boolean {
  return value < dustThreshold(script, policy);
}

/** Standard output scripts (policy ::IsStandard). */
function isStandardOutput(script: Uint8Array, policy: RelayPolicy): boolean {
  const type = coreScriptType(script);
  if (type === 'nonstandard') return false;
  if (type === 'nulldata') return script.length <= policy.maxDataCarrierBytes;
  if (type === 'multisig') {
    const ops = parseScript(script).ops;
    const required = (ops[0]?.opcode ?? 0) - OP_1 + 1;
    const total = (ops[ops.length - 2]?.opcode ?? 0) - OP_1 + 1;
    return ops[ops.length - 1]?.opcode === OP_CHECKMULTISIG && total >= 1 && total <= 3 && required >= 1 && required <= total;
  }
  return true;
}

/** IsStandardTx: the first reject reason, or null. */
export function standardnessProblem(tx: Transaction, params: UtxoChainParams): string | null {
  const policy = params.policy;
  if (tx.version > policy.maxStandardTxVersion || tx.version < 1) return 'version';
  if (tx.weight() > policy.maxStandardTxWeight) return 'tx-size';
  for (const input of tx.ins) {
    if (input.script.length > policy.maxStandardScriptSigSize) return 'scriptsig-size';
    if (!isPushOnly(input.script)) return 'scriptsig-not-pushonly';
  }
  let dataOutputs = 0;
  for (const output of tx.outs) {
    if (!isStandardOutput(output.script, policy)) return 'scriptpubkey';
    const type = coreScriptType(output.script);
    if (type === 'nulldata') dataOutputs += 1;
    else if (isDust(output.value, output.script, policy)) return 'dust';
  }
  if (dataOutputs > 1) return 'multi-op-return';
  return null;
}

/** AreInputsStandard: no nonstandard or unknown-witness prevouts. */
export function nonstandardInput(spentScripts: Uint8Array[]): boolean {
  return spentScripts.some((script) => {
    const type = coreScriptType(script);
    return type === 'nonstandard' || type === 'witness_unknown';
  });
}

export function signalsOptInRbf(tx: Transaction): boolean {
  return tx.ins.some((input) => input.sequence <= MAX_BIP125_RBF_SEQUENCE);
}

/** IsFinalTx for a block at `height` whose median-time-past is `time`. */
export function isFinalTx(tx: Transaction, height: number, time: number): boolean {
  if (tx.locktime === 0) return true;
  if (tx.locktime < (tx.locktime < LOCKTIME_THRESHOLD ? height : time)) return true;
  return tx.ins.every((input) => input.sequence === SEQUENCE_FINAL);
}

export interface SequenceLockInput {
  sequence: number;
  /** Height of the block that created the coin (the next block's height for unconfirmed coins). */
  coinHeight: number;
  /** Median-time-past of the block before the coin's block. */
  coinTime: number;
}

/** BIP68 CalculateSequenceLocks + EvaluateSequenceLocks for the next block (height, median-time-past of the tip). */
export function sequenceLocksHold(tx: Transaction, inputs: SequenceLockInput[], nextHeight: number, tipMedianTime: number): boolean {
  if (tx.version < 2) return true;
  let minHeight = -1;
  let minTime = -1;
  for (const input of inputs) {
    if (input.sequence & SEQUENCE_LOCKTIME_DISABLE_FLAG) continue;
    const value = input.sequence & SEQUENCE_LOCKTIME_MASK;
    if (input.sequence & SEQUENCE_LOCKTIME_TYPE_FLAG) {
      minTime = Math.max(minTime, input.coinTime + value * 2 ** SEQUENCE_LOCKTIME_GRANULARITY - 1);
    } else {
      minHeight = Math.max(minHeight, input.coinHeight + value - 1);
    }
  }
  return minHeight < nextHeight && minTime < tipMedianTime;
}
