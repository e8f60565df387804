// What the Tron integration tests share: the merchant API calls around a tron intent, the node's
// view of its `tron-devnet` watcher (/healthz), locally signed transfers a test can broadcast again
// (after a reorg dropped them), and a loopback proxy in front of a Tron devnet that counts requests
// by path and can play a failing provider. Tests wait on what the node reports, never on a sleep.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { expect } from 'vitest';
import { TronWeb } from 'tronweb';
import { TRON_DEVNET_FAUCET } from '../../src-server/chains/devnet/tron/tron-devnet-accounts.ts';
import { healthOf, type HealthNetwork } from './devnet-control.ts';
import { eventually, type ApiClient } from './node.ts';
import { listenOnLoopback, readBody } from './rpc-proxy.ts';

/** The chain test-mode `tron` intents are watched on. */
export const TRON_CHAIN = 'tron-devnet';

/** The test-mode calls a shop (or a test) makes around tron intents. */
export function tronKit(api: () => ApiClient) {
  return {
    async create(body: Record<string, unknown>): Promise<any> {
      const res = await api().post('/api/v1/payment-intents', { network: 'tron', asset: 'USDT', ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.data;
    },
    async get(id: string): Promise<any> {
      const res = await api().get(`/api/v1/payment-intents/${id}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    /** The node's test-helper pay: a TronWeb-signed transfer from the devnet faucet. */
    async pay(id: string, amount?: string): Promise<{ txid: string; [field: string]: unknown }> {
      const res = await api().post(`/api/v1/test-helpers/payment-intents/${id}/pay`, amount === undefined ? {} : { amount });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    /** Mines on the Tron devnet and waits for the node's watcher to have scanned the new blocks. */
    async mine(blocks: number): Promise<{ head: number; [field: string]: unknown }> {
      const res = await api().post('/api/v1/test-helpers/devnet/mine', { blocks, network: 'tron' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    async expire(id: string): Promise<any> {
      const res = await api().post(`/api/v1/test-helpers/payment-intents/${id}/expire`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    /** The intent's events via the API, oldest first (the API lists newest first). */
    async eventTypes(objectId: string): Promise<string[]> {
      const res = await api().get(`/api/v1/events?limit=100&object_id=${encodeURIComponent(objectId)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body.data as { type: string }[]).map((e) => e.type).reverse();
    },
  };
}
export type TronKit = ReturnType<typeof tronKit>;

export async function tronHealth(merchantUrl: string): Promise<HealthNetwork & { watched_addresses: number; healthy: boolean }> {
  const network = (await healthOf(merchantUrl)).networks.find((n) => n.chain === TRON_CHAIN);
  expect(network, `/healthz lists ${TRON_CHAIN}`).toBeDefined();
  return network as HealthNetwork & { watched_addresses: number; healthy: boolean };
}

/** Waits until the node's Tron watcher has scanned block `block`. */
export async function waitForTronScanned(merchantUrl: string, block: number, timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () => {
      const network = (await healthOf(merchantUrl)).networks.find((n) => n.chain === TRON_CHAIN);
      return network?.next_block != null && network.next_block > block;
    },
    `${TRON_CHAIN} scanned through block ${block}`,
    timeoutMs,
  );
}

/** The devnet's head number, asked over its java-tron HTTP API. */
export async function tronHeadNumber(url: string): Promise<number> {
  const res = await fetch(`${url}/wallet/getnowblock`, { method: 'POST', body: '{}' });
  const block = (await res.json()) as { block_header: { raw_data: { number?: number } } };
  return block.block_header.raw_data.number ?? 0;
}

/** A faucet transaction signed with TronWeb, not yet sent: a test can broadcast it more than once. */
export interface SignedTronTransfer {
  txid: string;
  signed: unknown;
}

/** A TRC-20 `transfer` (or a TRX transfer when `token` is null) from the devnet faucet, signed only. */
export async function signTronTransfer(input: { url: string; to: string; token: string | null; units: bigint }): Promise<SignedTronTransfer> {
  const tronWeb = new TronWeb({ fullHost: input.url, privateKey: TRON_DEVNET_FAUCET.privateKey });
  if (input.token === null) {
    const tx = await tronWeb.transactionBuilder.sendTrx(input.to, Number(input.units), TRON_DEVNET_FAUCET.address);
    const signed = await tronWeb.trx.sign(tx);
    return { txid: signed.txID, signed };
  }
  const built = await tronWeb.transactionBuilder.triggerSmartContract(
    input.token,
    'transfer(address,uint256)',
    { feeLimit: 100_000_000 },
    [
      { type: 'address', value: input.to },
      { type: 'uint256', value: input.units.toString() },
    ],
    TRON_DEVNET_FAUCET.address,
  );
  if (!built.result?.result) throw new Error(`the Tron devnet refused to build the transfer: ${JSON.stringify(built).slice(0, 300)}`);
  const signed = await tronWeb.trx.sign(built.transaction);
  return { txid: signed.txID, signed };
}

/** Broadcasts a signed transaction; resolves with the devnet's answer (`result: true` when pooled). */
export async function broadcastTron(url: string, transfer: SignedTronTransfer): Promise<{ result?: boolean; code?: string; message?: string }> {
  const tronWeb = new TronWeb({ fullHost: url });
  return (await tronWeb.trx.sendRawTransaction(transfer.signed as Parameters<typeof tronWeb.trx.sendRawTransaction>[0])) as { result?: boolean; code?: string; message?: string };
}

/**
 * pass: forward. close: drop the connection unanswered. http503: answer 503. http429: answer 429
 * with Retry-After: 1 and TronGrid's body. hang: never answer (until close()). malformed: HTTP 200
 * with a body cut off mid-JSON.
 */
export type TronProxyMode = 'pass' | 'close' | 'http503' | 'http429' | 'hang' | 'malformed';

export interface TronProxy {
  url: string;
  setMode(mode: TronProxyMode): void;
  /** Requests received per path since the last reset, in every mode. */
  counts(): Record<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

const RATE_LIMITED_BODY = JSON.stringify({ Error: 'The key exceeds the frequency limit(15), and the query server is suspended for 1s' });

/** A loopback HTTP proxy in front of a Tron devnet (any path, GET or POST). */
export async function startTronProxy(options: { target: string }): Promise<TronProxy> {
  const target = new URL(options.target);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') throw new Error(`tron proxy only forwards to loopback, not ${target.hostname}`);
  let mode: TronProxyMode = 'pass';
  let counts: Record<string, number> = {};

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', target);
    counts[url.pathname] = (counts[url.pathname] ?? 0) + 1;
    switch (mode) {
      case 'close':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'http503':
        res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' });
        res.end('Service Unavailable (tron proxy switched to fail)');
        return;
      case 'http429':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(RATE_LIMITED_BODY);
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"blockID":"00000000000');
        return;
      case 'pass':
        break;
    }
    try {
      const upstream = await fetch(url, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      });
      const text = await upstream.text();
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`tron proxy upstream error: ${(error as Error).message}`);
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

/** Per-path differences `after - before` (paths with no change left out). */
export function countsDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [path, n] of Object.entries(after)) {
    const d = n - (before[path] ?? 0);
    if (d !== 0) delta[path] = d;
  }
  return delta;
}
