// Watch-only wallets: exported extended public keys (account or chain level, any accepted version)
// become the chain-node xpubs Kassa stores, derive the same addresses as the seed, and nothing
// private or mismatched gets in.
import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createStorage, type Storage } from '../../../src-server/storage/index.ts';
import type { AddressScheme } from '../../../src-server/wallet/derive.ts';
import { accountXpub, deriveAddress } from '../../../src-server/wallet/derive.ts';
import { chainNodeXpubFromExport, parseWatchOnlyInput } from '../../../src-server/wallet/extended-key.ts';
import { NO_KEY_STORE } from '../../../src-server/wallet/key-store.ts';
import { mnemonicToSeed } from '../../../src-server/wallet/mnemonic.ts';
import { WalletError } from '../../../src-server/wallet/wallet-error.ts';
import { createWalletService } from '../../../src-server/wallet/wallet-service.ts';

const ABANDON_ABOUT = `${'abandon '.repeat(11)}about`;
// BIP84's published account key for "abandon … about" (m/84'/0'/0') and its first receive address.
const BIP84_ZPUB = 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
const BIP84_BTC_0 = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu';
const EVM_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const TRON_0 = 'TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH';
const LTC_0 = 'ltc1qjmxnz78nmc8nq77wuxh25n2es7rzm5c2rkk4wh';

const ACCOUNT_PATHS: Record<AddressScheme, string> = { evm: "m/44'/60'/0'", tron: "m/44'/195'/0'", btc: "m/84'/0'/0'", ltc: "m/84'/2'/0'" };
const base58check = createBase58check(sha256);

let seed: Uint8Array;
let root: HDKey;
beforeAll(async () => {
  seed = await mnemonicToSeed(ABANDON_ABOUT);
  root = HDKey.fromMasterSeed(seed);
});

/** The same key under other version bytes, as another wallet would export it. */
function withVersion(extendedKey: string, version: number): string {
  const bytes = Uint8Array.from(base58check.decode(extendedKey));
  new DataView(bytes.buffer).setUint32(0, version, false);
  return base58check.encode(bytes);
}

function refusal(fn: () => unknown): WalletError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WalletError);
    return error as WalletError;
  }
  throw new Error('expected a WalletError');
}

describe('chainNodeXpubFromExport: accepted keys derive the seed’s addresses', () => {
  it('the EVM account xpub (depth 3, m/44\'/60\'/0\') derives 0x9858…Da94 at index 0', () => {
    const exported = root.derive(ACCOUNT_PATHS.evm).publicExtendedKey;
    expect(HDKey.fromExtendedKey(exported).depth).toBe(3);
    const stored = chainNodeXpubFromExport(exported, 'evm');
    expect(HDKey.fromExtendedKey(stored).depth).toBe(4);
    expect(stored).toBe(accountXpub(seed, 'evm'));
    expect(deriveAddress(stored, 'evm', 0)).toBe(EVM_0);
  });

  it('the published BIP84 zpub derives bc1qcr8t…6fyu at index 0 and is stored as an xpub', () => {
    const stored = chainNodeXpubFromExport(BIP84_ZPUB, 'btc');
    expect(stored.startsWith('xpub')).toBe(true);
    expect(stored).toBe(accountXpub(seed, 'btc'));
    expect(deriveAddress(stored, 'btc', 0)).toBe(BIP84_BTC_0);
  });

  const cases: { scheme: AddressScheme; version: number; prefix: string; address: string }[] = [
    { scheme: 'evm', version: 0x0488b21e, prefix: 'xpub', address: EVM_0 },
    { scheme: 'tron', version: 0x0488b21e, prefix: 'xpub', address: TRON_0 },
    { scheme: 'btc', version: 0x0488b21e, prefix: 'xpub', address: BIP84_BTC_0 },
    { scheme: 'btc', version: 0x04b24746, prefix: 'zpub', address: BIP84_BTC_0 },
    { scheme: 'ltc', version: 0x019da462, prefix: 'Ltub', address: LTC_0 },
    { scheme: 'ltc', version: 0x04b24746, prefix: 'zpub', address: LTC_0 },
    { scheme: 'ltc', version: 0x0488b21e, prefix: 'xpub', address: LTC_0 },
  ];
  it.each(cases)('$scheme account key as $prefix', ({ scheme, version, prefix, address }) => {
    const exported = withVersion(root.derive(ACCOUNT_PATHS[scheme]).publicExtendedKey, version);
    expect(exported.startsWith(prefix)).toBe(true);
    const stored = chainNodeXpubFromExport(exported, scheme);
    expect(stored).toBe(accountXpub(seed, scheme));
    for (const index of [0, 1, 7]) expect(deriveAddress(stored, scheme, index)).toBe(deriveAddress(accountXpub(seed, scheme), scheme, index));
    expect(deriveAddress(stored, scheme, 0)).toBe(address);
  });

  it.each(['evm', 'tron', 'btc', 'ltc'] as const)('%s chain-node key (depth 4, what Kassa stores) is kept as is', (scheme) => {
    expect(chainNodeXpubFromExport(accountXpub(seed, scheme), scheme)).toBe(accountXpub(seed, scheme));
  });

  it('another account (m/44\'/60\'/3\') is accepted: the addresses follow the key', () => {
    const account3 = root.derive("m/44'/60'/3'");
    expect(deriveAddress(chainNodeXpubFromExport(account3.publicExtendedKey, 'evm'), 'evm', 0)).toBe(deriveAddress(account3.deriveChild(0).publicExtendedKey, 'evm', 0));
  });

  it('surrounding whitespace is ignored', () => {
    expect(chainNodeXpubFromExport(`  ${BIP84_ZPUB}\n`, 'btc')).toBe(accountXpub(seed, 'btc'));
  });
});

