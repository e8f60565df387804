// The node's wallets: one per mode. Only chain-level extended public keys live in the database in
// the clear (addresses derive from them); seeds are sealed under the key store's data key and
// opened only where a signature is needed. A watch-only wallet has the public keys and no seed.
import type { Storage } from '../storage/index.ts';
import type { AddressScheme } from './derive.ts';
import { ADDRESS_SCHEMES, accountXpub, deriveAddress } from './derive.ts';
import type { DerivePool } from './derive-pool.ts';
import { chainNodeXpubFromExport, unknownScheme } from './extended-key.ts';
import type { KeyStore } from './key-store.ts';
import { generateMnemonic, mnemonicToSeed, validateMnemonic } from './mnemonic.ts';
import { openSealed, seal } from './secret-box.ts';
import { WalletError } from './wallet-error.ts';

export { WalletError } from './wallet-error.ts';

const seedSecretName = (livemode: boolean) => (livemode ? 'wallet.live.mnemonic' : 'wallet.test.mnemonic');

export function createWalletService(deps: {
  storage: Storage;
  keyStore: KeyStore;
  clock?: () => Date;
  /** Addresses derived ahead in a worker thread (the node's API); without it, every address derives inline. */
  derivePool?: DerivePool | null;
}) {
  const { storage, keyStore } = deps;
  const clock = deps.clock ?? (() => new Date());

  async function installSeed(livemode: boolean, mnemonic: string, keepSealed: boolean): Promise<void> {
    const seed = await mnemonicToSeed(mnemonic);
    const now = clock().toISOString();
    const xpubs = ADDRESS_SCHEMES.map((scheme) => ({ scheme, xpub: accountXpub(seed, scheme) }));
    seed.fill(0);
    storage.transaction(() => {
      for (const { scheme, xpub } of xpubs) {
        storage.wallet.insertAccount({ livemode: livemode ? 1 : 0, scheme, xpub, watch_only: keepSealed ? 0 : 1, created_at: now });
      }
      if (keepSealed && keyStore.dataKey) {
        storage.secrets.putSealed(seedSecretName(livemode), seal(keyStore.dataKey, Buffer.from(mnemonic, 'utf8')), now);
      }
    });
  }

  return {
    hasWallet: (livemode: boolean) => storage.wallet.listAccounts(livemode).length > 0,

    /**
     * The test wallet is made on first run without asking. Its seed is sealed when a key store
     * exists; without one it is not kept at all (never plaintext): addresses still derive from
     * the stored public keys, and test-mode sweeps will need a key store.
     */
    async ensureTestWallet(): Promise<{ created: boolean; sealed: boolean }> {
      if (storage.wallet.listAccounts(false).length > 0) return { created: false, sealed: storage.secrets.getSealed(seedSecretName(false)) !== null };
      const sealed = keyStore.dataKey !== null;
      await installSeed(false, generateMnemonic(), sealed);
      return { created: true, sealed };
    },

    /** Live setup: refuses without a key store; returns the 24 words to show once. */
    async createLiveWallet(input: { mnemonic?: string | undefined } = {}): Promise<{ mnemonic: string; imported: boolean }> {
      if (!keyStore.dataKey) {
        throw new WalletError(
          'key_store_missing',
          'A live wallet needs somewhere safe for its seed, and no key store is available.',
          'Unlock an OS keychain (Secret Service / macOS Keychain / Windows Credential Manager), or set KASSA_PASSPHRASE (or run in a terminal to be prompted) to use a passphrase-encrypted key file, then run `kassa wallet create` again.',
        );
      }
      if (storage.wallet.listAccounts(true).length > 0) throw liveWalletExists();
      let mnemonic: string;
      if (input.mnemonic !== undefined) {
        mnemonic = input.mnemonic.trim().toLowerCase().split(/\s+/).join(' ');
        if (!validateMnemonic(mnemonic)) {
          throw new WalletError('mnemonic_invalid', 'That is not a valid BIP39 mnemonic (wrong word or checksum).', 'Check the words and their order.');
        }
      } else {
        mnemonic = generateMnemonic();
      }
      await installSeed(true, mnemonic, true);
      return { mnemonic, imported: input.mnemonic !== undefined };
    },

    /**
     * The live wallet from the merchant's extended public keys instead of a seed: the node
     * detects payments but can never sign. Needs no key store, as nothing secret is kept.
     * Each key is an account key (depth 3) or its receive chain (depth 4); see extended-key.ts.
     */
    importWatchOnly(keys: Partial<Record<AddressScheme, string>>): { accounts: { scheme: AddressScheme; xpub: string; firstAddress: string }[] } {
      if (storage.wallet.listAccounts(true).length > 0) throw liveWalletExists();
      const given = Object.entries(keys).filter((entry): entry is [string, string] => entry[1] !== undefined);
      for (const [scheme] of given) if (!(ADDRESS_SCHEMES as readonly string[]).includes(scheme)) throw unknownScheme(scheme);
      if (given.length === 0) {
        throw new WalletError('watch_only_input_invalid', 'No extended public keys were given.', 'Give at least one, e.g. `evm=xpub…` or `btc=zpub…`.');
      }
      const accounts = ADDRESS_SCHEMES.flatMap((scheme) => {
        const exported = keys[scheme];
        if (exported === undefined) return [];
        const xpub = chainNodeXpubFromExport(exported, scheme);
        return [{ scheme, xpub, firstAddress: deriveAddress(xpub, scheme, 0) }];
      });
      // Two schemes on one key is a paste mistake: each coin has its own account path.
      for (const [i, a] of accounts.entries()) {
        const twin = accounts.slice(i + 1).find((b) => b.xpub === a.xpub);
        if (twin) {
          throw new WalletError(
            'extended_key_invalid',
            `${a.scheme} and ${twin.scheme} were given the same key.`,
            'Each scheme has its own account: export the key for each coin separately (e.g. m/44\'/60\'/0\' for evm, m/44\'/195\'/0\' for tron).',
          );
        }
      }
      const now = clock().toISOString();
      storage.transaction(() => {
        if (storage.wallet.listAccounts(true).length > 0) throw liveWalletExists(); // another process won the race
        for (const { scheme, xpub } of accounts) storage.wallet.insertAccount({ livemode: 1, scheme, xpub, watch_only: 1, created_at: now });
      });
      return { accounts };
    },

    /** Opens a sealed seed (for signing, later: sweeps and withdrawals); refuses on a watch-only wallet. */
    async openMnemonic(livemode: boolean): Promise<string> {
      const sealed = storage.secrets.getSealed(seedSecretName(livemode));
      if (!sealed) {
        if (storage.wallet.listAccounts(livemode).length === 0) throw walletMissing(livemode, null);
        throw livemode
          ? new WalletError(
              'watch_only',
              'The live wallet on this node is watch-only: it has extended public keys and no seed, so it detects payments but cannot sign sweeps or withdrawals.',
              'Sweep or withdraw from the wallet that holds the seed; for Kassa to sign, set up a node with the seed (`kassa wallet import` in a new KASSA_HOME).',
            )
          : new WalletError(
              'watch_only',
              'The test wallet on this node is watch-only: it was made without a key store, so its seed was not kept and test-mode sweeps cannot be signed.',
              'Use a new KASSA_HOME with a key store (an OS keychain, or KASSA_PASSPHRASE) for test-mode sweeps.',
            );
      }
      if (!keyStore.dataKey) throw new WalletError('key_store_missing', 'The key store is locked.', 'Unlock the OS keychain or set KASSA_PASSPHRASE.');
      return openSealed(keyStore.dataKey, sealed).toString('utf8');
    },

    /** Hands out the next address; call inside the transaction that records what it is for. */
    allocateAddress(livemode: boolean, scheme: AddressScheme, purpose: string): { address: string; index: number } {
      const account = storage.wallet.getAccount(livemode, scheme);
      if (!account) {
        if (livemode && storage.wallet.listAccounts(true).length > 0) {
          throw new WalletError(
            'wallet_missing',
            `The live wallet is watch-only and was given no ${scheme} key, so it has no ${scheme} addresses.`,
            'A node never changes its wallet: in a new KASSA_HOME, run `kassa wallet import --watch-only` with every key you need.',
          );
        }
        throw walletMissing(livemode, scheme);
      }
      const index = storage.wallet.takeNextIndex(livemode, scheme);
      const address = deps.derivePool?.take(account.xpub, scheme, index) ?? deriveAddress(account.xpub, scheme, index);
      storage.wallet.insertAddress({
        livemode: livemode ? 1 : 0,
        scheme,
        derivation_index: index,
        address,
        purpose,
        created_at: clock().toISOString(),
      });
      return { address, index };
    },

    /** The store's one shared receiving address for a mode and scheme (allocated on first use). */
    sharedAddress(storeId: string, livemode: boolean, scheme: AddressScheme): { address: string; index: number } {
      const existing = storage.wallet.getSharedAddress(storeId, livemode, scheme);
      if (existing) return { address: existing.address, index: existing.derivation_index };
      const allocated = this.allocateAddress(livemode, scheme, `shared:${storeId}`);
      storage.wallet.insertSharedAddress({
        store_id: storeId,
        livemode: livemode ? 1 : 0,
        scheme,
        address: allocated.address,
        derivation_index: allocated.index,
        created_at: clock().toISOString(),
      });
      return allocated;
    },

    listAddresses: (livemode: boolean, scheme: AddressScheme, limit = 100) => storage.wallet.listAddresses(livemode, scheme, limit),
    listAccounts: (livemode: boolean) => storage.wallet.listAccounts(livemode),
  };
}
export type WalletService = ReturnType<typeof createWalletService>;

function liveWalletExists(): WalletError {
  return new WalletError('wallet_exists', 'This node already has a live wallet.', 'Use a new KASSA_HOME for a second wallet; a node never replaces its wallet.');
}

function walletMissing(livemode: boolean, scheme: AddressScheme | null): WalletError {
  return new WalletError(
    'wallet_missing',
    `No ${livemode ? 'live' : 'test'} wallet${scheme ? ` for ${scheme} addresses` : ''}.`,
    livemode ? 'Run `kassa wallet create` (or `kassa wallet import`, or `kassa wallet import --watch-only`) first.' : 'Restart the node: it makes the test wallet at start.',
  );
}
