// Each provider on its own: localtunnel against a loopback localtunnel server, cloudflared with a
// fake binary, ngrok with the SDK injected (no internet here), custom URL rules.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCloudflaredProvider, parseQuickTunnelUrl } from '../../../src-server/tunnel/cloudflared.ts';
import { checkCustomUrl, createCustomProvider } from '../../../src-server/tunnel/custom.ts';
import { createLocaltunnelProvider } from '../../../src-server/tunnel/localtunnel.ts';
import { createNgrokProvider, type NgrokModule } from '../../../src-server/tunnel/ngrok.ts';
import { TunnelError, type ProviderConnectContext, type TunnelConnection, type TunnelTarget } from '../../../src-server/tunnel/types.ts';
import { installFakeCloudflared } from '../../helpers/fake-cloudflared.ts';
import { startLocaltunnelServer, type LocaltunnelServer } from '../../helpers/localtunnel-server.ts';

const logger = pino({ level: 'silent' });
let target: TunnelTarget;
let local: Server;
const open: TunnelConnection[] = [];

function ctx(options: ProviderConnectContext['options'], extra: Partial<ProviderConnectContext> = {}): ProviderConnectContext & { downs: Error[] } {
  const downs: Error[] = [];
  return { target, options, signal: AbortSignal.timeout(10_000), onDown: (e) => downs.push(e), logger, downs, ...extra };
}

async function deadline<T>(fn: () => T | null | undefined | false, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  // Stands in for the public listener.
  local = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', path: req.url, host: req.headers.host }));
  });
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', () => r()));
  target = { host: '127.0.0.1', port: (local.address() as AddressInfo).port };
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  local.closeAllConnections();
  await new Promise((r) => local.close(r));
});

describe('localtunnel provider', () => {
  let lt: LocaltunnelServer;
  beforeAll(async () => {
    lt = await startLocaltunnelServer();
  });
  afterAll(async () => lt.kill());

  it('registers, opens sockets, and requests through the tunnel URL reach the target', async () => {
    const c = ctx({ host: lt.url });
    const conn = await createLocaltunnelProvider().connect(c);
    open.push(conn);
    expect(conn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${conn.url}/checkout/pi_123?x=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', path: '/checkout/pi_123?x=1' });
    expect(lt.forwarded()).toBeGreaterThanOrEqual(1);
    expect(c.downs).toEqual([]);
  });

  it('a requested subdomain is asked for by name; a refused one is a clear, final error', async () => {
    const conn = await createLocaltunnelProvider().connect(ctx({ host: lt.url, subdomain: 'my-shop' }));
    open.push(conn);
    expect(lt.clients().map((c) => c.id)).toContain('my-shop');
    const err = await createLocaltunnelProvider().connect(ctx({ host: lt.url, subdomain: 'my-shop' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TunnelError);
    expect(err).toMatchObject({ retryable: false, message: expect.stringContaining('subdomain my-shop is in use') });
  });

  it('an unreachable server fails the attempt (retryable) instead of hanging', async () => {
    const gone = await startLocaltunnelServer();
    await gone.kill();
    const err = await createLocaltunnelProvider().connect(ctx({ host: gone.url })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TunnelError', retryable: true, message: expect.stringMatching(/unreachable \(ECONNREFUSED\)/) });
  });

  it('reports the tunnel down when the server dies', async () => {
    const dying = await startLocaltunnelServer();
    const c = ctx({ host: dying.url });
    open.push(await createLocaltunnelProvider().connect(c));
    await dying.kill();
    const [down] = await deadline(() => (c.downs.length ? c.downs : null), 'onDown');
    expect(down!.message).toMatch(/localtunnel connection lost/);
  });
});

describe('cloudflared provider', () => {
  const root = mkdtempSync(join(tmpdir(), 'kassa-cloudflared-'));
  const fake = installFakeCloudflared(root);

  it('finds the quick-tunnel URL in a log line', () => {
    expect(parseQuickTunnelUrl('2024-05-01T10:00:00Z INF |  https://some-words-here.trycloudflare.com     |')).toBe('https://some-words-here.trycloudflare.com');
    expect(parseQuickTunnelUrl('INF Requesting new quick Tunnel on trycloudflare.com...')).toBeNull();
    expect(parseQuickTunnelUrl('https://api.trycloudflare.com.evil.example/x')).toBeNull();
  });

  it('spawns `cloudflared tunnel --no-autoupdate --url <target>` and reads the URL', async () => {
    fake.setMode('stay');
    const before = fake.starts().length;
    const conn = await createCloudflaredProvider().connect(ctx({ bin: fake.bin }));
    open.push(conn);
    expect(conn.url).toMatch(/^https:\/\/fake-quick-\d+\.trycloudflare\.com$/);
    expect(fake.starts()[before]).toEqual(['tunnel', '--no-autoupdate', '--url', `http://127.0.0.1:${target.port}`]);
  });

  it('runs `cloudflared` from PATH when no path is configured', async () => {
    fake.setMode('stay');
    const conn = await createCloudflaredProvider({ env: { ...process.env, PATH: `${fake.dir}:${process.env.PATH}` } }).connect(ctx({}));
    open.push(conn);
    expect(conn.url).toMatch(/trycloudflare\.com$/);
  });

  it('reports the process exit as a drop', async () => {
    fake.setMode('exit-after-url');
    const c = ctx({ bin: fake.bin });
    open.push(await createCloudflaredProvider().connect(c));
    const [down] = await deadline(() => (c.downs.length ? c.downs : null), 'onDown');
    expect(down!.message).toMatch(/cloudflared exited \(code 3\): .*connection lost, exiting/);
  });

  it('an exit before the URL fails the attempt with its last log line', async () => {
    fake.setMode('exit-before-url');
    const err = await createCloudflaredProvider().connect(ctx({ bin: fake.bin })).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, message: expect.stringMatching(/exited \(code 1\) before the tunnel was up: .*429 Too Many Requests/) });
  });

  it('a missing binary is a clear, final error', async () => {
    const err = await createCloudflaredProvider({ env: { PATH: root } }).connect(ctx({})).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'binary_missing', retryable: false, message: expect.stringMatching(/^cloudflared not found \(cloudflared\): install it .* or pass its path/) });
    const err2 = await createCloudflaredProvider().connect(ctx({ bin: join(root, 'nope', 'cloudflared') })).catch((e: unknown) => e);
    expect(err2).toMatchObject({ code: 'binary_missing', retryable: false });
  });
});

