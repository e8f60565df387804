// A loopback HTTP proxy in front of a JSON-RPC node: counts requests by method (each element of a
// batch counts) and can be switched to fail, so tests can observe what an adapter really sends.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * pass: forward. close: drop the connection unanswered. http503: answer 503. internalError: answer
 * HTTP 200 with JSON-RPC error -32603 for every element. hang: never answer (until close()).
 */
export type RpcProxyMode = 'pass' | 'close' | 'http503' | 'internalError' | 'hang';

export interface RpcProxy {
  url: string;
  port: number;
  setMode(mode: RpcProxyMode): void;
  /** Refuse eth_getLogs spanning more than this many blocks, as public nodes do (null = no limit). */
  setLogsRangeLimit(blocks: number | null): void;
  /** JSON-RPC requests received per method since the last reset, in every mode. */
  counts(): Record<string, number>;
  /** Sum of counts(). */
  total(): number;
  /** HTTP requests received (a batch is one HTTP request). */
  httpRequests(): number;
  reset(): void;
  close(): Promise<void>;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function internalErrorFor(body: string): string {
  const error = { code: -32603, message: 'internal error (rpc-proxy switched to fail)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return JSON.stringify({ jsonrpc: '2.0', id: null, error });
  }
  const answer = (item: unknown) => ({ jsonrpc: '2.0', id: (item as { id?: unknown })?.id ?? null, error });
  return JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed));
}

/** The JSON-RPC error a BSC node sends for a too-wide eth_getLogs, or null to forward. */
function refuseLargeLogsRange(body: string, limit: number | null): string | null {
  if (limit === null) return null;
  let request: { id?: unknown; method?: unknown; params?: unknown };
  try {
    request = JSON.parse(body) as typeof request;
  } catch {
    return null;
  }
  if (Array.isArray(request) || request.method !== 'eth_getLogs' || !Array.isArray(request.params)) return null;
  const filter = request.params[0] as { fromBlock?: string; toBlock?: string } | undefined;
  if (!filter?.fromBlock?.startsWith('0x') || !filter.toBlock?.startsWith('0x')) return null;
  const span = Number.parseInt(filter.toBlock, 16) - Number.parseInt(filter.fromBlock, 16) + 1;
  if (span <= limit) return null;
  return JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, error: { code: -32000, message: `exceed maximum block range: ${limit}` } });
}

export async function startRpcProxy(options: { target: string }): Promise<RpcProxy> {
  const target = new URL(options.target);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
    throw new Error(`rpc-proxy only forwards to loopback, not ${target.hostname}`);
  }
  let mode: RpcProxyMode = 'pass';
  let counts: Record<string, number> = {};
  let httpCount = 0;
  let logsRangeLimit: number | null = null;

  const count = (body: string): void => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      counts['<unparseable>'] = (counts['<unparseable>'] ?? 0) + 1;
      return;
    }
    for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
      const method = typeof (item as { method?: unknown })?.method === 'string' ? (item as { method: string }).method : '<no method>';
      counts[method] = (counts[method] ?? 0) + 1;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    httpCount++;
    count(body);
    if (mode === 'close') {
      req.socket.destroy();
      return;
    }
    if (mode === 'hang') return;
    if (mode === 'internalError') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(internalErrorFor(body));
      return;
    }
    if (mode === 'http503') {
      res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' });
      res.end('service unavailable (rpc-proxy switched to fail)');
      return;
    }
    const refusal = refuseLargeLogsRange(body, logsRangeLimit);
    if (refusal) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(refusal);
      return;
    }
    try {
      const upstream = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await upstream.text();
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`rpc-proxy upstream error: ${(error as Error).message}`);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  const { port, close } = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setMode(next) {
      mode = next;
    },
    setLogsRangeLimit(blocks) {
      logsRangeLimit = blocks;
    },
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    httpRequests: () => httpCount,
    reset() {
      counts = {};
      httpCount = 0;
    },
    close,
  };
}

/** Listens on a free loopback port; close() also drops open keep-alive connections. */
export async function listenOnLoopback(server: Server): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
