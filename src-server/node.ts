// Composition root: opens storage and the key store, starts the devnet and the chain watchers,
// and serves the merchant and public listeners. Plain Node; the Electron shell runs this unchanged.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { createAdminRouter } from './admin/admin-app.ts';
import { createAdminAuth } from './admin/auth/admin-auth.ts';
import { createAuthHandlers } from './admin/auth/auth-handlers.ts';
import { createAuthPagesRouter } from './admin/auth/one-time-page.ts';
import { oneTimeLoginUrl } from './admin/auth/one-time.ts';
import { createAdminHandlers } from './admin/handlers/index.ts';
import { createNotifier } from './admin/notifications.ts';
import { startAnvil, type AnvilHandle } from './chains/devnet/anvil.ts';
import { devnetMine, devnetPay, ensureDevnetDeployed, type DevnetInfo } from './chains/devnet/devnet.ts';
import { dustOption, startTestDevnets, type TestDevnet } from './chains/devnet/test-devnets.ts';
import { createEvmAdapter } from './chains/evm/evm-adapter.ts';
import { createTronAdapter } from './chains/tron/tron-adapter.ts';
import { createUtxoAdapter } from './chains/bitcoin/utxo-adapter.ts';
import { redactRpcUrl } from './chains/evm/rpc-failover.ts';
import type { ChainAdapter } from './chains/types.ts';
import { ConfigError, isLoopbackHost, type KassaConfig } from './config/config.ts';
import { chooseRpcUrls, readSealedRpcUrls, type RpcUrlMap } from './config/sealed-rpc-urls.ts';
import { answerClientErrorsAsJson, createMerchantApp } from './http/merchant-app.ts';
import { eventRoutes } from './http/events-routes.ts';
import { checkoutRoutes } from './http/checkout-routes.ts';
import { paymentIntentRoutes, type TestHelpersPort } from './http/payment-intents-routes.ts';
import { webhookEndpointRoutes } from './http/webhook-routes.ts';
import { tunnelRoutes } from './http/tunnel-routes.ts';
import { createPublicApp } from './http/public-app.ts';
import { createApiKeysService } from './keys/api-keys-service.ts';
import { getNetwork, listNetworks, resolveNetwork, type NetworkId } from './money/assets.ts';
import { fixedRateSource } from './money/rates.ts';
import { createPaymentIntentsService, type TestNetworkBinding } from './payments/payment-intents-service.ts';
import { createCheckoutSessionsService } from './payments/checkout-sessions-service.ts';
import { createPaymentLinksService } from './payments/payment-links-service.ts';
import { openDatabase } from './storage/db.ts';
import { createStorage, type Storage } from './storage/index.ts';
import { createChainWatcher, type ChainWatcher } from './watch/chain-watcher.ts';
import { openKeyStore, type KeyStore, type PassphrasePromptRequest } from './wallet/key-store.ts';
import { openSealedString, seal } from './wallet/secret-box.ts';
import { createWalletService } from './wallet/wallet-service.ts';
import { createDerivePool } from './wallet/derive-pool.ts';
import { createTunnelController } from './tunnel/tunnel-controller.ts';
import type { TunnelTarget } from './tunnel/types.ts';
import { createWebhookDispatcher } from './webhooks/dispatcher.ts';
import { createEventsService } from './webhooks/events-service.ts';
import { createWebhookEndpointsService } from './webhooks/webhook-endpoints-service.ts';

export const VERSION = '0.1.0';
export const DEFAULT_STORE_ID = 'st_default';

export interface StartNodeOptions {
  home: string;
  config: KassaConfig;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  promptPassphrase?: (req: PassphrasePromptRequest) => Promise<string>;
  /** Electron's per-launch secret: the window trades it for a session (POST /api/admin/auth/launch). */
  launchSecret?: string;
  /** OS notifications (Electron): a payment arrived, arrived late, a webhook endpoint keeps failing. */
  onNotification?: (n: NodeNotification) => void;
  /** The built dashboard; default dist/renderer (env KASSA_DASHBOARD_DIR overrides it too). */
  dashboardDir?: string;
}

export interface NodeNotification {
  kind: 'paid' | 'paid_late' | 'webhook_failing';
  title: string;
  body: string;
  invoice_id?: string;
}

