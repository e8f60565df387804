import { describe, expect, it } from 'vitest';
import { generateMnemonic, mnemonicToSeed, validateMnemonic } from '../../../src-server/wallet/mnemonic.ts';

const ABANDON_ABOUT =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('mnemonic', () => {
  it('generates 24 valid English words, different each time', () => {
    const first = generateMnemonic();
    expect(first.split(' ')).toHaveLength(24);
    expect(validateMnemonic(first)).toBe(true);
    expect(generateMnemonic()).not.toBe(first);
  });

  it.each([
    ['valid 12 words', ABANDON_ABOUT, true],
    ['bad checksum', ABANDON_ABOUT.replace(/about$/u, 'abandon'), false],
    ['unknown word', ABANDON_ABOUT.replace(/about$/u, 'kassa'), false],
    ['extra spaces and capitals', `  ${ABANDON_ABOUT.toUpperCase().replaceAll(' ', '  \n')} `, true],
    ['empty', '', false],
  ] as const)('validateMnemonic: %s', (_name, mnemonic, valid) => {
    expect(validateMnemonic(mnemonic)).toBe(valid);
  });

  // BIP39 reference vector (trezor/python-mnemonic vectors.json, first entry).
  it('mnemonicToSeed matches the BIP39 vector with passphrase TREZOR', async () => {
    const seed = await mnemonicToSeed(ABANDON_ABOUT, 'TREZOR');
    expect(Buffer.from(seed).toString('hex')).toBe(
      'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04',
    );
  });

  it('mnemonicToSeed refuses an invalid phrase instead of hashing it', async () => {
    await expect(mnemonicToSeed('abandon about')).rejects.toThrow(/Invalid mnemonic/);
  });
});
