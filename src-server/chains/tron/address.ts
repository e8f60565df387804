// Tron addresses in their three spellings: base58check `T…` (canonical: what users, explorers and
// our database see), hex `41…` (what java-tron's HTTP API returns unless asked for `visible`), and
// the 20-byte EVM form the TVM uses in event logs and topics (hex without the 41 prefix).
import { createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';

/** Version byte of every mainnet (and Shasta/Nile) Tron address. */
export const TRON_ADDRESS_PREFIX = 0x41;

export const tronBase58check = createBase58check(sha256);

const HEX_41 = /^(?:0x)?41[0-9a-fA-F]{40}$/;
const HEX_20 = /^(?:0x)?[0-9a-fA-F]{40}$/;
const TOPIC_ADDRESS = /^(?:0x)?0{24}[0-9a-fA-F]{40}$/;
const BASE58 = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;

function stripHexPrefix(hex: string): string {
  return hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
}

/** The 21-byte payload (0x41 + key hash) of a base58 address, or null when it is not one. */
function decodeBase58(address: string): Uint8Array | null {
  if (!BASE58.test(address)) return null;
  let payload: Uint8Array;
  try {
    payload = tronBase58check.decode(address);
  } catch {
    return null;
  }
  return payload.length === 21 && payload[0] === TRON_ADDRESS_PREFIX ? payload : null;
}

/** Whether `value` is a base58check Tron address (`T…`, 0x41 version byte, valid checksum). */
export function isTronAddress(value: string): boolean {
  return decodeBase58(value) !== null;
}

/** Whether `value` is the 41-prefixed hex spelling (42 hex characters, optional 0x). */
export function isTronHexAddress(value: string): boolean {
  return HEX_41.test(value);
}

/** `T…` → `41…` (42 lowercase hex characters, no 0x). */
export function tronAddressToHex(address: string): string {
  const payload = decodeBase58(address);
  if (!payload) throw new TypeError(`not a Tron address: ${address}`);
  return Buffer.from(payload).toString('hex');
}

/** `41…` (42 hex characters, optional 0x) → `T…`. */
export function tronAddressFromHex(hex: string): string {
  if (!HEX_41.test(hex)) throw new TypeError(`not a 41-prefixed Tron hex address: ${hex}`);
  return tronBase58check.encode(Buffer.from(stripHexPrefix(hex), 'hex'));
}

/** The 20-byte EVM form (40 hex characters, optional 0x; as in TVM log addresses) → `T…`. */
export function tronAddressFromEvmHex(hex: string): string {
  if (!HEX_20.test(hex)) throw new TypeError(`not a 20-byte hex address: ${hex}`);
  return tronAddressFromHex(`41${stripHexPrefix(hex)}`);
}

/** `T…` → `0x` + 40 lowercase hex characters (for ABI encoding). */
export function tronAddressToEvmHex(address: string): string {
  return `0x${tronAddressToHex(address).slice(2)}`;
}

/** A 32-byte event topic holding a left-padded 20-byte address (64 hex, optional 0x) → `T…`. */
export function tronAddressFromTopic(topic: string): string {
  if (!TOPIC_ADDRESS.test(topic)) throw new TypeError(`not an address topic: ${topic}`);
  return tronAddressFromEvmHex(stripHexPrefix(topic).slice(24));
}

/** `T…` → the 32-byte topic java-tron writes in logs: 64 lowercase hex characters, no 0x. */
export function tronAddressToTopic(address: string): string {
  return `${'0'.repeat(24)}${tronAddressToHex(address).slice(2)}`;
}

/**
 * Any spelling java-tron uses for an account (`T…`, or `41…` hex with or without 0x) → `T…`;
 * null for anything else.
 */
export function normalizeTronAddress(value: string): string | null {
  if (isTronAddress(value)) return value;
  if (HEX_41.test(value)) return tronAddressFromHex(value);
  return null;
}

/** Like normalizeTronAddress, into the `41…` lowercase hex form; null for anything else. */
export function tronHexKey(value: string): string | null {
  if (HEX_41.test(value)) return stripHexPrefix(value).toLowerCase();
  const payload = decodeBase58(value);
  return payload ? Buffer.from(payload).toString('hex') : null;
}
