// The tray's status line and menu, and what its items do (pause → a message to the core).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeTray, FakeUtilityProcess, resetFake } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { createTray, statusLine, trayMenuTemplate } = await import('../../../src-main/tray.ts');
const { startCoreProcess } = await import('../../../src-main/core-process.ts');
type CorePhase = import('../../../src-main/tray.ts').CorePhase;

const net = (chain: string, over: Partial<{ head: number | null; lag: number | null; syncedAt: string | null; lastError: string | null }> = {}) => ({
  chain,
  head: 100,
  lag: 0,
  syncedAt: '2026-05-29T12:00:00.000Z',
  lastError: null,
  ...over,
});
const running = (networks: ReturnType<typeof net>[], paused = false): CorePhase => ({ phase: 'running', status: { paused, networks } });

function actions() {
  return { openDashboard: vi.fn(), pauseWatchers: vi.fn(), resumeWatchers: vi.fn(), setStartAtLogin: vi.fn(), quit: vi.fn() };
}

beforeEach(() => resetFake());

describe('statusLine', () => {
  it.each([
    [{ phase: 'starting' } as CorePhase, 'Kassa — starting…', 'busy'],
    [{ phase: 'stopping' } as CorePhase, 'Kassa — stopping…', 'busy'],
    [{ phase: 'failed', message: 'boom' } as CorePhase, 'Kassa — error: the node stopped', 'error'],
    [{ phase: 'running', status: null } as CorePhase, 'Kassa — starting…', 'busy'],
    [running([net('devnet'), net('tron-devnet')]), 'Kassa — synced', 'ok'],
    [running([net('devnet', { lag: 2 })]), 'Kassa — synced', 'ok'],
    [running([net('devnet', { lag: 3 }), net('bsc', { lag: 1200 })]), 'Kassa — catching up (1,203 blocks)', 'busy'],
    [running([net('ethereum', { head: null, lag: null, syncedAt: null })]), 'Kassa — catching up (0 blocks)', 'busy'],
    [running([net('devnet'), net('bsc', { lastError: 'HTTP 503' })]), 'Kassa — error on bsc', 'error'],
    [running([net('bsc', { lastError: 'HTTP 503' })], true), 'Kassa — watchers paused', 'paused'],
    [running([]), 'Kassa — running, no networks watched', 'ok'],
  ])('%j → %s', (phase, text, level) => {
    expect(statusLine(phase)).toEqual({ text, level });
  });
});

describe('trayMenuTemplate', () => {
  it('has the status line, open, pause, start at login and quit', () => {
    const menu = trayMenuTemplate({ core: running([net('devnet')]), startAtLogin: true, startAtLoginSupported: true }, actions());
    const visible = menu.filter((i) => i.type !== 'separator');
    expect(visible.map((i) => i.label)).toEqual(['Kassa — synced', 'Open dashboard', 'Pause watchers', 'Start at login', 'Quit Kassa']);
    expect(menu.find((i) => i.id === 'status')!.enabled).toBe(false);
    expect(menu.find((i) => i.id === 'start-at-login')).toMatchObject({ type: 'checkbox', checked: true, enabled: true });
  });

  it('offers Resume instead of Pause while paused', () => {
    const menu = trayMenuTemplate({ core: running([net('devnet')], true), startAtLogin: false, startAtLoginSupported: true }, actions());
    expect(menu.map((i) => i.id)).toContain('resume');
    expect(menu.map((i) => i.id)).not.toContain('pause');
  });

  it('disables open and pause until the core is up, and start at login where unsupported', () => {
    const menu = trayMenuTemplate({ core: { phase: 'starting' }, startAtLogin: false, startAtLoginSupported: false }, actions());
    expect(menu.find((i) => i.id === 'open')!.enabled).toBe(false);
    expect(menu.find((i) => i.id === 'pause')!.enabled).toBe(false);
    expect(menu.find((i) => i.id === 'start-at-login')!.enabled).toBe(false);
    expect(menu.find((i) => i.id === 'quit')!.enabled).not.toBe(false);
  });

  it('wires each item to its action', () => {
    const a = actions();
    const click = (phase: CorePhase, id: string, item: object = {}) =>
      (trayMenuTemplate({ core: phase, startAtLogin: false, startAtLoginSupported: true }, a).find((i) => i.id === id)!.click as (i: object) => void)(item);
    click(running([net('devnet')]), 'open');
    click(running([net('devnet')]), 'pause');
    click(running([net('devnet')], true), 'resume');
    click(running([net('devnet')]), 'start-at-login', { checked: true });
    click(running([net('devnet')]), 'quit');
    expect(a.openDashboard).toHaveBeenCalledOnce();
    expect(a.pauseWatchers).toHaveBeenCalledOnce();
    expect(a.resumeWatchers).toHaveBeenCalledOnce();
    expect(a.setStartAtLogin).toHaveBeenCalledWith(true);
    expect(a.quit).toHaveBeenCalledOnce();
  });
});

describe('createTray', () => {
  it('shows the icon, the status as tooltip, and rebuilds the menu on update', () => {
    const tray = createTray('/app/resources/icons/tray/tray.png', { core: { phase: 'starting' }, startAtLogin: false, startAtLoginSupported: true }, actions());
    const fakeTray = FakeTray.instances[0]!;
    expect(fakeTray.image.path).toBe('/app/resources/icons/tray/tray.png');
    expect(fakeTray.tooltip).toBe('Kassa — starting…');
    tray.update({ core: running([net('devnet')]), startAtLogin: false, startAtLoginSupported: true });
    expect(fakeTray.tooltip).toBe('Kassa — synced');
    expect(fakeTray.item('status').label).toBe('Kassa — synced');
    tray.destroy();
    expect(fakeTray.destroyed).toBe(true);
  });

  it('pause in the tray becomes a pause-watchers message to the core', () => {
    const core = startCoreProcess({ entryPath: '/app/src-server/desktop-entry.ts', launchSecret: 'x'.repeat(64), log: () => {} });
    const child = FakeUtilityProcess.instances[0]!;
    child.emit('spawn');
    child.reply({ type: 'ready', merchantUrl: 'http://127.0.0.1:8420', publicUrl: 'http://127.0.0.1:8421', keyStore: 'none' });
    createTray('/tray.png', { core: running([net('devnet')]), startAtLogin: false, startAtLoginSupported: true }, {
      ...actions(),
      pauseWatchers: () => core.pauseWatchers(),
      resumeWatchers: () => core.resumeWatchers(),
    });
    FakeTray.instances[0]!.item('pause').click({});
    expect(child.types()).toEqual(['start', 'pause-watchers']);
  });
});