export interface NodeHandle {
  merchantUrl: string;
  publicUrl: string;
  devnet: DevnetInfo | null;
  storage: Storage;
  keyStore: KeyStore;
  watchers: ReadonlyMap<string, ChainWatcher>;
  /** A one-time dashboard login URL (15 min, single use) when no admin password is set; else null. */
  adminLoginUrl: string | null;
  stop(): Promise<void>;
}

/** Opens the database and the shared services every CLI command and the server use. */
export function openHome(home: string): { storage: Storage; close(): void } {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const db = openDatabase(join(home, 'kassa.db'));
  const storage = createStorage(db);
  storage.stores.ensure(DEFAULT_STORE_ID, 'Default store', new Date().toISOString());
  return { storage, close: () => db.close() };
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`port ${port} on ${host} is already in use; pass another with --port/--public-port`) : err);
    });
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

function urlOf(addr: AddressInfo): string {
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}

async function firstAnsweringRpc(urls: string[]): Promise<string> {
  const errors: string[] = [];
  for (const url of urls) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(5000),
      });
      if (res.ok && ((await res.json()) as { result?: string }).result) return url;
      errors.push(`${redactRpcUrl(url)}: HTTP ${res.status}`);
    } catch (err) {
      errors.push(`${redactRpcUrl(url)}: ${(err as Error).message}`);
    }
  }
  throw new ConfigError(`devnet: no RPC URL answers (${errors.join('; ')})`);
}

/**
 * A devnet whose state was lost restarts from a new genesis; the stored cursor and hashes belong to
 * the old chain and would stall the scan, so the watcher starts afresh at the new chain's head.
 */
async function recogniseDevnet(storage: Storage, adapter: ChainAdapter, logger: Logger): Promise<void> {
  const chain = adapter.chain;
  const genesis = await adapter.getBlock(0);
  if (!genesis) return;
  const stored = storage.chains.getBlock(chain, 0);
  if (stored && stored.hash !== genesis.hash) {
    logger.warn({ chain, stored: stored.hash, now: genesis.hash }, 'the devnet was reset (new genesis): scanning restarts at its head; test payments on the old devnet keep their state');
    storage.chains.forgetChain(chain);
  }
  if (!stored || stored.hash !== genesis.hash) {
    storage.chains.putBlock({ chain, number: 0, hash: genesis.hash, parent_hash: genesis.parentHash, time: new Date(genesis.time * 1000).toISOString() });
  }
}

