// What `npm start` opens: the desktop app where a display and Electron's binary are there, the
// headless node otherwise. Pure rules plus a look at node_modules/electron that never downloads.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type LaunchDecision =
  | { mode: 'electron' }
  /** A display is there but Electron's binary is not: try Electron's own download, briefly. */
  | { mode: 'fetch-electron' }
  | { mode: 'headless'; reason: string };

export interface LaunchFacts {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** `--headless` on the command line. */
  headlessFlag: boolean;
  /** node_modules/electron is installed (the npm package, with or without its binary). */
  electronPackage: boolean;
  /** Path of Electron's binary when it is on disk; null when it would have to be downloaded. */
  electronBinary: string | null;
}

/** "1", "true", "yes" or any other non-empty value but "0", "false", "no". */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && value !== '' && !/^(0|false|no)$/i.test(value);
}

/** macOS and Windows always have a display; elsewhere X11 or Wayland must be there. */
export function hasDisplay(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

export function decideLaunch(f: LaunchFacts): LaunchDecision {
  if (f.headlessFlag) return { mode: 'headless', reason: '--headless: running headless. Open the dashboard URL below.' };
  if (envFlag(f.env.KASSA_HEADLESS)) return { mode: 'headless', reason: 'KASSA_HEADLESS is set: running headless. Open the dashboard URL below.' };
  if (!hasDisplay(f.platform, f.env)) return { mode: 'headless', reason: 'No display: running headless. Open the dashboard URL below.' };
  if (!f.electronPackage) return { mode: 'headless', reason: 'Electron is not installed: running headless. Open the dashboard URL below.' };
  if (f.electronBinary) return { mode: 'electron' };
  if (envFlag(f.env.ELECTRON_SKIP_BINARY_DOWNLOAD)) {
    return { mode: 'headless', reason: "Electron's binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set): running headless. Open the dashboard URL below." };
  }
  return { mode: 'fetch-electron' };
}

export function electronPackageDir(root: string): string {
  return join(root, 'node_modules', 'electron');
}

/**
 * Electron's binary as `require('electron')` would return it, but without its side effect:
 * requiring the package downloads a missing binary, synchronously and without a time limit.
 */
export function electronBinaryPath(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const pkg = electronPackageDir(root);
  let relative: string;
  try {
    relative = readFileSync(join(pkg, 'path.txt'), 'utf8').trim();
  } catch {
    return null;
  }
  if (!relative) return null;
  const full = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relative) : join(pkg, 'dist', relative);
  return existsSync(full) ? full : null;
}
