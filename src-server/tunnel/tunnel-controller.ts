// The node's side of the tunnel: applies the desired state from the database (polled every second,
// so `kassa tunnel start` works against a running node), runs the tunnel manager against the
// public listener, writes the live status back, and feeds the public base URL of checkout_urls.
import type { Logger } from 'pino';
import type { KassaConfig } from '../config/config.ts';
import type { Storage } from '../storage/index.ts';
import { createCloudflaredProvider } from './cloudflared.ts';
import { createCustomProvider } from './custom.ts';
import { createLocaltunnelProvider } from './localtunnel.ts';
import { createNgrokProvider, NGROK_AUTHTOKEN_MISSING } from './ngrok.ts';
import { createTunnelManager, type TunnelManager, type TunnelSpec } from './tunnel-manager.ts';
import { createTunnelSettings, TunnelInputError, tunnelView, type TunnelObject, type TunnelStartBody } from './tunnel-service.ts';
import type { TunnelOptions, TunnelProvider, TunnelProviderName, TunnelState, TunnelTarget } from './types.ts';

export interface TunnelControllerDeps {
  storage: Storage;
  config: KassaConfig['tunnel'];
  /** The public listener's address: the only thing a tunnel ever points at. */
  target: () => TunnelTarget;
  /** Base of checkout_urls while no tunnel is connected: publicBaseUrl, else the public listener. */
  fallbackBaseUrl: () => string;
  onPublicBaseUrl: (url: string) => void;
  dataKey: Buffer | null;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  providers?: Partial<Record<TunnelProviderName, TunnelProvider>>;
  pollIntervalMs?: number;
  clock?: () => Date;
}

export interface TunnelHealth {
  provider: TunnelProviderName | null;
  status: TunnelState['status'];
  url: string | null;
  since: string;
  last_error: string | null;
}

const SETTLED = new Set(['connected', 'error', 'stopped']);