describe('chainNodeXpubFromExport: refusals', () => {
  it('an xprv is refused as private material, and the message never repeats it', () => {
    const xprv = root.derive(ACCOUNT_PATHS.evm).privateExtendedKey;
    const err = refusal(() => chainNodeXpubFromExport(xprv, 'evm'));
    expect(err.code).toBe('extended_key_private');
    expect(err.message).toMatch(/this is a private key/);
    expect(err.fix).toMatch(/`kassa wallet import`.*export the xpub/);
    expect(`${err.message} ${err.fix}`).not.toContain(xprv.slice(4, 20));
  });

  it.each([
    ['zprv', 0x04b2430c, 'btc'],
    ['Ltpv', 0x019d9cfe, 'ltc'],
    ['yprv', 0x049d7878, 'btc'],
  ] as const)('a %s is refused as private material', (prefix, version, scheme) => {
    const key = withVersion(root.derive(ACCOUNT_PATHS[scheme]).privateExtendedKey, version);
    expect(key.startsWith(prefix)).toBe(true);
    expect(refusal(() => chainNodeXpubFromExport(key, scheme)).code).toBe('extended_key_private');
  });

  it('private key data under a public version is still refused as private', () => {
    const key = withVersion(root.derive(ACCOUNT_PATHS.evm).privateExtendedKey, 0x0488b21e);
    expect(key.startsWith('xpub')).toBe(true);
    expect(refusal(() => chainNodeXpubFromExport(key, 'evm')).code).toBe('extended_key_private');
  });

  const wrongDepth: [string, () => string, RegExp][] = [
    ['depth 2 (m/44\'/60\')', () => root.derive("m/44'/60'").publicExtendedKey, /depth 2/],
    ['depth 0 (the root)', () => root.publicExtendedKey, /depth 0 \(a wallet root key\)/],
    ['depth 5 (an address key)', () => root.derive("m/44'/60'/0'/0/0").publicExtendedKey, /depth 5/],
    ['depth 4 change chain', () => root.derive("m/44'/60'/0'/1").publicExtendedKey, /change chain/],
    ['depth 3 non-hardened', () => root.derive("m/44'/60'/0").publicExtendedKey, /not an account key/],
  ];
  it.each(wrongDepth)('%s is refused, naming the account path', (_, key, mention) => {
    const err = refusal(() => chainNodeXpubFromExport(key(), 'evm'));
    expect(err.code).toBe('extended_key_invalid');
    expect(err.message).toMatch(mention);
    expect(`${err.message} ${err.fix}`).toContain("m/44'/60'/0'");
  });

  it.each([
    ['garbage', 'not-a-key'],
    ['empty', ''],
    ['a bad checksum', BIP84_ZPUB.slice(0, -1) + (BIP84_ZPUB.endsWith('s') ? 't' : 's')],
    ['a truncated key', BIP84_ZPUB.slice(0, 60)],
    ['an address', EVM_0],
  ])('%s is refused as malformed', (_, key) => {
    const err = refusal(() => chainNodeXpubFromExport(key, 'btc'));
    expect(err.code).toBe('extended_key_invalid');
    expect(err.message).toMatch(/^btc: not a valid extended public key/);
  });

  it('a key whose public key is not a curve point is refused', () => {
    const bytes = Uint8Array.from(base58check.decode(BIP84_ZPUB));
    bytes.fill(0xff, 46); // x beyond the field prime
    const err = refusal(() => chainNodeXpubFromExport(base58check.encode(bytes), 'btc'));
    expect(err.message).toMatch(/not a curve point/);
  });

  it('unknown version bytes are refused', () => {
    const err = refusal(() => chainNodeXpubFromExport(withVersion(BIP84_ZPUB, 0x01020304), 'btc'));
    expect(err.message).toMatch(/version bytes 0x01020304/);
  });

  const mismatches: [string, number, AddressScheme, RegExp][] = [
    ['ypub (wrapped SegWit) for btc', 0x049d7cb2, 'btc', /wrapped SegWit \(BIP49\)/],
    ['Mtub (wrapped SegWit) for ltc', 0x01b26ef6, 'ltc', /wrapped SegWit \(BIP49\)/],
    ['Zpub (multisig) for btc', 0x02aa7ed3, 'btc', /multisig/],
    ['tpub (testnet) for btc', 0x043587cf, 'btc', /testnet/],
    ['vpub (testnet) for ltc', 0x045f1cf6, 'ltc', /testnet/],
    ['zpub for evm', 0x04b24746, 'evm', /zpub is a native SegWit .* not one for EVM/],
    ['zpub for tron', 0x04b24746, 'tron', /not one for Tron/],
    ['Ltub for btc', 0x019da462, 'btc', /Litecoin key, not one for Bitcoin/],
    ['Ltub for evm', 0x019da462, 'evm', /Litecoin key/],
  ];
  it.each(mismatches)('%s is refused', (_, version, scheme, mention) => {
    const err = refusal(() => chainNodeXpubFromExport(withVersion(BIP84_ZPUB, version), scheme));
    expect(err.code).toBe('extended_key_invalid');
    expect(err.message).toMatch(mention);
  });
});

