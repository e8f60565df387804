// deriveAddress takes a fast path (cached parent point, non-constant-time multiply: nothing is
// secret in public derivation). It must give exactly what @scure/bip32's deriveChild gives.
import { HDKey } from '@scure/bip32';
import { describe, expect, it } from 'vitest';
import { ADDRESS_SCHEMES, accountXpub, deriveAddress, deriveAddressFromSeed, encodeAddress } from '../../../src-server/wallet/derive.ts';

const seeds = [new Uint8Array(64).fill(7), Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)];

describe('deriveAddress fast path', () => {
  for (const scheme of ADDRESS_SCHEMES) {
    it(`${scheme}: equals HDKey.deriveChild for 100 indexes of two seeds, incl. the top of the range`, () => {
      for (const seed of seeds) {
        const xpub = accountXpub(seed, scheme);
        const parent = HDKey.fromExtendedKey(xpub);
        const indexes = [...Array.from({ length: 100 }, (_, i) => i), 2 ** 31 - 1, 2 ** 31 - 2, 1_000_003];
        for (const index of indexes) {
          expect(deriveAddress(xpub, scheme, index), `${scheme} ${index}`).toBe(encodeAddress(scheme, parent.deriveChild(index).publicKey!));
        }
        expect(deriveAddress(xpub, scheme, 5)).toBe(deriveAddressFromSeed(seed, scheme, 5));
      }
    }, 60_000); // the reference path is slow JS: generous on a loaded machine
  }

  it('still refuses what is not a chain-node xpub, after other xpubs were cached', () => {
    deriveAddress(accountXpub(seeds[0]!, 'evm'), 'evm', 0);
    const account = HDKey.fromMasterSeed(seeds[0]!).derive("m/44'/60'/0'").publicExtendedKey;
    expect(() => deriveAddress(account, 'evm', 0)).toThrow(/depth 4/);
    expect(() => deriveAddress('xpub-nonsense', 'evm', 0)).toThrow(/Not a valid xpub/);
  });
});
