// Extended public keys as wallets export them (xpub, zpub, Ltub …), turned into the one form the
// wallet stores: the standard-`xpub` serialization of the scheme's external chain node (depth 4).
import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { HDKey } from '@scure/bip32';
import type { AddressScheme } from './derive.ts';
import { ADDRESS_SCHEMES, CHAIN_NODE_DEPTH, chainNodePath } from './derive.ts';
import { WalletError } from './wallet-error.ts';

const base58check = createBase58check(sha256);
// version(4) depth(1) parent fingerprint(4) child index(4) chain code(32) key(33)
const EXTENDED_KEY_BYTES = 78;
const KEY_DATA_OFFSET = 45;
const XPUB_VERSION = 0x0488b21e;
const ACCOUNT_DEPTH = CHAIN_NODE_DEPTH - 1;
const EXTERNAL_CHAIN = 0;
const HARDENED_OFFSET = 0x8000_0000;

const SCHEME_LABELS: Readonly<Record<AddressScheme, string>> = { evm: 'EVM', tron: 'Tron', btc: 'Bitcoin', ltc: 'Litecoin' };
const COPY_AGAIN = 'Copy the whole key again from your wallet (an xpub, zpub or Ltub, about 111 characters).';

interface UsableVersion {
  prefix: string;
  schemes: readonly AddressScheme[];
  /** Why it does not fit the other schemes, and how to name it instead. */
  mismatch: string;
  mismatchFix: string;
}

// SLIP-0132 version bytes. The prefix tells which addresses the exporting wallet shows, so a key
// whose wallet would not see Kassa's addresses is refused instead of silently accepted.
const USABLE_VERSIONS: ReadonlyMap<number, UsableVersion> = new Map([
  [XPUB_VERSION, { prefix: 'xpub', schemes: ADDRESS_SCHEMES, mismatch: '', mismatchFix: '' }],
  [
    0x04b24746,
    {
      prefix: 'zpub',
      schemes: ['btc', 'ltc'],
      mismatch: 'a zpub is a native SegWit (BIP84) key for Bitcoin or Litecoin',
      mismatchFix: 'Write it as `btc=zpub…` or `ltc=zpub…` (a key with no `scheme=` is taken as evm).',
    },
  ],
  [
    0x019da462,
    {
      prefix: 'Ltub',
      schemes: ['ltc'],
      mismatch: 'an Ltub is a Litecoin key',
      mismatchFix: 'Write it as `ltc=Ltub…` (a key with no `scheme=` is taken as evm).',
    },
  ],
]);

const WRAPPED_SEGWIT = (prefix: string, coin: string, addresses: string) => ({
  message: `a ${prefix} is a wrapped SegWit (BIP49) ${coin} account, whose wallet shows ${addresses} addresses and would not show the native SegWit addresses Kassa hands out`,
  fix: "Export the native SegWit (BIP84) account key instead: the zpub or xpub of m/84'/0'/0' (Bitcoin) or m/84'/2'/0' (Litecoin).",
});
const MULTISIG = (prefix: string) => ({
  message: `a ${prefix} is a multisig key; Kassa derives single-signature addresses`,
  fix: 'Export a single-signature account key (xpub, zpub or Ltub).',
});
const TESTNET = (prefix: string) => ({
  message: `a ${prefix} is a testnet key; the live wallet receives on mainnet`,
  fix: 'Export the mainnet account key (xpub, zpub or Ltub).',
});

const REFUSED_PUBLIC_VERSIONS: ReadonlyMap<number, { message: string; fix: string }> = new Map([
  [0x049d7cb2, WRAPPED_SEGWIT('ypub', 'Bitcoin', '3…')],
  [0x01b26ef6, WRAPPED_SEGWIT('Mtub', 'Litecoin', 'M…')],
  [0x0295b43f, MULTISIG('Ypub')],
  [0x02aa7ed3, MULTISIG('Zpub')],
  [0x043587cf, TESTNET('tpub')],
  [0x044a5262, TESTNET('upub')],
  [0x045f1cf6, TESTNET('vpub')],
  [0x024289ef, TESTNET('Upub')],
  [0x02575483, TESTNET('Vpub')],
  [0x0436f6e1, TESTNET('ttub')],
]);

const PRIVATE_VERSIONS: ReadonlyMap<number, string> = new Map([
  [0x0488ade4, 'xprv'],
  [0x049d7878, 'yprv'],
  [0x04b2430c, 'zprv'],
  [0x0295b005, 'Yprv'],
  [0x02aa7a99, 'Zprv'],
  [0x019d9cfe, 'Ltpv'],
  [0x01b26792, 'Mtpv'],
  [0x04358394, 'tprv'],
  [0x044a4e28, 'uprv'],
  [0x045f18bc, 'vprv'],
  [0x024285b5, 'Uprv'],
  [0x02575048, 'Vprv'],
  [0x0436ef7d, 'ttpv'],
]);

/** Path of the account a wallet exports for the scheme, e.g. `m/44'/60'/0'`. */
export function accountPath(scheme: AddressScheme): string {
  return chainNodePath(scheme).replace(/\/\d+$/, '');
}

/**
 * Takes an account key (depth 3, e.g. m/84'/0'/0') or a receive-chain key (depth 4, what Kassa
 * stores) in any accepted version, and returns the depth-4 chain node as a standard xpub.
 * Never echoes the key in an error: it may be private material pasted by mistake.
 */
