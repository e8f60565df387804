// The dashboard window's security options and the application menu.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBrowserWindow, FakeSession, resetFake } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { appMenuTemplate, createMainWindow, mainWindowOptions, SPLASH_URL } = await import('../../../src-main/window.ts');
const { desktopPaths, appArgs } = await import('../../../src-main/paths.ts');

beforeEach(() => resetFake());

const session = new FakeSession('kassa-dashboard');
const base = { preloadPath: '/app/out/preload/preload.cjs', iconPath: '/app/resources/icons/icon.png', session: session as never, devTools: false };

describe('mainWindowOptions', () => {
  it('isolates the page: context isolation, sandbox, no Node, web security, no <webview>', () => {
    const prefs = mainWindowOptions(base).webPreferences!;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.spellcheck).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });

  it('loads the bundled CommonJS preload and uses the dashboard session', () => {
    const prefs = mainWindowOptions(base).webPreferences!;
    expect(prefs.preload).toBe('/app/out/preload/preload.cjs');
    expect(prefs.session).toBe(session);
  });

  it('has DevTools only in development', () => {
    expect(mainWindowOptions(base).webPreferences!.devTools).toBe(false);
    expect(mainWindowOptions({ ...base, devTools: true }).webPreferences!.devTools).toBe(true);
  });

  it('starts hidden so it shows only once painted', () => {
    expect(mainWindowOptions(base).show).toBe(false);
  });
});

describe('createMainWindow', () => {
  it('shows the window on ready-to-show unless started hidden', () => {
    const shown = createMainWindow({ ...base, showWhenReady: true }) as unknown as FakeBrowserWindow;
    const hidden = createMainWindow({ ...base, showWhenReady: false }) as unknown as FakeBrowserWindow;
    shown.emit('ready-to-show');
    hidden.emit('ready-to-show');
    expect(shown.visible).toBe(true);
    expect(hidden.visible).toBe(false);
    expect(shown.options.webPreferences.sandbox).toBe(true);
  });

  it('has a splash page with no script at all', () => {
    const html = decodeURIComponent(SPLASH_URL.slice(SPLASH_URL.indexOf(',') + 1));
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script/i);
  });
});

describe('appMenuTemplate', () => {
  it('keeps the edit shortcuts, and the app menu on macOS only', () => {
    const mac = appMenuTemplate('darwin', false);
    const linux = appMenuTemplate('linux', false);
    expect(mac.map((m) => m.role ?? m.label)).toEqual(['appMenu', 'editMenu', 'View', 'windowMenu']);
    expect(linux.map((m) => m.role ?? m.label)).toEqual(['editMenu', 'View', 'windowMenu']);
  });

  it('offers DevTools only in development', () => {
    const roles = (devTools: boolean) => (appMenuTemplate('linux', devTools)[1]!.submenu as { role?: string }[]).map((i) => i.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });
});

describe('paths', () => {
  it('finds the preload, the core entry and the icons under the app root', () => {
    expect(desktopPaths('/app', 'linux')).toEqual({
      preload: '/app/out/preload/preload.cjs',
      coreEntry: '/app/src-server/desktop-entry.ts',
      icon: '/app/resources/icons/icon.png',
      trayIcon: '/app/resources/icons/tray/tray.png',
    });
    expect(desktopPaths('/app', 'darwin').trayIcon).toBe('/app/resources/icons/tray/trayTemplate.png');
  });

  it('skips the app path in argv when unpackaged', () => {
    expect(appArgs(['/electron', '/repo', '--home', 'x'], false)).toEqual(['--home', 'x']);
    expect(appArgs(['/opt/Kassa/kassa', '--home', 'x'], true)).toEqual(['--home', 'x']);
  });
});
