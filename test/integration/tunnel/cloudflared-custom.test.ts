// cloudflared with a fake `cloudflared` binary (the real one is not installable here): a tunnel
// saved while no node runs starts with `kassa serve`; the URL is read from its log; an exit is
// restarted with backoff; a missing binary is a clear error. And "my own public URL" (custom).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installFakeCloudflared, type FakeCloudflared } from '../../helpers/fake-cloudflared.ts';
import { apiClient, CLI, createApiKey, eventually, nodeEnv, ROOT, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';

const execFileAsync = promisify(execFile);
let home: string;
let fake: FakeCloudflared;
let node: TestNode;
let api: ApiClient;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { env: nodeEnv(home), cwd: ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function health(): Promise<any> {
  return (await fetch(`${node.merchantUrl}/healthz`)).json();
}
async function tunnel(): Promise<any> {
  return (await api.get('/api/v1/tunnel')).body.data;
}

beforeAll(async () => {
  home = tempHome('kassa-tunnel-cf-');
  fake = installFakeCloudflared(home, 'stay');
});
afterAll(async () => {
  await node?.stop();
});

describe('cloudflared', () => {
  it('`kassa tunnel start` with no node running saves the tunnel; `kassa serve` starts it', async () => {
    const saved = await cli(['tunnel', 'start', '--provider', 'cloudflared', '--bin', fake.bin]);
    expect(saved.code).toBe(0);
    expect(saved.stderr).toContain('no node is running on this home; the tunnel starts with the next `kassa serve`');
    expect(saved.stdout).toContain(`wanted: cloudflared {"bin":"${fake.bin}"}`);

    // The node's PATH has no cloudflared: only the saved --bin finds the fake one.
    node = await startNode({ home, noDevnet: true, config: { tunnel: { reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, connectTimeoutMs: 5000 } } });
    api = apiClient(node.merchantUrl, await createApiKey(home, 'test', ['--rate-limit', 'off']));
    const h = await eventually(async () => {
      const b = await health();
      return b.tunnel.status === 'connected' ? b : null;
    }, 'the saved tunnel to connect');
    expect(h.tunnel).toMatchObject({ provider: 'cloudflared', url: expect.stringMatching(/^https:\/\/fake-quick-1\.trycloudflare\.com$/), last_error: null });
    expect(fake.starts()).toEqual([['tunnel', '--no-autoupdate', '--url', node.publicUrl]]);
    expect((await tunnel()).public_base_url).toBe(h.tunnel.url);
  });

  it('a cloudflared that exits is started again with backoff, with a new URL', async () => {
    fake.setMode('exit-after-url');
    const started = await cli(['tunnel', 'start', '--provider', 'cloudflared', '--bin', fake.bin, '--json']);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ status: 'connected', url: 'https://fake-quick-2.trycloudflare.com' });
    const down = await eventually(async () => {
      const t = await tunnel();
      return t.status === 'reconnecting' ? t : null;
    }, 'reconnecting after the exit');
    expect(down.last_error).toMatch(/^cloudflared exited \(code 3\): .*connection lost, exiting/);
    expect(down.public_base_url).toBe(node.publicUrl);
    fake.setMode('stay');
    const back = await eventually(async () => {
      const t = await tunnel();
      return t.status === 'connected' && fake.starts().length >= 3 ? t : null;
    }, 'connected again');
    expect(back.url).toBe(`https://fake-quick-${fake.starts().length}.trycloudflare.com`);
    expect(fake.starts().every((argv) => argv.join(' ') === `tunnel --no-autoupdate --url ${node.publicUrl}`)).toBe(true);
  });

  it('a missing binary is a clear error from the CLI and the API, and nothing retries it', async () => {
    const missing = join(home, 'nowhere', 'cloudflared');
    const r = await cli(['tunnel', 'start', '--provider', 'cloudflared', '--bin', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`kassa: tunnel cloudflared failed: cloudflared not found (${missing}): install it from https://developers.cloudflare.com/`);
    const viaApi = await api.post('/api/v1/tunnel/start', { provider: 'cloudflared', wait_seconds: 10 });
    expect(viaApi.status).toBe(200);
    expect(viaApi.body.data).toMatchObject({ status: 'error', provider: 'cloudflared', url: null, next_retry_at: null, last_error: expect.stringMatching(/^cloudflared not found \(cloudflared\)/) });
    expect((await health()).tunnel).toMatchObject({ status: 'error', provider: 'cloudflared' });
  });
});

describe('custom (my own public URL)', () => {
  it('uses the URL as the public base, after checking it answers as the public listener (probe)', async () => {
    const res = await api.post('/api/v1/tunnel/start', { provider: 'custom', url: `${node.publicUrl}/`, probe: true, wait_seconds: 10 });
    expect(res.body.data).toMatchObject({ status: 'connected', provider: 'custom', url: node.publicUrl, public_base_url: node.publicUrl, desired: { options: { url: node.publicUrl, probe: true } } });

    const wrong = await api.post('/api/v1/tunnel/start', { provider: 'custom', url: node.merchantUrl, probe: true, wait_seconds: 3 });
    expect(wrong.body.data).toMatchObject({ status: 'reconnecting', url: null, last_error: expect.stringContaining(`custom url ${node.merchantUrl} does not answer as this node's public listener`) });

    const cliRun = await cli(['tunnel', 'start', '--provider', 'custom', '--url', 'https://pay.example.com', '--json']);
    expect(cliRun.code).toBe(0);
    expect(JSON.parse(cliRun.stdout)).toMatchObject({ status: 'connected', provider: 'custom', url: 'https://pay.example.com', public_base_url: 'https://pay.example.com' });
    const stop = await cli(['tunnel', 'stop', '--json']);
    expect(JSON.parse(stop.stdout)).toMatchObject({ status: 'stopped', public_base_url: node.publicUrl });
  });
});
