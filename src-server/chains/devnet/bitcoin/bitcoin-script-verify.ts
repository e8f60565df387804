// Input script verification for the spend types a payment gateway meets: P2WPKH, P2SH-P2WPKH,
// P2PKH, P2PK and P2TR key path, with real ECDSA/Schnorr checks over BIP143/BIP341/legacy sighashes.
// Each check runs under policy flags or consensus flags only, so callers can tell bitcoind's
// "non-mandatory-script-verify-flag" failures from "mandatory-script-verify-flag-failed" ones.
// Other spends (P2WSH, bare multisig, tapscript paths) are reported as not simulated.
import type { Transaction } from 'bitcoinjs-lib';
import { bytesEqual, ecc, hash160 } from './bitcoin-crypto.ts';
import {
  OP_CHECKSIG,
  OP_DUP,
  OP_EQUALVERIFY,
  OP_HASH160,
  coreScriptType,
  derToCompact,
  hasLowS,
  isDefinedHashType,
  isP2PKH,
  isP2SH,
  isP2TR,
  isP2WPKH,
  isPubkeyEncoding,
  isPushOnly,
  isStrictSignatureEncoding,
  pushedItems,
  witnessProgram,
} from './bitcoin-script.ts';

/** ScriptErrorString texts (script/script_error.cpp). */
export const SCRIPT_ERRORS = {
  EVAL_FALSE: 'Script evaluated without error but finished with a false/empty top stack element',
  EQUALVERIFY: 'Script failed an OP_EQUALVERIFY operation',
  INVALID_STACK_OPERATION: 'Operation not valid with the current stack size',
  PUSH_SIZE: 'Push value size limit exceeded',
  SIG_HASHTYPE: 'Signature hash type missing or not understood',
  SIG_DER: 'Non-canonical DER signature',
  SIG_PUSHONLY: 'Only push operators allowed in signatures',
  SIG_HIGH_S: 'Non-canonical signature: S value is unnecessarily high',
  SIG_NULLFAIL: 'Signature must be zero for failed CHECK(MULTI)SIG operation',
  PUBKEYTYPE: 'Public key is neither compressed or uncompressed',
  CLEANSTACK: 'Stack size must be exactly one after execution',
  WITNESS_PROGRAM_WITNESS_EMPTY: 'Witness program was passed an empty witness',
  WITNESS_PROGRAM_MISMATCH: 'Witness program hash mismatch',
  WITNESS_MALLEATED: 'Witness requires empty scriptSig',
  WITNESS_MALLEATED_P2SH: 'Witness requires only-redeemscript scriptSig',
  WITNESS_UNEXPECTED: 'Witness provided for non-witness script',
  WITNESS_PUBKEYTYPE: 'Using non-compressed keys in segwit',
  SCHNORR_SIG_SIZE: 'Invalid Schnorr signature size',
  SCHNORR_SIG_HASHTYPE: 'Invalid Schnorr signature hash type',
  SCHNORR_SIG: 'Invalid Schnorr signature',
} as const;

export type ScriptError = keyof typeof SCRIPT_ERRORS;

export interface SpentOutput {
  value: bigint;
  script: Uint8Array;
}

export type InputCheck = { ok: true } | { ok: false; error: ScriptError } | { ok: false; unsupported: string };

/** MAX_SCRIPT_ELEMENT_SIZE */
const MAX_ELEMENT_SIZE = 520;

type SigVersion = 'base' | 'witness_v0';

interface CheckContext {
  tx: Transaction;
  index: number;
  spent: SpentOutput[];
  /** Policy flags (LOW_S, STRICTENC, NULLFAIL, CLEANSTACK, WITNESS_PUBKEYTYPE) on top of consensus ones. */
  standard: boolean;
}

const fail = (error: ScriptError): InputCheck => ({ ok: false, error });
const OK: InputCheck = { ok: true };

function p2pkhScript(keyHash: Uint8Array): Uint8Array {
  return Uint8Array.from([OP_DUP, OP_HASH160, 20, ...keyHash, OP_EQUALVERIFY, OP_CHECKSIG]);
}

