// One delivery attempt over real loopback HTTP: what counts as success, and what the log keeps.
import http, { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postWebhook, RESPONSE_BODY_LIMIT } from '../../../src-server/webhooks/dispatcher.ts';
import { closedLoopbackPort, listenOnLoopback, readBody } from '../../helpers/rpc-proxy.ts';

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
afterAll(() => {
  agents.http.destroy();
  agents.https.destroy();
});

let closeServer: (() => Promise<void>) | null = null;
afterEach(async () => {
  await closeServer?.();
  closeServer = null;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const server = createServer(async (req, res) => handler(req, res, await readBody(req)));
  const { port, close } = await listenOnLoopback(server);
  closeServer = close;
  return `http://127.0.0.1:${port}/hook`;
}

const send = (url: string, opts: { timeoutMs?: number; publicOnly?: boolean } = {}) =>
  postWebhook(url, { 'content-type': 'application/json', 'x-test': 'yes' }, '{"hello":"world"}', { timeoutMs: opts.timeoutMs ?? 2000, agents, publicOnly: opts.publicOnly ?? false }).done;

describe('postWebhook', () => {
  it('sends the body and headers as given and keeps the response', async () => {
    let seen: { method?: string; headers?: http.IncomingHttpHeaders; body?: string } = {};
    const url = await serve((req, res, body) => {
      seen = { method: req.method, headers: req.headers, body };
      res.writeHead(202).end('accepted');
    });
    expect(await send(url)).toEqual({ status: 202, body: 'accepted', truncated: false, error: null });
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('{"hello":"world"}');
    expect(seen.headers).toMatchObject({ 'x-test': 'yes', 'content-type': 'application/json', 'content-length': '17' });
  });

  it('keeps at most 4 KB of a large response body and says it cut it', async () => {
    const url = await serve((_req, res) => res.writeHead(500).end('x'.repeat(100_000)));
    const result = await send(url);
    expect(result.status).toBe(500);
    expect(result.body.length).toBe(RESPONSE_BODY_LIMIT);
    expect(result.truncated).toBe(true);
  });

  it('a receiver slower than the timeout fails the attempt with a clear error', async () => {
    const url = await serve((_req, res) => setTimeout(() => res.writeHead(200).end('late'), 1500));
    const started = Date.now();
    const result = await send(url, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(1200);
    expect(result).toMatchObject({ status: null, error: 'timed out after 300 ms without a response' });
  });

  it('does not follow redirects', async () => {
    let hits = 0;
    const url = await serve((req, res) => {
      hits++;
      if (req.url === '/hook') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(200).end('followed');
    });
    const result = await send(url);
    expect(result.status).toBe(302);
    expect(hits).toBe(1);
  });

  it('a closed port is an error naming the refusal', async () => {
    const result = await send(`http://127.0.0.1:${await closedLoopbackPort()}/hook`);
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('with publicOnly, a loopback target is refused before anything is sent', async () => {
    let hits = 0;
    const url = await serve((_req, res) => {
      hits++;
      res.writeHead(200).end();
    });
    expect((await send(url, { publicOnly: true })).error).toMatch(/non-public address/);
    expect((await send(url.replace('127.0.0.1', 'localhost'), { publicOnly: true })).error).toMatch(/non-public address/);
    expect(hits).toBe(0);
  });
});