export async function startNode(opts: StartNodeOptions): Promise<NodeHandle> {
  const { config, home } = opts;
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? pino({ level: config.logLevel, base: { svc: 'kassa' } });
  if (!isLoopbackHost(config.host)) {
    if (!config.allowRemoteMerchantApi) {
      throw new ConfigError(
        `host: refusing to bind the merchant API to ${config.host}. It would be reachable from the network. ` +
          'Put it behind a TLS reverse proxy and pass --allow-remote (allowRemoteMerchantApi: true) if you really mean it.',
      );
    }
    logger.warn({ host: config.host }, '!!! The merchant API is bound to a non-loopback address. Anyone who can reach it can try API keys. Use TLS in front of it. !!!');
  }

  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'error while stopping');
      }
    }
  };

  try {
    const { storage, close } = openHome(home);
    cleanups.push(close);
    storage.stores.updateSettings({
      id: DEFAULT_STORE_ID,
      name: config.store.name,
      default_expires_in: config.store.expiresIn,
      monitoring_window: config.store.monitoringWindow,
      late_payment_policy: config.store.latePaymentPolicy ?? null,
      underpaid_tolerance_bps: config.store.underpaidToleranceBps,
      shared_address_networks: JSON.stringify(config.store.sharedAddressNetworks),
    });
    const keyStore = await openKeyStore({
      home,
      prefer: config.keyStore,
      passphrase: env.KASSA_PASSPHRASE || undefined,
      promptPassphrase: opts.promptPassphrase,
    });
    logger.info({ keyStore: keyStore.describe() }, 'key store open');
    // RPC URLs saved from the dashboard (sealed: they may hold API keys); config.json's rpcUrls win.
    let sealedRpcUrls: RpcUrlMap = {};
    try {
      sealedRpcUrls = readSealedRpcUrls(storage.secrets, keyStore.dataKey);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'dashboard-saved RPC URLs are not used: networks without rpcUrls in config.json use their defaults');
    }
    const events = createEventsService(storage);
    const derivePool = createDerivePool({ onError: (err) => logger.warn({ err: err.message }, 'address pre-derivation worker failed; deriving inline') });
    cleanups.push(() => derivePool.close());
    const wallet = createWalletService({ storage, keyStore, derivePool });
    const testWallet = await wallet.ensureTestWallet();
    if (testWallet.created && !testWallet.sealed) {
      logger.warn('no key store: the test wallet keeps its public keys only (no seed on disk); live mode needs a key store');
    }

    // The devnet behind test mode.
    let devnet: DevnetInfo | null = null;
    const adapters = new Map<string, { adapter: ChainAdapter; tokens: string[] }>();
    if (config.devnet.enabled) {
      let rpcUrls: string[];
      if (config.devnet.rpcUrl) {
        rpcUrls = [config.devnet.rpcUrl, ...config.devnet.fallbackRpcUrls];
      } else {
        mkdirSync(join(home, 'devnet'), { recursive: true });
        const anvil: AnvilHandle = await startAnvil({
          port: config.devnet.port,
          blockTime: config.devnet.blockTime,
          statePath: join(home, 'devnet', 'anvil-state.json'),
          logger,
        });
        cleanups.push(() => anvil.stop());
        rpcUrls = [anvil.rpcUrl];
        logger.info({ rpcUrl: anvil.rpcUrl, pid: anvil.pid, blockTime: config.devnet.blockTime }, 'devnet (anvil) started');
      }
      // Deploying, paying and mining go to the first URL that answers; the watcher fails over across all.
      const controlUrl = await firstAnsweringRpc(rpcUrls);
      devnet = await ensureDevnetDeployed(controlUrl, { logger });
      const devnetAdapter = createEvmAdapter({ chain: 'devnet', rpcUrls, chainId: devnet.chainId, logger });
      await recogniseDevnet(storage, devnetAdapter, logger);
      adapters.set('devnet', { adapter: devnetAdapter, tokens: Object.values(devnet.tokens).map((t) => t.toLowerCase()) });
    }

    // The Tron, Bitcoin and Litecoin devnets behind test mode (simulators; see chains/devnet/test-devnets.ts).
    const testDevnets = new Map<string, TestDevnet>();
    const testNetworks = new Map<string, TestNetworkBinding>();
    for (const d of await startTestDevnets(config, logger, cleanups)) {
      await recogniseDevnet(storage, d.adapter, logger);
      adapters.set(d.chain, { adapter: d.adapter, tokens: Object.values(d.tokens) });
      testDevnets.set(d.chain, d);
      testNetworks.set(d.network, { chain: d.chain, tokens: d.tokens, confirmations: d.confirmations });
    }

    // Live networks the merchant enabled.
    const liveNetworks = new Map<string, { confirmations: number }>();
    for (const [id, netConfig] of Object.entries(config.networks)) {
      if (!netConfig?.enabled) continue;
      const network = getNetwork(id as NetworkId);
      const rpcUrls = [...chooseRpcUrls(netConfig.rpcUrls, sealedRpcUrls[id], network.defaultRpcUrls).urls];
      if (network.family === 'tron') {
        // Base58 is case-sensitive: Tron contracts are kept as they are.
        adapters.set(id, {
          adapter: createTronAdapter({ chain: id, urls: rpcUrls, apiKey: env.KASSA_TRON_API_KEY || undefined, logger }),
          tokens: Object.values(network.assets).flatMap((a) => (a.contract ? [a.contract] : [])),
        });
        liveNetworks.set(id, { confirmations: netConfig.confirmations ?? network.defaultConfirmations });
        continue;
      }
      if (network.family === 'bitcoin') {
        const backend = netConfig.backend ?? 'esplora';
        adapters.set(id, {
          adapter: createUtxoAdapter({ chain: id, network: id as 'bitcoin' | 'litecoin', backend: backend === 'bitcoind' ? { kind: 'bitcoind', urls: rpcUrls } : { kind: 'esplora', urls: rpcUrls }, ...dustOption(netConfig.dustThresholdSats), logger }),
          tokens: [],
        });
        liveNetworks.set(id, { confirmations: netConfig.confirmations ?? network.defaultConfirmations });
        continue;
      }
      adapters.set(id, {
        adapter: createEvmAdapter({ chain: id, rpcUrls, chainId: network.chainId ?? undefined, logger }),
        tokens: Object.values(network.assets).flatMap((a) => (a.contract ? [a.contract.toLowerCase()] : [])),
      });
      liveNetworks.set(id, { confirmations: netConfig.confirmations ?? network.defaultConfirmations });
    }

    let publicBaseUrl = config.publicBaseUrl ?? '';
    const intents = createPaymentIntentsService({
      storage,
      events,
      wallet,
      logger,
      rateSources: Object.keys(config.rates).length ? [fixedRateSource(config.rates, { name: 'config' })] : [],
      devnet: () => (devnet ? { chainId: devnet.chainId, tokens: devnet.tokens, confirmations: config.devnet.confirmations } : null),
      testNetworks: () => testNetworks,
      liveNetworks: () => liveNetworks,
      publicBaseUrl: () => publicBaseUrl,
    });
    const checkoutSessions = createCheckoutSessionsService({
      storage,
      events,
      intents,
      logger,
      rateSources: Object.keys(config.rates).length ? [fixedRateSource(config.rates, { name: 'config' })] : [],
      liveNetworks: () => liveNetworks,
      evmDevnet: () => devnet !== null,
      testNetworks: () => testNetworks,
      publicBaseUrl: () => publicBaseUrl,
    });
    const paymentLinks = createPaymentLinksService({ storage, checkoutSessions, publicBaseUrl: () => publicBaseUrl });

    const watchers = new Map<string, ChainWatcher>();
    for (const [chain, { adapter, tokens }] of adapters) {
      const watcher = createChainWatcher({
        chain,
        adapter,
        storage,
        ledger: intents.ledger,
        logger,
        pollIntervalMs: config.watcher.pollIntervalMs,
        maxBlockRange: config.watcher.maxBlockRange,
        reorgWindow: config.watcher.reorgWindow,
        tokenContracts: () => tokens,
      });
      watchers.set(chain, watcher);
      watcher.start();
      cleanups.push(() => watcher.stop());
    }

    const expiryTimer = setInterval(() => {
      try {
        intents.expireDue(new Date(), (chain, at) => watchers.get(chain)?.syncedSince(at) ?? false);
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'expiry sweep failed');
      }
    }, 1000);
    cleanups.push(() => clearInterval(expiryTimer));
    const idempotencyTimer = setInterval(() => {
      try {
        storage.idempotency.expireBefore(new Date(Date.now() - 24 * 3600 * 1000).toISOString());
      } catch (err) {
        // A full or read-only disk: the next hour tries again (thrown from a timer, it would end the process).
        logger.warn({ err: (err as Error).message }, 'idempotency key cleanup failed');
      }
    }, 3600 * 1000);
    idempotencyTimer.unref();
    cleanups.push(() => clearInterval(idempotencyTimer));

    const testHelpers: TestHelpersPort | null = devnet || testNetworks.size
      ? {
          pay: async ({ chain, to, tokenContract, units }) => {
            const test = testDevnets.get(chain);
            if (test) return test.pay(to, tokenContract, units);
            if (chain !== 'devnet' || !devnet) throw new Error(`no test devnet for chain ${chain}`);
            const { txid } = await devnetPay({ rpcUrl: devnet.rpcUrl, from: devnet.faucet, to: to as `0x${string}`, token: tokenContract as `0x${string}` | null, amount: units });
            return txid;
          },
          mine: async (chain, blocks) => {
            const test = testDevnets.get(chain);
            if (test) await test.mine(blocks);
            else await devnetMine(devnet!.rpcUrl, blocks);
            const watcher = watchers.get(chain)!;
            await watcher.syncNow();
            return watcher.status().head ?? 0;
          },
          settle: async (chain) => {
            await watchers.get(chain)?.syncNow();
            intents.expireDue(new Date(), (c, at) => watchers.get(c)?.syncedSince(at) ?? false);
          },
          chainFor: (networkId) => {
            const network = resolveNetwork(networkId);
            if (!network) return null;
            if (network.family === 'evm') return devnet ? 'devnet' : null;
            return testNetworks.get(network.id)?.chain ?? null;
          },
        }
      : null;

    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'kassa_process_' });
    new Gauge({
      name: 'kassa_chain_head', help: 'Latest block seen per chain', labelNames: ['chain'] as const, registers: [metrics],
      collect() { for (const w of watchers.values()) { const s = w.status(); if (s.head !== null) this.set({ chain: s.chain }, s.head); } },
    });
    new Gauge({
      name: 'kassa_chain_lag_blocks', help: 'Blocks not yet scanned per chain', labelNames: ['chain'] as const, registers: [metrics],
      collect() { for (const w of watchers.values()) { const s = w.status(); if (s.lag !== null) this.set({ chain: s.chain }, s.lag); } },
    });
    new Gauge({
      name: 'kassa_rpc_requests', help: 'JSON-RPC requests sent per chain since start', labelNames: ['chain'] as const, registers: [metrics],
      collect() { for (const [chain, a] of adapters) this.set({ chain }, a.adapter.rpcRequestCount()); },
    });

    // Webhooks: deliveries already queued (even before a crash) go out as soon as the node is up.
    const dispatcher = createWebhookDispatcher({ storage, events, keyStore, logger, config: config.webhooks, userAgent: `Kassa-Webhooks/${VERSION}`, metrics });
    dispatcher.start();
    cleanups.push(() => dispatcher.stop());
    const webhooks = createWebhookEndpointsService({ storage, events, keyStore, blockPrivateTargets: config.webhooks.blockPrivateTargets, wakeDispatcher: dispatcher.wake });

    const apiKeys = createApiKeysService({ storage, defaultRateLimit: config.rateLimitDefault });
    // The tunnel points at the public listener only; it feeds publicBaseUrl while connected.
    let tunnelTarget: TunnelTarget | null = null;
    let publicListenerUrl = '';
    const tunnel = createTunnelController({
      storage,
      config: config.tunnel,
      target: () => tunnelTarget!,
      fallbackBaseUrl: () => config.publicBaseUrl ?? publicListenerUrl,
      onPublicBaseUrl: (url) => { publicBaseUrl = url; },
      dataKey: keyStore.dataKey,
      env,
      logger,
    });
    const startedAt = Date.now();
    const health = () => {
      const networks = [...watchers.values()].map((w) => {
        const s = w.status();
        return {
          chain: s.chain,
          head: s.head,
          next_block: s.nextBlock,
          lag: s.lag,
          synced_at: s.syncedAt,
          watched_addresses: s.watchedAddresses,
          last_error: s.lastError,
          last_error_at: s.lastErrorAt,
          rpc: s.rpc.map((r) => ({ url: r.url, ok: r.ok, requests: r.requests, failures: r.failures, last_error: r.lastError, last_error_at: r.lastErrorAt })),
          healthy: s.lastError === null && s.head !== null && (s.lag ?? 0) <= config.watcher.maxBlockRange,
        };
      });
      const degraded = networks.some((n) => !n.healthy);
      return {
        status: degraded ? ('degraded' as const) : ('ok' as const),
        version: VERSION,
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
        key_store: keyStore.kind,
        devnet: devnet ? { rpc_url: devnet.rpcUrl, chain_id: devnet.chainId } : null,
        test_devnets: Object.fromEntries([...testDevnets.values()].map((d) => [d.network, { chain: d.chain, url: d.url, tokens: d.tokens }])),
        networks,
        tunnel: tunnel.health(),
      };
    };

    // The dashboard: session auth, the admin API from its contract, and the built renderer.
    const loopbackOnly = isLoopbackHost(config.host);
    const adminAuth = createAdminAuth({ store: storage.admin, dataKey: () => keyStore.dataKey, launchSecret: opts.launchSecret ?? null, logger });
    const listenerUrls = { merchantUrl: '', publicUrl: '' };
    const adminHandlers = createAdminHandlers({
      storage,
      config,
      home,
      version: VERSION,
      keyStore,
      wallet,
      intents,
      events,
      webhooks,
      apiKeys,
      tunnel,
      watchers,
      adapters,
      testHelpers: () => testHelpers,
      liveNetworks: () => new Set(liveNetworks.keys()),
      testNetworks: () => testNetworks,
      rateSources: Object.keys(config.rates).length ? [fixedRateSource(config.rates, { name: 'config' })] : [],
      urls: () => ({ ...listenerUrls, publicBaseUrl }),
      onDeliveryOutcome: dispatcher.onOutcome,
      logger,
    });
    if (opts.onNotification) {
      const notifier = createNotifier({ events, storage, onNotification: opts.onNotification });
      cleanups.push(() => notifier.stop());
    }
    const adminRouter = createAdminRouter({
      handlers: { ...adminHandlers, ...createAuthHandlers(adminAuth) },
      auth: adminAuth,
      logger,
      loopbackOnly,
    });

    const merchantApp = createMerchantApp({
      storage,
      apiKeys,
      routes: [
        ...paymentIntentRoutes({ intents, testHelpers: () => testHelpers, liveNetworks: () => new Set(liveNetworks.keys()) }),
        ...webhookEndpointRoutes({ webhooks }),
        ...tunnelRoutes({ tunnel }),
        ...eventRoutes({ events }),
        ...checkoutRoutes({ checkoutSessions, paymentLinks }),
      ],
      sealer: keyStore.dataKey
        ? { seal: (text, context) => seal(keyStore.dataKey!, text, context), open: (sealed, context) => openSealedString(keyStore.dataKey!, sealed, context) }
        : null,
      logger,
      metrics,
      health,
      version: VERSION,
      admin: { router: adminRouter, pages: createAuthPagesRouter(adminAuth, { loopbackOnly }) },
      dashboard: { dir: opts.dashboardDir ?? (env.KASSA_DASHBOARD_DIR || undefined) },
    });
    const publicApp = createPublicApp({
      logger,
      storage,
      intents,
      testHelpers: () => testHelpers,
      checkoutSessions: () => checkoutSessions,
      paymentLinks: () => paymentLinks,
      publicBaseUrl: () => publicBaseUrl,
    });

    // Let the first scan of every chain finish so /healthz is truthful from the first answer.
    await Promise.all([...watchers.values()].map((w) => w.syncNow()));

    const merchant = createServer(merchantApp);
    answerClientErrorsAsJson(merchant);
    const publicServer = createServer(publicApp);
    for (const server of [merchant, publicServer]) {
      server.keepAliveTimeout = 5000;
      server.headersTimeout = 10_000;
      server.requestTimeout = 30_000;
    }
    const merchantAddr = await listen(merchant, config.host, config.port);
    cleanups.push(() => new Promise<void>((resolve) => { merchant.close(() => resolve()); merchant.closeAllConnections(); }));
    const publicAddr = await listen(publicServer, config.publicHost, config.publicPort);
    cleanups.push(() => new Promise<void>((resolve) => { publicServer.close(() => resolve()); publicServer.closeAllConnections(); }));
    const merchantUrl = urlOf(merchantAddr);
    const publicUrl = urlOf(publicAddr);
    if (!publicBaseUrl) publicBaseUrl = publicUrl;
    listenerUrls.merchantUrl = merchantUrl;
    listenerUrls.publicUrl = publicUrl;
    publicListenerUrl = publicUrl;
    const wildcard = publicAddr.address === '0.0.0.0' || publicAddr.address === '::';
    tunnelTarget = { host: wildcard ? (publicAddr.family === 'IPv6' ? '::1' : '127.0.0.1') : publicAddr.address, port: publicAddr.port };
    await tunnel.start();
    cleanups.push(() => tunnel.stop());

    logger.info(
      { merchant: merchantUrl, public: publicUrl, publicBaseUrl, networks: [...watchers.keys()], supported: listNetworks().map((n) => n.id) },
      'kassa node ready',
    );

    // `kassa admin login-url` names the listener this node really got (--port 0, another --port).
    try {
      storage.admin.putSetting('node.merchant_url', merchantUrl);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not record the merchant URL for `kassa admin login-url`');
    }
    // Headless first start: a single-use login link stands in for the password not yet chosen.
    const adminLoginUrl = storage.admin.getCredentials()?.password_hash ? null : oneTimeLoginUrl(merchantUrl, adminAuth.mintOneTimeToken().token);

    return {
      merchantUrl,
      publicUrl,
      adminLoginUrl,
      devnet,
      storage,
      keyStore,
      watchers,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
