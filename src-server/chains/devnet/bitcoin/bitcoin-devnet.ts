// The Bitcoin devnet: a loopback server speaking the Esplora REST subset (at its base URL, and under
// /api like mempool.space) and the bitcoind JSON-RPC subset (at /rpc) a watcher uses, over an
// in-memory regtest chain of real blocks and transactions (no bitcoind or electrs runs on our
// machines; see ENV.md). Bitcoin or Litecoin; mines on demand or on an interval; pays from a public
// faucet; replaces (BIP125), double-spends and reorgs on request; can play a flaky provider.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChainLogger, silentLogger } from '../../evm/chain-logger.ts';
import { BitcoinChain, MempoolRejection } from './bitcoin-chain.ts';
import { type BitcoinDevnetAddressFormat, type BitcoinDevnetNetwork, chainParams } from './bitcoin-devnet-params.ts';
import { matchEsploraRoute, unknownEndpoint } from './bitcoin-esplora-api.ts';
import { FaucetWallet, type PayRequest, type ReplaceRequest, type SentTransaction } from './bitcoin-faucet-wallet.ts';
import { handleRpcBody } from './bitcoin-rpc-api.ts';
import { type DevnetFault, createDevnetServer, readBody, send } from '../devnet-server.ts';

export type BitcoinDevnetFault = DevnetFault;

export interface StartBitcoinDevnetOptions {
  /** Default 'bitcoin'. */
  network?: BitcoinDevnetNetwork;
  /**
   * 'mainnet' (default): bc1…/ltc1… addresses and mainnet WIF, so addresses Kassa derives for
   * mainnet are payable; 'regtest': bcrt1…/rltc1…. The chain rules are regtest's either way.
   */
  addressFormat?: BitcoinDevnetAddressFormat;
  /** Loopback only. */
  host?: '127.0.0.1';
  /** 0 or absent = a free port. */
  port?: number;
  /** Milliseconds between blocks; 0 or absent = mine only on demand. */
  blockTimeMs?: number;
  /** Blocks mined at start, all paying the faucet; at least 101 so a coinbase is mature. Default 200. */
  initialBlocks?: number;
  /** -mempoolfullrbf=1: replace non-signalling transactions too. Default false (opt-in RBF). */
  fullRbf?: boolean;
  /** Require HTTP basic auth on the RPC endpoint, as bitcoind's rpcuser/rpcpassword. Default: none. */
  rpcAuth?: { username: string; password: string };
  /** pino's Logger fits; absent = silent. */
  logger?: ChainLogger;
}

export interface BitcoinDevnetPayment {
  txid: string;
  feeSats: bigint;
  vsize: number;
  /** The signed transaction, hex. */
  hex: string;
}

export interface BitcoinDevnet {
  /** Esplora base URL, e.g. http://127.0.0.1:41234 (also served under /api). */
  url: string;
  /** bitcoind JSON-RPC endpoint: url + '/rpc'. */
  rpcUrl: string;
  network: BitcoinDevnetNetwork;
  addressFormat: BitcoinDevnetAddressFormat;
  /** PUBLIC key (anvil's mnemonic at m/84'/1'/0'/0/0): every coinbase pays it; never send real coins to it. */
  faucet: { address: string; wif: string };
  /** Mines n blocks (held-back and mempool transactions go into the first); resolves with the new tip height. */
  mine(n: number): Promise<number>;
  /** Pays from the faucet's coins into the mempool; several outputs go in one transaction. */
  pay(request: PayRequest): Promise<BitcoinDevnetPayment>;
  /** BIP125 replacement of a faucet payment: same inputs, new outputs, higher fee; the original leaves the mempool. */
  replace(txid: string, request: ReplaceRequest): Promise<BitcoinDevnetPayment>;
  /** A conflicting spend of a faucet payment's inputs back to the faucet, mined in the next block; the original never confirms. */
  doubleSpend(txid: string): Promise<{ txid: string }>;
  /**
   * Replaces the last `depth` blocks with a heavier branch of depth + 1 blocks. Their transactions are
   * re-mined unless dropTransactions (then faucet payments are replaced by conflicting spends and others vanish).
   */
  reorg(depth: number, options?: { dropTransactions?: boolean }): Promise<void>;
  setFault(mode: BitcoinDevnetFault): void;
  /** Requests by route, e.g. 'GET /block/:hash/raw', 'POST /rpc', 'rpc getblock' (faulted ones included). */
  requestCounts(): Record<string, number>;
  resetCounts(): void;
  stop(): Promise<void>;
}

