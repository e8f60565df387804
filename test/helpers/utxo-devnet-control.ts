// What the Bitcoin and Litecoin integration tests share: the merchant API calls around a btc/ltc
// intent, the node's view of its `bitcoin-devnet` / `litecoin-devnet` watcher (/healthz), a node
// started against a devnet the test owns (so it survives node restarts and takes RBF, double
// spends, reorgs and faults), the devnet's request counts split into block scanning and mempool
// scanning, and a loopback proxy in front of a devnet that can play a failing provider. Tests wait
// on what the node reports, never on a sleep.
import type { BitcoinDevnet } from '../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import { formatAmount } from '../../src-server/money/amount.ts';
import { openNodeDb, waitForScanned, watcherHealth, type WatcherHealth } from './devnet-control.ts';
import { type FailingProxy, type FailingProxyMode, startFailingProxy } from './failing-proxy.ts';
import { intentKit } from './intent-kit.ts';
import { apiClient, createApiKey, eventually, startNode, tempHome, type ApiClient, type StartNodeOptions, type TestNode } from './node.ts';

export { countsDelta } from './failing-proxy.ts';

export type UtxoNetworkId = 'bitcoin' | 'litecoin';
export type UtxoBackendKind = 'esplora' | 'bitcoind';
export const UTXO_BACKENDS: readonly UtxoBackendKind[] = ['esplora', 'bitcoind'];

/** The chain test-mode intents of `network` are watched on. */
export const utxoChain = (network: UtxoNetworkId): string => `${network}-devnet`;
export const ASSET: Readonly<Record<UtxoNetworkId, string>> = { bitcoin: 'BTC', litecoin: 'LTC' };

/** Satoshis (litoshis) as the API writes an amount of an 8-decimal coin. */
export const coins = (sats: bigint): string => formatAmount(sats, 8);

/**
 * An address that belongs to nobody in these tests: the first receive address of the BIP84 test
 * vector (mnemonic "abandon … about", m/84'/0'/0'/0/0), published in BIP84 itself.
 */
export const STRANGER_BTC_ADDRESS = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu';

/** The test-mode calls a shop (or a test) makes around btc/ltc intents. */
export function utxoKit(api: () => ApiClient, network: UtxoNetworkId = 'bitcoin') {
  const kit = {
    ...intentKit(api, network, { asset: ASSET[network], amount: network === 'bitcoin' ? '0.0005' : '0.25' }),
    /** Waits until the intent satisfies `check` (the watcher scans the mempool on its own poll). */
    async until(id: string, check: (intent: any) => boolean, what: string, timeoutMs = 20_000): Promise<any> {
      return eventually(
        async () => {
          const intent = await kit.get(id);
          return check(intent) ? intent : null;
        },
        `${what} (intent ${id})`,
        timeoutMs,
      );
    },
    /** Waits until a payment of transaction `txid` is on the intent (seen in the mempool or in a block). */
    async untilPayment(id: string, txid: string, timeoutMs = 20_000): Promise<any> {
      return kit.until(id, (intent) => intent.payments.some((p: { txid: string }) => p.txid === txid), `a payment of ${txid}`, timeoutMs);
    },
  };
  return kit;
}
export type UtxoKit = ReturnType<typeof utxoKit>;

/** Payments of an intent as [txid, vout, amount, status], sorted: for order-free comparison. */
export function paymentKeys(intent: { payments: { txid: string; vout: number; amount: string; status: string }[] }): [string, number, string, string][] {
  return intent.payments.map((p) => [p.txid, p.vout, p.amount, p.status] as [string, number, string, string]).sort();
}

export type UtxoHealthNetwork = WatcherHealth;

export const utxoHealth = (merchantUrl: string, network: UtxoNetworkId = 'bitcoin'): Promise<UtxoHealthNetwork> => watcherHealth(merchantUrl, utxoChain(network));

/** Waits until the node's watcher of `network` has scanned block `height`. */
export const waitForUtxoScanned = (merchantUrl: string, height: number, network: UtxoNetworkId = 'bitcoin', timeoutMs = 20_000): Promise<void> =>
  waitForScanned(merchantUrl, height, utxoChain(network), timeoutMs);

export interface UtxoNodeOptions {
  network?: UtxoNetworkId;
  backend: UtxoBackendKind;
  /** The devnet's URL for the watcher (default devnet.url). */
  rpcUrl?: string;
  fallbackRpcUrls?: string[];
  confirmations?: number;
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** Merged over the generated config. */
  extraConfig?: Record<string, unknown>;
  apiKeyArgs?: string[];
}

