// Script reading for the devnet's two APIs: a tolerant parser, output classification the way
// bitcoind (TxoutType names, asm, inferred descriptors) and electrs/rust-bitcoin (Esplora's
// scriptpubkey_type and asm) each spell it, addresses, BIP34 heights and sigop counting.
import { address as bitcoinAddress, type Network } from 'bitcoinjs-lib';
import { concatBytes, toHex } from './bitcoin-crypto.ts';

export const OP_0 = 0x00;
export const OP_PUSHDATA1 = 0x4c;
export const OP_PUSHDATA2 = 0x4d;
export const OP_PUSHDATA4 = 0x4e;
export const OP_1NEGATE = 0x4f;
export const OP_1 = 0x51;
export const OP_16 = 0x60;
export const OP_RETURN = 0x6a;
export const OP_DUP = 0x76;
export const OP_EQUAL = 0x87;
export const OP_EQUALVERIFY = 0x88;
export const OP_HASH160 = 0xa9;
export const OP_CHECKSIG = 0xac;
export const OP_CHECKSIGVERIFY = 0xad;
export const OP_CHECKMULTISIG = 0xae;
export const OP_CHECKMULTISIGVERIFY = 0xaf;

/** Scripts larger than this are unspendable (MAX_SCRIPT_SIZE). */
export const MAX_SCRIPT_SIZE = 10_000;

export interface ScriptOp {
  opcode: number;
  /** Pushed bytes for opcodes 0x00–0x4e; undefined for other opcodes. */
  data?: Uint8Array;
}

export interface ParsedScript {
  ops: ScriptOp[];
  /** True when a push runs past the end of the script (the rest is not parsed). */
  truncated: boolean;
}

export function parseScript(script: Uint8Array): ParsedScript {
  const ops: ScriptOp[] = [];
  let i = 0;
  while (i < script.length) {
    const opcode = script[i] as number;
    i += 1;
    if (opcode > OP_PUSHDATA4) {
      ops.push({ opcode });
      continue;
    }
    let size = opcode;
    const lengthBytes = opcode === OP_PUSHDATA1 ? 1 : opcode === OP_PUSHDATA2 ? 2 : opcode === OP_PUSHDATA4 ? 4 : 0;
    if (lengthBytes > 0) {
      if (i + lengthBytes > script.length) return { ops, truncated: true };
      size = 0;
      for (let b = lengthBytes - 1; b >= 0; b--) size = size * 256 + (script[i + b] as number);
      i += lengthBytes;
    }
    if (i + size > script.length) return { ops, truncated: true };
    ops.push({ opcode, data: script.subarray(i, i + size) });
    i += size;
  }
  return { ops, truncated: false };
}

export function isPushOnly(script: Uint8Array): boolean {
  const parsed = parseScript(script);
  return !parsed.truncated && parsed.ops.every((op) => op.opcode <= OP_16);
}

/** The data items a push-only script leaves on the stack, or null when it is not push-only. */
export function pushedItems(script: Uint8Array): Uint8Array[] | null {
  const parsed = parseScript(script);
  if (parsed.truncated) return null;
  const items: Uint8Array[] = [];
  for (const op of parsed.ops) {
    if (op.data) items.push(op.data);
    else if (op.opcode === OP_1NEGATE) items.push(Uint8Array.of(0x81));
    else if (op.opcode >= OP_1 && op.opcode <= OP_16) items.push(Uint8Array.of(op.opcode - OP_1 + 1));
    else return null;
  }
  return items;
}

// ---- script numbers and pushes ----

/** CScriptNum serialisation: minimal little-endian magnitude with a sign bit. */
export function encodeScriptNum(value: number): Uint8Array {
  if (value === 0) return new Uint8Array(0);
  const negative = value < 0;
  let magnitude = Math.abs(value);
  const bytes: number[] = [];
  while (magnitude > 0) {
    bytes.push(magnitude & 0xff);
    magnitude = Math.floor(magnitude / 256);
  }
  const last = bytes[bytes.length - 1] as number;
  if (last & 0x80) bytes.push(negative ? 0x80 : 0x00);
  else if (negative) bytes[bytes.length - 1] = last | 0x80;
  return Uint8Array.from(bytes);
}

export function decodeScriptNum(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) value = value * 256 + (bytes[i] as number);
  const last = bytes[bytes.length - 1] as number;
  if (last & 0x80) return -(value - 0x80 * 256 ** (bytes.length - 1));
  return value;
}

