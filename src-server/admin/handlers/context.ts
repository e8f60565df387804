// What every admin handler module shares: the deps, the admin caller of a mode, the dashboard
// settings with their defaults, and the node's start time (for "restart required").
import type { Caller, PaymentIntentObject } from '../../payments/payment-intents-service.ts';
import type { WebhookEndpointObject } from '../../webhooks/webhook-objects.ts';
import type { AdminHandlerDeps } from './index.ts';
import type { Mode, PaymentIntentView, WebhookEndpointView } from '../contract.ts';
import { readSealedRpcUrls, type RpcUrlMap } from '../../config/sealed-rpc-urls.ts';
import { createSyncReporter } from './sync.ts';

export const ADMIN_STORE_ID = 'st_default';

export interface NotificationPrefs {
  paid: boolean;
  paid_late: boolean;
  webhook_failing: boolean;
}
export const DEFAULT_NOTIFICATIONS: NotificationPrefs = { paid: true, paid_late: true, webhook_failing: true };

/** Setting keys this module owns in storage.admin (A's SessionView reads setup.complete). */
export const SETTING = {
  setupComplete: 'setup.complete',
  setupMode: 'setup.mode',
  notifications: 'notifications',
  backupLast: 'backup.last',
  restartRequired: 'restart_required',
} as const;

/** Minimal view of storage.admin's settings (A's admin-store.ts). */
export interface SettingsStore {
  getSetting(key: string): unknown;
  putSetting(key: string, value: unknown, at?: string): void;
}

export function notificationPrefs(settings: SettingsStore): NotificationPrefs {
  const stored = settings.getSetting(SETTING.notifications);
  const out = { ...DEFAULT_NOTIFICATIONS };
  if (stored && typeof stored === 'object') {
    for (const key of Object.keys(out) as (keyof NotificationPrefs)[]) {
      const v = (stored as Record<string, unknown>)[key];
      if (typeof v === 'boolean') out[key] = v;
    }
  }
  return out;
}

// The services' objects have the contract's shapes, typed more loosely (a plain string where the
// schema has an enum); the admin edge validates every answer against the schema.
export const intentView = (o: PaymentIntentObject) => o as unknown as PaymentIntentView;
export const endpointView = (o: WebhookEndpointObject) => o as unknown as WebhookEndpointView;

export function createHandlerContext(deps: AdminHandlerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const startedAt = clock();
  const settings: SettingsStore = deps.storage.admin;
  return {
    deps,
    clock,
    /** When these handlers were made, i.e. when the node started. */
    startedAt,
    settings,
    sync: createSyncReporter(deps.watchers, deps.config.watcher.maxBlockRange),
    caller: (mode: Mode): Caller => ({ storeId: ADMIN_STORE_ID, livemode: mode === 'live' }),
    /** A change that takes effect at the next start was saved after this start. */
    restartRequired(): boolean {
      const value = settings.getSetting(SETTING.restartRequired) as { since?: unknown } | null;
      return typeof value?.since === 'string' && Date.parse(value.since) >= startedAt.getTime();
    },
    /** The dashboard's sealed RPC URLs; none when they cannot be opened (the node said why at start). */
    savedRpcUrls(): RpcUrlMap {
      try {
        return readSealedRpcUrls(deps.storage.secrets, deps.keyStore.dataKey);
      } catch {
        return {};
      }
    },
    markRestartRequired(): void {
      settings.putSetting(SETTING.restartRequired, { since: clock().toISOString() });
    },
  };
}
export type HandlerContext = ReturnType<typeof createHandlerContext>;
