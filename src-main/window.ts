// The dashboard window: isolated, sandboxed, no Node, and nothing but the preload's small bridge.
import { BrowserWindow, type BrowserWindowConstructorOptions, type MenuItemConstructorOptions, type Session } from 'electron';

export interface MainWindowOptions {
  preloadPath: string;
  iconPath: string;
  session: Session;
  /** DevTools only in development (an unpackaged app). */
  devTools: boolean;
}

export function mainWindowOptions(opts: MainWindowOptions): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'Kassa',
    icon: opts.iconPath,
    // Shown once the first page has painted (no white flash), or not at all when started at login.
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#0f172a',
    webPreferences: {
      preload: opts.preloadPath,
      session: opts.session,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      devTools: opts.devTools,
    },
  };
}

/** What the window shows while the core starts (no script; the core may take a while on a cold start). */
export const SPLASH_URL = `data:text/html;charset=utf-8,${encodeURIComponent(
  `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>Kassa</title>
<style>html,body{height:100%;margin:0}body{display:flex;align-items:center;justify-content:center;background:#0f172a;color:#e2e8f0;font:16px system-ui,sans-serif}</style></head>
<body><p>Starting Kassa…</p></body></html>`,
)}`;

export function createMainWindow(opts: MainWindowOptions & { showWhenReady: boolean }): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(opts));
  if (opts.showWhenReady) win.once('ready-to-show', () => win.show());
  return win;
}

/** The application menu: standard edit shortcuts (copy/paste need it on macOS), reload and zoom. */
export function appMenuTemplate(platform: NodeJS.Platform, devTools: boolean): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    ...(devTools ? [{ role: 'toggleDevTools' } as const] : []),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ];
}
