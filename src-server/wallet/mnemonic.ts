// The node's BIP39 seed phrase: made once at setup (24 words) or imported, shown once for backup.
import * as bip39 from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';

/** 256 bits of entropy → 24 English words. */
export function generateMnemonic(): string {
  return bip39.generateMnemonic(english, 256);
}

/** True when every word is in the English list and the checksum matches (12–24 words). */
export function validateMnemonic(mnemonic: string): boolean {
  return bip39.validateMnemonic(normalizeMnemonic(mnemonic), english);
}

/**
 * The 64-byte BIP39 seed. Throws on an invalid phrase rather than deriving keys from a typo:
 * BIP39 itself would happily hash any string, and money sent to such addresses is unrecoverable.
 */
export async function mnemonicToSeed(mnemonic: string, passphrase = ''): Promise<Uint8Array> {
  const normalized = normalizeMnemonic(mnemonic);
  if (!bip39.validateMnemonic(normalized, english)) {
    throw new Error('Invalid mnemonic: unknown word or bad checksum');
  }
  return bip39.mnemonicToSeed(normalized, passphrase);
}

// Users paste phrases with stray spaces, newlines and capitals; the words themselves are lowercase ASCII.
function normalizeMnemonic(mnemonic: string): string {
  return mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/u).join(' ');
}
