// A loopback HTTP proxy in front of a devnet (any path and method) that counts requests and can
// play a failing provider. Answers go back as the upstream's bytes, so raw blocks survive untouched.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback, readBody } from './rpc-proxy.ts';

/**
 * pass: forward. close: drop the connection unanswered. http503: answer 503. http429: answer 429
 * with Retry-After: 1. hang: never answer (until close()). malformed: HTTP 200 with a body cut off
 * mid-JSON.
 */
export type FailingProxyMode = 'pass' | 'close' | 'http503' | 'http429' | 'hang' | 'malformed';

export interface FailingProxy<Mode extends FailingProxyMode = FailingProxyMode> {
  url: string;
  setMode(mode: Mode): void;
  /** Requests received per count key since the last reset, in every mode. */
  counts(): Record<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

export interface FailingProxyOptions {
  /** Loopback only. */
  target: string;
  /** Names the proxy in its errors and its 503 body, e.g. 'tron proxy'. */
  name: string;
  /** The key a request counts under. */
  countKey(method: string, url: URL): string;
  /** The body of 'malformed'. */
  malformedBody: string;
  /** The JSON body of 'http429'. */
  rateLimitedBody?: string;
}

/** Request headers the upstream sees; the rest (host, content-length, connection) are fetch's. */
const FORWARDED_HEADERS = ['content-type', 'accept', 'authorization'];

export async function startFailingProxy<Mode extends FailingProxyMode>(options: FailingProxyOptions): Promise<FailingProxy<Mode>> {
  const { name } = options;
  const target = new URL(options.target);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') throw new Error(`${name} only forwards to loopback, not ${target.hostname}`);
  let mode: FailingProxyMode = 'pass';
  let counts: Record<string, number> = {};

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', target);
    const key = options.countKey(req.method ?? 'GET', url);
    counts[key] = (counts[key] ?? 0) + 1;
    switch (mode) {
      case 'close':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'http503':
        res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' });
        res.end(`Service Unavailable (${name} switched to fail)`);
        return;
      case 'http429':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(options.rateLimitedBody ?? '');
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(options.malformedBody);
        return;
      case 'pass':
        break;
    }
    try {
      const headers: Record<string, string> = {};
      for (const header of FORWARDED_HEADERS) {
        const value = req.headers[header];
        if (typeof value === 'string') headers[header] = value;
      }
      const upstream = await fetch(url, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body });
      const bytes = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream', 'content-length': bytes.length });
      res.end(bytes);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${name} upstream error: ${(error as Error).message}`);
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

/** Per-key differences `after - before` (keys with no change left out). */
export function countsDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, n] of Object.entries(after)) {
    const d = n - (before[key] ?? 0);
    if (d !== 0) delta[key] = d;
  }
  return delta;
}