/** The minimal push of `data` (as CScript << vector does). */
export function pushData(data: Uint8Array): Uint8Array {
  if (data.length < OP_PUSHDATA1) return concatBytes(Uint8Array.of(data.length), data);
  if (data.length <= 0xff) return concatBytes(Uint8Array.of(OP_PUSHDATA1, data.length), data);
  if (data.length <= 0xffff) return concatBytes(Uint8Array.of(OP_PUSHDATA2, data.length & 0xff, data.length >> 8), data);
  throw new RangeError('push too large');
}

/** CScript() << n: OP_0, OP_1..OP_16 and OP_1NEGATE as opcodes, anything else as a script-number push. */
export function pushNumber(value: number): Uint8Array {
  if (value === 0) return Uint8Array.of(OP_0);
  if (value === -1) return Uint8Array.of(OP_1NEGATE);
  if (value >= 1 && value <= 16) return Uint8Array.of(OP_1 + value - 1);
  return pushData(encodeScriptNum(value));
}

// ---- templates ----

export interface WitnessProgram {
  version: number;
  program: Uint8Array;
}

/** CScript::IsWitnessProgram: a version opcode then one push of 2–40 bytes, 4–42 bytes in all. */
export function witnessProgram(script: Uint8Array): WitnessProgram | null {
  if (script.length < 4 || script.length > 42) return null;
  const first = script[0] as number;
  if (first !== OP_0 && (first < OP_1 || first > OP_16)) return null;
  if ((script[1] as number) + 2 !== script.length) return null;
  return { version: first === OP_0 ? 0 : first - OP_1 + 1, program: script.subarray(2) };
}

export function isP2PKH(script: Uint8Array): boolean {
  return (
    script.length === 25 &&
    script[0] === OP_DUP &&
    script[1] === OP_HASH160 &&
    script[2] === 20 &&
    script[23] === OP_EQUALVERIFY &&
    script[24] === OP_CHECKSIG
  );
}

export function isP2SH(script: Uint8Array): boolean {
  return script.length === 23 && script[0] === OP_HASH160 && script[1] === 20 && script[22] === OP_EQUAL;
}

export function isP2WPKH(script: Uint8Array): boolean {
  return script.length === 22 && script[0] === OP_0 && script[1] === 20;
}

export function isP2WSH(script: Uint8Array): boolean {
  return script.length === 34 && script[0] === OP_0 && script[1] === 32;
}

export function isP2TR(script: Uint8Array): boolean {
  return script.length === 34 && script[0] === OP_1 && script[1] === 32;
}

/** A well-formed public key (33-byte compressed or 65-byte uncompressed by its prefix). */
export function isPubkeyEncoding(key: Uint8Array): boolean {
  if (key.length === 33) return key[0] === 0x02 || key[0] === 0x03;
  if (key.length === 65) return key[0] === 0x04;
  return false;
}

function p2pkKey(script: Uint8Array): Uint8Array | null {
  if (script.length === 35 && script[0] === 33 && script[34] === OP_CHECKSIG) return script.subarray(1, 34);
  if (script.length === 67 && script[0] === 65 && script[66] === OP_CHECKSIG) return script.subarray(1, 66);
  return null;
}

interface Multisig {
  required: number;
  keys: Uint8Array[];
}

function bareMultisig(script: Uint8Array): Multisig | null {
  const parsed = parseScript(script);
  const ops = parsed.ops;
  if (parsed.truncated || ops.length < 4) return null;
  const first = ops[0] as ScriptOp;
  const count = ops[ops.length - 2] as ScriptOp;
  if ((ops[ops.length - 1] as ScriptOp).opcode !== OP_CHECKMULTISIG) return null;
  if (first.opcode < OP_1 || first.opcode > OP_16 || count.opcode < OP_1 || count.opcode > OP_16) return null;
  const keys = ops.slice(1, -2);
  const required = first.opcode - OP_1 + 1;
  const total = count.opcode - OP_1 + 1;
  if (keys.length !== total || required > total) return null;
  if (!keys.every((op) => op.data !== undefined && isPubkeyEncoding(op.data))) return null;
  return { required, keys: keys.map((op) => op.data as Uint8Array) };
}

