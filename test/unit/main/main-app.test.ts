// The whole main process against fake Electron: single instance, the core's start with the launch
// secret, the window signed in by cookie, tray actions reaching the core, notifications, a crash
// with Restart, and a graceful quit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as fakeElectron from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { runDesktopApp } = await import('../../../src-main/desktop-app.ts');
type Fakes = typeof fakeElectron;

const MERCHANT = 'http://127.0.0.1:8420';
const READY = { type: 'ready', merchantUrl: MERCHANT, publicUrl: 'http://127.0.0.1:8421', keyStore: 'OS keychain (Secret Service)' };
const STATUS = { type: 'status', paused: false, networks: [{ chain: 'devnet', head: 12, lag: 0, syncedAt: '2026-05-29T12:00:00.000Z', lastError: null }] };

let xdg: string;
let stderr: string[];
let launchCalls: { url: string; body: unknown }[];
let launchAnswer: 'ok' | 'refused';
let signalListeners: Map<string, Function[]>;

beforeEach(() => {
  xdg = mkdtempSync(join(tmpdir(), 'kassa-main-'));
  vi.stubEnv('XDG_CONFIG_HOME', xdg);
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  launchCalls = [];
  launchAnswer = 'ok';
  vi.stubGlobal('fetch', async (url: URL | string, init: RequestInit) => {
    launchCalls.push({ url: String(url), body: JSON.parse(String(init.body)) });
    if (launchAnswer === 'refused') return new Response(JSON.stringify({ error: { message: 'That launch secret is not valid.' } }), { status: 401 });
    return new Response(JSON.stringify({ data: { authenticated: true } }), {
      status: 200,
      headers: [['content-type', 'application/json'], ['set-cookie', 'kassa_session=s3ss10n; Path=/; HttpOnly; SameSite=Strict']],
    });
  });
  signalListeners = new Map(['SIGINT', 'SIGTERM'].map((s) => [s, process.listeners(s as NodeJS.Signals)]));
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  for (const [signal, before] of signalListeners) {
    for (const l of process.listeners(signal as NodeJS.Signals)) if (!before.includes(l)) process.off(signal, l as () => void);
  }
  rmSync(xdg, { recursive: true, force: true });
});

/** Runs the main process afresh, as `electron /repo <args>` would. */
async function launch(opts: { lock?: boolean; args?: string[] } = {}): Promise<Fakes> {
  const fakes = fakeElectron;
  fakes.resetFake();
  fakes.fake.app.lock = opts.lock ?? true;
  fakes.fake.app.appPath = '/repo';
  runDesktopApp(['/repo/node_modules/electron/dist/electron', '/repo', ...(opts.args ?? [])]);
  await fakes.settle();
  return fakes;
}

/** Launches and plays the core up to ready (and a first status). */
async function launchReady(args: string[] = []) {
  const fakes = await launch({ args });
  const core = fakes.FakeUtilityProcess.instances[0]!;
  core.emit('spawn');
  core.reply(READY);
  await fakes.settle();
  core.reply(STATUS);
  await fakes.settle();
  return { fakes, core, tray: fakes.FakeTray.instances[0]!, win: fakes.FakeBrowserWindow.instances[0]! };
}

describe('single instance', () => {
  it('a second launch quits before doing anything', async () => {
    const { fake, FakeBrowserWindow, FakeUtilityProcess, FakeTray } = await launch({ lock: false });
    expect(fake.app.quit).toHaveBeenCalled();
    expect(fake.app.whenReady).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toEqual([]);
    expect(FakeUtilityProcess.instances).toEqual([]);
    expect(FakeTray.instances).toEqual([]);
  });

  it("the first instance shows its window when a second one starts", async () => {
    const { fakes, win } = await launchReady();
    win.visible = false;
    win.minimized = true;
    fakes.fake.app.emit('second-instance', {}, ['/kassa'], '/');
    expect(win.visible).toBe(true);
    expect(win.minimized).toBe(false);
    expect(win.focused).toBeGreaterThan(0);
  });
});