const DEFAULT_INITIAL_BLOCKS = 200;
/** A response cut off mid-body, as a dropped proxy connection leaves it. */
const MALFORMED_BODY = '{"id":"0000000000000';

class ControlError extends Error {}

const sendJson = (res: ServerResponse, status: number, value: unknown): void =>
  send(res, status, 'application/json', JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

/** Satoshis from a control request: a decimal string or a safe integer. */
function satsFrom(value: unknown, field: string): bigint {
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new ControlError(`${field} must be a whole number of satoshis (a decimal string or a safe integer)`);
}

function controlPayRequest(body: Record<string, unknown>): PayRequest {
  const request: PayRequest = {};
  if (body.to !== undefined) request.to = String(body.to);
  if (body.amountSats !== undefined) request.amountSats = satsFrom(body.amountSats, 'amountSats');
  if (Array.isArray(body.outputs)) {
    request.outputs = body.outputs.map((output: unknown, index) => {
      const item = (output ?? {}) as Record<string, unknown>;
      return { to: String(item.to), amountSats: satsFrom(item.amountSats, `outputs[${index}].amountSats`) };
    });
  }
  if (typeof body.feeRateSatVb === 'number') request.feeRateSatVb = body.feeRateSatVb;
  if (typeof body.replaceable === 'boolean') request.replaceable = body.replaceable;
  return request;
}

function basicAuthMatches(header: string | undefined, auth: { username: string; password: string }): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return decoded === `${auth.username}:${auth.password}`;
}

