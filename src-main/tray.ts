// The tray: one status line (synced / catching up / paused / error), Open dashboard, Pause or
// Resume watchers, Start at login, Quit. The menu is a pure function of the state, rebuilt on change.
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { CoreStatus } from './core-process.ts';

export type CorePhase =
  | { phase: 'starting' }
  | { phase: 'running'; status: CoreStatus | null }
  | { phase: 'failed'; message: string }
  | { phase: 'stopping' };

export interface TrayState {
  core: CorePhase;
  startAtLogin: boolean;
  startAtLoginSupported: boolean;
}

export interface TrayActions {
  openDashboard(): void;
  pauseWatchers(): void;
  resumeWatchers(): void;
  setStartAtLogin(enabled: boolean): void;
  quit(): void;
}

/** A chain more than this many blocks behind its head counts as catching up. */
export const CATCHING_UP_LAG = 2;

export type StatusLevel = 'ok' | 'busy' | 'paused' | 'error';

/** The tray's status line, and how serious it is. */
export function statusLine(core: CorePhase): { text: string; level: StatusLevel } {
  switch (core.phase) {
    case 'starting':
      return { text: 'Kassa — starting…', level: 'busy' };
    case 'stopping':
      return { text: 'Kassa — stopping…', level: 'busy' };
    case 'failed':
      return { text: 'Kassa — error: the node stopped', level: 'error' };
    case 'running': {
      const status = core.status;
      if (!status) return { text: 'Kassa — starting…', level: 'busy' };
      if (status.paused) return { text: 'Kassa — watchers paused', level: 'paused' };
      const failing = status.networks.find((n) => n.lastError !== null);
      if (failing) return { text: `Kassa — error on ${failing.chain}`, level: 'error' };
      const behind = status.networks.filter((n) => n.head === null || n.syncedAt === null || (n.lag ?? 0) > CATCHING_UP_LAG);
      if (behind.length) {
        const blocks = behind.reduce((sum, n) => sum + (n.lag ?? 0), 0);
        return { text: `Kassa — catching up (${blocks.toLocaleString('en-US')} blocks)`, level: 'busy' };
      }
      if (status.networks.length === 0) return { text: 'Kassa — running, no networks watched', level: 'ok' };
      return { text: 'Kassa — synced', level: 'ok' };
    }
  }
}

export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const running = state.core.phase === 'running';
  const status = state.core.phase === 'running' ? state.core.status : null;
  return [
    { id: 'status', label: statusLine(state.core).text, enabled: false },
    { type: 'separator' },
    { id: 'open', label: 'Open dashboard', enabled: running, click: () => actions.openDashboard() },
    status?.paused
      ? { id: 'resume', label: 'Resume watchers', click: () => actions.resumeWatchers() }
      : { id: 'pause', label: 'Pause watchers', enabled: status !== null, click: () => actions.pauseWatchers() },
    { type: 'separator' },
    {
      id: 'start-at-login',
      label: 'Start at login',
      type: 'checkbox',
      checked: state.startAtLogin,
      enabled: state.startAtLoginSupported,
      click: (item) => actions.setStartAtLogin(item.checked),
    },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Kassa', click: () => actions.quit() },
  ];
}

export interface KassaTray {
  update(state: TrayState): void;
  destroy(): void;
}

/** The tray icon; `iconPath` is a template image on macOS (black on transparent, `…Template.png`). */
export function createTray(iconPath: string, initial: TrayState, actions: TrayActions): KassaTray {
  const image = nativeImage.createFromPath(iconPath);
  if (process.platform === 'darwin') image.setTemplateImage(true);
  const tray = new Tray(image);
  // macOS opens the menu on click; elsewhere a click opens the window.
  if (process.platform !== 'darwin') tray.on('click', () => actions.openDashboard());
  const update = (state: TrayState) => {
    tray.setToolTip(statusLine(state.core).text);
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(state, actions)));
  };
  update(initial);
  return { update, destroy: () => tray.destroy() };
}
