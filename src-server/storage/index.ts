import { createAdminStore } from './admin-store.ts';
import { createApiKeysStore } from './api-keys-store.ts';
import { createBalancesStore } from './balances-store.ts';
import { createChainStore } from './chain-store.ts';
import { createCheckoutStore } from './checkout-store.ts';
import type { Db } from './db.ts';
import { createGroupCommit } from './group-commit.ts';
import { createEventsStore } from './events-store.ts';
import { createIdempotencyStore } from './idempotency-store.ts';
import { createPaymentIntentsStore } from './payment-intents-store.ts';
import { createPaymentsStore } from './payments-store.ts';
import { createSecretsStore } from './secrets-store.ts';
import { createStoresStore } from './stores-store.ts';
import { createTunnelStore } from './tunnel-store.ts';
import { createWalletStore } from './wallet-store.ts';
import { createWebhooksStore } from './webhooks-store.ts';

/** Every query module over one database, plus the transaction helper services use. */
export function createStorage(db: Db) {
  return {
    db,
    stores: createStoresStore(db),
    apiKeys: createApiKeysStore(db),
    secrets: createSecretsStore(db),
    wallet: createWalletStore(db),
    intents: createPaymentIntentsStore(db),
    payments: createPaymentsStore(db),
    chains: createChainStore(db),
    events: createEventsStore(db),
    idempotency: createIdempotencyStore(db),
    webhooks: createWebhooksStore(db),
    tunnel: createTunnelStore(db),
    checkout: createCheckoutStore(db),
    admin: createAdminStore(db),
    balances: createBalancesStore(db),
    /** Runs `fn` with other concurrent writes in one transaction (one fsync); resolves once it is durable. */
    groupTransaction: createGroupCommit(db),
    /** Runs `fn` in one IMMEDIATE transaction (writers serialize; no SQLITE_BUSY upgrades mid-way). */
    transaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
    /**
     * Like transaction(), but the commit does not wait for the disk (WAL, synchronous=NORMAL): a
     * process crash keeps it, a power cut may lose it. Only for records whose loss means work is
     * redone, never for money: webhook attempt outcomes (the delivery is simply sent again).
     */
    transactionWithoutSync<T>(fn: () => T): T {
      // db.pragma, not a prepared statement: SQLite applies this pragma when it compiles the statement.
      db.pragma('synchronous = NORMAL');
      try {
        return db.transaction(fn).immediate();
      } finally {
        db.pragma('synchronous = FULL');
      }
    },
  };
}
export type Storage = ReturnType<typeof createStorage>;
