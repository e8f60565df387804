// What the Bitcoin and Litecoin integration tests share: the merchant API calls around a btc/ltc
// intent, the node's view of its `bitcoin-devnet` / `litecoin-devnet` watcher (/healthz), a node
// started against a devnet the test owns (so it survives node restarts and takes RBF, double
// spends, reorgs and faults), the devnet's request counts split into block scanning and mempool
// scanning, and a loopback proxy in front of a devnet that can play a failing provider. Tests wait
// on what the node reports, never on a sleep.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { expect } from 'vitest';
import type { BitcoinDevnet } from '../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import { formatAmount } from '../../src-server/money/amount.ts';
import { healthOf, openNodeDb, type HealthNetwork } from './devnet-control.ts';
import { apiClient, createApiKey, eventually, startNode, tempHome, type ApiClient, type StartNodeOptions, type TestNode } from './node.ts';
import { listenOnLoopback, readBody } from './rpc-proxy.ts';

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
    async create(body: Record<string, unknown> = {}): Promise<any> {
      const res = await api().post('/api/v1/payment-intents', { network, asset: ASSET[network], amount: network === 'bitcoin' ? '0.0005' : '0.25', ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.data;
    },
    async get(id: string): Promise<any> {
      const res = await api().get(`/api/v1/payment-intents/${id}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    /** The node's test-helper pay: a faucet transaction into the devnet's mempool (not mined). */
    async pay(id: string, amount?: string): Promise<{ txid: string; [field: string]: unknown }> {
      const res = await api().post(`/api/v1/test-helpers/payment-intents/${id}/pay`, amount === undefined ? {} : { amount });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    /** Mines on the devnet through the node's test helper, which also runs one scan of the chain before answering. */
    async mine(blocks: number): Promise<{ head: number; [field: string]: unknown }> {
      const res = await api().post('/api/v1/test-helpers/devnet/mine', { blocks, network });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    async expire(id: string): Promise<any> {
      const res = await api().post(`/api/v1/test-helpers/payment-intents/${id}/expire`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
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
    /** Events about an object via the API, oldest first (the API lists newest first). */
    async events(objectId: string): Promise<{ type: string; data: { object: any } }[]> {
      const res = await api().get(`/api/v1/events?limit=100&object_id=${encodeURIComponent(objectId)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body.data as { type: string; data: { object: any } }[]).reverse();
    },
    async eventTypes(objectId: string): Promise<string[]> {
      return (await kit.events(objectId)).map((e) => e.type);
    },
  };
  return kit;
}
export type UtxoKit = ReturnType<typeof utxoKit>;

/** Payments of an intent as [txid, vout, amount, status], sorted: for order-free comparison. */
export function paymentKeys(intent: { payments: { txid: string; vout: number; amount: string; status: string }[] }): [string, number, string, string][] {
  return intent.payments.map((p) => [p.txid, p.vout, p.amount, p.status] as [string, number, string, string]).sort();
}

export type UtxoHealthNetwork = HealthNetwork & { watched_addresses: number; healthy: boolean };

export async function utxoHealth(merchantUrl: string, network: UtxoNetworkId = 'bitcoin'): Promise<UtxoHealthNetwork> {
  const chain = utxoChain(network);
  const found = (await healthOf(merchantUrl)).networks.find((n) => n.chain === chain);
  expect(found, `/healthz lists ${chain}`).toBeDefined();
  return found as UtxoHealthNetwork;
}

/** Waits until the node's watcher of `network` has scanned block `height`. */
export async function waitForUtxoScanned(merchantUrl: string, height: number, network: UtxoNetworkId = 'bitcoin', timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () => {
      const n = (await healthOf(merchantUrl)).networks.find((x) => x.chain === utxoChain(network));
      return n?.next_block != null && n.next_block > height;
    },
    `${utxoChain(network)} scanned through block ${height}`,
    timeoutMs,
  );
}

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

/** Per-key differences `after - before` (keys with no change left out). */
export function countsDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, n] of Object.entries(after)) {
    const d = n - (before[key] ?? 0);
    if (d !== 0) delta[key] = d;
  }
  return delta;
}

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
export type UtxoProxyMode = 'pass' | 'close' | 'http503' | 'malformed';

export interface UtxoProxy {
  url: string;
  setMode(mode: UtxoProxyMode): void;
  /** Requests received per "METHOD path-kind" since the last reset, in every mode. */
  counts(): Record<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

/** Path with ids and heights folded, so counts group by kind: '/block/:hash/raw', '/rpc'. */
function routeOf(pathname: string): string {
  return pathname.replace(/\/[0-9a-f]{64}/g, '/:hash').replace(/\/block-height\/\d+/, '/block-height/:height').replace(/\/address\/[^/]+/, '/address/:address');
}

/** A loopback HTTP proxy in front of a Bitcoin devnet (Esplora REST and /rpc), bodies forwarded as bytes. */
export async function startUtxoProxy(options: { target: string }): Promise<UtxoProxy> {
  const target = new URL(options.target);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') throw new Error(`utxo proxy only forwards to loopback, not ${target.hostname}`);
  let mode: UtxoProxyMode = 'pass';
  let counts: Record<string, number> = {};

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', target);
    const key = `${req.method ?? 'GET'} ${routeOf(url.pathname)}`;
    counts[key] = (counts[key] ?? 0) + 1;
    switch (mode) {
      case 'close':
        req.socket.destroy();
        return;
      case 'http503':
        res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' });
        res.end('Service Unavailable (utxo proxy switched to fail)');
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"result":"00000000000');
        return;
      case 'pass':
        break;
    }
    try {
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'accept', 'authorization']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const upstream = await fetch(url, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body });
      const bytes = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream', 'content-length': bytes.length });
      res.end(bytes);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`utxo proxy upstream error: ${(error as Error).message}`);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    setMode(next) {
      mode = next;
    },
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset() {
      counts = {};
    },
    close,
  };
}
