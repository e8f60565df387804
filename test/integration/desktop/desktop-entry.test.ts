// The core as the desktop app runs it (src-server/desktop-entry.ts), forked for real with Node's
// IPC channel standing in for Electron's parentPort: start → ready, the launch secret buys a
// session, status and pause/resume, a paid notification, then a graceful stop.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, apiClient, createApiKey, eventually, nodeEnv, tempHome } from '../../helpers/node.ts';

const ENTRY = join(ROOT, 'src-server', 'desktop-entry.ts');
// Only the EVM devnet, mined on demand: the test decides when blocks appear.
const OVERRIDES = { port: 0, publicPort: 0, devnet: { blockTime: 0, tron: { enabled: false }, bitcoin: { enabled: false }, litecoin: { enabled: false } } };

interface Core {
  proc: ChildProcess;
  messages: any[];
  stderr: () => string;
  exited: Promise<number | null>;
  next(type: string, where?: (m: any) => boolean, timeoutMs?: number): Promise<any>;
}

function forkCore(home: string): Core {
  const proc = fork(ENTRY, [], { cwd: ROOT, env: nodeEnv(home, { KASSA_LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const messages: any[] = [];
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  proc.stdout!.resume();
  proc.on('message', (m) => messages.push(m));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const next = (type: string, where: (m: any) => boolean = () => true, timeoutMs = 60_000) =>
    eventually(async () => messages.find((m) => m.type === type && where(m)), `a ${type} message from the core (stderr: ${stderr.slice(-500)})`, timeoutMs);
  return { proc, messages, stderr: () => stderr, exited, next };
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

describe('desktop entry', () => {
  const secret = randomBytes(32).toString('hex');
  let home: string;
  let core: Core;
  let ready: { merchantUrl: string; publicUrl: string; keyStore: string };

  beforeAll(async () => {
    home = tempHome('kassa-desktop-');
    core = forkCore(home);
    core.proc.send({ type: 'start', home, launchSecret: secret, overrides: OVERRIDES });
    ready = await core.next('ready');
  });

  afterAll(async () => {
    if (core.proc.exitCode === null && core.proc.signalCode === null) core.proc.kill('SIGKILL');
    await core.exited;
  });

  it('answers on the merchant listener once ready', async () => {
    expect(ready.merchantUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.publicUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.keyStore).toBeTruthy();
    const res = await fetch(`${ready.merchantUrl}/healthz`);
    expect(res.status).toBe(200);
  });

  it('never puts the launch secret on its command line, environment or output', () => {
    expect(core.proc.spawnargs.join(' ')).not.toContain(secret);
    expect(JSON.stringify(nodeEnv(home))).not.toContain(secret);
    expect(core.stderr()).not.toContain(secret);
  });

  it('trades the launch secret, and only it, for a desktop session', async () => {
    const launch = (s: string) =>
      fetch(`${ready.merchantUrl}/api/admin/auth/launch`, { method: 'POST', headers: { 'content-type': 'application/json', origin: ready.merchantUrl }, body: JSON.stringify({ secret: s }) });
    const wrong = await launch(randomBytes(32).toString('hex'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);

    const right = await launch(secret);
    expect(right.status).toBe(200);
    const cookie = right.headers.getSetCookie().find((c) => c.startsWith('kassa_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = await fetch(`${ready.merchantUrl}/api/admin/session`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(((await session.json()) as { data: unknown }).data).toMatchObject({ authenticated: true, via: 'launch', desktop: true });
  });

  it('reports chain status, and pausing stops the scan until resumed', async () => {
    const first = await core.next('status', (m) => m.networks.some((n: any) => n.chain === 'devnet'));
    expect(first.paused).toBe(false);
    const health = (await (await fetch(`${ready.merchantUrl}/healthz`)).json()) as { devnet: { rpc_url: string } };
    const devnetRpc = health.devnet.rpc_url;
    const headOf = (m: any) => m.networks.find((n: any) => n.chain === 'devnet').head as number;

    core.proc.send({ type: 'pause-watchers' });
    const paused = await core.next('status', (m) => m.paused === true);
    const pausedHead = headOf(paused);
    await rpc(devnetRpc, 'anvil_mine', ['0x5']);
    const chainHead = Number(await rpc(devnetRpc, 'eth_blockNumber'));
    expect(chainHead).toBeGreaterThanOrEqual(pausedHead + 5);
    // Proving a scan did not happen takes a wait: seven poll intervals (200 ms) with the head unmoved.
    await new Promise((r) => setTimeout(r, 1500));
    const healthHead = async () => ((await (await fetch(`${ready.merchantUrl}/healthz`)).json()) as { networks: { chain: string; head: number }[] }).networks.find((n) => n.chain === 'devnet')!.head;
    expect(await healthHead()).toBe(pausedHead);

    core.proc.send({ type: 'resume-watchers' });
    await core.next('status', (m) => m.paused === false && headOf(m) >= chainHead);
    expect(await healthHead()).toBeGreaterThanOrEqual(chainHead);
  });

  it('tells main about a paid invoice, for an OS notification', async () => {
    const api = apiClient(ready.merchantUrl, await createApiKey(home, 'test'));
    const created = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '12.50' });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    expect((await api.post(`/api/v1/test-helpers/payment-intents/${id}/pay`)).status).toBe(200);
    expect((await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 2 })).status).toBe(200);
    const message = await core.next('notification', (m) => m.notification.invoice_id === id, 30_000);
    expect(message.notification).toMatchObject({ kind: 'paid', title: expect.any(String), body: expect.stringContaining('12.5') });
  });

  it('stops gracefully on stop: says so, exits 0, frees its port', async () => {
    core.proc.send({ type: 'stop' });
    expect(await core.exited).toBe(0);
    expect(core.messages.at(-1)).toEqual({ type: 'stopped' });
    await expect(fetch(`${ready.merchantUrl}/healthz`)).rejects.toThrow();
  });
});

describe('desktop entry, failures', () => {
  it('a bad configuration is an error message naming the key, then exit 1', async () => {
    const home = tempHome('kassa-desktop-bad-');
    const core = forkCore(home);
    core.proc.send({ type: 'start', home, launchSecret: randomBytes(32).toString('hex'), overrides: { port: 70000 } });
    const error = await core.next('error');
    expect(error).toMatchObject({ fatal: true, name: 'ConfigError' });
    expect(error.message).toMatch(/port/);
    expect(await core.exited).toBe(1);
  });

  it('the core stops when main goes away (its IPC channel closes)', async () => {
    const home = tempHome('kassa-desktop-orphan-');
    const core = forkCore(home);
    core.proc.send({ type: 'start', home, launchSecret: randomBytes(32).toString('hex'), overrides: OVERRIDES });
    await core.next('ready');
    core.proc.disconnect();
    expect(await core.exited).toBe(0);
  });

  it('refuses to run without a parent to talk to', async () => {
    const proc = spawn(process.execPath, [ENTRY], { cwd: ROOT, env: nodeEnv(tempHome()), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('use `kassa serve`');
  });
});