/** EvalChecksigPreTapscript: signature and key encoding checks, then the ECDSA verification. */
function checkSig(
  ctx: CheckContext,
  sig: Uint8Array,
  pubkey: Uint8Array,
  scriptCode: Uint8Array,
  sigVersion: SigVersion,
): { result: boolean } | { error: ScriptError } {
  if (sig.length > 0) {
    // DERSIG is consensus; LOW_S and STRICTENC are policy.
    if (!isStrictSignatureEncoding(sig)) return { error: 'SIG_DER' };
    if (ctx.standard && !hasLowS(derToCompact(sig))) return { error: 'SIG_HIGH_S' };
    if (ctx.standard && !isDefinedHashType(sig[sig.length - 1] as number)) return { error: 'SIG_HASHTYPE' };
  }
  if (ctx.standard && !isPubkeyEncoding(pubkey)) return { error: 'PUBKEYTYPE' };
  if (ctx.standard && sigVersion === 'witness_v0' && !(pubkey.length === 33 && isPubkeyEncoding(pubkey))) {
    return { error: 'WITNESS_PUBKEYTYPE' };
  }
  let valid = false;
  if (sig.length > 0) {
    const hashType = sig[sig.length - 1] as number;
    const spentValue = ctx.spent[ctx.index]?.value ?? 0n;
    const digest =
      sigVersion === 'witness_v0'
        ? ctx.tx.hashForWitnessV0(ctx.index, scriptCode, spentValue, hashType)
        : ctx.tx.hashForSignature(ctx.index, scriptCode, hashType);
    try {
      // Consensus accepts high-S signatures (bitcoind normalises before verifying).
      valid = ecc.verify(digest, pubkey, derToCompact(sig), false);
    } catch {
      valid = false;
    }
  }
  if (!valid && ctx.standard && sig.length > 0) return { error: 'SIG_NULLFAIL' };
  return { result: valid };
}

/** The P2WPKH witness program: [signature, key] checked against the key hash. */
function checkP2wpkhWitness(ctx: CheckContext, keyHash: Uint8Array): InputCheck {
  const witness = ctx.tx.ins[ctx.index]?.witness ?? [];
  if (witness.length === 0) return fail('WITNESS_PROGRAM_WITNESS_EMPTY');
  if (witness.length !== 2) return fail('WITNESS_PROGRAM_MISMATCH');
  if (witness.some((item) => item.length > MAX_ELEMENT_SIZE)) return fail('PUSH_SIZE');
  const [sig, pubkey] = witness as [Uint8Array, Uint8Array];
  if (!bytesEqual(hash160(pubkey), keyHash)) return fail('EQUALVERIFY');
  const checked = checkSig(ctx, sig, pubkey, p2pkhScript(keyHash), 'witness_v0');
  if ('error' in checked) return fail(checked.error);
  return checked.result ? OK : fail('EVAL_FALSE');
}

function checkP2wpkh(ctx: CheckContext, keyHash: Uint8Array): InputCheck {
  const input = ctx.tx.ins[ctx.index];
  if (input && input.script.length > 0) return fail('WITNESS_MALLEATED');
  return checkP2wpkhWitness(ctx, keyHash);
}

function checkP2shP2wpkh(ctx: CheckContext, prevScript: Uint8Array): InputCheck {
  const input = ctx.tx.ins[ctx.index];
  const scriptSig = input?.script ?? new Uint8Array(0);
  if (!isPushOnly(scriptSig)) return fail('SIG_PUSHONLY');
  const items = pushedItems(scriptSig) ?? [];
  const redeem = items[items.length - 1];
  if (!redeem) return fail('EVAL_FALSE');
  if (!bytesEqual(hash160(redeem), prevScript.subarray(2, 22))) return fail('EVAL_FALSE');
  if (!isP2WPKH(redeem)) {
    return { ok: false, unsupported: `a P2SH output whose redeem script is ${coreScriptType(redeem)}` };
  }
  if (items.length !== 1) return fail('WITNESS_MALLEATED_P2SH');
  return checkP2wpkhWitness(ctx, redeem.subarray(2));
}

function checkLegacy(ctx: CheckContext, prevScript: Uint8Array, kind: 'p2pkh' | 'p2pk'): InputCheck {
  const input = ctx.tx.ins[ctx.index];
  if (input && input.witness.length > 0) return fail('WITNESS_UNEXPECTED');
  const stack = pushedItems(input?.script ?? new Uint8Array(0));
  if (!stack) return { ok: false, unsupported: 'a scriptSig that is not push-only' };
  let sig: Uint8Array | undefined;
  let pubkey: Uint8Array | undefined;
  let rest: number;
  if (kind === 'p2pkh') {
    pubkey = stack[stack.length - 1];
    if (!pubkey) return fail('INVALID_STACK_OPERATION');
    if (!bytesEqual(hash160(pubkey), prevScript.subarray(3, 23))) return fail('EQUALVERIFY');
    sig = stack[stack.length - 2];
    if (!sig) return fail('INVALID_STACK_OPERATION');
    rest = stack.length - 2;
  } else {
    pubkey = prevScript.subarray(1, prevScript.length - 1);
    sig = stack[stack.length - 1];
    if (!sig) return fail('INVALID_STACK_OPERATION');
    rest = stack.length - 1;
  }
  const checked = checkSig(ctx, sig, pubkey, prevScript, 'base');
  if ('error' in checked) return fail(checked.error);
  if (!checked.result) return fail('EVAL_FALSE');
  if (ctx.standard && rest > 0) return fail('CLEANSTACK');
  return OK;
}

