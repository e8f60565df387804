// Settings: the store (applies at once, kept in the database and config.json alike), networks and
// RPC (enabled and confirmations in config.json, RPC URLs sealed in the database as they may hold
// API keys; the watchers start with the node, so a restart applies them), notifications, a
// database backup, and the tunnel.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { redactRpcUrl } from '../../chains/evm/rpc-failover.ts';
import { ConfigSchema, type KassaConfig } from '../../config/config.ts';
import { chooseRpcUrls, saveSealedRpcUrls } from '../../config/sealed-rpc-urls.ts';
import { listNetworks } from '../../money/assets.ts';
import { backupDatabase } from '../../storage/db.ts';
import type { AdminOutput } from '../contract.ts';
import type { AdminHandlers } from '../handler-types.ts';
import { applyNetworkSettings, applyRpcUrlSettings, applyStoreSettings, configPath, readConfigFile, validateConfigFile, writeConfigFile } from './config-file.ts';
import { ADMIN_STORE_ID, notificationPrefs, SETTING, type HandlerContext } from './context.ts';
import { keyStoreView } from './setup.ts';

type SettingsRoutes =
  | 'GET /settings'
  | 'PUT /settings/store'
  | 'PUT /settings/networks'
  | 'PUT /settings/notifications'
  | 'POST /settings/backup'
  | 'GET /tunnel'
  | 'POST /tunnel/start'
  | 'POST /tunnel/stop';

/** kassa-20260529T120456123Z.db: sorts by time, safe on every file system. */
export function backupFileName(at: Date): string {
  return `kassa-${at.toISOString().replace(/[-:.]/g, '')}.db`;
}

/** Networks the merchant can enable (the devnet is test mode's and always on). */
export const LIVE_NETWORK_IDS: ReadonlySet<string> = new Set(listNetworks().filter((n) => n.id !== 'devnet').map((n) => n.id));

/** config.json's key for a field of the store form. */
const STORE_FIELD: Record<string, string> = {
  name: 'name',
  expiresIn: 'expires_in',
  monitoringWindow: 'monitoring_window',
  latePaymentPolicy: 'late_payment_policy',
  underpaidToleranceBps: 'underpaid_tolerance_bps',
};