export async function startBitcoinDevnet(options: StartBitcoinDevnetOptions = {}): Promise<BitcoinDevnet> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const network = options.network ?? 'bitcoin';
  const addressFormat = options.addressFormat ?? 'mainnet';
  const blockTimeMs = options.blockTimeMs ?? 0;
  const initialBlocks = options.initialBlocks ?? DEFAULT_INITIAL_BLOCKS;
  if (network !== 'bitcoin' && network !== 'litecoin') throw new RangeError(`network must be 'bitcoin' or 'litecoin', got ${String(network)}`);
  if (addressFormat !== 'mainnet' && addressFormat !== 'regtest') throw new RangeError(`addressFormat must be 'mainnet' or 'regtest'`);
  if (!Number.isFinite(blockTimeMs) || blockTimeMs < 0) throw new RangeError(`blockTimeMs must be >= 0, got ${blockTimeMs}`);
  if (!Number.isSafeInteger(initialBlocks) || initialBlocks < 0) throw new RangeError(`initialBlocks must be a whole number, got ${initialBlocks}`);

  const params = chainParams(network, addressFormat);
  const chain = new BitcoinChain({ params, logger, fullRbf: options.fullRbf ?? false });
  const wallet = new FaucetWallet(chain);
  chain.mine(initialBlocks);

  const server = createDevnetServer({
    name: 'bitcoin devnet',
    logger,
    handle,
    faultResponses: {
      http429: { contentType: 'text/plain', body: 'Too Many Requests' },
      http503: { contentType: 'text/plain', body: 'Service Unavailable' },
      malformed: { contentType: 'application/json', body: MALFORMED_BODY },
    },
    internalError: { contentType: 'text/plain', body: 'internal error' },
    bodyTooLargeAs413: true,
  });

  const toPayment = (sent: SentTransaction): BitcoinDevnetPayment => ({ txid: sent.txid, feeSats: sent.feeSats, vsize: sent.vsize, hex: sent.hex });
  const mine = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new RangeError(`blocks must be a whole number from 1 to 10000, got ${n}`);
    chain.mine(n);
    return chain.height();
  };
  const reorg = (depth: number, reorgOptions: { dropTransactions?: boolean } = {}): void => {
    chain.reorg(depth, { dropTransactions: reorgOptions.dropTransactions === true, conflictFor: (dropped) => wallet.conflictFor(dropped) });
  };

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/devnet/faucet' && req.method === 'GET') {
      sendJson(res, 200, { network, addressFormat, address: chain.faucet.address, wif: chain.faucet.wif, spendableSats: wallet.spendableBalance() });
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 404, { error: `no devnet route ${req.method ?? ''} ${path}` });
      return;
    }
    const text = (await readBody(req)).trim();
    let body: Record<string, unknown> = {};
    if (text !== '') {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ControlError('expected a JSON object');
      body = parsed as Record<string, unknown>;
    }
    switch (path) {
      // Like anvil's evm_mine: lets a node that did not start this devnet mine on it.
      case '/devnet/mine': {
        const blocks = body.blocks === undefined ? 1 : Number(body.blocks);
        if (!Number.isInteger(blocks) || blocks < 1 || blocks > 1000) throw new ControlError('blocks must be a whole number from 1 to 1000');
        const before = chain.height();
        const height = mine(blocks);
        const hashes: string[] = [];
        for (let h = before + 1; h <= height; h++) hashes.push(chain.blockAt(h)?.hash ?? '');
        sendJson(res, 200, { height, hashes });
        return;
      }
      case '/devnet/pay':
        sendJson(res, 200, toPayment(wallet.pay(controlPayRequest(body))));
        return;
      case '/devnet/reorg': {
        const depth = Number(body.depth);
        reorg(depth, { dropTransactions: body.dropTransactions === true });
        sendJson(res, 200, { height: chain.height(), tip: chain.tip().hash });
        return;
      }
      default:
        sendJson(res, 404, { error: `no devnet route POST ${path}` });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';

    // The devnet's own control routes are not part of the simulated provider: no faults there.
    if (path.startsWith('/devnet/')) {
      server.count(`${method} ${path}`);
      try {
        await handleControl(req, res, path);
      } catch (error) {
        const status = error instanceof ControlError || error instanceof SyntaxError || error instanceof RangeError || error instanceof MempoolRejection ? 400 : 500;
        if (status === 500) logger.error({ err: (error as Error).message, path }, 'bitcoin devnet: control request failed');
        sendJson(res, status, { error: (error as Error).message });
      }
      return;
    }

    const isRpc = path === '/rpc';
    const esploraPath = path === '/api' ? '/' : path.startsWith('/api/') ? path.slice(4) : path;
    const esplora = isRpc ? null : matchEsploraRoute(method, esploraPath);
    server.count(isRpc ? `${method} /rpc` : (esplora?.route ?? `${method} ${path}`));

    if (server.answerFault(res)) return;

    if (isRpc) {
      if (method !== 'POST') {
        send(res, 405, 'text/plain', 'JSONRPC server handles only POST requests');
        return;
      }
      if (options.rpcAuth && !basicAuthMatches(req.headers.authorization, options.rpcAuth)) {
        send(res, 401, 'text/html', '', { 'www-authenticate': 'Basic realm="jsonrpc"' });
        return;
      }
      const reply = handleRpcBody(await readBody(req), chain);
      for (const name of reply.methods) server.count(`rpc ${name}`);
      if (reply.status === 204) {
        res.writeHead(204);
        res.end();
        return;
      }
      send(res, reply.status, 'application/json', reply.body);
      return;
    }

    if (!esplora) {
      const response = unknownEndpoint(esploraPath);
      send(res, response.status, response.contentType, response.body);
      return;
    }
    const body = method === 'POST' ? await readBody(req) : '';
    const response = esplora.run(chain, url.searchParams, body);
    send(res, response.status, response.contentType, method === 'HEAD' ? '' : response.body);
  }

  const url = await server.listen(host, options.port ?? 0);
  server.mineEvery(blockTimeMs, () => chain.mine(1));

  logger.info({ url, network, addressFormat, blockTimeMs, height: chain.height(), faucet: chain.faucet.address }, 'bitcoin devnet: listening');

  // The chain is synchronous; promises keep the API shape of the other devnets and turn throws into rejections.
  const run = <T>(task: () => T): Promise<T> => {
    try {
      return Promise.resolve(task());
    } catch (error) {
      return Promise.reject(error);
    }
  };

  return {
    url,
    rpcUrl: `${url}/rpc`,
    network,
    addressFormat,
    faucet: { address: chain.faucet.address, wif: chain.faucet.wif },
    mine: (n) => run(() => mine(n)),
    pay: (request) => run(() => toPayment(wallet.pay(request))),
    replace: (txid, request) => run(() => toPayment(wallet.replace(txid, request))),
    doubleSpend: (txid) => run(() => ({ txid: wallet.doubleSpend(txid).txid })),
    reorg: (depth, reorgOptions) => run(() => reorg(depth, reorgOptions)),
    setFault: (mode) => server.setFault(mode),
    requestCounts: () => server.requestCounts(),
    resetCounts: () => server.resetCounts(),
    stop: () => server.stop(),
  };
}
