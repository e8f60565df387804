import envPaths from 'env-paths';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { TUNNEL_PROVIDERS } from '../tunnel/types.ts';
import { DEFAULT_RETRY_SCHEDULE } from '../webhooks/retry-schedule.ts';

const networkIds = ['ethereum', 'bsc', 'polygon', 'base', 'arbitrum', 'tron', 'bitcoin', 'litecoin'] as const;

const NetworkConfig = z.strictObject({
  enabled: z.boolean().default(false),
  rpcUrls: z.array(z.url({ protocol: /^(https?|wss?)$/ })).min(1).optional(),
  confirmations: z.number().int().min(1).max(10_000).optional(),
  /** bitcoin/litecoin: Esplora REST (default) or bitcoind-compatible JSON-RPC behind rpcUrls. */
  backend: z.enum(['esplora', 'bitcoind']).optional(),
  /** bitcoin/litecoin: outputs below this many satoshis/litoshis are ignored (default 546 / 5460). */
  dustThresholdSats: z.number().int().min(0).max(100_000_000).optional(),
});

/** A Bitcoin-family devnet behind test mode (an Esplora + bitcoind RPC simulator; no bitcoind runs here). */
const UtxoDevnetConfig = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Use an already running devnet (its Esplora base URL, with /devnet/* control) instead of starting one. */
    rpcUrl: z.url({ protocol: /^https?$/ }).optional(),
    fallbackRpcUrls: z.array(z.url({ protocol: /^https?$/ })).default([]),
    /** Which of the devnet's APIs the watcher reads: esplora (REST) or bitcoind (JSON-RPC at <url>/rpc). */
    backend: z.enum(['esplora', 'bitcoind']).default('esplora'),
    /** Seconds between blocks (0 = on demand); default 10: the devnet keeps every block in memory. */
    blockTime: z.number().min(0).max(3600).optional(),
    confirmations: z.number().int().min(1).max(1000).default(2),
    /** Outputs below this many satoshis/litoshis are ignored (default 546 / 5460). */
    dustThresholdSats: z.number().int().min(0).max(100_000_000).optional(),
  })
  .prefault({});

/** The tunnel exposing the public listener (see README "Tunnel"); the CLI and the API start and stop it at runtime. */
const TunnelConfig = z
  .strictObject({
    /** Started with every `kassa serve` when autoStart is true. */
    provider: z.enum(TUNNEL_PROVIDERS).optional(),
    autoStart: z.boolean().default(false),
    localtunnel: z
      .strictObject({
        host: z.url({ protocol: /^https?$/ }).optional(),
        subdomain: z.string().regex(/^(?:[a-z0-9][a-z0-9-]{2,61}[a-z0-9])$/).optional(),
      })
      .prefault({}),
    ngrok: z.strictObject({ domain: z.string().min(1).max(253).optional() }).prefault({}),
    cloudflared: z.strictObject({ bin: z.string().min(1).optional() }).prefault({}),
    custom: z.strictObject({ url: z.url({ protocol: /^https?$/ }).optional(), probe: z.boolean().default(false) }).prefault({}),
    reconnect: z
      .strictObject({
        initialDelayMs: z.number().int().min(10).max(600_000).default(1000),
        maxDelayMs: z.number().int().min(10).max(3_600_000).default(60_000),
      })
      .prefault({}),
    /** A connect attempt that takes longer fails and is retried. */
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  })
  .refine((t) => !t.autoStart || t.provider !== undefined, { message: 'autoStart needs a provider', path: ['provider'] })
  .refine((t) => !(t.autoStart && t.provider === 'custom') || t.custom.url !== undefined, { message: 'the custom provider needs custom.url', path: ['custom', 'url'] })
  .prefault({});

