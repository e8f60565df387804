// The preload bridge (`window.kassaDesktop`) declared once: the preload implements it, main
// registers one IPC handler per channel, and the renderer imports the type (`import type`). No
// Electron or Node import here, so any of the three can include it.

export interface DesktopAppInfo {
  name: string;
  version: string;
  /** process.platform of the desktop: 'darwin' | 'win32' | 'linux'. */
  platform: string;
  electron: string;
  /** Whether the OS can start Kassa at login from here (macOS, Windows, Linux XDG autostart). */
  startAtLoginSupported: boolean;
}

/** What a page of the dashboard can ask the desktop shell; absent in a plain browser. */
export interface KassaDesktopBridge {
  getAppInfo(): Promise<DesktopAppInfo>;
  getStartAtLogin(): Promise<boolean>;
  /** Returns the setting as the OS now holds it. */
  setStartAtLogin(enabled: boolean): Promise<boolean>;
  /** Shows an OS notification so the merchant can check that notifications reach them. */
  showTestNotification(): Promise<void>;
}

/** The property name on `window`; the renderer reads `window.kassaDesktop`. */
export const BRIDGE_NAME = 'kassaDesktop';

/** One IPC channel per bridge method (ipcRenderer.invoke ↔ ipcMain.handle). */
export const IPC_CHANNELS = {
  getAppInfo: 'kassa:get-app-info',
  getStartAtLogin: 'kassa:get-start-at-login',
  setStartAtLogin: 'kassa:set-start-at-login',
  showTestNotification: 'kassa:show-test-notification',
} as const satisfies Record<keyof KassaDesktopBridge, string>;
