// What an operator reads in /healthz when an RPC provider misbehaves must name the real fault: a
// 200 whose body is not JSON (a proxy's error page, an answer cut off midway) is the provider's
// answer, not a connection failure. Found by the fault suite (test/faults, rpc-faults: malformed
// and truncated windows showed "connection failed: Expected ':' after property name in JSON").
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFailoverRpc } from '../../../src-server/chains/evm/rpc-failover.ts';

let server: Server;
let url: string;
let body = '';

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('RPC endpoint errors as /healthz shows them', () => {
  it.each([
    ['a body that is not JSON', '{"jsonrpc":"2.0","id":1,"result":0x1f,,}<html>bad gateway</html>'],
    ['an answer cut off halfway', '{"jsonrpc":"2.0","id":1,"resu'],
  ])('%s is reported as such, not as a connection failure', async (_what, answer) => {
    body = answer;
    const rpc = createFailoverRpc({ chain: 'devnet', rpcUrls: [url] });
    await expect(rpc.request({ method: 'eth_blockNumber' })).rejects.toThrow(/every RPC endpoint for devnet failed eth_blockNumber/);
    const [health] = rpc.health();
    expect(health?.lastError).toMatch(/^response is not JSON: /);
    expect(health?.lastError).not.toMatch(/connection failed/);
  });

  it('a refused connection is still a connection failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const rpc = createFailoverRpc({ chain: 'devnet', rpcUrls: [`http://127.0.0.1:${port}`] });
    await expect(rpc.request({ method: 'eth_blockNumber' })).rejects.toThrow();
    expect(rpc.health()[0]?.lastError).toMatch(/^connection failed/);
  });
});