describe('start', () => {
  it('hardens the app before any window exists', async () => {
    const { fake, FakeBrowserWindow } = await launch();
    expect(fake.app.enableSandbox).toHaveBeenCalled();
    expect(fake.app.listenerCount('web-contents-created')).toBe(1);
    const ses = fake.sessions.get('kassa-dashboard')!;
    expect(ses.permissionRequestHandler).not.toBeNull();
    expect(ses.headersListener).not.toBeNull();
    expect(FakeBrowserWindow.instances[0]!.options.webPreferences.session).toBe(ses);
  });

  it('shows the splash, then the dashboard once the core is ready and the window signed in', async () => {
    const fakes = await launch();
    const win = fakes.FakeBrowserWindow.instances[0]!;
    const core = fakes.FakeUtilityProcess.instances[0]!;
    expect(win.loaded).toEqual([expect.stringMatching(/^data:text\/html/)]);
    expect(core.modulePath).toBe('/repo/src-server/desktop-entry.ts');
    core.emit('spawn');
    const start = core.posted[0];
    expect(start).toMatchObject({ type: 'start', launchSecret: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(fakes.FakeTray.instances[0]!.item('status').label).toBe('Kassa — starting…');

    core.reply(READY);
    core.reply(STATUS); // sent right after ready, while main is still signing the window in
    await fakes.settle();
    // The secret goes to the node once, from main; the cookie lands in the window's session first.
    expect(launchCalls).toEqual([{ url: `${MERCHANT}/api/admin/auth/launch`, body: { secret: start.launchSecret } }]);
    expect(fakes.fake.sessions.get('kassa-dashboard')!.cookiesSet).toEqual([
      { url: `${MERCHANT}/`, name: 'kassa_session', value: 's3ss10n', path: '/', httpOnly: true, sameSite: 'strict', secure: false },
    ]);
    expect(win.loaded.at(-1)).toBe(`${MERCHANT}/`);
    expect(fakes.FakeTray.instances[0]!.item('status').label).toBe('Kassa — synced');
  });

  it('passes the kassa serve flags to the core', async () => {
    const fakes = await launch({ args: ['--home', '/tmp/kassa-home', '--port', '0', '--no-devnet'] });
    const core = fakes.FakeUtilityProcess.instances[0]!;
    core.emit('spawn');
    expect(core.posted[0]).toMatchObject({ home: '/tmp/kassa-home', overrides: { port: 0, devnet: { enabled: false } } });
  });

  it('still loads the dashboard (its login page) when the launch secret is refused', async () => {
    launchAnswer = 'refused';
    const { win, fakes } = await launchReady();
    expect(win.loaded.at(-1)).toBe(`${MERCHANT}/`);
    expect(fakes.fake.sessions.get('kassa-dashboard')!.cookiesSet).toEqual([]);
    expect(stderr.join('')).toContain('launch sign-in failed: the node refused the launch secret (HTTP 401)');
  });

  it('bad flags: an error box naming the flag, and exit 2', async () => {
    const fakes = await launch({ args: ['--port', 'eighty'] });
    expect(fakes.fake.dialogs).toEqual([{ title: 'Kassa', message: '--port: expected a number, got "eighty"' }]);
    expect(fakes.fake.app.exit).toHaveBeenCalledWith(2);
    expect(fakes.FakeUtilityProcess.instances).toEqual([]);
  });

  it('--hidden starts in the tray only; Open dashboard makes the window', async () => {
    const { fakes, tray } = await launchReady(['--hidden']);
    expect(fakes.FakeBrowserWindow.instances).toEqual([]);
    tray.item('open').click({});
    const win = fakes.FakeBrowserWindow.instances[0]!;
    expect(win.loaded).toEqual([`${MERCHANT}/`]);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
  });
});

describe('tray', () => {
  it('pause and resume go to the core, and the menu follows its status', async () => {
    const { fakes, core, tray } = await launchReady();
    tray.item('pause').click({});
    expect(core.types().at(-1)).toBe('pause-watchers');
    core.reply({ ...STATUS, paused: true });
    await fakes.settle();
    expect(tray.item('status').label).toBe('Kassa — watchers paused');
    tray.item('resume').click({});
    expect(core.types().at(-1)).toBe('resume-watchers');
  });

  it('start at login toggles the login item and the checkbox', async () => {
    const { fakes, tray } = await launchReady();
    expect(tray.item('start-at-login').checked).toBe(false);
    tray.item('start-at-login').click({ checked: true });
    await fakes.settle();
    expect(tray.item('start-at-login').checked).toBe(true);
  });

  it('reopens a closed window on the dashboard', async () => {
    const { fakes, tray, win } = await launchReady();
    win.close();
    tray.item('open').click({});
    const again = fakes.FakeBrowserWindow.instances[1]!;
    expect(again.loaded).toEqual([`${MERCHANT}/`]);
  });
});

describe('notifications and the bridge', () => {
  it('a paid notification opens its invoice on click', async () => {
    const { fakes, core, win } = await launchReady();
    core.reply({ type: 'notification', notification: { kind: 'paid', title: 'Payment received', body: '25.00 USDT', invoice_id: 'pi_1' } });
    const n = fakes.FakeNotification.instances[0]!;
    expect(n.shown).toBe(true);
    n.emit('click');
    expect(win.loaded.at(-1)).toBe(`${MERCHANT}/invoices/pi_1`);
  });

  it('answers the window through the bridge, and nobody else', async () => {
    const { fakes, win } = await launchReady();
    const getAppInfo = fakes.fake.ipcHandlers.get('kassa:get-app-info')!;
    await expect(Promise.resolve(getAppInfo({ sender: win.webContents, senderFrame: win.webContents.mainFrame }))).resolves.toMatchObject({ name: 'Kassa', version: '0.1.0' });
    const stranger = new fakes.FakeWebContents();
    stranger.mainFrame.url = `${MERCHANT}/`;
    expect(() => getAppInfo({ sender: stranger, senderFrame: stranger.mainFrame })).toThrow(/refused/);
  });
});

describe('crash and quit', () => {
  it('a crash offers Restart, which starts a new core with a new secret', async () => {
    const { fakes, core } = await launchReady();
    const firstSecret = core.posted[0].launchSecret;
    fakes.fake.dialogResponse = 0;
    core.stderr.write('Error: database disk image is malformed\n');
    await fakes.settle();
    core.exit(1);
    await fakes.settle();
    expect(fakes.fake.dialogs[0]).toMatchObject({ type: 'error', message: 'The Kassa node stopped unexpectedly.', buttons: ['Restart', 'Quit'] });
    expect(fakes.fake.dialogs[0].detail).toContain('database disk image is malformed');
    const second = fakes.FakeUtilityProcess.instances[1]!;
    second.emit('spawn');
    expect(second.posted[0].launchSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(second.posted[0].launchSecret).not.toBe(firstSecret);
  });

  it('a core that cannot start says why; Quit quits', async () => {
    const fakes = await launch();
    const core = fakes.FakeUtilityProcess.instances[0]!;
    fakes.fake.dialogResponse = 1;
    core.emit('spawn');
    core.reply({ type: 'error', name: 'KeyStoreError', message: "This node's data key is in the OS keychain, which cannot be reached.", fatal: true });
    core.exit(1);
    await fakes.settle();
    expect(fakes.fake.dialogs[0]).toMatchObject({ message: 'The Kassa node could not start.' });
    expect(fakes.fake.dialogs[0].detail).toContain('OS keychain, which cannot be reached');
    expect(fakes.fake.app.quitted).toBe(true);
    expect(fakes.FakeUtilityProcess.instances).toHaveLength(1);
  });

  it('quit stops the core gracefully first', async () => {
    const { fakes, core, tray } = await launchReady();
    tray.item('quit').click({});
    expect(fakes.fake.app.quitted).toBe(false);
    expect(core.types().at(-1)).toBe('stop');
    expect(tray.item('status').label).toBe('Kassa — stopping…');
    core.reply({ type: 'stopped' });
    core.exit(0);
    await fakes.settle();
    expect(fakes.fake.app.quitted).toBe(true);
    expect(tray.destroyed).toBe(true);
    expect(fakes.fake.dialogs).toEqual([]);
  });
});
