// What `npm start` opens: the desktop app, or the headless node with one line saying why.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decideLaunch, electronBinaryPath, envFlag, hasDisplay, type LaunchFacts } from '../../../scripts/start-mode.ts';

const facts = (over: Partial<LaunchFacts> = {}): LaunchFacts => ({
  platform: 'linux',
  env: { DISPLAY: ':0' },
  headlessFlag: false,
  electronPackage: true,
  electronBinary: '/repo/node_modules/electron/dist/electron',
  ...over,
});

describe('decideLaunch', () => {
  it.each([
    ['linux with X11 and the binary', facts(), 'electron'],
    ['linux with Wayland only', facts({ env: { WAYLAND_DISPLAY: 'wayland-0' } }), 'electron'],
    ['macOS needs no DISPLAY', facts({ platform: 'darwin', env: {} }), 'electron'],
    ['Windows needs no DISPLAY', facts({ platform: 'win32', env: {} }), 'electron'],
    ['a display but no binary yet', facts({ electronBinary: null }), 'fetch-electron'],
    ['no display (this machine)', facts({ env: {}, electronBinary: null }), 'headless'],
    ['no display even with the binary', facts({ env: {} }), 'headless'],
    ['KASSA_HEADLESS=1', facts({ env: { DISPLAY: ':0', KASSA_HEADLESS: '1' } }), 'headless'],
    ['KASSA_HEADLESS=0 is not set', facts({ env: { DISPLAY: ':0', KASSA_HEADLESS: '0' } }), 'electron'],
    ['--headless', facts({ headlessFlag: true }), 'headless'],
    ['electron not installed', facts({ electronPackage: false, electronBinary: null }), 'headless'],
    ['ELECTRON_SKIP_BINARY_DOWNLOAD without a binary', facts({ env: { DISPLAY: ':0', ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, electronBinary: null }), 'headless'],
    ['ELECTRON_SKIP_BINARY_DOWNLOAD with a binary', facts({ env: { DISPLAY: ':0', ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } }), 'electron'],
  ])('%s → %s', (_name, f, mode) => {
    expect(decideLaunch(f).mode).toBe(mode);
  });

  it('says why it runs headless in one line', () => {
    const reasons = [
      decideLaunch(facts({ env: {} })),
      decideLaunch(facts({ env: { KASSA_HEADLESS: 'true', DISPLAY: ':0' } })),
      decideLaunch(facts({ headlessFlag: true })),
      decideLaunch(facts({ electronPackage: false })),
      decideLaunch(facts({ env: { DISPLAY: ':0', ELECTRON_SKIP_BINARY_DOWNLOAD: 'true' }, electronBinary: null })),
    ].map((d) => (d.mode === 'headless' ? d.reason : ''));
    expect(reasons[0]).toBe('No display: running headless. Open the dashboard URL below.');
    for (const r of reasons) {
      expect(r).toMatch(/running headless/);
      expect(r).not.toContain('\n');
    }
  });
});

describe('envFlag and hasDisplay', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['NO', false],
    ['1', true],
    ['yes', true],
    ['anything', true],
  ])('envFlag(%j) → %s', (v, expected) => {
    expect(envFlag(v)).toBe(expected);
  });

  it('needs DISPLAY or WAYLAND_DISPLAY on Linux and BSDs only', () => {
    expect(hasDisplay('linux', {})).toBe(false);
    expect(hasDisplay('freebsd', { DISPLAY: ':1' })).toBe(true);
    expect(hasDisplay('darwin', {})).toBe(true);
  });
});

describe('electronBinaryPath', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const pkg = () => join(root, 'node_modules', 'electron');

  it('is null when the binary was never downloaded (no path.txt), without downloading it', () => {
    root = mkdtempSync(join(tmpdir(), 'kassa-electron-'));
    mkdirSync(pkg(), { recursive: true });
    writeFileSync(join(pkg(), 'index.js'), 'throw new Error("must not be required")');
    expect(electronBinaryPath(root, {})).toBeNull();
  });

  it('is null when path.txt names a file that is gone', () => {
    root = mkdtempSync(join(tmpdir(), 'kassa-electron-'));
    mkdirSync(pkg(), { recursive: true });
    writeFileSync(join(pkg(), 'path.txt'), 'electron');
    expect(electronBinaryPath(root, {})).toBeNull();
  });

  it('finds dist/<path.txt>, or under ELECTRON_OVERRIDE_DIST_PATH', () => {
    root = mkdtempSync(join(tmpdir(), 'kassa-electron-'));
    mkdirSync(join(pkg(), 'dist'), { recursive: true });
    writeFileSync(join(pkg(), 'path.txt'), 'electron');
    writeFileSync(join(pkg(), 'dist', 'electron'), '');
    expect(electronBinaryPath(root, {})).toBe(join(pkg(), 'dist', 'electron'));
    mkdirSync(join(root, 'custom'));
    expect(electronBinaryPath(root, { ELECTRON_OVERRIDE_DIST_PATH: join(root, 'custom') })).toBeNull();
    writeFileSync(join(root, 'custom', 'electron'), '');
    expect(electronBinaryPath(root, { ELECTRON_OVERRIDE_DIST_PATH: join(root, 'custom') })).toBe(join(root, 'custom', 'electron'));
  });
});