describe('ngrok provider', () => {
  function fakeNgrok(behaviour: { fail?: string } = {}) {
    const calls: Parameters<NgrokModule['forward']>[0][] = [];
    let closed = 0;
    const mod: NgrokModule = {
      async forward(config) {
        calls.push(config);
        if (behaviour.fail) throw new Error(behaviour.fail);
        return { url: () => 'https://abc123.ngrok-free.app', close: async () => void (closed += 1) };
      },
    };
    return { mod, calls, closed: () => closed };
  }

  it('forwards to the target with the authtoken and reports the URL; close closes the listener', async () => {
    const f = fakeNgrok();
    const conn = await createNgrokProvider({ authtoken: () => 'tok_secret_123', load: async () => f.mod }).connect(ctx({ domain: 'shop.ngrok.app' }));
    expect(conn.url).toBe('https://abc123.ngrok-free.app');
    expect(f.calls[0]).toMatchObject({ addr: `http://127.0.0.1:${target.port}`, authtoken: 'tok_secret_123', domain: 'shop.ngrok.app' });
    await conn.close();
    expect(f.closed()).toBe(1);
  });

  it('a session reported closed is a drop', async () => {
    const f = fakeNgrok();
    const c = ctx({});
    open.push(await createNgrokProvider({ authtoken: () => 'tok_secret_123', load: async () => f.mod }).connect(c));
    f.calls[0]!.onStatusChange!('closed');
    expect(c.downs.map((e) => e.message)).toEqual(['ngrok session closed']);
  });

  it('no authtoken: a clear, final error, and the SDK is never loaded', async () => {
    let loaded = false;
    const err = await createNgrokProvider({ authtoken: () => null, load: async () => { loaded = true; return fakeNgrok().mod; } }).connect(ctx({})).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'authtoken_missing', retryable: false, message: expect.stringContaining('NGROK_AUTHTOKEN') });
    expect(loaded).toBe(false);
  });

  it('a rejected authtoken is final, a network failure is retried, and the token never appears in the message', async () => {
    const bad = await createNgrokProvider({ authtoken: () => 'tok_secret_123', load: async () => fakeNgrok({ fail: 'failed to connect session: ERR_NGROK_105 The authtoken you specified does not look like a proper ngrok tunnel authtoken: tok_secret_123' }).mod })
      .connect(ctx({})).catch((e: unknown) => e as TunnelError);
    expect(bad).toMatchObject({ retryable: false });
    expect((bad as Error).message).not.toContain('tok_secret_123');
    const net = await createNgrokProvider({ authtoken: () => 'tok_secret_123', load: async () => fakeNgrok({ fail: 'failed to connect session: dns error: failed to lookup address' }).mod })
      .connect(ctx({})).catch((e: unknown) => e);
    expect(net).toMatchObject({ retryable: true, message: 'ngrok: failed to connect session: dns error: failed to lookup address' });
  });
});

describe('custom provider', () => {
  it.each([
    ['https://pay.example.com', { url: 'https://pay.example.com' }],
    ['https://pay.example.com/kassa/', { url: 'https://pay.example.com/kassa' }],
    ['http://127.0.0.1:8421', { url: 'http://127.0.0.1:8421' }],
    ['http://localhost:8421', { url: 'http://localhost:8421' }],
    ['http://[::1]:8421', { url: 'http://[::1]:8421' }],
    ['http://pay.example.com', { error: 'must use https (http only for a loopback address)' }],
    ['ftp://pay.example.com', { error: 'must be an http(s) URL' }],
    ['pay.example.com', { error: 'must be an absolute URL such as https://pay.example.com' }],
    ['https://user:pw@pay.example.com', { error: 'must not contain credentials' }],
    ['https://pay.example.com/?a=1', { error: 'must not have a query or fragment' }],
  ])('%s → %j', (input, expected) => {
    expect(checkCustomUrl(input)).toEqual(expected);
  });

  it('with probe, connects only when the URL answers as the public listener does', async () => {
    const ok = await createCustomProvider().connect(ctx({ url: `http://127.0.0.1:${target.port}`, probe: true }));
    expect(ok.url).toBe(`http://127.0.0.1:${target.port}`);
    const other = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const port = (other.address() as AddressInfo).port;
    const err = await createCustomProvider().connect(ctx({ url: `http://127.0.0.1:${port}`, probe: true })).catch((e: unknown) => e);
    await new Promise((r) => other.close(r));
    expect(err).toMatchObject({ code: 'probe_failed', retryable: true, message: `custom url http://127.0.0.1:${port} does not answer as this node's public listener (HTTP 404 where the listener answers 200)` });
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
    const closedPort = (gone.address() as AddressInfo).port;
    await new Promise((r) => gone.close(r));
    const refused = await createCustomProvider().connect(ctx({ url: `http://127.0.0.1:${closedPort}`, probe: true })).catch((e: unknown) => e);
    expect((refused as Error).message).toBe(`custom url http://127.0.0.1:${closedPort} does not answer as this node's public listener (ECONNREFUSED)`);
  });
});