/** bitcoind's TxoutType names (Solver). */
export type CoreScriptType =
  | 'nonstandard'
  | 'pubkey'
  | 'pubkeyhash'
  | 'scripthash'
  | 'multisig'
  | 'nulldata'
  | 'witness_v0_keyhash'
  | 'witness_v0_scripthash'
  | 'witness_v1_taproot'
  | 'witness_unknown';

export function coreScriptType(script: Uint8Array): CoreScriptType {
  if (isP2SH(script)) return 'scripthash';
  const program = witnessProgram(script);
  if (program) {
    if (program.version === 0 && program.program.length === 20) return 'witness_v0_keyhash';
    if (program.version === 0 && program.program.length === 32) return 'witness_v0_scripthash';
    if (program.version === 1 && program.program.length === 32) return 'witness_v1_taproot';
    if (program.version !== 0) return 'witness_unknown';
    return 'nonstandard';
  }
  if (script.length >= 1 && script[0] === OP_RETURN && isPushOnly(script.subarray(1))) return 'nulldata';
  const key = p2pkKey(script);
  if (key && isPubkeyEncoding(key)) return 'pubkey';
  if (isP2PKH(script)) return 'pubkeyhash';
  if (bareMultisig(script)) return 'multisig';
  return 'nonstandard';
}

/** CScript::IsUnspendable: OP_RETURN first, or larger than MAX_SCRIPT_SIZE; such outputs never enter the UTXO set. */
export function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === OP_RETURN) || script.length > MAX_SCRIPT_SIZE;
}

/** The address bitcoind's ExtractDestination gives (no address for bare keys, multisig, OP_RETURN, nonstandard). */
export function scriptAddress(script: Uint8Array, network: Network): string | null {
  const type = coreScriptType(script);
  if (type === 'pubkey' || type === 'multisig' || type === 'nulldata' || type === 'nonstandard') return null;
  if (type === 'witness_unknown') {
    const program = witnessProgram(script) as WitnessProgram;
    return bitcoinAddress.toBech32(program.program, program.version, network.bech32);
  }
  try {
    return bitcoinAddress.fromOutputScript(script, network);
  } catch {
    return null;
  }
}

/** Output script of an address in `network` (bech32/bech32m or base58), or null when it is not one. */
export function addressScript(text: string, network: Network): Uint8Array | null {
  try {
    return bitcoinAddress.toOutputScript(text, network);
  } catch {
    return null;
  }
}

// ---- bitcoind asm (core_write.cpp ScriptToAsmStr) ----

