// The Tron devnet: a loopback server speaking the java-tron HTTP API subset a payment watcher and
// TronWeb use, over an in-memory chain (no Tron node runs on our machines; see ENV.md). It mines on
// an interval or on demand, reorgs on request, and can play a flaky provider (429/503/hang/garbage).
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ChainLogger, silentLogger } from '../../evm/chain-logger.ts';
import { TronChain } from './tron-chain.ts';
import { TRON_DEVNET_FAUCET, TRON_DEVNET_USDT } from './tron-devnet-accounts.ts';
import { JavaTronError, type Params, ROUTES } from './tron-http-api.ts';

export type TronDevnetFault = 'none' | 'http429' | 'http503' | 'hang' | 'malformed';

export interface StartTronDevnetOptions {
  /** Loopback only. */
  host?: '127.0.0.1';
  /** 0 or absent = a free port. */
  port?: number;
  /** Milliseconds between blocks; 0 = mine only on demand. Default 3000 (Tron's slot time). */
  blockTimeMs?: number;
  /** pino's Logger fits; absent = silent. */
  logger?: ChainLogger;
}

export interface TronDevnet {
  /** Base URL for TronWeb's fullHost and for /wallet/… requests, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Public devnet key (anvil's mnemonic at m/44'/195'/0'/0/0): one billion TRX and the USDT supply. */
  faucet: { address: string; privateKey: string };
  /** base58 contract addresses */
  tokens: { USDT: string };
  /** Mines n blocks (pooled transactions go into the first); resolves with the new head number. */
  mine(n: number): Promise<number>;
  /** Replaces the last `depth` blocks with a new branch (new ids), re-including their transactions unless dropTransactions. */
  reorg(depth: number, opts?: { dropTransactions?: boolean }): Promise<void>;
  setFault(mode: TronDevnetFault): void;
  /** Requests by path (e.g. '/wallet/getblockbynum'), faulted ones included. */
  requestCounts(): Record<string, number>;
  resetCounts(): void;
  stop(): Promise<void>;
}

const DEFAULT_BLOCK_TIME_MS = 3_000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
// TronGrid's answer when a key or IP exceeds its rate limit.
const RATE_LIMITED_BODY = JSON.stringify({ Error: 'The key exceeds the frequency limit(15), and the query server is suspended for 1s' });
// A response cut off mid-body, as a dropped proxy connection leaves it.
const MALFORMED_BODY = '{"blockID":"0000000000000';

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`body size is too big, the limit is ${MAX_BODY_BYTES}`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** GET query and POST JSON body merged, as java-tron servlets read either. */
async function requestParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = Object.fromEntries(url.searchParams);
  if (req.method !== 'POST') return params;
  const text = (await readBody(req)).trim();
  if (text === '') return params;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new JavaTronError('org.tron.json.JSONException', (error as Error).message);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new JavaTronError('org.tron.json.JSONException', 'expected a JSON object');
  }
  return { ...params, ...(body as Params) };
}

export async function startTronDevnet(options: StartTronDevnetOptions = {}): Promise<TronDevnet> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const blockTimeMs = options.blockTimeMs ?? DEFAULT_BLOCK_TIME_MS;
  if (!Number.isFinite(blockTimeMs) || blockTimeMs < 0) throw new RangeError(`blockTimeMs must be >= 0, got ${blockTimeMs}`);

  const chain = new TronChain({ logger });
  // A real network is never at genesis, and wallets (TronWeb's local builder) cannot reference block
  // 0, whose header java-tron prints without a number: start at block 1.
  await chain.mine(1);
  let fault: TronDevnetFault = 'none';
  let counts: Record<string, number> = {};
  const hanging = new Set<ServerResponse>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    counts[path] = (counts[path] ?? 0) + 1;
    switch (fault) {
      case 'http429':
        res.setHeader('retry-after', '1');
        sendJson(res, 429, RATE_LIMITED_BODY);
        return;
      case 'http503':
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Service Unavailable');
        return;
      case 'hang':
        // Never answered; the client's timeout (or stop()) ends it.
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      case 'malformed':
        sendJson(res, 200, MALFORMED_BODY);
        return;
      case 'none':
        break;
    }
    // Devnet control, like anvil's evm_mine: lets a node that did not start this devnet mine on it.
    if (path === '/devnet/mine' && req.method === 'POST') {
      const params = await requestParams(req, url);
      const blocks = Number(params.blocks ?? 1);
      if (!Number.isInteger(blocks) || blocks < 1 || blocks > 1000) {
        sendJson(res, 400, JSON.stringify({ Error: 'blocks must be a whole number from 1 to 1000' }));
        return;
      }
      sendJson(res, 200, JSON.stringify({ head: await chain.mine(blocks) }));
      return;
    }
    const route = ROUTES[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not Found');
      return;
    }
    if (req.method !== 'POST' && !(req.method === 'GET' && route.get)) {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: route.get ? 'GET, POST' : 'POST' });
      res.end(`HTTP method ${req.method ?? ''} is not supported by this URL`);
      return;
    }
    let body: unknown;
    try {
      body = await route.handle(await requestParams(req, url), chain);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        body = new JavaTronError('java.lang.Exception', error.message).toBody();
      } else if (error instanceof JavaTronError) {
        body = error.toBody();
      } else {
        logger.error({ err: (error as Error).message, path }, 'tron devnet: request failed');
        body = new JavaTronError('java.lang.Exception', (error as Error).message).toBody();
      }
    }
    if (!res.destroyed) sendJson(res, 200, JSON.stringify(body));
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      logger.error({ err: (error as Error).message }, 'tron devnet: handler crashed');
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, JSON.stringify({ Error: 'internal error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;

  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const scheduleBlock = () => {
    timer = setTimeout(() => {
      chain
        .mine(1)
        .catch((error: unknown) => logger.error({ err: (error as Error).message }, 'tron devnet: interval mining failed'))
        .finally(() => {
          if (!stopped) scheduleBlock();
        });
    }, blockTimeMs);
    timer.unref();
  };
  if (blockTimeMs > 0) scheduleBlock();

  logger.info({ url, blockTimeMs, genesis: chain.head().id, usdt: TRON_DEVNET_USDT }, 'tron devnet: listening');

  return {
    url,
    faucet: { address: TRON_DEVNET_FAUCET.address, privateKey: TRON_DEVNET_FAUCET.privateKey },
    tokens: { USDT: TRON_DEVNET_USDT },
    mine: (n) => chain.mine(n),
    reorg: (depth, opts) => chain.reorg(depth, opts),
    setFault(mode) {
      fault = mode;
      logger.info({ fault: mode }, 'tron devnet: fault mode');
    },
    requestCounts: () => ({ ...counts }),
    resetCounts() {
      counts = {};
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      logger.info({ url }, 'tron devnet: stopped');
    },
  };
}
