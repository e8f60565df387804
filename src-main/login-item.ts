// "Start at login": the OS login item on macOS and Windows (app.setLoginItemSettings), an XDG
// autostart entry on Linux (where Electron has no login-item API). Started that way, Kassa opens
// hidden in the tray (`--hidden`).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { App } from 'electron';

export const HIDDEN_FLAG = '--hidden';

export interface LoginItem {
  supported: boolean;
  get(): boolean;
  /** Returns the setting as the OS now holds it. */
  set(enabled: boolean): boolean;
}

/** Quotes one Exec argument as the Desktop Entry spec asks. */
export function desktopExecArg(arg: string): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
  // The value is a desktop-entry string first (its \\ \n \t \r escapes apply before the quoting), and % starts a field code.
  return quoted.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r').replace(/%/g, '%%');
}

export function linuxAutostartEntry(command: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Kassa',
    'Comment=Your own crypto payment gateway',
    `Exec=${command.map(desktopExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function linuxAutostartPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'autostart', 'kassa.desktop');
}

export interface LoginItemOptions {
  app: Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings' | 'isPackaged' | 'getAppPath'>;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  execPath?: string;
}

export function createLoginItem(opts: LoginItemOptions): LoginItem {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  if (platform === 'darwin' || platform === 'win32') {
    const args = platform === 'win32' ? [HIDDEN_FLAG] : [];
    return {
      supported: true,
      get: () => opts.app.getLoginItemSettings({ args }).openAtLogin,
      set: (enabled) => {
        opts.app.setLoginItemSettings({ openAtLogin: enabled, args });
        return opts.app.getLoginItemSettings({ args }).openAtLogin;
      },
    };
  }
  if (platform === 'linux') {
    const file = linuxAutostartPath(env);
    // An AppImage runs from a temporary mount: autostart the AppImage file itself.
    const exec = env.APPIMAGE || opts.execPath || process.execPath;
    const command = opts.app.isPackaged ? [exec, HIDDEN_FLAG] : [exec, opts.app.getAppPath(), HIDDEN_FLAG];
    return {
      supported: true,
      get: () => existsSync(file) && readFileSync(file, 'utf8').includes('Name=Kassa'),
      set: (enabled) => {
        if (enabled) {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, linuxAutostartEntry(command));
        } else {
          rmSync(file, { force: true });
        }
        return existsSync(file);
      },
    };
  }
  return { supported: false, get: () => false, set: () => false };
}

/** True when the OS started us at login (the window stays hidden; the tray is there). */
export function openedAtLogin(argv: string[], app: Pick<App, 'getLoginItemSettings'>, platform: NodeJS.Platform = process.platform): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
