// The node's wallets: one seed per mode. Only account-level extended public keys live in the
// database in the clear (addresses derive from them); seeds are sealed under the key store's
// data key and opened only where a signature is needed.
import type { Storage } from '../storage/index.ts';
import type { AddressScheme } from './derive.ts';
import { ADDRESS_SCHEMES, accountXpub, deriveAddress } from './derive.ts';
import type { KeyStore } from './key-store.ts';
import { generateMnemonic, mnemonicToSeed, validateMnemonic } from './mnemonic.ts';
import { openSealed, seal } from './secret-box.ts';

export class WalletError extends Error {
  readonly code: 'key_store_missing' | 'wallet_exists' | 'mnemonic_invalid' | 'wallet_missing' | 'watch_only';
  readonly fix: string;
  constructor(code: WalletError['code'], message: string, fix: string) {
    super(message);
    this.name = 'WalletError';
    this.code = code;
    this.fix = fix;
  }
}

const seedSecretName = (livemode: boolean) => (livemode ? 'wallet.live.mnemonic' : 'wallet.test.mnemonic');

export function createWalletService(deps: { storage: Storage; keyStore: KeyStore; clock?: () => Date }) {
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
      if (storage.wallet.listAccounts(true).length > 0) {
        throw new WalletError('wallet_exists', 'This node already has a live wallet.', 'Use a new KASSA_HOME for a second wallet; a node never replaces its seed.');
      }
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

    /** Opens a sealed seed (for signing, later: sweeps and withdrawals). */
    async openMnemonic(livemode: boolean): Promise<string> {
      const sealed = storage.secrets.getSealed(seedSecretName(livemode));
      if (!sealed) throw new WalletError('watch_only', 'This wallet keeps no seed on this node.', 'Import the seed with `kassa wallet import`.');
      if (!keyStore.dataKey) throw new WalletError('key_store_missing', 'The key store is locked.', 'Unlock the OS keychain or set KASSA_PASSPHRASE.');
      return openSealed(keyStore.dataKey, sealed).toString('utf8');
    },

    /** Hands out the next address; call inside the transaction that records what it is for. */
    allocateAddress(livemode: boolean, scheme: AddressScheme, purpose: string): { address: string; index: number } {
      const account = storage.wallet.getAccount(livemode, scheme);
      if (!account) {
        throw new WalletError(
          'wallet_missing',
          `No ${livemode ? 'live' : 'test'} wallet for ${scheme} addresses.`,
          livemode ? 'Run `kassa wallet create` (or `kassa wallet import`) first.' : 'Restart the node: it makes the test wallet at start.',
        );
      }
      const index = storage.wallet.takeNextIndex(livemode, scheme);
      const address = deriveAddress(account.xpub, scheme, index);
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
