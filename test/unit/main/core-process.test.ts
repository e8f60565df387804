// The main side of the core's message protocol, against a fake utilityProcess.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeUtilityProcess, resetFake, settle } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { CORE_EXEC_ARGV, CoreStartError, startCoreProcess } = await import('../../../src-main/core-process.ts');

const SECRET = 'ab'.repeat(32);
const READY = { type: 'ready', merchantUrl: 'http://127.0.0.1:8420', publicUrl: 'http://127.0.0.1:8421', keyStore: 'OS keychain (Secret Service)' };

function start(extra: Partial<Parameters<typeof startCoreProcess>[0]> = {}) {
  const events = { notifications: [] as unknown[], statuses: [] as unknown[], exits: [] as any[], logs: [] as string[] };
  const core = startCoreProcess({
    entryPath: '/app/src-server/desktop-entry.ts',
    launchSecret: SECRET,
    home: '/home/m/.local/share/kassa',
    overrides: { port: 0 },
    onNotification: (n) => events.notifications.push(n),
    onStatus: (s) => events.statuses.push(s),
    onUnexpectedExit: (e) => events.exits.push(e),
    log: (l) => events.logs.push(l),
    echoOutput: false,
    ...extra,
  });
  const child = FakeUtilityProcess.instances.at(-1)!;
  return { core, child, events };
}

beforeEach(() => resetFake());
afterEach(() => vi.useRealTimers());

describe('starting', () => {
  it('forks the desktop entry with the V8 flags of npm start and piped output', () => {
    const { child } = start();
    expect(child.modulePath).toBe('/app/src-server/desktop-entry.ts');
    expect(child.options.execArgv).toEqual(CORE_EXEC_ARGV);
    expect(child.options.stdio).toBe('pipe');
    expect(child.options.serviceName).toBe('Kassa core');
  });

  it('sends the launch secret in the start message once spawned, never in argv or env', () => {
    const { child } = start({ env: { PATH: '/usr/bin' } });
    expect(child.posted).toEqual([]);
    child.emit('spawn');
    expect(child.posted).toEqual([{ type: 'start', launchSecret: SECRET, home: '/home/m/.local/share/kassa', overrides: { port: 0 } }]);
    expect(JSON.stringify(child.args)).not.toContain(SECRET);
    expect(JSON.stringify(child.options)).not.toContain(SECRET);
  });

  it('resolves ready with the listener URLs', async () => {
    const { core, child } = start();
    child.emit('spawn');
    child.reply(READY);
    await expect(core.ready).resolves.toEqual({ merchantUrl: READY.merchantUrl, publicUrl: READY.publicUrl, keyStore: READY.keyStore });
  });

  it('rejects ready with the core error when the start fails, and reports the exit', async () => {
    const { core, child, events } = start();
    child.emit('spawn');
    child.stderr.write('kassa: port 8420 on 127.0.0.1 is already in use\n');
    child.reply({ type: 'error', name: 'ConfigError', message: 'port 8420 on 127.0.0.1 is already in use; pass another with --port/--public-port', fatal: true });
    child.exit(1);
    await expect(core.ready).rejects.toBeInstanceOf(CoreStartError);
    await expect(core.ready).rejects.toThrow(/already in use/);
    expect(events.exits).toHaveLength(1);
    expect(events.exits[0]).toMatchObject({ code: 1, error: expect.stringMatching(/already in use/) });
    expect(events.exits[0].stderrTail).toContain('already in use');
  });

  it('rejects ready when the core exits without a word', async () => {
    const { core, child } = start();
    child.exit(134);
    await expect(core.ready).rejects.toThrow(/exited with code 134 before it was ready/);
  });
});

describe('running', () => {
  it('forwards notifications and status', () => {
    const { child, events } = start();
    child.reply(READY);
    const notification = { kind: 'paid', title: 'Payment received', body: '25.00 USDT on BSC', invoice_id: 'pi_1' };
    child.reply({ type: 'notification', notification });
    const status = { type: 'status', paused: false, networks: [{ chain: 'devnet', head: 10, lag: 0, syncedAt: '2026-01-01T00:00:00.000Z', lastError: null }] };
    child.reply(status);
    expect(events.notifications).toEqual([notification]);
    expect(events.statuses).toEqual([{ paused: false, networks: status.networks }]);
  });

  it('pauses and resumes the watchers by message', () => {
    const { core, child } = start();
    core.pauseWatchers();
    core.resumeWatchers();
    expect(child.types()).toEqual(['pause-watchers', 'resume-watchers']);
  });

  it('reports a crash with the last lines of stderr', async () => {
    const { child, events } = start();
    child.reply(READY);
    for (let i = 1; i <= 30; i++) child.stderr.write(`line ${i}\n`);
    await settle();
    child.exit(1);
    expect(events.exits).toHaveLength(1);
    const tail = events.exits[0].stderrTail.split('\n');
    expect(tail).toHaveLength(20);
    expect(tail.at(-1)).toBe('line 30');
  });

  it('logs and ignores messages it does not know', () => {
    const { child, events } = start();
    child.reply({ type: 'surprise' });
    expect(events.logs.join('\n')).toMatch(/ignoring an unknown message/);
  });
});

describe('stopping', () => {
  it('asks the core to stop and waits for it', async () => {
    const { core, child, events } = start();
    child.reply(READY);
    const stopped = core.stop(1000);
    expect(child.types()).toEqual(['stop']);
    child.reply({ type: 'stopped' });
    child.exit(0);
    await expect(stopped).resolves.toBe('stopped');
    expect(child.killed).toBe(false);
    expect(events.exits).toEqual([]); // asked for: not a crash
  });

  it('kills a core that does not stop in time', async () => {
    vi.useFakeTimers();
    const { core, child, events } = start();
    child.reply(READY);
    child.kill = () => {
      child.killed = true;
      queueMicrotask(() => child.exit(143));
      return true;
    };
    const stopped = core.stop(5000);
    await vi.advanceTimersByTimeAsync(5001);
    await expect(stopped).resolves.toBe('killed');
    expect(child.killed).toBe(true);
    expect(events.logs.join('\n')).toMatch(/no clean stop within 5000 ms/);
  });

  it('sends nothing to a core that already exited', async () => {
    const { core, child } = start();
    child.exit(1);
    await expect(core.stop()).resolves.toBe('killed');
    expect(child.types()).toEqual([]);
  });
});
