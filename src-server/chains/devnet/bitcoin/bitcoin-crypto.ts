// Hashes and curve operations the Bitcoin devnet needs, from pure-JS libraries (no native build):
// @bitcoinerlab/secp256k1 (noble-curves) for ECDSA/Schnorr, ecpair for keys and WIF.
import { createHash, scryptSync } from 'node:crypto';
import * as ecc from '@bitcoinerlab/secp256k1';
import { ECPairFactory } from 'ecpair';

export { ecc };
export const ECPair = ECPairFactory(ecc);

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

export function hash160(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('ripemd160').update(sha256(data)).digest());
}

/** Litecoin's proof-of-work hash of an 80-byte header: scrypt with the header as password and salt. */
export function scryptPowHash(header: Uint8Array): Uint8Array {
  return new Uint8Array(scryptSync(header, header, 32, { N: 1024, r: 1, p: 1 }));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function isHex(text: string): boolean {
  return text.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(text);
}

/** Display order of a hash (txid, block hash) from its internal little-endian bytes, and back. */
export function reversedHex(bytes: Uint8Array): string {
  return toHex(Uint8Array.from(bytes).reverse());
}

export function hashFromDisplayHex(hex: string): Uint8Array {
  return fromHex(hex).reverse();
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