const CORE_OP_NAMES: Record<number, string> = {
  0x4f: '-1',
  0x50: 'OP_RESERVED',
  0x61: 'OP_NOP',
  0x62: 'OP_VER',
  0x63: 'OP_IF',
  0x64: 'OP_NOTIF',
  0x65: 'OP_VERIF',
  0x66: 'OP_VERNOTIF',
  0x67: 'OP_ELSE',
  0x68: 'OP_ENDIF',
  0x69: 'OP_VERIFY',
  0x6a: 'OP_RETURN',
  0x6b: 'OP_TOALTSTACK',
  0x6c: 'OP_FROMALTSTACK',
  0x6d: 'OP_2DROP',
  0x6e: 'OP_2DUP',
  0x6f: 'OP_3DUP',
  0x70: 'OP_2OVER',
  0x71: 'OP_2ROT',
  0x72: 'OP_2SWAP',
  0x73: 'OP_IFDUP',
  0x74: 'OP_DEPTH',
  0x75: 'OP_DROP',
  0x76: 'OP_DUP',
  0x77: 'OP_NIP',
  0x78: 'OP_OVER',
  0x79: 'OP_PICK',
  0x7a: 'OP_ROLL',
  0x7b: 'OP_ROT',
  0x7c: 'OP_SWAP',
  0x7d: 'OP_TUCK',
  0x7e: 'OP_CAT',
  0x7f: 'OP_SUBSTR',
  0x80: 'OP_LEFT',
  0x81: 'OP_RIGHT',
  0x82: 'OP_SIZE',
  0x83: 'OP_INVERT',
  0x84: 'OP_AND',
  0x85: 'OP_OR',
  0x86: 'OP_XOR',
  0x87: 'OP_EQUAL',
  0x88: 'OP_EQUALVERIFY',
  0x89: 'OP_RESERVED1',
  0x8a: 'OP_RESERVED2',
  0x8b: 'OP_1ADD',
  0x8c: 'OP_1SUB',
  0x8d: 'OP_2MUL',
  0x8e: 'OP_2DIV',
  0x8f: 'OP_NEGATE',
  0x90: 'OP_ABS',
  0x91: 'OP_NOT',
  0x92: 'OP_0NOTEQUAL',
  0x93: 'OP_ADD',
  0x94: 'OP_SUB',
  0x95: 'OP_MUL',
  0x96: 'OP_DIV',
  0x97: 'OP_MOD',
  0x98: 'OP_LSHIFT',
  0x99: 'OP_RSHIFT',
  0x9a: 'OP_BOOLAND',
  0x9b: 'OP_BOOLOR',
  0x9c: 'OP_NUMEQUAL',
  0x9d: 'OP_NUMEQUALVERIFY',
  0x9e: 'OP_NUMNOTEQUAL',
  0x9f: 'OP_LESSTHAN',
  0xa0: 'OP_GREATERTHAN',
  0xa1: 'OP_LESSTHANOREQUAL',
  0xa2: 'OP_GREATERTHANOREQUAL',
  0xa3: 'OP_MIN',
  0xa4: 'OP_MAX',
  0xa5: 'OP_WITHIN',
  0xa6: 'OP_RIPEMD160',
  0xa7: 'OP_SHA1',
  0xa8: 'OP_SHA256',
  0xa9: 'OP_HASH160',
  0xaa: 'OP_HASH256',
  0xab: 'OP_CODESEPARATOR',
  0xac: 'OP_CHECKSIG',
  0xad: 'OP_CHECKSIGVERIFY',
  0xae: 'OP_CHECKMULTISIG',
  0xaf: 'OP_CHECKMULTISIGVERIFY',
  0xb0: 'OP_NOP1',
  0xb1: 'OP_CHECKLOCKTIMEVERIFY',
  0xb2: 'OP_CHECKSEQUENCEVERIFY',
  0xb3: 'OP_NOP4',
  0xb4: 'OP_NOP5',
  0xb5: 'OP_NOP6',
  0xb6: 'OP_NOP7',
  0xb7: 'OP_NOP8',
  0xb8: 'OP_NOP9',
  0xb9: 'OP_NOP10',
  0xba: 'OP_CHECKSIGADD',
  0xff: 'OP_INVALIDOPCODE',
};

function coreOpName(opcode: number): string {
  if (opcode >= OP_1 && opcode <= OP_16) return String(opcode - OP_1 + 1);
  return CORE_OP_NAMES[opcode] ?? 'OP_UNKNOWN';
}

const SIGHASH_NAMES: Record<number, string> = {
  0x01: 'ALL',
  0x81: 'ALL|ANYONECANPAY',
  0x02: 'NONE',
  0x82: 'NONE|ANYONECANPAY',
  0x03: 'SINGLE',
  0x83: 'SINGLE|ANYONECANPAY',
};

/**
 * bitcoind's asm: pushes of up to 4 bytes as script numbers, longer ones as hex; in scriptSigs a
 * push that is a strictly encoded signature shows its sighash type, e.g. `3044…[ALL]`.
 */
export function coreAsm(script: Uint8Array, attemptSighashDecode = false): string {
  const parsed = parseScript(script);
  const parts: string[] = [];
  const unspendable = isUnspendable(script);
  for (const op of parsed.ops) {
    if (op.data) {
      if (op.data.length <= 4) {
        parts.push(String(decodeScriptNum(op.data)));
      } else if (attemptSighashDecode && !unspendable && isStrictSignatureEncoding(op.data)) {
        const hashType = op.data[op.data.length - 1] as number;
        const name = SIGHASH_NAMES[hashType];
        parts.push(name ? `${toHex(op.data.subarray(0, -1))}[${name}]` : toHex(op.data));
      } else {
        parts.push(toHex(op.data));
      }
    } else {
      parts.push(coreOpName(op.opcode));
    }
  }
  if (parsed.truncated) parts.push('[error]');
  return parts.join(' ');
}

// ---- Esplora asm (rust-bitcoin's Script Debug) and types ----

const RUST_OP_RENAMES: Record<number, string> = {
  0x4f: 'OP_PUSHNUM_NEG1',
  0xb1: 'OP_CLTV',
  0xb2: 'OP_CSV',
};

