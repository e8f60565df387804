// The desktop app's main process, composed: one instance per user; the core in a utilityProcess;
// a sandboxed window on the merchant listener, signed in with the per-launch secret; tray,
// notifications, start at login. src-main/main.ts runs it.
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, type Session } from 'electron';
import { DesktopArgsError, parseDesktopArgs, type DesktopArgs } from './args.ts';
import { startCoreProcess, type CoreExit, type CoreProcess, type CoreStatus } from './core-process.ts';
import { installAppGuards, installSessionGuards, isExternalWebUrl, type GuardOptions } from './guards.ts';
import { bridgeHandlers, registerIpcHandlers } from './ipc.ts';
import { authenticateWindowSession, createLaunchSecret } from './launch-auth.ts';
import { createLoginItem, openedAtLogin, type LoginItem } from './login-item.ts';
import { showCoreNotification, TEST_NOTIFICATION } from './notifications.ts';
import { appArgs, desktopPaths } from './paths.ts';
import { acquireSingleInstance, focusWindow } from './single-instance.ts';
import { createTray, type CorePhase, type KassaTray, type TrayState } from './tray.ts';
import { appMenuTemplate, createMainWindow, SPLASH_URL } from './window.ts';

/** The window's own in-memory session: nothing of the dashboard (cookies, cache) is written to disk. */
const DASHBOARD_PARTITION = 'kassa-dashboard';
const CORE_STOP_TIMEOUT_MS = 15_000;

const log = (line: string) => process.stderr.write(`kassa desktop: ${line}\n`);