describe('parseWatchOnlyInput', () => {
  it('one bare key is the evm key', () => {
    expect(parseWatchOnlyInput('\n  xpubABC  \n\n')).toEqual({ evm: 'xpubABC' });
  });

  it('scheme=key lines, any case, spaces around =, blank lines and # comments skipped', () => {
    expect(parseWatchOnlyInput('# from my wallet\nEVM = xpubA\r\nbtc=zpubB\n\nltc=LtubC\ntron=xpubD\n')).toEqual({ evm: 'xpubA', btc: 'zpubB', ltc: 'LtubC', tron: 'xpubD' });
  });

  it.each([
    ['empty input', '  \n\n', 'watch_only_input_invalid', /No extended public keys/],
    ['an unknown scheme', 'evm=xpubA\ndoge=xpubB', 'scheme_unknown', /"doge"/],
    ['a scheme twice', 'evm=xpubA\nevm=xpubB', 'watch_only_input_invalid', /Line 2: evm is given twice/],
    ['a bare key among named ones', 'btc=zpubA\nxpubB', 'watch_only_input_invalid', /Line 2 .*only alone/],
    ['two keys on a line', 'evm=xpubA xpubB', 'watch_only_input_invalid', /Line 1 is not/],
  ])('%s is refused', (_, text, code, mention) => {
    const err = refusal(() => parseWatchOnlyInput(text));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(mention);
  });
});

