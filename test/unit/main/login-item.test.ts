// Start at login: the OS login item on macOS and Windows, an XDG autostart entry on Linux.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, resetFake } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { createLoginItem, desktopExecArg, HIDDEN_FLAG, linuxAutostartEntry, linuxAutostartPath, openedAtLogin } = await import('../../../src-main/login-item.ts');

let xdg: string;
beforeEach(() => {
  resetFake();
  xdg = mkdtempSync(join(tmpdir(), 'kassa-xdg-'));
});
afterEach(() => rmSync(xdg, { recursive: true, force: true }));

describe('desktopExecArg', () => {
  it.each([
    ['/opt/Kassa/kassa', '/opt/Kassa/kassa'],
    ['--hidden', '--hidden'],
    ['/home/me/My Apps/Kassa.AppImage', '"/home/me/My Apps/Kassa.AppImage"'],
    // The spec's own examples: a quoted $ is written \\$, a quoted backslash \\\\ (string escapes come first).
    ['/tmp/$HOME/"x"`y`\\z', '"/tmp/\\\\$HOME/\\\\"x\\\\"\\\\`y\\\\`\\\\\\\\z"'],
    // % starts a field code (%f, %u, ...): a downloaded "Kassa%201.0.AppImage" must stay itself.
    ['/home/me/Kassa%201.0.AppImage', '/home/me/Kassa%%201.0.AppImage'],
  ])('%s → %s', (arg, quoted) => {
    expect(desktopExecArg(arg)).toBe(quoted);
  });

  /** How a launcher reads one Exec argument back: string escapes, then field codes, then the quoting. */
  function readExecArg(text: string): string {
    const unescaped = text.replace(/\\([\\nstr])/g, (_m, c: string) => ({ '\\': '\\', n: '\n', s: ' ', t: '\t', r: '\r' })[c]!);
    const expanded = unescaped.replace(/%%/g, '%');
    return expanded.startsWith('"') ? expanded.slice(1, -1).replace(/\\(["`$\\])/g, '$1') : expanded;
  }

  it.each(['/opt/Kassa/kassa', '/home/me/My Apps/Kassa.AppImage', '/tmp/$HOME/"x"`y`\\z', '/a/100%/b c', '/a\nExec=/tmp/evil'])('%j reads back as itself, on one line', (arg) => {
    const written = desktopExecArg(arg);
    expect(written).not.toMatch(/[\n\r]/);
    expect(readExecArg(written)).toBe(arg);
  });
});

describe('linux autostart', () => {
  it('writes an entry that starts Kassa hidden, and removes it', () => {
    fake.app.isPackaged = true;
    const item = createLoginItem({ app: fake.app as never, platform: 'linux', env: { XDG_CONFIG_HOME: xdg }, execPath: '/opt/Kassa/kassa' });
    expect(item.supported).toBe(true);
    expect(item.get()).toBe(false);
    expect(item.set(true)).toBe(true);
    const file = join(xdg, 'autostart', 'kassa.desktop');
    expect(linuxAutostartPath({ XDG_CONFIG_HOME: xdg })).toBe(file);
    expect(readFileSync(file, 'utf8')).toContain(`Exec=/opt/Kassa/kassa ${HIDDEN_FLAG}`);
    expect(item.get()).toBe(true);
    expect(item.set(false)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('autostarts the AppImage file, not its temporary mount', () => {
    fake.app.isPackaged = true;
    const item = createLoginItem({ app: fake.app as never, platform: 'linux', env: { XDG_CONFIG_HOME: xdg, APPIMAGE: '/home/me/Apps/Kassa 0.1.0.AppImage' }, execPath: '/tmp/.mount_Kassa/kassa' });
    item.set(true);
    expect(readFileSync(join(xdg, 'autostart', 'kassa.desktop'), 'utf8')).toContain('Exec="/home/me/Apps/Kassa 0.1.0.AppImage" --hidden');
  });

  it('in development starts electron with the app path', () => {
    fake.app.appPath = '/repo';
    const item = createLoginItem({ app: fake.app as never, platform: 'linux', env: { XDG_CONFIG_HOME: xdg }, execPath: '/repo/node_modules/electron/dist/electron' });
    item.set(true);
    expect(readFileSync(join(xdg, 'autostart', 'kassa.desktop'), 'utf8')).toContain('Exec=/repo/node_modules/electron/dist/electron /repo --hidden');
  });

  it('is a valid desktop entry', () => {
    const entry = linuxAutostartEntry(['/opt/Kassa/kassa', '--hidden']);
    expect(entry.split('\n')[0]).toBe('[Desktop Entry]');
    expect(entry).toContain('Type=Application');
    expect(entry).toContain('Name=Kassa');
  });
});

describe('macOS and Windows', () => {
  it.each(['darwin', 'win32'] as const)('%s uses the OS login item', (platform) => {
    const item = createLoginItem({ app: fake.app as never, platform });
    expect(item.set(true)).toBe(true);
    expect(fake.app.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: true, args: platform === 'win32' ? [HIDDEN_FLAG] : [] });
    expect(item.get()).toBe(true);
    expect(item.set(false)).toBe(false);
  });

  it('is unsupported elsewhere', () => {
    const item = createLoginItem({ app: fake.app as never, platform: 'freebsd' });
    expect(item.supported).toBe(false);
    expect(item.set(true)).toBe(false);
  });
});

describe('openedAtLogin', () => {
  it('is true with --hidden, or when macOS says so', () => {
    expect(openedAtLogin(['/kassa', '--hidden'], fake.app as never, 'linux')).toBe(true);
    expect(openedAtLogin(['/kassa'], fake.app as never, 'linux')).toBe(false);
    fake.app.loginItem.wasOpenedAtLogin = true;
    expect(openedAtLogin(['/kassa'], fake.app as never, 'darwin')).toBe(true);
    expect(openedAtLogin(['/kassa'], fake.app as never, 'linux')).toBe(false);
  });
});
