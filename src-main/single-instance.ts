// One Kassa per user: a second launch hands over to the first (which shows its window) and quits,
// so two cores never fight over the same home, database and ports.
import type { App, BrowserWindow } from 'electron';

/** False when another instance holds the lock: this one quits. */
export function acquireSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'on' | 'quit'>, onSecondInstance: (argv: string[]) => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', (_event, argv) => onSecondInstance(argv));
  return true;
}

/** Brings a window to the front, restoring it when minimised or hidden. */
export function focusWindow(win: Pick<BrowserWindow, 'isMinimized' | 'restore' | 'isVisible' | 'show' | 'focus'>): void {
  if (win.isMinimized()) win.restore();
  if (!win.isVisible()) win.show();
  win.focus();
}
