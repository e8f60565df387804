// The admin API's handlers (all but the session/auth routes, which auth/ owns): one module per
// domain, each exporting its part of the typed map, joined here. node.ts builds the deps.
import type { Logger } from 'pino';
import type { ChainAdapter } from '../../chains/types.ts';
import type { KassaConfig } from '../../config/config.ts';
import type { TestHelpersPort } from '../../http/payment-intents-routes.ts';
import type { ApiKeysService } from '../../keys/api-keys-service.ts';
import type { RateSource } from '../../money/rates.ts';
import type { PaymentIntentsService } from '../../payments/payment-intents-service.ts';
import type { Storage } from '../../storage/index.ts';
import type { TunnelController } from '../../tunnel/tunnel-controller.ts';
import type { KeyStore } from '../../wallet/key-store.ts';
import type { WalletService } from '../../wallet/wallet-service.ts';
import type { ChainWatcher } from '../../watch/chain-watcher.ts';
import type { EventsService } from '../../webhooks/events-service.ts';
import type { WebhooksService } from '../../webhooks/webhook-endpoints-service.ts';
import type { AuthRoute } from '../auth/auth-handlers.ts';
import type { AdminHandlers } from '../handler-types.ts';
import { apiKeyHandlers } from './api-keys.ts';
import { createBalancesHandler } from './balances.ts';
import { createHandlerContext } from './context.ts';
import { invoiceHandlers } from './invoices.ts';
import { overviewHandlers } from './overview.ts';
import { settingsHandlers } from './settings.ts';
import { setupHandlers } from './setup.ts';
import { webhookHandlers } from './webhooks.ts';

export interface AdminHandlerDeps {
  storage: Storage;
  /** The configuration the node started with (config.json < env < flags). */
  config: KassaConfig;
  /** KASSA_HOME: config.json and backups/ live here. */
  home: string;
  version: string;
  keyStore: KeyStore;
  wallet: WalletService;
  intents: PaymentIntentsService;
  events: EventsService;
  webhooks: WebhooksService;
  apiKeys: ApiKeysService;
  tunnel: TunnelController;
  /** Chain watchers by chain ('devnet', 'tron-devnet', 'bitcoin-devnet', live network ids). */
  watchers: ReadonlyMap<string, ChainWatcher>;
  /** The adapters the watchers use, by chain (balances read through them). */
  adapters: ReadonlyMap<string, { adapter: ChainAdapter; tokens: string[] }>;
  /** The devnet test helpers; null when test mode has no devnet. */
  testHelpers: () => TestHelpersPort | null;
  /** Live networks the node watches (enabled in config when it started). */
  liveNetworks: () => ReadonlySet<string>;
  /** Test devnets of the non-EVM networks, by network id, and the token symbols each carries. */
  testNetworks: () => ReadonlyMap<string, { tokens: Readonly<Record<string, string>> }>;
  /** Fiat rate sources (config `rates`): USD values of volatile assets. */
  rateSources: RateSource[];
  /** Known once the listeners are up; publicBaseUrl follows the tunnel. */
  urls: () => { merchantUrl: string; publicUrl: string; publicBaseUrl: string };
  logger: Logger;
  /** Subscribes to committed webhook attempt outcomes (delivery ids); the live feed's `delivery` events. */
  onDeliveryOutcome?: (listener: (deliveryId: string) => void) => () => void;
  clock?: () => Date;
  /** For the RPC connectivity check (tests); default: global fetch. */
  fetch?: typeof fetch;
}

export type DomainHandlers = Omit<AdminHandlers, AuthRoute>;

export function createAdminHandlers(deps: AdminHandlerDeps): DomainHandlers {
  const ctx = createHandlerContext(deps);
  return {
    ...setupHandlers(ctx),
    ...overviewHandlers(ctx),
    ...invoiceHandlers(ctx),
    'GET /balances': createBalancesHandler(deps),
    ...webhookHandlers(ctx),
    ...apiKeyHandlers(ctx),
    ...settingsHandlers(ctx),
  };
}