export function createTunnelController(deps: TunnelControllerDeps) {
  const { storage, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const settings = createTunnelSettings({ storage, dataKey: deps.dataKey, clock });
  const envAuthtoken = () => deps.env.NGROK_AUTHTOKEN || null;
  const storedAuthtoken = () => {
    try {
      return settings.storedNgrokAuthtoken();
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'the stored ngrok authtoken cannot be opened with this key store');
      return null;
    }
  };
  const providers: Record<TunnelProviderName, TunnelProvider> = {
    localtunnel: deps.providers?.localtunnel ?? createLocaltunnelProvider(),
    ngrok: deps.providers?.ngrok ?? createNgrokProvider({ authtoken: () => envAuthtoken() ?? storedAuthtoken() }),
    cloudflared: deps.providers?.cloudflared ?? createCloudflaredProvider({ env: deps.env }),
    custom: deps.providers?.custom ?? createCustomProvider(),
  };
  const manager: TunnelManager = createTunnelManager({
    providers,
    target: deps.target,
    logger,
    reconnect: { ...deps.config.reconnect, jitter: 0.5 },
    connectTimeoutMs: deps.config.connectTimeoutMs,
    clock,
  });

  let appliedRevision = 0;
  let publicBaseUrl: string | null = null;
  let stopped = false;

  function writeStatus(state: TunnelState): void {
    try {
      storage.tunnel.putStatus({ revision: appliedRevision, ...state, public_base_url: publicBaseUrl ?? deps.fallbackBaseUrl(), node_pid: process.pid, heartbeat_at: clock().toISOString() });
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not record the tunnel status');
    }
  }

  manager.onChange((state) => {
    publicBaseUrl = state.status === 'connected' && state.url ? state.url : deps.fallbackBaseUrl();
    deps.onPublicBaseUrl(publicBaseUrl);
    if (!stopped) writeStatus(state);
  });

  /** Config options for the provider, under what the CLI or API set. */
  function specOf(provider: TunnelProviderName, stored: TunnelOptions): TunnelSpec {
    const c = deps.config;
    const fromConfig: TunnelOptions =
      provider === 'localtunnel' ? { ...c.localtunnel }
      : provider === 'ngrok' ? { ...c.ngrok }
      : provider === 'cloudflared' ? { ...c.cloudflared }
      : { ...c.custom };
    const options = Object.fromEntries(Object.entries({ ...fromConfig, ...stored }).filter(([, v]) => v !== undefined)) as TunnelOptions;
    return { provider, options };
  }

  let reconciling: Promise<void> | null = null;
  async function applyLatest(): Promise<void> {
    const revision = storage.tunnel.getRevision();
    if (revision === appliedRevision) return;
    const row = storage.tunnel.getSettings();
    appliedRevision = revision;
    if (row?.enabled === 1 && row.provider) {
      await manager.start(specOf(row.provider as TunnelProviderName, JSON.parse(row.options) as TunnelOptions));
    } else {
      await manager.stop();
    }
  }
  /** Applies the latest desired state now (one reconcile at a time). */
  function reconcileNow(): Promise<void> {
    if (stopped) return Promise.resolve();
    const run = (reconciling ?? Promise.resolve()).then(applyLatest).catch((err: unknown) => {
      logger.error({ err: (err as Error).message }, 'tunnel reconcile failed');
    });
    reconciling = run.finally(() => {
      if (reconciling === run) reconciling = null;
    });
    return run;
  }

  let pollTimer: NodeJS.Timeout | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;

  function view(): TunnelObject {
    return tunnelView(storage.tunnel.getSettings(), storage.tunnel.getStatus(), clock(), { state: manager.state(), publicBaseUrl: publicBaseUrl ?? deps.fallbackBaseUrl() });
  }

  async function waitSettled(timeoutMs: number): Promise<void> {
    if (timeoutMs > 0) await manager.waitFor((s) => SETTLED.has(s.status), timeoutMs);
  }

  return {
    manager,
    /** Applies config autoStart, then the stored desired state, and keeps polling for changes. */
    async start(): Promise<void> {
      if (deps.config.autoStart && deps.config.provider) {
        settings.start({ provider: deps.config.provider } as TunnelStartBody);
        logger.info({ provider: deps.config.provider }, 'tunnel: autoStart from config');
      }
      writeStatus(manager.state());
      await reconcileNow();
      pollTimer = setInterval(() => void reconcileNow(), deps.pollIntervalMs ?? 1000);
      heartbeatTimer = setInterval(() => {
        try {
          storage.transactionWithoutSync(() => storage.tunnel.heartbeat(clock().toISOString(), process.pid));
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'tunnel heartbeat failed');
        }
      }, 2000);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (pollTimer) clearInterval(pollTimer);
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      await reconciling;
      await manager.stop();
      try {
        // No node: the CLI must not wait for one.
        storage.tunnel.putStatus({ revision: appliedRevision, ...manager.state(), public_base_url: null, node_pid: null, heartbeat_at: null });
      } catch {
        /* the database may already be closing */
      }
    },
    reconcileNow,
    view,
    health(): TunnelHealth {
      const s = manager.state();
      return { provider: s.provider, status: s.status, url: s.url, since: s.since, last_error: s.last_error };
    },
    publicBaseUrl: () => publicBaseUrl ?? deps.fallbackBaseUrl(),
    /** The admin API's start: checks what only the node can know, records it, applies it at once. */
    async startFromApi(input: TunnelStartBody): Promise<TunnelObject> {
      if (input.provider === 'ngrok' && !input.authtoken && !envAuthtoken() && !storedAuthtoken()) {
        throw new TunnelInputError(400, 'parameter_missing', NGROK_AUTHTOKEN_MISSING, 'authtoken');
      }
      settings.start(input);
      await reconcileNow();
      await waitSettled((input.wait_seconds ?? 0) * 1000);
      return view();
    },
    async stopFromApi(input: { wait_seconds?: number | undefined }): Promise<TunnelObject> {
      settings.stop();
      await reconcileNow();
      await waitSettled((input.wait_seconds ?? 0) * 1000);
      return view();
    },
  };
}
export type TunnelController = ReturnType<typeof createTunnelController>;
