// The tunnel round trip (issue 4 item 7) against a loopback localtunnel server: started from the CLI
// and from the API, the checkout page answers through it and the merchant API does not; new
// checkout_urls start with the tunnel URL; a server crash is seen as reconnecting and healed when the
// server returns; stop brings checkout_urls back to the public listener.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { apiClient, CLI, createApiKey, eventually, nodeEnv, ROOT, runCli, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { startLocaltunnelServer, type LocaltunnelServer } from '../../helpers/localtunnel-server.ts';

let lt: LocaltunnelServer;
let node: TestNode;
let api: ApiClient;
let key: string;
let home: string;

const NODE_CONFIG = {
  devnet: { tron: { enabled: false }, bitcoin: { enabled: false }, litecoin: { enabled: false } },
  tunnel: { reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, connectTimeoutMs: 5000 },
};

async function tunnel(): Promise<any> {
  const res = await api.get('/api/v1/tunnel');
  expect(res.status).toBe(200);
  return res.body.data;
}

async function newIntent(): Promise<{ id: string; checkout_url: string }> {
  const res = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '12.50' });
  expect(res.status).toBe(201);
  return res.body.data;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await runCli(home, args);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The CLI with `input` on its stdin (how an authtoken is given, never in argv). */
function cliWithStdin(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: nodeEnv(home), cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Everything a customer reaches through the tunnel, and everything they must not. */
async function expectOnlyCheckoutReachable(base: string, intentId: string): Promise<void> {
  const page = await fetch(`${base}/checkout/${intentId}`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const status = await fetch(`${base}/api/public/payment-intents/${intentId}`);
  expect(status.status).toBe(200);
  expect(status.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await status.text()).toContain(intentId);
  for (const path of ['/healthz', '/api/v1/payment-intents', `/api/v1/payment-intents/${intentId}`, '/api/v1/tunnel', '/api/v1/openapi.json', '/metrics', '/docs']) {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status, path).toBe(404);
    expect(await res.text(), path).not.toContain(intentId);
  }
  const post = await fetch(`${base}/api/v1/tunnel/stop`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
  expect(post.status).toBe(404);
}

beforeAll(async () => {
  lt = await startLocaltunnelServer();
  home = tempHome('kassa-tunnel-lt-');
  key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
  node = await startNode({ home, blockTime: 0, config: NODE_CONFIG });
  api = apiClient(node.merchantUrl, key);
});
afterAll(async () => {
  await node?.stop();
  await lt?.kill();
});

describe('localtunnel through the CLI', () => {
  it('`kassa tunnel start` waits for the running node to connect and prints the tunnel', async () => {
    expect((await tunnel())).toMatchObject({ status: 'stopped', url: null, public_base_url: node.publicUrl, node_running: true });
    const { code, stdout, stderr } = await cli(['tunnel', 'start', '--provider', 'localtunnel', '--host', lt.url, '--json']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const view = JSON.parse(stdout);
    const [client] = lt.clients();
    expect(view).toMatchObject({ object: 'tunnel', provider: 'localtunnel', status: 'connected', url: client!.url, public_base_url: client!.url, applied: true, node_running: true });
    expect(view.desired).toEqual({ enabled: true, provider: 'localtunnel', options: { host: lt.url } });
    const health = await (await fetch(`${node.merchantUrl}/healthz`)).json();
    expect(health.tunnel).toMatchObject({ provider: 'localtunnel', status: 'connected', url: client!.url, last_error: null });
    expect(typeof health.tunnel.since).toBe('string');
  });

  it('the checkout page answers through the tunnel, the merchant API, health, metrics and docs do not', async () => {
    const { url } = await tunnel();
    const intent = await newIntent();
    expect(intent.checkout_url).toBe(`${url}/checkout/${intent.id}`);
    await expectOnlyCheckoutReachable(url, intent.id);
    const human = await cli(['tunnel', 'status']);
    expect(human.stdout).toContain(`tunnel: connected (localtunnel)  ${url}`);
    expect(human.stdout).toContain(`checkout URLs start with: ${url}`);
  });

  it('a crashed tunnel server is seen as reconnecting (checkout_urls fall back) and healed when it is back', async () => {
    const before = await tunnel();
    await lt.kill();
    const down = await eventually(async () => {
      const t = await tunnel();
      return t.status === 'reconnecting' ? t : null;
    }, 'status reconnecting');
    expect(down).toMatchObject({ url: null, public_base_url: node.publicUrl });
    expect(down.last_error).toMatch(/localtunnel/);
    expect(down.attempts).toBeGreaterThanOrEqual(1);
    expect((await newIntent()).checkout_url.startsWith(`${node.publicUrl}/checkout/`)).toBe(true);
    const health = await (await fetch(`${node.merchantUrl}/healthz`)).json();
    expect(health.tunnel).toMatchObject({ status: 'reconnecting', url: null });

    lt = await startLocaltunnelServer({ port: lt.port });
    const up = await eventually(async () => {
      const t = await tunnel();
      return t.status === 'connected' ? t : null;
    }, 'status connected again');
    expect(up.url).not.toBe(before.url); // a new registration
    expect(up.url).toBe(lt.clients()[0]!.url);
    const intent = await newIntent();
    expect(intent.checkout_url).toBe(`${up.url}/checkout/${intent.id}`);
    await expectOnlyCheckoutReachable(up.url, intent.id);
  });

  it('`kassa tunnel stop` closes the tunnel and checkout_urls fall back to the public listener', async () => {
    const { url } = await tunnel();
    const { code, stdout } = await cli(['tunnel', 'stop', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'stopped', url: null, public_base_url: node.publicUrl, desired: { enabled: false } });
    expect((await newIntent()).checkout_url.startsWith(`${node.publicUrl}/checkout/`)).toBe(true);
    await eventually(async () => lt.clients().every((c) => c.sockets === 0), 'the client to close its sockets');
    const res = await fetch(`${url}/checkout/pi_x`, { signal: AbortSignal.timeout(3000) }).catch((e: Error) => e);
    // The server keeps the client's public port but nothing answers behind it.
    expect(res instanceof Error || res.status >= 500).toBe(true);
  });
});

describe('localtunnel through the admin API', () => {
  it('POST /api/v1/tunnel/start connects (waiting when asked) and POST /stop stops', async () => {
    const started = await api.post('/api/v1/tunnel/start', { provider: 'localtunnel', host: lt.url, subdomain: 'kassa-shop', wait_seconds: 20 });
    expect(started.status).toBe(200);
    expect(started.body.data).toMatchObject({ object: 'tunnel', provider: 'localtunnel', status: 'connected', applied: true });
    const url = started.body.data.url as string;
    expect(lt.clients().map((c) => c.id)).toContain('kassa-shop');
    const intent = await newIntent();
    expect(intent.checkout_url).toBe(`${url}/checkout/${intent.id}`);
    await expectOnlyCheckoutReachable(url, intent.id);

    const status = await cli(['tunnel', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'connected', url, node_running: true, applied: true });

    const stopped = await api.post('/api/v1/tunnel/stop', { wait_seconds: 10 });
    expect(stopped.status).toBe(200);
    expect(stopped.body.data).toMatchObject({ status: 'stopped', url: null, public_base_url: node.publicUrl });
  });

  it('bad input is a 4xx naming the field; the scopes guard the routes', async () => {
    const cases: [unknown, number, string, string | null][] = [
      [{ provider: 'carrier-pigeon' }, 400, 'parameter_invalid', 'provider'],
      [{}, 400, 'parameter_missing', 'provider'],
      [{ provider: 'custom', url: 'http://pay.example.com' }, 400, 'parameter_invalid', 'url'],
      [{ provider: 'custom' }, 400, 'parameter_missing', 'url'],
      [{ provider: 'localtunnel', subdomain: 'A!' }, 400, 'parameter_invalid', 'subdomain'],
      [{ provider: 'localtunnel', host: 'not a url' }, 400, 'parameter_invalid', 'host'],
      [{ provider: 'cloudflared', bin: '/bin/sh' }, 400, 'parameter_unknown', 'bin'],
      [{ provider: 'localtunnel', wait_seconds: 9999 }, 400, 'parameter_invalid', 'wait_seconds'],
      // No NGROK_AUTHTOKEN in the node's environment and none stored.
      [{ provider: 'ngrok' }, 400, 'parameter_missing', 'authtoken'],
      // A token, but no key store to seal it: refused rather than kept in plaintext.
      [{ provider: 'ngrok', authtoken: '2abcDEFghiJKLmnoPQRstu_1234567890' }, 409, 'key_store_unavailable', 'authtoken'],
    ];
    for (const [body, status, code, param] of cases) {
      const res = await api.post('/api/v1/tunnel/start', body);
      expect({ body, status: res.status, code: res.body.error?.code, param: res.body.error?.param }).toEqual({ body, status, code, param });
    }
    expect((await api.post('/api/v1/tunnel/start', { provider: 'ngrok' })).body.error.message).toMatch(/NGROK_AUTHTOKEN/);
    expect((await tunnel()).status).toBe('stopped');

    const readOnly = apiClient(node.merchantUrl, await createApiKey(home, 'test', ['--scopes', 'payment_intents:write']));
    expect((await readOnly.get('/api/v1/tunnel')).status).toBe(403);
    expect((await readOnly.post('/api/v1/tunnel/start', { provider: 'localtunnel', host: lt.url })).body.error).toMatchObject({ type: 'permission_error' });
    const viewer = apiClient(node.merchantUrl, await createApiKey(home, 'test', ['--scopes', 'tunnel:read']));
    expect((await viewer.get('/api/v1/tunnel')).status).toBe(200);
    expect((await viewer.post('/api/v1/tunnel/stop', {})).status).toBe(403);
  });

  it('the CLI reports the node\'s ngrok error (no authtoken) with a non-zero exit, and flag mistakes by flag', async () => {
    const ngrok = await cli(['tunnel', 'start', '--provider', 'ngrok', '--wait', '20']);
    expect(ngrok.code).toBe(1);
    expect(ngrok.stderr).toMatch(/kassa: tunnel ngrok failed: ngrok needs an authtoken: set NGROK_AUTHTOKEN/);
    expect((await tunnel())).toMatchObject({ status: 'error', provider: 'ngrok' });
    const empty = await cliWithStdin(['tunnel', 'start', '--provider', 'ngrok', '--authtoken-stdin'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--authtoken-stdin: no authtoken was given/);
    // This home has no key store (KASSA_KEY_STORE=none): the token is refused, never stored in plaintext.
    const token = '2abcDEFghiJKLmnoPQRstu_1234567890';
    const noKeyStore = await cliWithStdin(['tunnel', 'start', '--provider', 'ngrok', '--authtoken-stdin'], `${token}\n`);
    expect(noKeyStore.code).toBe(2);
    expect(noKeyStore.stderr).toMatch(/No key store to seal the ngrok authtoken .* set NGROK_AUTHTOKEN/);
    expect(noKeyStore.stderr + noKeyStore.stdout).not.toContain(token);

    const flags: [string[], RegExp][] = [
      [['tunnel', 'start'], /--provider localtunnel\|ngrok\|cloudflared\|custom is required/],
      [['tunnel', 'start', '--provider', 'pigeon'], /--provider: must be one of localtunnel, ngrok, cloudflared, custom/],
      [['tunnel', 'start', '--provider', 'custom'], /--url is required with --provider custom/],
      [['tunnel', 'start', '--provider', 'custom', '--url', 'http://pay.example.com'], /--url: must use https/],
      [['tunnel', 'start', '--provider', 'localtunnel', '--url', 'https://x.example'], /--url does not apply to --provider localtunnel/],
      [['tunnel', 'stop', '--provider', 'ngrok'], /--provider goes with `tunnel start`/],
      [['tunnel', 'open'], /tunnel start\|stop\|status/],
    ];
    for (const [args, message] of flags) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    expect((await cli(['tunnel', 'stop'])).code).toBe(0);
  });
});
