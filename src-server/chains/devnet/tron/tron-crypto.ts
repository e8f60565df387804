// Tron's keys and addresses, as java-tron computes them: a 21-byte address (0x41 ++ the last 20
// bytes of keccak256(uncompressed public key)), base58check for people, 65-byte r‖s‖v signatures
// over sha256 digests. Kept apart from the adapter's own address code so the devnet checks it.
import { createBase58check } from '@scure/base';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { type Hex, recoverPublicKey } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';

const base58check = createBase58check(nobleSha256);
const ADDRESS_PREFIX = '41';
const HEX_ADDRESS_RE = /^41[0-9a-f]{40}$/;

export function sha256(bytes: Uint8Array): Uint8Array {
  return nobleSha256(bytes);
}

export function keccak256(bytes: Uint8Array): Uint8Array {
  return keccak_256(bytes);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`not hex: ${hex.slice(0, 20)}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function isHexAddress(value: string): boolean {
  return HEX_ADDRESS_RE.test(value);
}

/** 41-prefixed hex (lowercase) → base58check `T…`. */
export function hexToBase58(hexAddress: string): string {
  if (!isHexAddress(hexAddress)) throw new Error(`not a Tron hex address: ${hexAddress}`);
  return base58check.encode(fromHex(hexAddress));
}

/** base58check `T…` → 41-prefixed hex; throws on a bad checksum or length. */
export function base58ToHex(base58Address: string): string {
  const bytes = base58check.decode(base58Address);
  const hex = toHex(bytes);
  if (!isHexAddress(hex)) throw new Error(`not a Tron address: ${base58Address}`);
  return hex;
}

/** The 20-byte EVM form the TVM and event logs use (no 41 prefix). */
export function hexToEvmWord(hexAddress: string): string {
  return hexAddress.slice(2);
}

export function addressFromPublicKey(uncompressedPublicKey: Uint8Array): string {
  const key = uncompressedPublicKey.length === 65 ? uncompressedPublicKey.subarray(1) : uncompressedPublicKey;
  return ADDRESS_PREFIX + toHex(keccak256(key).subarray(12));
}

export function addressFromPrivateKey(privateKeyHex: string): string {
  const account = privateKeyToAccount(`0x${privateKeyHex.replace(/^0x/, '')}`);
  return ADDRESS_PREFIX + account.address.slice(2).toLowerCase();
}

/** 65 bytes r‖s‖v; `v` is the raw recovery id (0/1) as witnesses sign, or 27/28 as TronWeb does. */
export async function signDigest(privateKeyHex: string, digest: Uint8Array, vOffset: 0 | 27): Promise<string> {
  const signature = await sign({ hash: `0x${toHex(digest)}`, privateKey: `0x${privateKeyHex.replace(/^0x/, '')}` });
  const v = (signature.yParity ?? 0) + vOffset;
  return signature.r.slice(2).padStart(64, '0') + signature.s.slice(2).padStart(64, '0') + v.toString(16).padStart(2, '0');
}

/** The 41-address that produced `signatureHex` over `digest`, or null when it recovers nothing. */
export async function recoverSigner(digest: Uint8Array, signatureHex: string): Promise<string | null> {
  if (!/^[0-9a-fA-F]{130}$/.test(signatureHex)) return null;
  try {
    const publicKey = await recoverPublicKey({ hash: `0x${toHex(digest)}`, signature: `0x${signatureHex}` as Hex });
    return addressFromPublicKey(fromHex(publicKey));
  } catch {
    return null;
  }
}