function rustOpName(opcode: number): string {
  if (opcode === OP_0) return 'OP_0';
  if (opcode >= OP_1 && opcode <= OP_16) return `OP_PUSHNUM_${opcode - OP_1 + 1}`;
  const renamed = RUST_OP_RENAMES[opcode];
  if (renamed) return renamed;
  if (opcode >= 0xbb && opcode <= 0xfe) return `OP_RETURN_${opcode}`;
  return CORE_OP_NAMES[opcode] ?? `OP_RETURN_${opcode}`;
}

export function esploraAsm(script: Uint8Array): string {
  const parsed = parseScript(script);
  const parts: string[] = [];
  for (const op of parsed.ops) {
    if (op.data === undefined) {
      parts.push(rustOpName(op.opcode));
    } else if (op.opcode === OP_0) {
      parts.push('OP_0');
    } else if (op.opcode < OP_PUSHDATA1) {
      parts.push(`OP_PUSHBYTES_${op.opcode} ${toHex(op.data)}`);
    } else {
      const name = op.opcode === OP_PUSHDATA1 ? 'OP_PUSHDATA1' : op.opcode === OP_PUSHDATA2 ? 'OP_PUSHDATA2' : 'OP_PUSHDATA4';
      parts.push(`${name} ${toHex(op.data)}`);
    }
  }
  if (parsed.truncated) parts.push('<unexpected end>');
  return parts.join(' ');
}

/** electrs' scriptpubkey_type, in its order of tests. */
export function esploraScriptType(script: Uint8Array): string {
  if (script.length === 0) return 'empty';
  if (script[0] === OP_RETURN) return 'op_return';
  if (p2pkKey(script)) return 'p2pk';
  if (isP2PKH(script)) return 'p2pkh';
  if (isP2SH(script)) return 'p2sh';
  if (isP2WPKH(script)) return 'v0_p2wpkh';
  if (isP2WSH(script)) return 'v0_p2wsh';
  if (isP2TR(script)) return 'v1_p2tr';
  if (script.length === 4 && script[0] === OP_1 && script[1] === 2 && script[2] === 0x4e && script[3] === 0x73) return 'anchor';
  const first = script[0] as number;
  // rust-bitcoin's is_provably_unspendable: an OP_RETURN-class or illegal first opcode.
  if (first === 0x50 || first === 0x62 || first === 0x65 || first === 0x66 || first === 0x89 || first === 0x8a || first >= 0xbb) {
    return 'provably_unspendable';
  }
  if (bareMultisig(script)) return 'multisig';
  return 'unknown';
}

/** rust-bitcoin's Address::from_script: base58 and any witness program; no address for bare keys. */
export function esploraAddress(script: Uint8Array, network: Network): string | null {
  const program = witnessProgram(script);
  if (program) {
    if (program.version === 0 && program.program.length !== 20 && program.program.length !== 32) return null;
    return bitcoinAddress.toBech32(program.program, program.version, network.bech32);
  }
  if (isP2PKH(script) || isP2SH(script)) return bitcoinAddress.fromOutputScript(script, network);
  return null;
}

// ---- descriptors (BIP 380 checksum) ----

const DESCRIPTOR_INPUT_CHARSET = "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
const DESCRIPTOR_CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const DESCRIPTOR_GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];