describe('wallet service: importWatchOnly', () => {
  let storage: Storage;
  beforeEach(() => {
    storage = createStorage(openDatabase(':memory:'));
  });
  const service = () => createWalletService({ storage, keyStore: NO_KEY_STORE });

  it('stores watch-only chain-node xpubs and no secret; allocation hands out index 0 first', () => {
    const evmAccount = root.derive(ACCOUNT_PATHS.evm).publicExtendedKey;
    const { accounts } = service().importWatchOnly({ evm: evmAccount, btc: BIP84_ZPUB });
    expect(accounts).toEqual([
      { scheme: 'evm', xpub: accountXpub(seed, 'evm'), firstAddress: EVM_0 },
      { scheme: 'btc', xpub: accountXpub(seed, 'btc'), firstAddress: BIP84_BTC_0 },
    ]);
    expect(storage.wallet.listAccounts(true).map((a) => [a.scheme, a.watch_only])).toEqual([
      ['btc', 1],
      ['evm', 1],
    ]);
    expect(storage.wallet.listAccounts(false)).toEqual([]);
    expect(storage.db.prepare('SELECT count(*) AS n FROM secrets').get()).toEqual({ n: 0 });
    expect(service().allocateAddress(true, 'evm', 'test')).toEqual({ address: EVM_0, index: 0 });
    expect(service().allocateAddress(true, 'btc', 'test')).toEqual({ address: BIP84_BTC_0, index: 0 });
  });

  it('a scheme it was not given has no addresses, and the message says why', () => {
    service().importWatchOnly({ evm: root.derive(ACCOUNT_PATHS.evm).publicExtendedKey });
    const err = refusal(() => service().allocateAddress(true, 'tron', 'test'));
    expect(err.code).toBe('wallet_missing');
    expect(err.message).toMatch(/watch-only and was given no tron key/);
  });

  it('openMnemonic refuses, saying the wallet is watch-only', async () => {
    service().importWatchOnly({ evm: root.derive(ACCOUNT_PATHS.evm).publicExtendedKey });
    const err = await service()
      .openMnemonic(true)
      .then(() => null, (e: unknown) => e as WalletError);
    expect(err).toBeInstanceOf(WalletError);
    expect(err!.code).toBe('watch_only');
    expect(err!.message).toMatch(/live wallet on this node is watch-only/);
    expect(err!.message).toMatch(/cannot sign sweeps or withdrawals/);
  });

  it('openMnemonic with no live wallet at all says so', async () => {
    await expect(service().openMnemonic(true)).rejects.toMatchObject({ code: 'wallet_missing' });
  });

  it('refuses when a live wallet exists, and stores nothing on any refusal', () => {
    const evm = root.derive(ACCOUNT_PATHS.evm).publicExtendedKey;
    const xprv = root.derive(ACCOUNT_PATHS.btc).privateExtendedKey;
    expect(refusal(() => service().importWatchOnly({ evm, btc: xprv })).code).toBe('extended_key_private');
    expect(refusal(() => service().importWatchOnly({})).code).toBe('watch_only_input_invalid');
    expect(refusal(() => service().importWatchOnly({ evm, doge: evm } as Partial<Record<AddressScheme, string>>)).code).toBe('scheme_unknown');
    expect(refusal(() => service().importWatchOnly({ btc: BIP84_ZPUB, ltc: BIP84_ZPUB })).message).toMatch(/btc and ltc were given the same key/);
    expect(storage.wallet.listAccounts(true)).toEqual([]);

    service().importWatchOnly({ evm });
    const again = refusal(() => service().importWatchOnly({ btc: BIP84_ZPUB }));
    expect(again.code).toBe('wallet_exists');
    expect(storage.wallet.listAccounts(true).map((a) => a.scheme)).toEqual(['evm']);
  });
});
