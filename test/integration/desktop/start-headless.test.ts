// `npm start` on a machine without a display (like this one): headless at once, one line saying
// why, the flags reaching `kassa serve`, no attempt to download Electron, a clean stop on SIGTERM.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, eventually, nodeEnv, tempHome } from '../../helpers/node.ts';

describe('npm start without a display', () => {
  it('runs kassa serve headless with the given flags and says why', async () => {
    const home = tempHome('kassa-start-');
    const env = nodeEnv(home, { KASSA_DEVNET_BLOCK_TIME: '0' });
    const proc = spawn(process.execPath, ['--max-semi-space-size=4', '--max-old-space-size=256', join(ROOT, 'scripts', 'start.ts'), '--home', home, '--port', '0', '--public-port', '0'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    try {
      const merchant = await eventually(async () => /merchant API (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1], `the node to start (stderr: ${stderr.slice(-800)})`, 120_000);
      // The dashboard build's own line, when it rebuilt, may come first.
      const lines = stderr.split('\n').filter((l) => l.startsWith('kassa:') && !/^kassa: (dashboard built|the dashboard could not be built)/.test(l));
      expect(lines[0]).toBe('kassa: No display: running headless. Open the dashboard URL below.');
      expect(stderr).not.toMatch(/fetching Electron/i);
      expect(merchant).not.toBe('http://127.0.0.1:8420'); // --port 0 reached kassa serve
      expect((await fetch(`${merchant}/healthz`)).status).toBe(200);
    } finally {
      proc.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
