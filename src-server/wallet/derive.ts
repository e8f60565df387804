// Address derivation per chain family from the node's seed or from a stored extended public key.
import { createHmac, ECDH } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bech32 } from '@scure/base';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { publicKeyToAddress } from 'viem/accounts';
import { tronAddressFromEvmHex } from '../chains/tron/address.ts';

export type AddressScheme = 'evm' | 'tron' | 'btc' | 'ltc';

/**
 * Path of the external (receive) chain node per scheme; address i is its child i.
 * EVM and Tron follow BIP44; BTC and LTC follow BIP84 (native SegWit P2WPKH).
 */
const CHAIN_NODE_PATHS: Readonly<Record<AddressScheme, string>> = {
  evm: "m/44'/60'/0'/0",
  tron: "m/44'/195'/0'/0",
  btc: "m/84'/0'/0'/0",
  ltc: "m/84'/2'/0'/0",
};

// Depth of m/purpose'/coin'/account'/change: what accountXpub returns and deriveAddress expects.
export const CHAIN_NODE_DEPTH = 4;
const HARDENED_OFFSET = 0x8000_0000;
const BECH32_HRP: Readonly<Record<'btc' | 'ltc', string>> = { btc: 'bc', ltc: 'ltc' };

export const ADDRESS_SCHEMES: readonly AddressScheme[] = ['evm', 'tron', 'btc', 'ltc'];

/** Full derivation path of address `index`, e.g. `m/44'/60'/0'/0/7` (for records and logs). */
export function derivationPath(scheme: AddressScheme, index: number): string {
  assertAddressIndex(index);
  return `${chainNodePath(scheme)}/${index}`;
}

/**
 * The extended public key of the scheme's external chain node (the parent of every address),
 * serialized with the standard mainnet `xpub` version bytes for all four schemes (not zpub/Ltub):
 * it is an internal storage format, and one format keeps parsing trivial.
 */
export function accountXpub(seed: Uint8Array, scheme: AddressScheme): string {
  const chainNode = HDKey.fromMasterSeed(seed).derive(chainNodePath(scheme));
  const xpub = chainNode.publicExtendedKey;
  chainNode.wipePrivateData();
  return xpub;
}

/** Address `index` from a chain-node xpub made by `accountXpub`; no private key involved. */
export function deriveAddress(xpub: string, scheme: AddressScheme, index: number): string {
  assertAddressIndex(index);
  const chainNode = cachedChainNode(xpub);
  const child = fastChildPoint(chainNode, index);
  if (child === null) return encodeAddress(scheme, childPublicKey(chainNode.hd, index));
  if (scheme === 'evm' || scheme === 'tron') {
    const evm = eip55(bytesToHex(keccak_256(concatBytes(numberToBytes32(child.x), numberToBytes32(child.y)))).slice(24));
    return scheme === 'evm' ? evm : tronAddressFromEvmHex(evm);
  }
  return encodeAddress(scheme, concatBytes(Uint8Array.of(child.y & 1n ? 3 : 2), numberToBytes32(child.x)));
}

// Every new intent derives one address from the same few xpubs: parse each once (a public key,
// nothing secret) and keep the parent point decompressed.
interface ParsedChainNode {
  hd: HDKey;
  publicKey: Uint8Array;
  chainCode: Uint8Array;
  point: InstanceType<typeof secp256k1.Point>;
}
const chainNodeCache = new Map<string, ParsedChainNode>();
const CHAIN_NODE_CACHE_LIMIT = 64;

function cachedChainNode(xpub: string): ParsedChainNode {
  let node = chainNodeCache.get(xpub);
  if (!node) {
    const hd = parseChainNodeXpub(xpub);
    node = { hd, publicKey: hd.publicKey!, chainCode: hd.chainCode!, point: secp256k1.Point.fromBytes(hd.publicKey!) };
    if (chainNodeCache.size >= CHAIN_NODE_CACHE_LIMIT) chainNodeCache.clear();
    chainNodeCache.set(xpub, node);
  }
  return node;
}

const CURVE_ORDER = secp256k1.Point.Fn.ORDER;

/**
 * BIP32 CKDpub for a non-hardened index, as affine coordinates. Nothing here is secret (the tweak
 * derives from the xpub), so the multiply need not be constant-time: about half the cost of
 * HDKey.deriveChild, which also recompresses and decompresses the point. Null in the cases BIP32
 * handles by skipping the index (I_L >= n, point at infinity): the caller then takes
 * @scure/bip32's path, which implements them. Same result as HDKey.deriveChild otherwise.
 */
function fastChildPoint(node: ParsedChainNode, index: number): { x: bigint; y: bigint } | null {
  const data = Buffer.allocUnsafe(37);
  data.set(node.publicKey, 0);
  data.writeUInt32BE(index, 33);
  const il = createHmac('sha512', node.chainCode).update(data).digest().subarray(0, 32);
  const tweak = BigInt(`0x${il.toString('hex')}`);
  if (tweak === 0n || tweak >= CURVE_ORDER) return null;
  const child = node.point.add(secp256k1.Point.BASE.multiplyUnsafe(tweak));
  if (child.equals(secp256k1.Point.ZERO)) return null;
  return child.toAffine();
}

