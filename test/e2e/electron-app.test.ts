// The desktop app for real: Playwright's _electron launches the built main on a fresh home; the
// window must show the dashboard already signed in by the launch secret, sandboxed, with the
// bridge and no Node; navigation away is blocked; quitting stops the core. Where the Electron
// binary (downloaded on first use from GitHub) or a display is missing, it skips with the reason.
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMain } from '../../scripts/build-main.ts';
import { ensureRendererBuilt } from '../../scripts/build-renderer.ts';
import { electronBinaryPath, hasDisplay } from '../../scripts/start-mode.ts';
import { saveScreenshot } from '../helpers/browser.ts';
import { ROOT, eventually, nodeEnv, tempHome } from '../helpers/node.ts';

const binary = electronBinaryPath(ROOT);
const skipReason = !binary
  ? "Electron's binary is not installed here (node_modules/electron downloads it from GitHub on first use)"
  : !hasDisplay(process.platform, process.env)
    ? 'no display (DISPLAY/WAYLAND_DISPLAY unset; try xvfb-run -a)'
    : null;
if (skipReason) process.stdout.write(`electron-app: skipped: ${skipReason}\n`);

describe('desktop app (Electron)', () => {
  let app: ElectronApplication | null = null;
  afterAll(async () => {
    if (app && app.process().exitCode === null) app.process().kill('SIGKILL');
  });

  it.skipIf(skipReason)('opens the dashboard signed in, isolated, and stops the core on quit', async () => {
    await buildMain();
    await ensureRendererBuilt();
    const home = tempHome('kassa-electron-');
    const display = Object.fromEntries(['DISPLAY', 'WAYLAND_DISPLAY', 'XAUTHORITY', 'XDG_RUNTIME_DIR'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
    app = await _electron.launch({
      executablePath: binary!,
      args: [ROOT, '--home', home, '--port', '0', '--public-port', '0', '--block-time', '0'],
      env: { ...nodeEnv(home), ...display, XDG_CONFIG_HOME: `${home}/config` } as Record<string, string>,
      timeout: 60_000,
    });
    const win = await app.firstWindow();
    await win.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\//, { timeout: 90_000 });
    const merchant = new URL(win.url()).origin;

    // Signed in by the per-launch secret: the page never had it, the cookie was set by main.
    const session = await win.evaluate(async () => ((await (await fetch('/api/admin/session')).json()) as { data: unknown }).data);
    expect(session).toMatchObject({ authenticated: true, via: 'launch', desktop: true });
    expect(await win.evaluate(() => document.cookie)).not.toContain('kassa_session');

    // No Node in the page; only the bridge.
    expect(await win.evaluate(() => [typeof (globalThis as any).require, typeof (globalThis as any).process])).toEqual(['undefined', 'undefined']);
    const info = await win.evaluate(() => (window as any).kassaDesktop.getAppInfo());
    expect(info).toMatchObject({ name: expect.any(String), version: '0.1.0', platform: process.platform });

    // contextBridge hands the page a frozen copy, never a live object of the isolated world.
    expect(await win.evaluate(() => Object.isFrozen((window as any).kassaDesktop))).toBe(true);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);

    // Navigation away from the merchant origin is blocked.
    await win.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(new URL(win.url()).origin).toBe(merchant);
    await saveScreenshot(win, 'electron-dashboard');

    // Quit from main: the core stops gracefully and its listener goes away.
    const exited = new Promise<void>((resolve) => app!.process().once('exit', () => resolve()));
    await app.evaluate(({ app: electronApp }) => electronApp.quit());
    await exited;
    await eventually(async () => fetch(`${merchant}/healthz`).then(() => false, () => true), 'the merchant listener to close', 20_000);
  });
});
