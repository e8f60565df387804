// Where the built app finds its parts: the repository root in development (`electron .`), the
// app.asar archive when packaged (electron-builder's `files`).
import { join } from 'node:path';

export interface DesktopPaths {
  preload: string;
  coreEntry: string;
  icon: string;
  trayIcon: string;
}

export function desktopPaths(appRoot: string, platform: NodeJS.Platform): DesktopPaths {
  const icons = join(appRoot, 'resources', 'icons');
  return {
    preload: join(appRoot, 'out', 'preload', 'preload.cjs'),
    coreEntry: join(appRoot, 'src-server', 'desktop-entry.ts'),
    icon: join(icons, 'icon.png'),
    // macOS tints a black-on-transparent "Template" image for light and dark menu bars.
    trayIcon: join(icons, 'tray', platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'),
  };
}

/** argv after the executable (and, unpackaged, after the app path given to `electron`). */
export function appArgs(argv: string[], isPackaged: boolean): string[] {
  return argv.slice(isPackaged ? 1 : 2);
}
