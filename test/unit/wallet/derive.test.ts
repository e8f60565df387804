import { createECDH, createHash } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { privateKeyToAddress } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AddressScheme } from '../../../src-server/wallet/derive.ts';
import {
  ADDRESS_SCHEMES,
  accountXpub,
  derivationPath,
  deriveAddress,
  deriveAddressFromSeed,
  derivePrivateKey,
} from '../../../src-server/wallet/derive.ts';
import { mnemonicToSeed } from '../../../src-server/wallet/mnemonic.ts';

const ABANDON_ABOUT =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

// Published vectors for the "abandon … about" mnemonic without a BIP39 passphrase.
// btc: BIP84's own test vectors. ltc (m/84'/2'/0'/0/i): the quoted value checked out; the same
// pair appears as expected values in other wallets' public test suites (e.g. Trust Wallet Core
// based), and 'independent P2WPKH computation' below re-derives it with node:crypto and a
// BIP173 encoder written from the spec, sharing no code with derive.ts past the private key.
const VECTORS: ReadonlyArray<{ scheme: AddressScheme; index: number; address: string }> = [
  { scheme: 'evm', index: 0, address: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94' },
  { scheme: 'evm', index: 1, address: '0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0' },
  { scheme: 'tron', index: 0, address: 'TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH' },
  { scheme: 'btc', index: 0, address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu' },
  { scheme: 'btc', index: 1, address: 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g' },
  { scheme: 'ltc', index: 0, address: 'ltc1qjmxnz78nmc8nq77wuxh25n2es7rzm5c2rkk4wh' },
  { scheme: 'ltc', index: 1, address: 'ltc1qwlezpr3890hcp6vva9twqh27mr6edadreqvhnn' },
];

let seed: Uint8Array;
beforeAll(async () => {
  seed = await mnemonicToSeed(ABANDON_ABOUT);
});

describe('published vectors', () => {
  it.each(VECTORS)('$scheme index $index → $address', ({ scheme, index, address }) => {
    expect(deriveAddressFromSeed(seed, scheme, index)).toBe(address);
    expect(deriveAddress(accountXpub(seed, scheme), scheme, index)).toBe(address);
  });
});

describe('xpub derivation equals seed derivation', () => {
  const cases = ADDRESS_SCHEMES.flatMap((scheme) => [0, 1, 2, 3, 4, 5].map((index) => ({ scheme, index })));
  it.each(cases)('$scheme index $index', ({ scheme, index }) => {
    const xpub = accountXpub(seed, scheme);
    expect(deriveAddress(xpub, scheme, index)).toBe(deriveAddressFromSeed(seed, scheme, index));
  });
});

describe('accountXpub', () => {
  it.each(ADDRESS_SCHEMES)('%s: standard xpub of the chain node at depth 4', (scheme) => {
    const xpub = accountXpub(seed, scheme);
    expect(xpub.startsWith('xpub')).toBe(true);
    const node = HDKey.fromExtendedKey(xpub);
    expect(node.depth).toBe(4);
    expect(node.privateKey).toBeNull();
  });

  it('differs per scheme', () => {
    expect(new Set(ADDRESS_SCHEMES.map((scheme) => accountXpub(seed, scheme))).size).toBe(4);
  });
});

describe('derivePrivateKey', () => {
  // EVM addresses from the private key through viem: checks both the key and our public-key path.
  it.each([0, 1, 2, 3, 4, 5])('evm index %i: key controls the derived address', (index) => {
    const privateKey = derivePrivateKey(seed, 'evm', index);
    expect(privateKey).toHaveLength(32);
    expect(privateKeyToAddress(`0x${Buffer.from(privateKey).toString('hex')}`)).toBe(deriveAddressFromSeed(seed, 'evm', index));
  });

  // Independent of @scure/base and @noble/hashes: node:crypto for the curve and hashes, BIP173 by hand.
  const segwitCases = (['btc', 'ltc'] as const).flatMap((scheme) => [0, 1, 2, 3, 4, 5].map((index) => ({ scheme, index })));
  it.each(segwitCases)('$scheme index $index: independent P2WPKH computation agrees', ({ scheme, index }) => {
    const ecdh = createECDH('secp256k1');
    ecdh.setPrivateKey(derivePrivateKey(seed, scheme, index));
    const compressed = ecdh.getPublicKey(null, 'compressed');
    const hash160 = createHash('ripemd160').update(createHash('sha256').update(compressed).digest()).digest();
    const expected = encodeSegwitV0(scheme === 'btc' ? 'bc' : 'ltc', hash160);
    expect(deriveAddressFromSeed(seed, scheme, index)).toBe(expected);
  });
});

describe('the hand-written BIP173 encoder used as the cross-check', () => {
  it('reproduces the BIP173 example address', () => {
    const program = Buffer.from('751e76e8199196d454941c45d1b3a323f1433bd6', 'hex');
    expect(encodeSegwitV0('bc', program)).toBe('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  });
});

describe('input checks', () => {
  it('derivationPath', () => {
    expect(derivationPath('evm', 7)).toBe("m/44'/60'/0'/0/7");
    expect(derivationPath('tron', 0)).toBe("m/44'/195'/0'/0/0");
    expect(derivationPath('btc', 3)).toBe("m/84'/0'/0'/0/3");
    expect(derivationPath('ltc', 3)).toBe("m/84'/2'/0'/0/3");
  });

  it.each([-1, 1.5, 2 ** 31, Number.NaN])('rejects index %s', (index) => {
    expect(() => deriveAddress(accountXpub(seed, 'evm'), 'evm', index)).toThrow(RangeError);
    expect(() => deriveAddressFromSeed(seed, 'btc', index)).toThrow(RangeError);
  });

  it('rejects an extended private key', () => {
    const xprv = HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'/0").privateExtendedKey;
    expect(() => deriveAddress(xprv, 'evm', 0)).toThrow(/extended private key/);
  });

  it('rejects an xpub at another depth (account level would give other addresses)', () => {
    const accountLevel = HDKey.fromMasterSeed(seed).derive("m/84'/0'/0'").publicExtendedKey;
    expect(() => deriveAddress(accountLevel, 'btc', 0)).toThrow(/depth 4/);
  });

  it('rejects garbage', () => {
    expect(() => deriveAddress('xpub-not-really', 'evm', 0)).toThrow(/Not a valid xpub/);
  });
});

// --- A minimal BIP173 encoder for witness version 0, written from the spec for the cross-check.
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function encodeSegwitV0(hrp: string, program: Uint8Array): string {
  const data = [0, ...convertBits(program, 8, 5)];
  const values = [...expandHrp(hrp), ...data, 0, 0, 0, 0, 0, 0];
  const mod = polymod(values) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data, ...checksum].map((v) => CHARSET[v]).join('')}`;
}

function expandHrp(hrp: string): number[] {
  const codes = [...hrp].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
}

function polymod(values: number[]): number {
  const generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const value of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    generator.forEach((g, i) => {
      if ((top >>> i) & 1) chk ^= g;
    });
  }
  return chk >>> 0;
}

function convertBits(bytes: Uint8Array, from: number, to: number): number[] {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const byte of bytes) {
    acc = (acc << from) | byte;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & ((1 << to) - 1));
    }
  }
  if (bits > 0) out.push((acc << (to - bits)) & ((1 << to) - 1));
  return out;
}
