// What every payment fault scenario stands on: the three devnets owned by the scenario (so they
// outlive node kills and take reorgs and faults), a node started as a child on its own home with a
// passphrase key store (webhook secrets are sealed), an unlimited test key, a webhook receiver
// subscribed to payment_intent.paid, and the faucet payments the scenario sends itself, straight
// to the devnets (never through the node, which may be dead at that moment).
import { rmSync } from 'node:fs';
import { type AnvilHandle, startAnvil } from '../../../src-server/chains/devnet/anvil.ts';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import { type DevnetInfo, devnetPay, ensureDevnetDeployed } from '../../../src-server/chains/devnet/devnet.ts';
import { startTronDevnet, type TronDevnet } from '../../../src-server/chains/devnet/tron/tron-devnet.ts';
import { tronDevnetPay } from '../../../src-server/chains/devnet/tron/tron-faucet.ts';
import { apiClient, type ApiClient, createApiKey, startNode, type StartNodeOptions, tempHome, type TestNode } from '../../helpers/node.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';

export type FaultNetwork = 'devnet' | 'tron' | 'bitcoin';

export interface Devnets {
  evm: { rpcUrl: string; info: DevnetInfo; anvil: AnvilHandle };
  tron: TronDevnet;
  btc: BitcoinDevnet;
  stop(): Promise<void>;
}

export interface DevnetOptions {
  /** Seconds between anvil blocks; 0 = on demand. */
  evmBlockTime: number;
  tronBlockTimeMs: number;
  btcBlockTimeMs: number;
}

export async function startDevnets(opts: DevnetOptions): Promise<Devnets> {
  const anvil = await startAnvil({ blockTime: opts.evmBlockTime });
  const stops: (() => Promise<void>)[] = [() => anvil.stop()];
  try {
    const info = await ensureDevnetDeployed(anvil.rpcUrl);
    const tron = await startTronDevnet({ blockTimeMs: opts.tronBlockTimeMs });
    stops.push(() => tron.stop());
    const btc = await startBitcoinDevnet({ network: 'bitcoin', blockTimeMs: opts.btcBlockTimeMs });
    stops.push(() => btc.stop());
    return {
      evm: { rpcUrl: anvil.rpcUrl, info, anvil },
      tron,
      btc,
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

/** A transfer the scenario sent from a faucet: its ground truth. */
export interface SentTransfer {
  network: FaultNetwork;
  intentId: string;
  txid: string;
  amount: bigint;
}

/** Sends `amount` base units of the intent's asset (USDT on devnet/tron, BTC on bitcoin) from the faucet to `to`. */
export async function payFromFaucet(devnets: Devnets, network: FaultNetwork, to: string, amount: bigint): Promise<string> {
  switch (network) {
    case 'devnet':
      return (await devnetPay({ rpcUrl: devnets.evm.rpcUrl, from: devnets.evm.info.faucet, to: to as `0x${string}`, token: devnets.evm.info.tokens.USDT, amount })).txid.toLowerCase();
    case 'tron':
      return tronDevnetPay({ url: devnets.tron.url, to, token: devnets.tron.tokens.USDT, units: amount });
    case 'bitcoin':
      return (await devnets.btc.pay({ to, amountSats: amount })).txid;
  }
}

export interface KassaOptions {
  /** Where the node reads each chain (default: the devnets themselves; a fault proxy in between for rpc-faults). */
  urls?: Partial<Record<FaultNetwork, string>>;
  pollIntervalMs?: number;
  /** Merged over the watcher section. */
  watcher?: Record<string, unknown>;
  bitcoinBackend?: 'esplora' | 'bitcoind';
}

export interface Kassa {
  home: string;
  node: TestNode;
  api: ApiClient;
  key: string;
  receiver: WebhookReceiver;
  /** SIGKILL: no cleanup runs in the node. */
  kill(): Promise<void>;
  /** Starts the node again on the same home and the same ports. */
  restart(): Promise<void>;
  /** Stops the node and the receiver; the home (database, logs) is removed unless keepHome (kept for a failed run). */
  stop(options?: { keepHome?: boolean }): Promise<void>;
}

const KEY_STORE_ENV = { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'fault-suite-passphrase' };

export async function startKassa(devnets: Devnets, opts: KassaOptions = {}): Promise<Kassa> {
  const home = tempHome('kassa-faults-');
  const bitcoinUrl = opts.urls?.bitcoin ?? devnets.btc.url;
  const config = {
    devnet: {
      rpcUrl: opts.urls?.devnet ?? devnets.evm.rpcUrl,
      blockTime: 0,
      tron: { rpcUrl: opts.urls?.tron ?? devnets.tron.url },
      // The node finds the devnet's bitcoind endpoint (/rpc) under the same base URL.
      bitcoin: { rpcUrl: bitcoinUrl, backend: opts.bitcoinBackend ?? 'esplora' },
      litecoin: { enabled: false },
    },
    watcher: { ...opts.watcher },
    // Nothing expires while a long profile runs; every retry comes soon after a failed attempt.
    store: { expiresIn: 86_400 },
    webhooks: { retrySchedule: [0.5, 1, 2, 3, 5, 5, 5, 5, 5, 5], jitter: 0, pollIntervalMs: 200 },
  };
  const env = { ...KEY_STORE_ENV, KASSA_POLL_INTERVAL_MS: String(opts.pollIntervalMs ?? 200) };
  const base: StartNodeOptions = { home, config, env };
  const receiver = await startWebhookReceiver();
  let node: TestNode;
  try {
    node = await startNode(base);
  } catch (error) {
    await receiver.close();
    throw error;
  }
  const key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
  const api = apiClient(node.merchantUrl, key);
  const endpoint = await api.post('/api/v1/webhook-endpoints', { url: receiver.url, events: ['payment_intent.paid'] });
  if (endpoint.status !== 201) throw new Error(`webhook endpoint not created: ${endpoint.status} ${JSON.stringify(endpoint.body)}`);
  const ports = ['--port', new URL(node.merchantUrl).port, '--public-port', new URL(node.publicUrl).port];
  const kassa: Kassa = {
    home,
    node,
    api,
    key,
    receiver,
    kill: () => kassa.node.kill(),
    async restart() {
      // The config file is already in the home; only the ports are pinned.
      kassa.node = await startNode({ home, env, args: ports });
    },
    async stop(options = {}) {
      await kassa.node.stop().catch(() => undefined);
      await receiver.close();
      if (!options.keepHome) rmSync(home, { recursive: true, force: true });
    },
  };
  return kassa;
}
