// The key store against a REAL OS keychain: gnome-keyring's Secret Service in a throwaway D-Bus
// session, with XDG dirs in a temp dir so no real user keyring is touched.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');
const requiredCommands = ['dbus-run-session', 'gnome-keyring-daemon'];
const missingCommands = requiredCommands.filter((command) => !onPath(command));
const skipNote = missingCommands.length
  ? ` — skipped: ${missingCommands.join(', ')} not installed (apt-get install -y gnome-keyring libsecret-tools dbus)`
  : '';

const scratch = mkdtempSync(join(tmpdir(), 'kassa-keychain-it-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('OS keychain key store', () => {
  it.skipIf(missingCommands.length > 0)(`creates, reopens and loses the data key in a real Secret Service${skipNote}`, async () => {
    const home = join(scratch, 'home');
    const xdg = (name: string) => {
      const path = join(scratch, name);
      mkdirSync(path, { recursive: true, mode: 0o700 });
      return path;
    };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_DATA_HOME: xdg('data'), // gnome-keyring keeps its keyrings here
      XDG_RUNTIME_DIR: xdg('runtime'), // and its control socket here
      XDG_CACHE_HOME: xdg('cache'),
      XDG_CONFIG_HOME: xdg('config'),
      KASSA_TEST_NODE: process.execPath,
      KASSA_TEST_HOME: home,
    };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const script =
      'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; ' +
      'exec "$KASSA_TEST_NODE" test/fixtures/keychain-roundtrip.ts "$KASSA_TEST_HOME"';

    const result = await run('dbus-run-session', ['--', 'bash', '-c', script], { cwd: repoRoot, env, timeoutMs: 90_000 });

    expect(result.code, `fixture failed:\n${result.stderr}\n${result.stdout}`).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      ok: boolean;
      kind: string;
      describe: string;
      fingerprints: string[];
      recordKind: string;
      missingCode: string;
    };
    expect(summary.ok).toBe(true);
    expect(summary.kind).toBe('keychain');
    expect(summary.describe).toBe('OS keychain (Secret Service)');
    expect(summary.recordKind).toBe('keychain');
    expect(new Set(summary.fingerprints).size).toBe(1);
    expect(summary.missingCode).toBe('keychain_key_missing');
    const record = JSON.parse(readFileSync(join(home, 'keystore.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(record).sort()).toEqual(['account', 'created_at', 'kind', 'service', 'version']);
  });
});

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((directory) => {
    try {
      accessSync(join(directory, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    // Own process group, so a hang is ended by killing exactly what this test started.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      stderr += `\n(timed out after ${options.timeoutMs} ms)`;
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}