export function chainNodeXpubFromExport(exportedKey: string, scheme: AddressScheme): string {
  if (!(ADDRESS_SCHEMES as readonly string[]).includes(scheme)) throw unknownScheme(String(scheme));
  let bytes: Uint8Array;
  try {
    bytes = base58check.decode(exportedKey.trim());
  } catch {
    throw new WalletError('extended_key_invalid', `${scheme}: not a valid extended public key (bad characters or checksum).`, COPY_AGAIN);
  }
  if (bytes.length !== EXTENDED_KEY_BYTES) {
    throw new WalletError('extended_key_invalid', `${scheme}: not a valid extended public key (${bytes.length} bytes, expected ${EXTENDED_KEY_BYTES}).`, COPY_AGAIN);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(0, false);

  // A zero key-data byte marks private material whatever the version says.
  if (PRIVATE_VERSIONS.has(version) || bytes[KEY_DATA_OFFSET] === 0) {
    const prefix = PRIVATE_VERSIONS.get(version) ?? 'extended private key';
    throw new WalletError(
      'extended_key_private',
      `${scheme}: this is a private key (${prefix}), and a watch-only wallet takes public keys only. Nothing was stored.`,
      'Import a seed with `kassa wallet import` instead, or export the xpub (extended public key) from your wallet.',
    );
  }
  const refused = REFUSED_PUBLIC_VERSIONS.get(version);
  if (refused) throw new WalletError('extended_key_invalid', `${scheme}: ${refused.message}.`, refused.fix);
  const usable = USABLE_VERSIONS.get(version);
  if (!usable) {
    throw new WalletError(
      'extended_key_invalid',
      `${scheme}: not an extended public key Kassa knows (version bytes 0x${version.toString(16).padStart(8, '0')}).`,
      'Export the account key as an xpub, zpub (Bitcoin/Litecoin native SegWit) or Ltub (Litecoin).',
    );
  }
  if (!usable.schemes.includes(scheme)) {
    throw new WalletError('extended_key_invalid', `${scheme}: ${usable.mismatch}, not one for ${SCHEME_LABELS[scheme]} addresses.`, usable.mismatchFix);
  }

  // One storage format: rewrite the version bytes to xpub, then let bip32 check the curve point.
  const normalized = Uint8Array.from(bytes);
  new DataView(normalized.buffer).setUint32(0, XPUB_VERSION, false);
  let node: HDKey;
  try {
    node = HDKey.fromExtendedKey(base58check.encode(normalized));
  } catch {
    throw new WalletError('extended_key_invalid', `${scheme}: not a valid extended public key (its public key is not a curve point).`, COPY_AGAIN);
  }

  if (node.depth === ACCOUNT_DEPTH) {
    if (node.index < HARDENED_OFFSET) {
      throw new WalletError(
        'extended_key_invalid',
        `${scheme}: this depth-3 key is not an account key (account keys are hardened children, like ${accountPath(scheme)}).`,
        exportAccountFix(scheme),
      );
    }
    return node.deriveChild(EXTERNAL_CHAIN).publicExtendedKey;
  }
  if (node.depth === CHAIN_NODE_DEPTH) {
    if (node.index !== EXTERNAL_CHAIN) {
      throw new WalletError(
        'extended_key_invalid',
        `${scheme}: this depth-4 key is not the receive chain (${chainNodePath(scheme)}); ${node.index === 1 ? 'it is the change chain (…/1)' : `its child index is ${node.index}`}.`,
        exportAccountFix(scheme),
      );
    }
    return node.publicExtendedKey;
  }
  throw new WalletError(
    'extended_key_invalid',
    `${scheme}: this key is at depth ${node.depth}${node.depth === 0 ? ' (a wallet root key)' : ''}; Kassa needs the account key (depth 3, ${accountPath(scheme)}) or its receive chain (depth 4, ${chainNodePath(scheme)}).`,
    exportAccountFix(scheme),
  );
}

/**
 * Reads what the operator pasted: lines `scheme=extended-key` (blank lines and `#` comments
 * skipped), or one bare key, which is taken as the evm key.
 */
export function parseWatchOnlyInput(text: string): Partial<Record<AddressScheme, string>> {
  const lines = text
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'));
  if (lines.length === 0) {
    throw new WalletError(
      'watch_only_input_invalid',
      'No extended public keys were given.',
      'Give one `scheme=key` per line on stdin, e.g. `evm=xpub…` and `btc=zpub…` (schemes: evm, tron, btc, ltc).',
    );
  }
  const keys: Partial<Record<AddressScheme, string>> = {};
  for (const { line, number } of lines) {
    const named = /^([A-Za-z0-9_-]+)\s*=\s*(\S+)$/.exec(line);
    if (!named) {
      if (lines.length === 1 && /^\S+$/.test(line)) return { evm: line };
      throw new WalletError(
        'watch_only_input_invalid',
        `Line ${number} is not \`scheme=extended-key\`${lines.length > 1 && /^\S+$/.test(line) ? ' (a bare key is allowed only alone, as the evm key)' : ''}.`,
        'Give one `scheme=key` per line, e.g. `evm=xpub…`, `tron=xpub…`, `btc=zpub…`, `ltc=Ltub…`.',
      );
    }
    const scheme = named[1]!.toLowerCase();
    if (!(ADDRESS_SCHEMES as readonly string[]).includes(scheme)) throw unknownScheme(scheme);
    if (keys[scheme as AddressScheme] !== undefined) {
      throw new WalletError('watch_only_input_invalid', `Line ${number}: ${scheme} is given twice.`, 'Give one key per scheme.');
    }
    keys[scheme as AddressScheme] = named[2]!;
  }
  return keys;
}

export function unknownScheme(scheme: string): WalletError {
  return new WalletError('scheme_unknown', `Unknown address scheme "${scheme.slice(0, 20)}".`, `Use one of ${ADDRESS_SCHEMES.join(', ')}.`);
}

function exportAccountFix(scheme: AddressScheme): string {
  return `Export the account's extended public key from your wallet (${SCHEME_LABELS[scheme]}: ${accountPath(scheme)}).`;
}