export function runDesktopApp(argv: string[] = process.argv): void {
  let args: DesktopArgs;
  try {
    args = parseDesktopArgs(appArgs(argv, app.isPackaged));
  } catch (err) {
    if (!(err instanceof DesktopArgsError)) throw err;
    dialog.showErrorBox('Kassa', err.message);
    app.exit(2);
    return;
  }
  const devTools = !app.isPackaged;
  const paths = desktopPaths(app.getAppPath(), process.platform);

  let core: CoreProcess | null = null;
  let phase: CorePhase = { phase: 'starting' };
  // The core reports status only when it changes: keep the last one for when the window is signed in.
  let lastStatus: CoreStatus | null = null;
  let merchantUrl: string | null = null;
  let merchantOrigin: string | null = null;
  let win: BrowserWindow | null = null;
  let tray: KassaTray | null = null;
  let loginItem: LoginItem | null = null;
  let dashboardSession: Session | null = null;
  let quitting = false;
  let readyToQuit = false;

  const guards: GuardOptions = {
    merchantOrigin: () => merchantOrigin,
    openExternal: (url) => (isExternalWebUrl(url) ? shell.openExternal(url) : Promise.resolve()),
    log,
  };

  const trayState = (): TrayState => ({
    core: phase,
    startAtLogin: loginItem?.get() ?? false,
    startAtLoginSupported: loginItem?.supported ?? false,
  });
  const refreshTray = () => tray?.update(trayState());
  const setPhase = (next: CorePhase) => {
    phase = next;
    refreshTray();
  };

  const loadDashboard = (target: BrowserWindow, path: string) => {
    const url = merchantUrl && phase.phase === 'running' ? new URL(path, merchantUrl).toString() : SPLASH_URL;
    target.loadURL(url).catch((err: unknown) => log(`could not load the dashboard: ${(err as Error).message}`));
  };

  const ensureWindow = (show: boolean): BrowserWindow => {
    if (win && !win.isDestroyed()) return win;
    const created = createMainWindow({ preloadPath: paths.preload, iconPath: paths.icon, session: dashboardSession!, devTools, showWhenReady: show });
    created.on('closed', () => {
      if (win === created) win = null;
    });
    win = created;
    loadDashboard(created, '/');
    return created;
  };

  const openDashboard = (path?: string) => {
    if (!app.isReady() || quitting) return;
    const existed = win !== null && !win.isDestroyed();
    const target = ensureWindow(true);
    if (existed) {
      if (path) loadDashboard(target, path);
      focusWindow(target);
    } else if (path && path !== '/') {
      loadDashboard(target, path);
    }
  };

  const startCore = async () => {
    const secret = createLaunchSecret();
    merchantUrl = null;
    merchantOrigin = null;
    lastStatus = null;
    setPhase({ phase: 'starting' });
    const started = startCoreProcess({
      entryPath: paths.coreEntry,
      launchSecret: secret,
      home: args.home,
      overrides: args.overrides,
      onNotification: (n) => showCoreNotification(n, openDashboard),
      onStatus: (status) => {
        lastStatus = status;
        if (phase.phase === 'running') setPhase({ phase: 'running', status });
      },
      onUnexpectedExit: (exit) => void coreStopped(exit),
      log,
    });
    core = started;
    let ready;
    try {
      ready = await started.ready;
    } catch {
      return; // coreStopped shows why.
    }
    merchantUrl = ready.merchantUrl;
    merchantOrigin = new URL(ready.merchantUrl).origin;
    log(`core ready at ${ready.merchantUrl} (secrets: ${ready.keyStore})`);
    try {
      await authenticateWindowSession(dashboardSession!, ready.merchantUrl, secret);
    } catch (err) {
      // The dashboard then asks for the admin password instead.
      log(`launch sign-in failed: ${(err as Error).message}`);
    }
    setPhase({ phase: 'running', status: lastStatus });
    if (win && !win.isDestroyed()) loadDashboard(win, '/');
  };

  const coreStopped = async (exit: CoreExit) => {
    if (quitting) return;
    const wasRunning = phase.phase === 'running';
    merchantOrigin = null;
    setPhase({ phase: 'failed', message: exit.error ?? `exit code ${exit.code}` });
    const detail = [exit.error, exit.stderrTail.split('\n').slice(-8).join('\n')].filter(Boolean).join('\n\n');
    const options = {
      type: 'error' as const,
      title: 'Kassa',
      message: wasRunning ? 'The Kassa node stopped unexpectedly.' : 'The Kassa node could not start.',
      detail: detail || `It exited with code ${exit.code}.`,
      buttons: ['Restart', 'Quit'],
      defaultId: 0,
      cancelId: 1,
      noLink: true,
    };
    const { response } = win && !win.isDestroyed() ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
    if (quitting) return;
    if (response === 0) void startCore();
    else app.quit();
  };

  const shutdown = async () => {
    if (quitting) return;
    quitting = true;
    setPhase({ phase: 'stopping' });
    const how = await core?.stop(CORE_STOP_TIMEOUT_MS);
    if (how) log(`core ${how}`);
    tray?.destroy();
    readyToQuit = true;
    app.quit();
  };

  if (!acquireSingleInstance(app, () => openDashboard())) return;
  app.enableSandbox();
  if (process.platform === 'win32') app.setAppUserModelId('app.kassa.desktop');
  installAppGuards(app, guards);
  // A payment gateway keeps running in the tray with its window closed; Quit is in the tray menu.
  app.on('window-all-closed', () => {});
  app.on('activate', () => openDashboard());
  app.on('before-quit', (event) => {
    if (readyToQuit) return;
    event.preventDefault();
    void shutdown();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  void app.whenReady().then(() => {
    Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(process.platform, devTools)));
    dashboardSession = session.fromPartition(DASHBOARD_PARTITION);
    installSessionGuards(dashboardSession, guards);
    installSessionGuards(session.defaultSession, guards);
    loginItem = createLoginItem({ app });
    const login = loginItem;
    registerIpcHandlers(
      ipcMain,
      bridgeHandlers({
        getAppInfo: async () => ({
          name: app.getName(),
          version: app.getVersion(),
          platform: process.platform,
          electron: process.versions.electron ?? '',
          startAtLoginSupported: login.supported,
        }),
        getStartAtLogin: async () => login.get(),
        setStartAtLogin: async (enabled) => {
          const now = login.set(enabled);
          refreshTray();
          return now;
        },
        showTestNotification: async () => {
          showCoreNotification(TEST_NOTIFICATION, openDashboard);
        },
      }),
      { trustedWebContents: () => (win && !win.isDestroyed() ? win.webContents : null), merchantOrigin: () => merchantOrigin },
      log,
    );
    tray = createTray(paths.trayIcon, trayState(), {
      openDashboard: () => openDashboard(),
      pauseWatchers: () => core?.pauseWatchers(),
      resumeWatchers: () => core?.resumeWatchers(),
      setStartAtLogin: (enabled) => {
        login.set(enabled);
        refreshTray();
      },
      quit: () => app.quit(),
    });
    if (!args.hidden && !openedAtLogin(argv, app)) ensureWindow(true);
    void startCore();
  });
}