/** The node's config for a test-owned devnet: that network only (the Tron devnet and the other UTXO devnet stay off). */
export function utxoNodeConfig(devnet: BitcoinDevnet, opts: UtxoNodeOptions): Record<string, unknown> {
  const network = opts.network ?? 'bitcoin';
  const other = network === 'bitcoin' ? 'litecoin' : 'bitcoin';
  return {
    devnet: {
      blockTime: 0,
      tron: { enabled: false },
      [other]: { enabled: false },
      [network]: {
        rpcUrl: opts.rpcUrl ?? devnet.url,
        fallbackRpcUrls: opts.fallbackRpcUrls ?? [],
        backend: opts.backend,
        ...(opts.confirmations === undefined ? {} : { confirmations: opts.confirmations }),
      },
    },
    ...opts.extraConfig,
  };
}

export interface UtxoTestNode {
  node: TestNode;
  api: ApiClient;
  apiKey: string;
  home: string;
  startOptions: StartNodeOptions;
}

/** A node whose `network` test mode runs on `devnet` (owned by the test) through `backend`. */
export async function startUtxoNode(devnet: BitcoinDevnet, opts: UtxoNodeOptions): Promise<UtxoTestNode> {
  const home = opts.home ?? tempHome(`kassa-${opts.network ?? 'bitcoin'}-${opts.backend}-`);
  const startOptions: StartNodeOptions = { home, blockTime: 0, config: utxoNodeConfig(devnet, opts), env: opts.env };
  const node = await startNode(startOptions);
  const apiKey = await createApiKey(home, 'test', opts.apiKeyArgs ?? []);
  return { node, api: apiClient(node.merchantUrl, apiKey), apiKey, home, startOptions };
}

export interface PaymentRow {
  id: string;
  intent_id: string;
  txid: string;
  output_index: number;
  amount: string;
  status: string;
  block_number: number | null;
}

/** Every payment row the node holds on `chain`, read from its database (read-only). */
export function paymentRows(home: string, chain = 'bitcoin-devnet'): PaymentRow[] {
  const db = openNodeDb(home);
  try {
    return db
      .prepare('SELECT id, intent_id, txid, output_index, amount, status, block_number FROM payments WHERE chain = ? ORDER BY txid, output_index')
      .all(chain) as PaymentRow[];
  } finally {
    db.close();
  }
}

// ---- request counts at the devnet ----

/** Devnet routes (Esplora) and RPC methods (bitcoind) the mempool scan and transaction states use. */
const MEMPOOL_ROUTES = new Set([
  'GET /address/:address/txs/mempool',
  'GET /mempool/txids',
  'GET /tx/:txid',
  'rpc getrawmempool',
  'rpc getrawtransaction',
  'rpc getmempoolentry',
]);

/**
 * Splits a devnet request-count delta: `block` = what block scanning costs (tip, block hashes,
 * headers, blocks), `mempool` = what the 0-conf scan costs. The devnet's own control routes
 * (/devnet/*) and the bitcoind HTTP envelope ('POST /rpc', one per call of any method) are left out.
 */
export function splitCounts(delta: Record<string, number>): { block: Record<string, number>; mempool: Record<string, number> } {
  const block: Record<string, number> = {};
  const mempool: Record<string, number> = {};
  for (const [key, n] of Object.entries(delta)) {
    if (key.includes('/devnet/') || key === 'POST /rpc') continue;
    (MEMPOOL_ROUTES.has(key) ? mempool : block)[key] = n;
  }
  return { block, mempool };
}

export const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

// ---- a failing provider in front of a devnet ----

/**
 * pass: forward. close: drop the connection unanswered. http503: answer 503. malformed: HTTP 200
 * with a body cut off mid-JSON (and mid-block for raw blocks).
 */
export type UtxoProxyMode = Extract<FailingProxyMode, 'pass' | 'close' | 'http503' | 'malformed'>;

/** Counts requests per "METHOD path-kind". */
export type UtxoProxy = FailingProxy<UtxoProxyMode>;

/** Path with ids and heights folded, so counts group by kind: '/block/:hash/raw', '/rpc'. */
function routeOf(pathname: string): string {
  return pathname.replace(/\/[0-9a-f]{64}/g, '/:hash').replace(/\/block-height\/\d+/, '/block-height/:height').replace(/\/address\/[^/]+/, '/address/:address');
}

/** A loopback HTTP proxy in front of a Bitcoin devnet (Esplora REST and /rpc), bodies forwarded as bytes. */
export function startUtxoProxy(options: { target: string }): Promise<UtxoProxy> {
  return startFailingProxy<UtxoProxyMode>({
    target: options.target,
    name: 'utxo proxy',
    countKey: (method, url) => `${method} ${routeOf(url.pathname)}`,
    malformedBody: '{"result":"00000000000',
  });
}