export function settingsHandlers(ctx: HandlerContext): Pick<AdminHandlers, SettingsRoutes> {
  const { deps, settings } = ctx;
  const { storage } = deps;

  /** What the next start will use: config.json as saved, else what this start used. */
  function savedConfig(): KassaConfig {
    try {
      const parsed = ConfigSchema.safeParse(readConfigFile(deps.home));
      if (parsed.success) return parsed.data;
    } catch {
      /* unreadable file: show what runs */
    }
    return deps.config;
  }

  function view(): AdminOutput<'GET /settings'> {
    const store = storage.stores.get(ADMIN_STORE_ID)!;
    const config = savedConfig();
    const sealedRpcUrls = ctx.savedRpcUrls();
    const urls = deps.urls();
    const backup = settings.getSetting(SETTING.backupLast) as { path?: unknown; at?: unknown } | null;
    return {
      store: {
        name: store.name,
        expires_in: store.default_expires_in,
        monitoring_window: store.monitoring_window,
        late_payment_policy: store.late_payment_policy,
        underpaid_tolerance_bps: store.underpaid_tolerance_bps,
      },
      networks: listNetworks()
        .filter((n) => LIVE_NETWORK_IDS.has(n.id))
        .map((n) => {
          const c = config.networks[n.id as keyof KassaConfig['networks']];
          const chosen = chooseRpcUrls(c?.rpcUrls, sealedRpcUrls[n.id], []);
          return {
            id: n.id,
            name: n.name,
            family: n.family,
            enabled: c?.enabled ?? false,
            // What the next start uses (config.json's when it lists some, else the dashboard's); [] = the defaults.
            rpc_urls: chosen.urls.map(redactRpcUrl),
            rpc_urls_source: chosen.source,
            default_rpc_urls: [...n.defaultRpcUrls],
            confirmations: c?.confirmations ?? n.defaultConfirmations,
            default_confirmations: n.defaultConfirmations,
            assets: Object.keys(n.assets),
          };
        }),
      notifications: notificationPrefs(settings),
      key_store: keyStoreView(ctx),
      tunnel: deps.tunnel.view(),
      node: {
        version: deps.version,
        home: deps.home,
        merchant_url: urls.merchantUrl,
        public_url: urls.publicUrl,
        public_base_url: urls.publicBaseUrl,
        restart_required: ctx.restartRequired(),
      },
      backup: {
        last_backup_at: typeof backup?.at === 'string' ? backup.at : null,
        last_backup_path: typeof backup?.path === 'string' ? backup.path : null,
      },
    };
  }

  return {
    'GET /settings': () => view(),

    'PUT /settings/store': ({ body }) => {
      const current = storage.stores.get(ADMIN_STORE_ID)!;
      const raw = applyStoreSettings(readConfigFile(deps.home), body);
      validateConfigFile(raw, (path) => (path[0] === 'store' && typeof path[1] === 'string' && STORE_FIELD[path[1]] ? STORE_FIELD[path[1]]! : null));
      // config.json first: the node applies it to the store at every start, so it must never lag behind.
      writeConfigFile(deps.home, raw);
      storage.stores.updateSettings({
        ...current,
        name: body.name ?? current.name,
        default_expires_in: body.expires_in ?? current.default_expires_in,
        monitoring_window: body.monitoring_window ?? current.monitoring_window,
        late_payment_policy: body.late_payment_policy === undefined ? current.late_payment_policy : body.late_payment_policy,
        underpaid_tolerance_bps: body.underpaid_tolerance_bps ?? current.underpaid_tolerance_bps,
      });
      return { restart_required: ctx.restartRequired() };
    },

    'PUT /settings/networks': ({ body }) => {
      const before = readConfigFile(deps.home);
      const raw = applyNetworkSettings(before, body, LIVE_NETWORK_IDS);
      validateConfigFile(raw, (path) => {
        if (path[0] !== 'networks' || typeof path[1] !== 'string') return null;
        const field = path[2] === 'rpcUrls' ? `rpc_urls${typeof path[3] === 'number' ? `[${path[3]}]` : ''}` : path[2] === undefined ? '' : String(path[2]);
        return `networks.${path[1]}${field ? `.${field}` : ''}`;
      });
      const rpc = applyRpcUrlSettings(body, raw.networks, ctx.savedRpcUrls(), { canSeal: deps.keyStore.dataKey !== null, configFile: configPath(deps.home) });
      const fileChanged = JSON.stringify(raw.networks ?? {}) !== JSON.stringify(before.networks ?? {});
      if (rpc.changed) saveSealedRpcUrls(storage, deps.keyStore.dataKey, rpc.urls, ctx.clock());
      if (fileChanged) writeConfigFile(deps.home, raw);
      if (rpc.changed || fileChanged) {
        ctx.markRestartRequired();
        deps.logger.info({ networks: Object.keys(body.networks), rpcUrlsSealed: rpc.changed }, 'network settings saved (config.json; RPC URLs sealed in the database); they apply when the node restarts');
      }
      return { restart_required: ctx.restartRequired() };
    },

    'PUT /settings/notifications': ({ body }) => {
      settings.putSetting(SETTING.notifications, { ...notificationPrefs(settings), ...body });
      return { restart_required: ctx.restartRequired() };
    },

    'POST /settings/backup': async () => {
      const at = ctx.clock();
      const dir = join(deps.home, 'backups');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, backupFileName(at));
      await backupDatabase(storage.db, path);
      // The copy holds what the database holds (sealed secrets, hashes): only the owner reads it.
      chmodSync(path, 0o600);
      const bytes = statSync(path).size;
      settings.putSetting(SETTING.backupLast, { path, at: at.toISOString() });
      deps.logger.info({ path, bytes }, 'database backed up from the dashboard');
      return { path, bytes, created_at: at.toISOString() };
    },

    'GET /tunnel': () => deps.tunnel.view(),
    'POST /tunnel/start': ({ body }) => deps.tunnel.startFromApi(body),
    'POST /tunnel/stop': ({ body }) => deps.tunnel.stopFromApi(body),
  };
}
