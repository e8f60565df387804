// Which addresses the balances page reads: every address the wallet handed out for a mode, those
// known to hold money first, with what each was handed out for (so a test-mode balance on the
// shared EVM devnet is shown under the network and asset its intent named).
import type { Db } from './db.ts';
import type { AddressScheme } from './wallet-store.ts';

export interface BalanceAddressRow {
  scheme: AddressScheme;
  address: string;
  /** 'payment_intent:<id>' or 'shared:<store id>' (wallet-service allocateAddress). */
  purpose: string;
  /** 2 shared address, 1 known to have received money (an intent's or an unattributed transfer), 0 otherwise. */
  priority: number;
  /** The intent the address was handed out for; all null for shared addresses. */
  chain: string | null;
  network: string | null;
  asset: string | null;
  token_contract: string | null;
  decimals: number | null;
}

export interface SharedAddressUseRow {
  address: string;
  chain: string;
  network: string;
  asset: string;
  token_contract: string | null;
  decimals: number;
}

export function createBalancesStore(db: Db) {
  // The intent of an address-per-payment address is found by primary key from its purpose; the
  // unattributed list is small and read once (SQLite materialises a non-correlated IN list).
  const addresses = db.prepare<{ livemode: number; limit: number }, BalanceAddressRow>(
    `SELECT a.scheme, a.address, a.purpose,
            CASE WHEN a.purpose LIKE 'shared:%' THEN 2
                 WHEN (p.amount_received IS NOT NULL AND p.amount_received <> '0')
                   OR lower(a.address) IN (SELECT lower(to_address) FROM unattributed_transfers WHERE livemode = @livemode AND status = 'seen') THEN 1
                 ELSE 0 END AS priority,
            p.chain, p.network, p.asset, p.token_contract, p.decimals
       FROM addresses a
       LEFT JOIN payment_intents p ON a.purpose LIKE 'payment_intent:%' AND p.id = substr(a.purpose, 16) AND p.livemode = a.livemode
      WHERE a.livemode = @livemode
      ORDER BY priority DESC, a.created_at DESC, a.derivation_index DESC
      LIMIT @limit`,
  );
  const count = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM addresses WHERE livemode = ?');
  const sharedUses = db.prepare<[number], SharedAddressUseRow>(
    `SELECT DISTINCT receive_address AS address, chain, network, asset, token_contract, decimals
       FROM payment_intents WHERE livemode = ? AND address_mode = 'shared'`,
  );
  return {
    /** Handed-out addresses of a mode, at most `limit`: shared ones, then ones that received money, then the newest. */
    listBalanceAddresses: (livemode: boolean, limit: number) => addresses.all({ livemode: livemode ? 1 : 0, limit }),
    countHandedOutAddresses: (livemode: boolean) => count.get(livemode ? 1 : 0)!.n,
    /** What shared addresses were used for: one row per distinct (address, chain, network, asset). */
    listSharedAddressUses: (livemode: boolean) => sharedUses.all(livemode ? 1 : 0),
  };
}
export type BalancesStore = ReturnType<typeof createBalancesStore>;