/** EIP-55 mixed-case checksum of 40 lowercase hex digits (what viem's getAddress returns, without its shared LRU cache). */
function eip55(hex40: string): string {
  const hash = bytesToHex(keccak_256(Buffer.from(hex40, 'ascii')));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += Number.parseInt(hash[i]!, 16) >= 8 ? hex40[i]!.toUpperCase() : hex40[i]!;
  return out;
}

function numberToBytes32(n: bigint): Uint8Array {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Same address as `deriveAddress(accountXpub(seed, scheme), scheme, index)`, straight from the seed. */
export function deriveAddressFromSeed(seed: Uint8Array, scheme: AddressScheme, index: number): string {
  assertAddressIndex(index);
  const chainNode = HDKey.fromMasterSeed(seed).derive(chainNodePath(scheme));
  const publicKey = childPublicKey(chainNode, index);
  chainNode.wipePrivateData();
  return encodeAddress(scheme, publicKey);
}

/** The 32-byte secp256k1 private key of address `index` (for sweeps). The caller owns the copy. */
export function derivePrivateKey(seed: Uint8Array, scheme: AddressScheme, index: number): Uint8Array {
  assertAddressIndex(index);
  const child = HDKey.fromMasterSeed(seed).derive(derivationPath(scheme, index));
  const privateKey = child.privateKey;
  if (!privateKey) throw new Error('Derived key has no private part');
  const copy = Uint8Array.from(privateKey);
  child.wipePrivateData();
  return copy;
}

/** Encodes a 33-byte compressed secp256k1 public key as the scheme's receive address. */
export function encodeAddress(scheme: AddressScheme, compressedPublicKey: Uint8Array): string {
  switch (scheme) {
    case 'evm':
      return evmAddress(compressedPublicKey);
    case 'tron':
      return tronAddress(compressedPublicKey);
    case 'btc':
    case 'ltc':
      return p2wpkhAddress(BECH32_HRP[scheme], compressedPublicKey);
    default:
      return assertNever(scheme);
  }
}

/** Path of the scheme's external chain node, e.g. `m/44'/60'/0'/0`; the account is its parent. */
export function chainNodePath(scheme: AddressScheme): string {
  const path = CHAIN_NODE_PATHS[scheme];
  if (path === undefined) throw new TypeError(`Unknown address scheme: ${String(scheme)}`);
  return path;
}

function parseChainNodeXpub(xpub: string): HDKey {
  let node: HDKey;
  try {
    node = HDKey.fromExtendedKey(xpub);
  } catch (cause) {
    throw new Error('Not a valid xpub', { cause });
  }
  // Only public keys belong in the database; an xprv here means a secret leaked into the wrong place.
  if (node.privateKey) throw new Error('Expected an xpub, got an extended private key');
  // An account-level (depth 3) xpub would silently yield different addresses than the seed path.
  if (node.depth !== CHAIN_NODE_DEPTH) {
    throw new Error(`Expected the xpub of a chain node at depth ${CHAIN_NODE_DEPTH}, got depth ${node.depth}`);
  }
  return node;
}

function childPublicKey(chainNode: HDKey, index: number): Uint8Array {
  const publicKey = chainNode.deriveChild(index).publicKey;
  if (!publicKey) throw new Error('Derived key has no public part');
  return publicKey;
}

// Ethereum hashes the uncompressed point; node:crypto decompresses without pulling in a curve library.
function uncompressedPublicKey(compressedPublicKey: Uint8Array): Buffer {
  return ECDH.convertKey(compressedPublicKey, 'secp256k1', undefined, undefined, 'uncompressed') as Buffer;
}

function evmAddress(compressedPublicKey: Uint8Array): string {
  return publicKeyToAddress(`0x${uncompressedPublicKey(compressedPublicKey).toString('hex')}`);
}

// Tron uses the Ethereum 20-byte key hash behind a 0x41 version byte, in base58check.
function tronAddress(compressedPublicKey: Uint8Array): string {
  return tronAddressFromEvmHex(evmAddress(compressedPublicKey));
}

// BIP173 witness v0 program = HASH160(compressed public key).
function p2wpkhAddress(hrp: string, compressedPublicKey: Uint8Array): string {
  const program = ripemd160(sha256(compressedPublicKey));
  return bech32.encode(hrp, [0, ...bech32.toWords(program)]);
}

function assertAddressIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= HARDENED_OFFSET) {
    throw new RangeError(`Address index must be an integer in [0, 2^31), got ${index}`);
  }
}

function assertNever(value: never): never {
  throw new TypeError(`Unknown address scheme: ${String(value)}`);
}

