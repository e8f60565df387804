import type { Db } from './db.ts';

export type AddressScheme = 'evm' | 'tron' | 'btc' | 'ltc';

export interface WalletAccountRow {
  livemode: 0 | 1;
  scheme: AddressScheme;
  xpub: string;
  watch_only: 0 | 1;
  created_at: string;
}

export interface AddressRow {
  livemode: 0 | 1;
  scheme: AddressScheme;
  derivation_index: number;
  address: string;
  purpose: string;
  created_at: string;
}

export function createWalletStore(db: Db) {
  const account = db.prepare<[number, string], WalletAccountRow>(
    'SELECT * FROM wallet_accounts WHERE livemode = ? AND scheme = ?',
  );
  const accounts = db.prepare<[number], WalletAccountRow>('SELECT * FROM wallet_accounts WHERE livemode = ? ORDER BY scheme');
  const insertAccount = db.prepare(
    'INSERT INTO wallet_accounts (livemode, scheme, xpub, watch_only, created_at) VALUES (@livemode, @scheme, @xpub, @watch_only, @created_at)',
  );
  const bumpCounter = db.prepare<[number, string], { next_index: number }>(
    `INSERT INTO derivation_counters (livemode, scheme, next_index) VALUES (?, ?, 1)
     ON CONFLICT (livemode, scheme) DO UPDATE SET next_index = next_index + 1
     RETURNING next_index`,
  );
  const insertAddress = db.prepare(
    `INSERT INTO addresses (livemode, scheme, derivation_index, address, purpose, created_at)
     VALUES (@livemode, @scheme, @derivation_index, @address, @purpose, @created_at)`,
  );
  const listAddresses = db.prepare<[number, string, number], AddressRow>(
    'SELECT * FROM addresses WHERE livemode = ? AND scheme = ? ORDER BY derivation_index LIMIT ?',
  );
  const sharedAddress = db.prepare<[string, number, string], { address: string; derivation_index: number }>(
    'SELECT address, derivation_index FROM shared_addresses WHERE store_id = ? AND livemode = ? AND scheme = ?',
  );
  const insertShared = db.prepare(
    `INSERT INTO shared_addresses (store_id, livemode, scheme, address, derivation_index, created_at)
     VALUES (@store_id, @livemode, @scheme, @address, @derivation_index, @created_at)`,
  );
  return {
    getSharedAddress: (storeId: string, livemode: boolean, scheme: AddressScheme) =>
      sharedAddress.get(storeId, livemode ? 1 : 0, scheme) ?? null,
    insertSharedAddress: (row: { store_id: string; livemode: 0 | 1; scheme: AddressScheme; address: string; derivation_index: number; created_at: string }) =>
      void insertShared.run(row),
    getAccount: (livemode: boolean, scheme: AddressScheme) => account.get(livemode ? 1 : 0, scheme) ?? null,
    listAccounts: (livemode: boolean) => accounts.all(livemode ? 1 : 0),
    insertAccount: (row: WalletAccountRow) => void insertAccount.run(row),
    /** Returns a fresh index; the counter only grows, so an index is never handed out twice. */
    takeNextIndex(livemode: boolean, scheme: AddressScheme): number {
      return bumpCounter.get(livemode ? 1 : 0, scheme)!.next_index - 1;
    },
    insertAddress: (row: AddressRow) => void insertAddress.run(row),
    listAddresses: (livemode: boolean, scheme: AddressScheme, limit: number) =>
      listAddresses.all(livemode ? 1 : 0, scheme, limit),
  };
}
export type WalletStore = ReturnType<typeof createWalletStore>;
