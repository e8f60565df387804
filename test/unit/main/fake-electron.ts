// A stand-in for the `electron` module in unit tests of the main process (no Electron binary and
// no display here). Each fake records what main asked of it, so a test can read it back or play
// the other side (emit an event, answer a message). Use with:
//   vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { vi } from 'vitest';

export class FakeFrame {
  url: string;
  parent: FakeFrame | null;
  constructor(url: string, parent: FakeFrame | null = null) {
    this.url = url;
    this.parent = parent;
  }
  get origin(): string {
    try {
      return new URL(this.url).origin;
    } catch {
      return 'null';
    }
  }
}

/** An event main can preventDefault, carrying `url` as Electron's navigation events do. */
export class FakeEvent {
  defaultPrevented = false;
  url: string;
  constructor(url = '') {
    this.url = url;
  }
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class FakeWebContents extends EventEmitter {
  mainFrame = new FakeFrame('about:blank');
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  /** Plays a navigation the page started; true when main let it through. */
  navigate(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', url: string): boolean {
    const e = new FakeEvent(url);
    this.emit(event, e, url);
    return !e.defaultPrevented;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  options: any;
  webContents = new FakeWebContents();
  loaded: string[] = [];
  visible = false;
  minimized = false;
  destroyed = false;
  focused = 0;
  constructor(options: any) {
    super();
    this.options = options;
    FakeBrowserWindow.instances.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {
    this.focused++;
  }
  close(): void {
    this.destroyed = true;
    this.emit('closed');
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.instances.filter((w) => !w.destroyed);
  }
}

export class FakeSession {
  partition: string;
  cookiesSet: any[] = [];
  cookies = { set: vi.fn(async (details: any) => void this.cookiesSet.push(details)) };
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void, details: any) => void) | null = null;
  permissionCheckHandler: ((wc: unknown, permission: string, origin: string, details: any) => boolean) | null = null;
  devicePermissionHandler: (() => boolean) | null = null;
  headersListener: ((details: any, cb: (r: any) => void) => void) | null = null;
  webRequest = {
    onHeadersReceived: (listener: (details: any, cb: (r: any) => void) => void) => {
      this.headersListener = listener;
    },
  };
  constructor(partition: string) {
    this.partition = partition;
  }
  setPermissionRequestHandler(h: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: () => boolean): void {
    this.devicePermissionHandler = h;
  }
  /** Runs the permission request handler and returns what it granted. */
  requestPermission(permission: string, requestingUrl: string): Promise<boolean> {
    return new Promise((resolve) => this.permissionRequestHandler!(null, permission, resolve, { requestingUrl, isMainFrame: true }));
  }
  /** Runs the onHeadersReceived listener and returns its answer. */
  headersFor(url: string, responseHeaders: Record<string, string[]>): Promise<any> {
    return new Promise((resolve) => this.headersListener!({ url, responseHeaders }, resolve));
  }
}

export class FakeUtilityProcess extends EventEmitter {
  static instances: FakeUtilityProcess[] = [];
  modulePath: string;
  args: string[];
  options: any;
  posted: any[] = [];
  pid: number | undefined = 40_000 + FakeUtilityProcess.instances.length;
  stdout = new PassThrough();
  stderr = new PassThrough();
  killed = false;
  constructor(modulePath: string, args: string[], options: any) {
    super();
    this.modulePath = modulePath;
    this.args = args;
    this.options = options;
    FakeUtilityProcess.instances.push(this);
  }
  postMessage(message: unknown): void {
    this.posted.push(structuredClone(message));
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
  /** The core's side: send a message to main. */
  reply(message: unknown): void {
    this.emit('message', message);
  }
  exit(code: number): void {
    this.pid = undefined;
    this.emit('exit', code);
  }
  types(): string[] {
    return this.posted.map((m) => m.type);
  }
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  image: any;
  tooltip = '';
  menu: { template: any[] } | null = null;
  destroyed = false;
  constructor(image: any) {
    super();
    this.image = image;
    FakeTray.instances.push(this);
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: { template: any[] }): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Finds a menu item by id (status, open, pause, resume, start-at-login, quit). */
  item(id: string): any {
    return this.menu?.template.find((i) => i.id === id);
  }
}

export class FakeNotification extends EventEmitter {
  static instances: FakeNotification[] = [];
  static supported = true;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  options: any;
  shown = false;
  constructor(options: any) {
    super();
    this.options = options;
    FakeNotification.instances.push(this);
  }
  show(): void {
    this.shown = true;
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  appPath = '/app';
  lock = true;
  ready = true;
  quitted = false;
  loginItem = { openAtLogin: false, wasOpenedAtLogin: false };
  requestSingleInstanceLock = vi.fn(() => this.lock);
  /** Like Electron: 'before-quit' first; a listener that prevents it keeps the app running. */
  quit = vi.fn(() => {
    const e = new FakeEvent();
    this.emit('before-quit', e);
    if (!e.defaultPrevented) this.quitted = true;
  });
  exit = vi.fn();
  enableSandbox = vi.fn();
  setAppUserModelId = vi.fn();
  whenReady = vi.fn(() => Promise.resolve());
  isReady = () => this.ready;
  getAppPath = () => this.appPath;
  getName = () => 'Kassa';
  getVersion = () => '0.1.0';
  getLoginItemSettings = vi.fn((_opts?: unknown) => ({ ...this.loginItem }));
  setLoginItemSettings = vi.fn((s: { openAtLogin: boolean }) => {
    this.loginItem.openAtLogin = s.openAtLogin;
  });
  reset(): void {
    this.removeAllListeners();
    this.isPackaged = false;
    this.appPath = '/app';
    this.lock = true;
    this.ready = true;
    this.quitted = false;
    this.loginItem = { openAtLogin: false, wasOpenedAtLogin: false };
    for (const fn of [this.requestSingleInstanceLock, this.quit, this.exit, this.enableSandbox, this.setAppUserModelId, this.whenReady, this.getLoginItemSettings, this.setLoginItemSettings]) fn.mockClear();
  }
}

export const fake = {
  app: new FakeApp(),
  sessions: new Map<string, FakeSession>(),
  defaultSession: new FakeSession(''),
  ipcHandlers: new Map<string, (event: any, ...args: any[]) => unknown>(),
  menus: [] as any[][],
  applicationMenu: null as any,
  openedExternally: [] as string[],
  dialogs: [] as any[],
  /** What the next error dialog answers: 0 Restart, 1 Quit. */
  dialogResponse: 0,
  exposed: new Map<string, unknown>(),
  invoked: [] as { channel: string; args: unknown[] }[],
};

/** Fresh state for a test. */
export function resetFake(): void {
  FakeBrowserWindow.instances = [];
  FakeUtilityProcess.instances = [];
  FakeTray.instances = [];
  FakeNotification.instances = [];
  FakeNotification.supported = true;
  fake.app.reset();
  fake.sessions.clear();
  fake.defaultSession = new FakeSession('');
  electron.session.defaultSession = fake.defaultSession;
  fake.ipcHandlers.clear();
  fake.menus = [];
  fake.applicationMenu = null;
  fake.openedExternally = [];
  fake.dialogs = [];
  fake.dialogResponse = 0;
  fake.exposed.clear();
  fake.invoked = [];
}

export const electron = {
  app: fake.app,
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  Notification: FakeNotification,
  Menu: {
    buildFromTemplate: (template: any[]) => {
      fake.menus.push(template);
      return { template };
    },
    setApplicationMenu: (menu: any) => {
      fake.applicationMenu = menu;
    },
  },
  nativeImage: {
    createFromPath: (path: string) => ({ path, template: false, setTemplateImage(on: boolean) { this.template = on; } }),
  },
  session: {
    defaultSession: fake.defaultSession,
    fromPartition: (partition: string) => {
      let s = fake.sessions.get(partition);
      if (!s) fake.sessions.set(partition, (s = new FakeSession(partition)));
      return s;
    },
  },
  ipcMain: {
    handle: (channel: string, handler: (event: any, ...args: any[]) => unknown) => {
      fake.ipcHandlers.set(channel, handler);
    },
  },
  shell: {
    openExternal: async (url: string) => {
      fake.openedExternally.push(url);
    },
  },
  dialog: {
    showMessageBox: async (...args: any[]) => {
      fake.dialogs.push(args.length > 1 ? args[1] : args[0]);
      return { response: fake.dialogResponse };
    },
    showErrorBox: (title: string, content: string) => {
      fake.dialogs.push({ title, message: content });
    },
  },
  utilityProcess: {
    fork: (modulePath: string, args: string[] = [], options: any = {}) => new FakeUtilityProcess(modulePath, args, options),
  },
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => {
      fake.exposed.set(key, api);
    },
  },
  ipcRenderer: {
    invoke: async (channel: string, ...args: unknown[]) => {
      fake.invoked.push({ channel, args });
      return null;
    },
  },
};

/** Lets queued promise callbacks run (main reacts to messages asynchronously). */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
