// The Tron devnet: a loopback server speaking the java-tron HTTP API subset a payment watcher and
// TronWeb use, over an in-memory chain (no Tron node runs on our machines; see ENV.md). It mines on
// an interval or on demand, reorgs on request, and can play a flaky provider (429/503/hang/garbage).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChainLogger, silentLogger } from '../../evm/chain-logger.ts';
import { BodyTooLargeError, type DevnetFault, createDevnetServer, readBody, send } from '../devnet-server.ts';
import { TronChain } from './tron-chain.ts';
import { TRON_DEVNET_FAUCET, TRON_DEVNET_USDT } from './tron-devnet-accounts.ts';
import { JavaTronError, type Params, ROUTES } from './tron-http-api.ts';

export type TronDevnetFault = DevnetFault;

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
// TronGrid's answer when a key or IP exceeds its rate limit.
const RATE_LIMITED_BODY = JSON.stringify({ Error: 'The key exceeds the frequency limit(15), and the query server is suspended for 1s' });
// A response cut off mid-body, as a dropped proxy connection leaves it.
const MALFORMED_BODY = '{"blockID":"0000000000000';

const JSON_TYPE = 'application/json; charset=utf-8';

const sendJson = (res: ServerResponse, status: number, body: string): void => send(res, status, JSON_TYPE, body);

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
  const server = createDevnetServer({
    name: 'tron devnet',
    logger,
    handle,
    faultResponses: {
      http429: { contentType: JSON_TYPE, body: RATE_LIMITED_BODY },
      http503: { contentType: 'text/plain; charset=utf-8', body: 'Service Unavailable' },
      malformed: { contentType: JSON_TYPE, body: MALFORMED_BODY },
    },
    internalError: { contentType: JSON_TYPE, body: JSON.stringify({ Error: 'internal error' }) },
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    server.count(path);
    if (server.answerFault(res)) return;
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

  const url = await server.listen(host, options.port ?? 0);
  server.mineEvery(blockTimeMs, () => chain.mine(1));

  logger.info({ url, blockTimeMs, genesis: chain.head().id, usdt: TRON_DEVNET_USDT }, 'tron devnet: listening');

  return {
    url,
    faucet: { address: TRON_DEVNET_FAUCET.address, privateKey: TRON_DEVNET_FAUCET.privateKey },
    tokens: { USDT: TRON_DEVNET_USDT },
    mine: (n) => chain.mine(n),
    reorg: (depth, opts) => chain.reorg(depth, opts),
    setFault: (mode) => server.setFault(mode),
    requestCounts: () => server.requestCounts(),
    resetCounts: () => server.resetCounts(),
    stop: () => server.stop(),
  };
}
