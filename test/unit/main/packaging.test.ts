// Packaging: electron-builder.yml passes electron-builder's own schema, targets what the issue
// asks for, and the icons exist at the sizes the installers need. (A real build downloads the
// Electron zip from GitHub, which these machines cannot reach; the config is checked offline.)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/node.ts';

const require = createRequire(import.meta.url);

async function loadConfig(): Promise<any> {
  // electron-builder's own loader and schema check (what `electron-builder` runs before building).
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
  const config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'));
  await validateConfiguration(config, { isEnabled: false, add() {} });
  return config;
}

function pngSize(path: string): { width: number; height: number } {
  const png = PNG.sync.read(readFileSync(join(ROOT, path)));
  return { width: png.width, height: png.height };
}

describe('electron-builder.yml', () => {
  let config: any;
  // Loading electron-builder itself takes seconds on a busy machine: once, with room.
  beforeAll(async () => {
    config = await loadConfig();
  }, 60_000);

  it("passes electron-builder's schema", () => {
    expect(config.appId).toBe('app.kassa.desktop');
  });

  it('builds dmg, nsis, AppImage and deb without rebuilding the N-API natives', () => {
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.npmRebuild).toBe(false);
    expect(config.extraMetadata.main).toBe('out/main/main.js');
  });

  it('ships the bundled main, the core sources, the dashboard and resources; unpacks natives and anvil', () => {
    // The loader normalises `files` into filter groups.
    const files = (config.files as (string | { filter: string[] })[]).flatMap((f) => (typeof f === 'string' ? [f] : f.filter));
    for (const f of ['out/**', 'src-server/**', 'dist/renderer/**', 'resources/**', 'package.json', '!**/*.test.ts']) expect(files).toContain(f);
    for (const f of ['node_modules/better-sqlite3/**', 'node_modules/@napi-rs/**', 'node_modules/@foundry-rs/**', 'resources/**']) expect(config.asarUnpack).toContain(f);
  });

  it('turns off the Electron fuses Kassa does not need', () => {
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true });
  });
});

describe('icons', () => {
  it('has the app icon at 1024×1024 (electron-builder derives .icns and .ico from it)', () => {
    expect(pngSize('resources/icons/icon.png')).toEqual({ width: 1024, height: 1024 });
  });

  it.each([16, 32, 48, 64, 128, 256, 512])('has the Linux icon at %i px', (size) => {
    expect(pngSize(`resources/icons/png/${size}x${size}.png`)).toEqual({ width: size, height: size });
  });

  it('has tray images, the macOS template in 1× and 2×', () => {
    expect(pngSize('resources/icons/tray/tray.png')).toEqual({ width: 32, height: 32 });
    expect(pngSize('resources/icons/tray/trayTemplate.png')).toEqual({ width: 16, height: 16 });
    expect(pngSize('resources/icons/tray/trayTemplate@2x.png')).toEqual({ width: 32, height: 32 });
  });

  it('the template image is black with alpha only, as macOS wants', () => {
    const png = PNG.sync.read(readFileSync(join(ROOT, 'resources/icons/tray/trayTemplate@2x.png')));
    let opaque = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      expect([png.data[i], png.data[i + 1], png.data[i + 2]]).toEqual([0, 0, 0]);
      if (png.data[i + 3]! > 0) opaque++;
    }
    expect(opaque).toBeGreaterThan(50); // there is a glyph
  });
});