function descriptorPolymod(symbols: number[]): bigint {
  let checksum = 1n;
  for (const value of symbols) {
    const top = checksum >> 35n;
    checksum = ((checksum & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) {
      if ((top >> BigInt(i)) & 1n) checksum ^= DESCRIPTOR_GENERATOR[i] as bigint;
    }
  }
  return checksum;
}

export function descriptorChecksum(descriptor: string): string {
  const symbols: number[] = [];
  let groups: number[] = [];
  for (const char of descriptor) {
    const position = DESCRIPTOR_INPUT_CHARSET.indexOf(char);
    if (position < 0) throw new Error(`descriptor character not allowed: ${char}`);
    symbols.push(position & 31);
    groups.push(position >> 5);
    if (groups.length === 3) {
      symbols.push((groups[0] as number) * 9 + (groups[1] as number) * 3 + (groups[2] as number));
      groups = [];
    }
  }
  if (groups.length === 1) symbols.push(groups[0] as number);
  if (groups.length === 2) symbols.push((groups[0] as number) * 3 + (groups[1] as number));
  const checksum = descriptorPolymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
  let out = '';
  for (let i = 0; i < 8; i++) out += DESCRIPTOR_CHECKSUM_CHARSET[Number((checksum >> BigInt(5 * (7 - i))) & 31n)];
  return out;
}

/** The descriptor bitcoind infers for an output script with no keys known (InferDescriptor), checksummed. */
export function inferredDescriptor(script: Uint8Array, network: Network): string {
  const type = coreScriptType(script);
  let body: string;
  if (type === 'pubkey') {
    body = `pk(${toHex(p2pkKey(script) as Uint8Array)})`;
  } else if (type === 'multisig') {
    const multisig = bareMultisig(script) as Multisig;
    body = `multi(${multisig.required},${multisig.keys.map(toHex).join(',')})`;
  } else if (type === 'witness_v1_taproot') {
    body = `rawtr(${toHex(script.subarray(2))})`;
  } else {
    const addressText = scriptAddress(script, network);
    body = addressText ? `addr(${addressText})` : `raw(${toHex(script)})`;
  }
  return `${body}#${descriptorChecksum(body)}`;
}

// ---- sigops (GetTransactionSigOpCost) ----

/** GetSigOpCount: CHECKSIG counts 1, CHECKMULTISIG 20, or its key count when `accurate` and preceded by OP_n. */
export function scriptSigOps(script: Uint8Array, accurate: boolean): number {
  const parsed = parseScript(script);
  let count = 0;
  let previous = 0xff;
  for (const op of parsed.ops) {
    if (op.opcode === OP_CHECKSIG || op.opcode === OP_CHECKSIGVERIFY) count += 1;
    else if (op.opcode === OP_CHECKMULTISIG || op.opcode === OP_CHECKMULTISIGVERIFY) {
      count += accurate && previous >= OP_1 && previous <= OP_16 ? previous - OP_1 + 1 : 20;
    }
    previous = op.opcode;
  }
  return count;
}

// ---- signature encoding (BIP 66) ----

/**
 * IsValidSignatureEncoding (BIP 66 strict DER) on a signature with its sighash byte:
 * 0x30 len 0x02 rlen r 0x02 slen s hashtype, minimal positive integers.
 */
export function isStrictSignatureEncoding(sig: Uint8Array): boolean {
  if (sig.length < 9 || sig.length > 73) return false;
  if (sig[0] !== 0x30) return false;
  if (sig[1] !== sig.length - 3) return false;
  const lenR = sig[3] as number;
  if (5 + lenR >= sig.length) return false;
  const lenS = sig[5 + lenR] as number;
  if (lenR + lenS + 7 !== sig.length) return false;
  if (sig[2] !== 0x02) return false;
  if (lenR === 0) return false;
  if ((sig[4] as number) & 0x80) return false;
  if (lenR > 1 && sig[4] === 0x00 && !((sig[5] as number) & 0x80)) return false;
  if (sig[lenR + 4] !== 0x02) return false;
  if (lenS === 0) return false;
  if ((sig[lenR + 6] as number) & 0x80) return false;
  if (lenS > 1 && sig[lenR + 6] === 0x00 && !((sig[lenR + 7] as number) & 0x80)) return false;
  return true;
}

/** r‖s as 32-byte big-endian halves from a strictly encoded DER signature (sighash byte included). */
export function derToCompact(sig: Uint8Array): Uint8Array {
  const lenR = sig[3] as number;
  const r = sig.subarray(4, 4 + lenR);
  const lenS = sig[5 + lenR] as number;
  const s = sig.subarray(6 + lenR, 6 + lenR + lenS);
  const out = new Uint8Array(64);
  const fit = (n: Uint8Array, offset: number): void => {
    const trimmed = n.length > 32 ? n.subarray(n.length - 32) : n;
    out.set(trimmed, offset + 32 - trimmed.length);
  };
  fit(r, 0);
  fit(s, 32);
  return out;
}

const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** IsLowDERSignature: s ≤ n/2. */
export function hasLowS(compact: Uint8Array): boolean {
  return BigInt(`0x${toHex(compact.subarray(32))}`) <= HALF_ORDER;
}

/** IsDefinedHashtypeSignature: ALL, NONE or SINGLE, with or without ANYONECANPAY. */
export function isDefinedHashType(hashType: number): boolean {
  const base = hashType & ~0x80;
  return base >= 1 && base <= 3;
}