function checkTaprootKeyPath(ctx: CheckContext, outputKey: Uint8Array): InputCheck {
  const input = ctx.tx.ins[ctx.index];
  if (input && input.script.length > 0) return fail('WITNESS_MALLEATED');
  const witness = input?.witness ?? [];
  if (witness.length === 0) return fail('WITNESS_PROGRAM_WITNESS_EMPTY');
  const last = witness[witness.length - 1] as Uint8Array;
  if (witness.length >= 2 && last[0] === 0x50) return { ok: false, unsupported: 'a taproot spend with an annex' };
  if (witness.length !== 1) return { ok: false, unsupported: 'a taproot script-path spend' };
  const sig = witness[0] as Uint8Array;
  if (sig.length !== 64 && sig.length !== 65) return fail('SCHNORR_SIG_SIZE');
  const hashType = sig.length === 65 ? (sig[64] as number) : 0x00;
  if (sig.length === 65 && hashType === 0x00) return fail('SCHNORR_SIG_HASHTYPE');
  if (!(hashType <= 0x03 || (hashType >= 0x81 && hashType <= 0x83))) return fail('SCHNORR_SIG_HASHTYPE');
  if ((hashType & 0x03) === 0x03 && ctx.index >= ctx.tx.outs.length) return fail('SCHNORR_SIG_HASHTYPE');
  const digest = ctx.tx.hashForWitnessV1(
    ctx.index,
    ctx.spent.map((output) => output.script),
    ctx.spent.map((output) => output.value),
    hashType,
  );
  let valid = false;
  try {
    valid = ecc.verifySchnorr(digest, outputKey, sig.subarray(0, 64));
  } catch {
    valid = false;
  }
  return valid ? OK : fail('SCHNORR_SIG');
}

/** Verifies input `index` of `tx` spending `spent[index]`; `standard` adds bitcoind's policy flags. */
export function verifyInput(tx: Transaction, index: number, spent: SpentOutput[], standard: boolean): InputCheck {
  const prev = spent[index];
  if (!prev) throw new RangeError(`no spent output for input ${index}`);
  const ctx: CheckContext = { tx, index, spent, standard };
  const script = prev.script;
  if (isP2WPKH(script)) return checkP2wpkh(ctx, script.subarray(2));
  if (isP2TR(script)) return checkTaprootKeyPath(ctx, script.subarray(2));
  if (isP2SH(script)) return checkP2shP2wpkh(ctx, script);
  if (isP2PKH(script)) return checkLegacy(ctx, script, 'p2pkh');
  const type = coreScriptType(script);
  if (type === 'pubkey') return checkLegacy(ctx, script, 'p2pk');
  const program = witnessProgram(script);
  if (program && program.version > 1) return OK; // Unknown witness versions are anyone-can-spend (upgradable).
  return { ok: false, unsupported: `a ${type} output` };
}

/**
 * CheckInputScripts' verdict for the whole transaction: null when every input verifies, else the
 * reject reason bitcoind gives. A failure that disappears without policy flags is non-mandatory.
 */
export function checkInputScripts(tx: Transaction, spent: SpentOutput[]): string | null {
  for (let index = 0; index < tx.ins.length; index++) {
    const policy = verifyInput(tx, index, spent, true);
    if (policy.ok) continue;
    if ('unsupported' in policy) {
      return `non-mandatory-script-verify-flag (Kassa devnet does not simulate spending ${policy.unsupported})`;
    }
    const consensus = verifyInput(tx, index, spent, false);
    if (consensus.ok) return `non-mandatory-script-verify-flag (${SCRIPT_ERRORS[policy.error]})`;
    return `mandatory-script-verify-flag-failed (${SCRIPT_ERRORS[policy.error]})`;
  }
  return null;
}
