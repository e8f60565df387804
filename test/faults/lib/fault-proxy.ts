// A loopback fault proxy between the node and one devnet, generic over HTTP (EVM and bitcoind
// JSON-RPC, Tron's java-tron API, Esplora REST): it forwards, or answers as a failing provider
// does — 5xx, a hang until the client gives up, a 200 whose body is not JSON, a real answer cut
// off halfway, a full outage (every connection dropped), a chain head that goes backwards (head
// requests answered with what the head was some seconds ago, everything else forwarded), or a head
// a few blocks ahead of the blocks it serves (a load balancer whose nodes are not in sync). Tron's
// head is a signed block, so it cannot run ahead: that proxy forwards it unchanged. 'flaky' fails a
// random third of the requests, so a scan breaks between its head, logs and block requests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback, readBody } from '../../helpers/rpc-proxy.ts';

export type FaultMode = 'pass' | 'http500' | 'http503' | 'hang' | 'malformed' | 'truncated' | 'outage' | 'stale-head' | 'head-ahead' | 'flaky';
export const FAULT_MODES: readonly Exclude<FaultMode, 'pass'>[] = ['http500', 'http503', 'hang', 'malformed', 'truncated', 'outage', 'stale-head', 'head-ahead', 'flaky'];

/** What 'flaky' answers a request with: mostly the truth, else one of the failures (so scans break midway, not only at the head). */
const FLAKY_CHOICES: readonly FaultMode[] = ['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'http500', 'http503', 'malformed', 'truncated', 'outage', 'hang'];

/** Blocks a 'head-ahead' provider claims beyond the blocks it can serve. */
const HEAD_AHEAD_BY = 3;

/** How head requests are recognised: JSON-RPC methods, or URL paths (after an /api prefix). */
export interface HeadRequests {
  rpcMethods?: readonly string[];
  paths?: readonly string[];
}

export const HEAD_REQUESTS = {
  evm: { rpcMethods: ['eth_blockNumber'] },
  tron: { paths: ['/wallet/getnowblock', '/walletsolidity/getnowblock'] },
  esplora: { paths: ['/blocks/tip/height', '/blocks/tip/hash'] },
  bitcoind: { rpcMethods: ['getblockcount', 'getbestblockhash'] },
} as const satisfies Record<string, HeadRequests>;

export interface FaultProxy {
  url: string;
  name: string;
  mode(): FaultMode;
  /** stale-head serves the head as it was `staleHeadAgeMs` ago (default 8 s). */
  setMode(mode: FaultMode, options?: { staleHeadAgeMs?: number }): void;
  /** Requests answered with a fault so far. */
  faulted(): number;
  /** Head answers rewritten to an older (stale-head) or a newer (head-ahead) head so far. */
  staleHeads(): number;
  requests(): number;
  close(): Promise<void>;
}

interface Recorded {
  at: number;
  /** JSON-RPC: the result; HTTP: the whole answer. */
  result?: unknown;
  status?: number;
  contentType?: string;
  body?: Buffer;
}

const HISTORY_MS = 120_000;
const FORWARDED_HEADERS = ['content-type', 'accept', 'authorization'];

export async function startFaultProxy(options: { name: string; target: string; heads: HeadRequests; random: () => number }): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') throw new Error(`${options.name}: only forwards to loopback`);
  let mode: FaultMode = 'pass';
  let staleAgeMs = 8_000;
  let faulted = 0;
  let stale = 0;
  let requests = 0;
  /** Head answers seen, per head key, oldest first. */
  const history = new Map<string, Recorded[]>();
  const rpcHeads = new Set(options.heads.rpcMethods ?? []);
  const pathHeads = new Set(options.heads.paths ?? []);

  const remember = (key: string, entry: Recorded) => {
    const list = history.get(key) ?? [];
    list.push(entry);
    while (list.length > 0 && list[0]!.at < entry.at - HISTORY_MS) list.shift();
    history.set(key, list);
  };
  /** The newest answer at least staleAgeMs old (else the oldest kept). */
  const older = (key: string): Recorded | undefined => {
    const list = history.get(key);
    if (!list || list.length === 0) return undefined;
    const cutoff = Date.now() - staleAgeMs;
    let found = list[0];
    for (const entry of list) if (entry.at <= cutoff) found = entry;
    return found;
  };

  const forward = async (req: IncomingMessage, body: string): Promise<{ status: number; contentType: string; bytes: Buffer }> => {
    const url = new URL(req.url ?? '/', target);
    const headers: Record<string, string> = {};
    for (const header of FORWARDED_HEADERS) {
      const value = req.headers[header];
      if (typeof value === 'string') headers[header] = value;
    }
    const upstream = await fetch(url, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body });
    return { status: upstream.status, contentType: upstream.headers.get('content-type') ?? 'application/octet-stream', bytes: Buffer.from(await upstream.arrayBuffer()) };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    requests++;
    const current = mode === 'flaky' ? FLAKY_CHOICES[Math.floor(options.random() * FLAKY_CHOICES.length)]! : mode;
    switch (current) {
      case 'outage':
        faulted++;
        req.socket.destroy();
        return;
      case 'hang':
        faulted++;
        return; // the client's own timeout ends it (close() drops it otherwise)
      case 'http500':
      case 'http503':
        faulted++;
        res.writeHead(current === 'http500' ? 500 : 503, { 'content-type': 'text/html', connection: 'close' });
        res.end(`<html><body><h1>${current === 'http500' ? '500 Internal Server Error' : '503 Service Unavailable'}</h1>${options.name}</body></html>`);
        return;
      case 'malformed':
        faulted++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"jsonrpc":"2.0","id":1,"result":0x1f,,}<html>bad gateway</html>');
        return;
      default:
        break;
    }
    let answer: { status: number; contentType: string; bytes: Buffer };
    try {
      answer = await forward(req, body);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${options.name} upstream error: ${(error as Error).message}`);
      return;
    }
    if (current === 'truncated') {
      faulted++;
      const cut = answer.bytes.subarray(0, Math.max(1, Math.floor(answer.bytes.length / 2)));
      res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': cut.length });
      res.end(cut);
      return;
    }
    answer = rewriteHeads(req, body, answer, current);
    res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': answer.bytes.length });
    res.end(answer.bytes);
  };

  /** Records head answers; in stale mode replaces them with older ones. */
  function rewriteHeads(req: IncomingMessage, body: string, answer: { status: number; contentType: string; bytes: Buffer }, current: FaultMode) {
    const now = Date.now();
    const makeStale = current === 'stale-head';
    const path = new URL(req.url ?? '/', target).pathname.replace(/^\/api(?=\/)/, '').replace(/\/+$/, '');
    if (current === 'head-ahead' && path === '/blocks/tip/height' && answer.status === 200) {
      stale++;
      return { ...answer, bytes: Buffer.from(String(Number(answer.bytes.toString('utf8')) + HEAD_AHEAD_BY)) };
    }
    if (pathHeads.has(path)) {
      const key = `${req.method} ${path}`;
      if (makeStale) {
        const old = older(key);
        if (old?.body) {
          stale++;
          return { status: old.status!, contentType: old.contentType!, bytes: old.body };
        }
      } else if (answer.status === 200) {
        remember(key, { at: now, status: answer.status, contentType: answer.contentType, body: answer.bytes });
      }
      return answer;
    }
    if (rpcHeads.size === 0) return answer;
    let request: unknown;
    let response: unknown;
    try {
      request = JSON.parse(body);
      response = JSON.parse(answer.bytes.toString('utf8'));
    } catch {
      return answer;
    }
    const requests = Array.isArray(request) ? request : [request];
    const responses = Array.isArray(response) ? response : [response];
    let changed = false;
    for (const item of requests as { id?: unknown; method?: unknown }[]) {
      if (typeof item?.method !== 'string' || !rpcHeads.has(item.method)) continue;
      const reply = (responses as { id?: unknown; result?: unknown }[]).find((r) => r && r.id === item.id);
      if (!reply || !('result' in reply)) continue;
      if (current === 'head-ahead') {
        if (typeof reply.result === 'string' && reply.result.startsWith('0x')) reply.result = `0x${(BigInt(reply.result) + BigInt(HEAD_AHEAD_BY)).toString(16)}`;
        else if (typeof reply.result === 'number') reply.result += HEAD_AHEAD_BY;
        else continue;
        stale++;
        changed = true;
      } else if (makeStale) {
        const old = older(item.method);
        if (old && old.result !== reply.result) {
          reply.result = old.result;
          stale++;
          changed = true;
        }
      } else {
        remember(item.method, { at: now, result: reply.result });
      }
    }
    if (!changed) return answer;
    return { ...answer, bytes: Buffer.from(JSON.stringify(Array.isArray(response) ? responses : responses[0]), 'utf8') };
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    name: options.name,
    mode: () => mode,
    setMode(next, opts) {
      mode = next;
      if (opts?.staleHeadAgeMs !== undefined) staleAgeMs = opts.staleHeadAgeMs;
    },
    faulted: () => faulted,
    staleHeads: () => stale,
    requests: () => requests,
    close,
  };
}
