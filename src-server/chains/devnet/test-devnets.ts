// The devnets behind test mode for the non-EVM families: Tron, Bitcoin and Litecoin. Each is
// started here (an in-process simulator; no such node runs on our machines) or is one already
// running (config devnet.<network>.rpcUrl), and is watched like any chain through its own adapter.
import type { Logger } from 'pino';
import { createUtxoAdapter } from '../bitcoin/utxo-adapter.ts';
import type { UtxoNetwork } from '../bitcoin/networks.ts';
import type { KassaConfig } from '../../config/config.ts';
import { createTronAdapter } from '../tron/tron-adapter.ts';
import type { ChainAdapter } from '../types.ts';
import { TRON_DEVNET_USDT } from './tron/tron-devnet-accounts.ts';

export interface TestDevnet {
  /** The network test-mode intents name, e.g. 'tron'. */
  network: 'tron' | UtxoNetwork;
  /** The chain its watcher watches, e.g. 'tron-devnet'. */
  chain: string;
  /** Where payments and mining go (the first of the watcher's URLs). */
  url: string;
  adapter: ChainAdapter;
  /** Token contracts by asset symbol, canonical form. */
  tokens: Readonly<Record<string, string>>;
  confirmations: number;
  /** Sends `units` of `token` (null = the native coin) from the devnet faucet; returns the txid. */
  pay(to: string, token: string | null, units: bigint): Promise<string>;
  mine(blocks: number): Promise<void>;
}

type Cleanups = (() => Promise<void> | void)[];

/** UTXO devnets keep every block in memory (about 5 KB each): a slower default than the EVM devnet. */
const UTXO_DEVNET_DEFAULT_BLOCK_TIME_S = 10;

export const dustOption = (sats: number | undefined) => (sats === undefined ? {} : { dustThresholdSats: BigInt(sats) });

async function postControl(url: string, path: string, body: unknown, what: string): Promise<{ txid?: string; error?: string }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const json = (await res.json().catch(() => ({}))) as { txid?: string; error?: string };
  if (!res.ok) throw new Error(`${what} devnet: ${path} answered HTTP ${res.status} ${json.error ?? ''}`.trim());
  return json;
}

async function tronDevnet(config: KassaConfig, logger: Logger, cleanups: Cleanups): Promise<TestDevnet> {
  const cfg = config.devnet.tron;
  let url: string;
  let urls: string[];
  let mine: (blocks: number) => Promise<void>;
  if (cfg.rpcUrl) {
    url = cfg.rpcUrl.replace(/\/+$/, '');
    urls = [url, ...cfg.fallbackRpcUrls];
    mine = async (blocks) => void (await postControl(url, '/devnet/mine', { blocks }, 'tron'));
  } else {
    const blockTime = cfg.blockTime ?? config.devnet.blockTime;
    // The simulators load only when started here (a node with them off, or pointed at running ones, never carries their code).
    const { startTronDevnet } = await import('./tron/tron-devnet.ts');
    const devnet = await startTronDevnet({ port: 0, blockTimeMs: Math.round(blockTime * 1000), logger });
    cleanups.push(() => devnet.stop());
    logger.info({ url: devnet.url, blockTime }, 'tron devnet (java-tron HTTP API simulator) started');
    url = devnet.url;
    urls = [url];
    mine = async (blocks) => void (await devnet.mine(blocks));
  }
  return {
    network: 'tron',
    chain: 'tron-devnet',
    url,
    adapter: createTronAdapter({ chain: 'tron-devnet', urls, logger }),
    tokens: { USDT: TRON_DEVNET_USDT },
    confirmations: cfg.confirmations,
    // TronWeb (about 50 MB resident) loads only when a test payment is first sent, not with every node.
    pay: async (to, token, units) => (await import('./tron/tron-faucet.ts')).tronDevnetPay({ url, to, token, units }),
    mine,
  };
}

async function utxoDevnet(network: UtxoNetwork, config: KassaConfig, logger: Logger, cleanups: Cleanups): Promise<TestDevnet> {
  const cfg = config.devnet[network];
  let url: string;
  let urls: string[];
  let pay: TestDevnet['pay'];
  let mine: TestDevnet['mine'];
  if (cfg.rpcUrl) {
    url = cfg.rpcUrl.replace(/\/+$/, '');
    urls = [url, ...cfg.fallbackRpcUrls];
    pay = async (to, _token, units) => (await postControl(url, '/devnet/pay', { to, amountSats: units.toString() }, network)).txid!;
    mine = async (blocks) => void (await postControl(url, '/devnet/mine', { blocks }, network));
  } else {
    const blockTime = cfg.blockTime ?? UTXO_DEVNET_DEFAULT_BLOCK_TIME_S;
    const { startBitcoinDevnet } = await import('./bitcoin/bitcoin-devnet.ts');
    const devnet = await startBitcoinDevnet({ network, blockTimeMs: Math.round(blockTime * 1000), logger });
    cleanups.push(() => devnet.stop());
    logger.info({ network, url: devnet.url, blockTime }, `${network} devnet (Esplora + bitcoind RPC simulator) started`);
    url = devnet.url;
    urls = [url];
    pay = async (to, _token, units) => (await devnet.pay({ to, amountSats: units })).txid;
    mine = async (blocks) => void (await devnet.mine(blocks));
  }
  const chain = `${network}-devnet`;
  return {
    network,
    chain,
    url,
    adapter: createUtxoAdapter({
      chain,
      network,
      backend: cfg.backend === 'bitcoind' ? { kind: 'bitcoind', urls: urls.map((u) => `${u}/rpc`) } : { kind: 'esplora', urls },
      ...dustOption(cfg.dustThresholdSats),
      logger,
    }),
    tokens: {},
    confirmations: cfg.confirmations,
    pay,
    mine,
  };
}

/** Starts (or binds to) every enabled non-EVM test devnet; their stop functions go to `cleanups`. */
export async function startTestDevnets(config: KassaConfig, logger: Logger, cleanups: Cleanups): Promise<TestDevnet[]> {
  if (!config.devnet.enabled) return [];
  const devnets: TestDevnet[] = [];
  if (config.devnet.tron.enabled) devnets.push(await tronDevnet(config, logger, cleanups));
  for (const network of ['bitcoin', 'litecoin'] as const) {
    if (config.devnet[network].enabled) devnets.push(await utxoDevnet(network, config, logger, cleanups));
  }
  return devnets;
}
