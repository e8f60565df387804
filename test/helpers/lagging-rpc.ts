// A loopback JSON-RPC endpoint in front of a real node that can pretend to be behind: with a head
// cap set it serves the same chain, but only up to that block (as a provider that has not synced
// the newest blocks yet does). Counts requests by method, like rpc-proxy.ts.
import { createServer, type Server } from 'node:http';
import { listenOnLoopback, readBody } from './rpc-proxy.ts';

export interface LaggingRpc {
  url: string;
  /** Serve the chain only up to `block` (null = pass everything through). */
  setHeadCap(block: number | null): void;
  counts(): Record<string, number>;
  close(): Promise<void>;
}

interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: unknown;
  method: string;
  params?: unknown[];
}

const hex = (n: number) => `0x${n.toString(16)}`;

export async function startLaggingRpc(options: { target: string }): Promise<LaggingRpc> {
  let cap: number | null = null;
  const counts: Record<string, number> = {};

  async function forward(request: JsonRpcRequest): Promise<unknown> {
    const res = await fetch(options.target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
    return res.json();
  }

  /** The answer a provider whose newest block is `cap` would give. */
  async function answer(request: JsonRpcRequest): Promise<unknown> {
    counts[request.method] = (counts[request.method] ?? 0) + 1;
    if (cap === null) return forward(request);
    const params = request.params ?? [];
    const result = (value: unknown) => ({ jsonrpc: '2.0', id: request.id, result: value });
    switch (request.method) {
      case 'eth_blockNumber': {
        const real = (await forward(request)) as { result: string };
        return result(hex(Math.min(Number.parseInt(real.result, 16), cap)));
      }
      case 'eth_getBlockByNumber': {
        const tag = params[0];
        if (tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized') return forward({ ...request, params: [hex(cap), ...params.slice(1)] });
        if (typeof tag === 'string' && Number.parseInt(tag, 16) > cap) return result(null);
        return forward(request);
      }
      case 'eth_getLogs': {
        const filter = { ...(params[0] as { fromBlock?: string; toBlock?: string }) };
        if (filter.fromBlock?.startsWith('0x') && Number.parseInt(filter.fromBlock, 16) > cap) return result([]);
        if (!filter.toBlock?.startsWith('0x') || Number.parseInt(filter.toBlock, 16) > cap) filter.toBlock = hex(cap);
        return forward({ ...request, params: [filter, ...params.slice(1)] });
      }
      default:
        return forward(request);
    }
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const parsed = JSON.parse(await readBody(req)) as JsonRpcRequest | JsonRpcRequest[];
        const body = Array.isArray(parsed) ? await Promise.all(parsed.map(answer)) : await answer(parsed);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      } catch (error) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`lagging-rpc: ${(error as Error).message}`);
      }
    })();
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    setHeadCap(block) {
      cap = block;
    },
    counts: () => ({ ...counts }),
    close,
  };
}