export const ConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8420),
  publicHost: z.string().min(1).default('127.0.0.1'),
  publicPort: z.number().int().min(0).max(65535).default(8421),
  /** Base URL customers reach the public listener at (tunnel or reverse proxy); defaults to the local one. */
  publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Binding the merchant listener off loopback exposes the API; it takes this explicit opt-in. */
  allowRemoteMerchantApi: z.boolean().default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  keyStore: z.enum(['auto', 'keychain', 'passphrase', 'none']).default('auto'),
  devnet: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Use an already running EVM devnet instead of starting anvil. */
      rpcUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** Further URLs of that devnet, tried in order when the one before fails (failover). */
      fallbackRpcUrls: z.array(z.url({ protocol: /^https?$/ })).default([]),
      /** Seconds between blocks; 0 = mine only on demand (test helper). */
      blockTime: z.number().min(0).max(3600).default(2),
      /** Port for the embedded anvil; 0 = any free port. */
      port: z.number().int().min(0).max(65535).default(0),
      confirmations: z.number().int().min(1).max(1000).default(2),
      /** The Tron devnet behind test-mode `tron` intents: a java-tron HTTP API simulator (no Tron node runs here). */
      tron: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** Use an already running Tron devnet (its /wallet API and /devnet/mine) instead of starting one. */
          rpcUrl: z.url({ protocol: /^https?$/ }).optional(),
          /** Further URLs of that devnet, tried in order when the one before fails (failover). */
          fallbackRpcUrls: z.array(z.url({ protocol: /^https?$/ })).default([]),
          /** Seconds between blocks; default: devnet.blockTime. 0 = mine only on demand. */
          blockTime: z.number().min(0).max(3600).optional(),
          confirmations: z.number().int().min(1).max(1000).default(2),
        })
        .prefault({}),
      bitcoin: UtxoDevnetConfig,
      litecoin: UtxoDevnetConfig,
    })
    .prefault({}),
  watcher: z
    .strictObject({
      pollIntervalMs: z.number().int().min(50).max(600_000).default(1000),
      maxBlockRange: z.number().int().min(1).max(100_000).default(500),
      /** Block hashes kept per chain for reorg detection. */
      reorgWindow: z.number().int().min(8).max(100_000).default(256),
    })
    .prefault({}),
  webhooks: z
    .strictObject({
      /** Deliveries in flight at once, over all endpoints. */
      concurrency: z.number().int().min(1).max(256).default(16),
      /** In flight per endpoint, so a slow endpoint holds at most this many of the slots. */
      perEndpointConcurrency: z.number().int().min(1).max(64).default(4),
      /** Per attempt; a receiver slower than this has failed the attempt. */
      timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
      /** Seconds before retry 1, 2, …; after the last one the delivery has failed. */
      retrySchedule: z.array(z.number().min(0.01).max(30 * 86400)).max(50).default([...DEFAULT_RETRY_SCHEDULE]),
      /** Each wait is scaled by a random factor in [1 - jitter, 1 + jitter]. */
      jitter: z.number().min(0).max(0.5).default(0.1),
      /** Seconds an endpoint may fail without a single success before it is disabled. */
      disableAfter: z.number().min(1).max(365 * 86400).default(3 * 86400),
      /** Live mode: refuse webhook targets on loopback, private or link-local addresses. */
      blockPrivateTargets: z.boolean().default(false),
      /** Safety poll of the outbox; new events wake the dispatcher at once. */
      pollIntervalMs: z.number().int().min(20).max(60_000).default(1000),
    })
    .prefault({}),
  networks: z.partialRecord(z.enum(networkIds), NetworkConfig).default({}),
  /** Fixed fiat rates, "EUR/USDT": "1.0870" = 1 EUR buys 1.0870 USDT. */
  rates: z.record(z.string().regex(/^[A-Z]{3}\/[A-Z0-9]{2,10}$/), z.string().regex(/^\d+(\.\d+)?$/)).default({}),
  rateLimitDefault: z.number().int().min(1).max(100_000).default(100),
  tunnel: TunnelConfig,
  /** Settings of the default store (the stores API arrives later; until then they live here). */
  store: z
    .strictObject({
      name: z.string().min(1).max(200).default('Default store'),
      /** Seconds a payment intent waits for payment (per request: expires_in). */
      expiresIn: z.number().int().min(60).max(30 * 86400).default(1800),
      /** Seconds after expiry during which late payments are still detected. */
      monitoringWindow: z.number().int().min(0).max(90 * 86400).default(7 * 86400),
      /** accept | flag; unset = accept for stablecoins, flag for volatile assets. */
      latePaymentPolicy: z.enum(['accept', 'flag']).optional(),
      /** Underpayment still counted as paid, in basis points of the amount (0-1000). */
      underpaidToleranceBps: z.number().int().min(0).max(1000).default(0),
      /** Networks paid to one shared address, each intent told a unique amount (SPEC §4, opt-in). */
      sharedAddressNetworks: z.array(z.enum([...networkIds, 'devnet'])).default([]),
    })
    .prefault({}),
});

