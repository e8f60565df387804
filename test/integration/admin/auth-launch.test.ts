// The Electron path (a per-launch secret traded for a session, gone after a restart) on a node
// started in-process as the desktop shell starts it, and the headless node with a password set:
// it prints the plain dashboard URL and has no launch route. Without a built dashboard, `/` says
// how to build it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src-server/config/config.ts';
import { startNode as startNodeInProcess, type NodeHandle } from '../../../src-server/node.ts';
import { sessionCookieOf } from '../../helpers/admin-session.ts';
import { CLI, nodeEnv, ROOT, startNode, tempHome, type TestNode } from '../../helpers/node.ts';

const running: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const n of running.splice(0).reverse()) await n.stop();
});

async function desktopNode(home: string, launchSecret: string): Promise<NodeHandle> {
  const env = nodeEnv(home);
  const { config } = loadConfig({ home, env, flags: { port: 0, publicPort: 0, devnet: { enabled: false } } });
  const node = await startNodeInProcess({ home, config, env, launchSecret, logger: pino({ level: 'silent' }), dashboardDir: join(home, 'not-built') });
  running.push(node);
  return node;
}

const launch = (node: NodeHandle, secret: string) =>
  fetch(`${node.merchantUrl}/api/admin/auth/launch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret }) });

describe('desktop: the per-launch secret', () => {
  it('is traded for a launch session once compared; a wrong one is 401; a restart ends the session', async () => {
    const home = tempHome();
    const secret = randomBytes(32).toString('base64url');
    const node = await desktopNode(home, secret);
    expect(node.adminLoginUrl).toMatch(/\/auth\/one-time\/[A-Za-z0-9_-]{43}$/);

    const anon = await (await fetch(`${node.merchantUrl}/api/admin/session`)).json();
    expect(anon.data).toMatchObject({ authenticated: false, desktop: true });

    const wrong = await launch(node, randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toMatchObject({ code: 'launch_secret_invalid', param: 'secret' });
    expect(sessionCookieOf(wrong)).toBeNull();

    const right = await launch(node, secret);
    expect(right.status).toBe(200);
    expect((await right.json()).data).toMatchObject({ authenticated: true, via: 'launch', desktop: true });
    const cookie = sessionCookieOf(right)!;
    const overview = await fetch(`${node.merchantUrl}/api/admin/session`, { headers: { cookie } });
    expect((await overview.json()).data.authenticated).toBe(true);

    await node.stop();
    running.splice(running.indexOf(node), 1);
    const next = await desktopNode(home, randomBytes(32).toString('base64url'));
    const after = await fetch(`${next.merchantUrl}/api/admin/session`, { headers: { cookie } });
    expect((await after.json()).data.authenticated).toBe(false);
  });

  it('without a built dashboard, / says how to build it', async () => {
    const node = await desktopNode(tempHome(), randomBytes(32).toString('base64url'));
    const res = await fetch(`${node.merchantUrl}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('npm run build:renderer');
  });
});

describe('headless with a password', () => {
  let node: TestNode;
  it('kassa admin password --stdin sets it; serve then prints the plain dashboard URL and has no launch route', async () => {
    const home = tempHome();
    const set = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const proc = spawn(process.execPath, [CLI, 'admin', 'password', '--stdin'], { env: nodeEnv(home), cwd: ROOT });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      proc.once('close', (code) => resolve({ code, stdout, stderr }));
      proc.stdin.end('a long admin password\n');
    });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/Dashboard password set/);

    node = await startNode({ home, noDevnet: true });
    running.push(node);
    const [, printed] = (await node.waitForStdout(/Open the dashboard: (\S+)/))!;
    expect(printed).toBe(`${node.merchantUrl}/`);
    expect(node.stdout()).not.toContain('/auth/one-time/');

    expect((await launch({ merchantUrl: node.merchantUrl } as NodeHandle, randomBytes(32).toString('base64url'))).status).toBe(404);
    const session = await (await fetch(`${node.merchantUrl}/api/admin/session`)).json();
    expect(session.data).toMatchObject({ password_set: true, desktop: false });
    const login = await fetch(`${node.merchantUrl}/api/admin/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'a long admin password' }) });
    expect(login.status).toBe(200);
  });

  it('a short password is refused by the CLI, and a password is never taken from argv', async () => {
    const home = tempHome();
    const run = (args: string[], input: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const proc = spawn(process.execPath, [CLI, ...args], { env: nodeEnv(home), cwd: ROOT });
        let stderr = '';
        proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        proc.once('close', (code) => resolve({ code, stderr }));
        proc.stdin.end(input);
      });
    const short = await run(['admin', 'password', '--stdin'], 'short\n');
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/at least 10 characters/);
    const argv = await run(['admin', 'password', 'a long admin password'], '');
    expect(argv.code).not.toBe(0);
    const noTty = await run(['admin', 'password'], 'a long admin password\n');
    expect(noTty.code).not.toBe(0);
    expect(noTty.stderr).toMatch(/--stdin/);
  });
});