export type KassaConfig = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KASSA_HOME) return resolve(env.KASSA_HOME);
  return envPaths('kassa', { suffix: '' }).data;
}

/** Environment variables that map onto config keys. */
const ENV_KEYS: Record<string, { path: string[]; type: 'string' | 'number' | 'boolean' }> = {
  KASSA_HOST: { path: ['host'], type: 'string' },
  KASSA_PORT: { path: ['port'], type: 'number' },
  KASSA_PUBLIC_HOST: { path: ['publicHost'], type: 'string' },
  KASSA_PUBLIC_PORT: { path: ['publicPort'], type: 'number' },
  KASSA_PUBLIC_BASE_URL: { path: ['publicBaseUrl'], type: 'string' },
  KASSA_LOG_LEVEL: { path: ['logLevel'], type: 'string' },
  KASSA_KEY_STORE: { path: ['keyStore'], type: 'string' },
  KASSA_DEVNET: { path: ['devnet', 'enabled'], type: 'boolean' },
  KASSA_DEVNET_RPC: { path: ['devnet', 'rpcUrl'], type: 'string' },
  KASSA_DEVNET_BLOCK_TIME: { path: ['devnet', 'blockTime'], type: 'number' },
  KASSA_TRON_DEVNET_RPC: { path: ['devnet', 'tron', 'rpcUrl'], type: 'string' },
  KASSA_POLL_INTERVAL_MS: { path: ['watcher', 'pollIntervalMs'], type: 'number' },
  KASSA_WEBHOOKS_BLOCK_PRIVATE_TARGETS: { path: ['webhooks', 'blockPrivateTargets'], type: 'boolean' },
};

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function envLayer(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (spec.type === 'number') {
      if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(`${name}: expected a number, got "${raw}"`);
      value = Number(raw);
    } else if (spec.type === 'boolean') {
      if (!/^(1|0|true|false|yes|no)$/i.test(raw)) throw new ConfigError(`${name}: expected true or false, got "${raw}"`);
      value = /^(1|true|yes)$/i.test(raw);
    }
    setPath(layer, spec.path, value);
  }
  return layer;
}

export interface LoadedConfig {
  home: string;
  configFile: string;
  config: KassaConfig;
}

/** Config = defaults < `<home>/config.json` < KASSA_* env < flags; every error names the key at fault. */
export function loadConfig(opts: { home: string; env?: NodeJS.ProcessEnv; flags?: Record<string, unknown> }): LoadedConfig {
  const configFile = join(opts.home, 'config.json');
  let fileLayer: Record<string, unknown> = {};
  if (existsSync(configFile)) {
    try {
      fileLayer = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${configFile}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof fileLayer !== 'object' || fileLayer === null || Array.isArray(fileLayer)) {
      throw new ConfigError(`${configFile}: expected a JSON object`);
    }
  }
  const merged = mergeDeep(mergeDeep(fileLayer, envLayer(opts.env ?? process.env)), opts.flags ?? {});
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration (${configFile}, KASSA_* env, flags):\n${lines.join('\n')}`);
  }
  return { home: opts.home, configFile, config: parsed.data };
}

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\./.test(host);
}
