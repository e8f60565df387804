// The bundles Electron loads: main as one ESM file, the sandboxed preload as one CommonJS file
// whose only import is electron (a sandboxed preload cannot require anything else).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildMain, MAIN_OUT, mainBuildIsStale, PRELOAD_OUT } from '../../../scripts/build-main.ts';

describe('build-main', () => {
  it('bundles main and preload, and knows when they are up to date', { timeout: 60_000 }, async () => {
    await buildMain({ force: true });
    expect(mainBuildIsStale()).toBe(false);
    await expect(buildMain()).resolves.toBe(false);

    const preload = readFileSync(PRELOAD_OUT, 'utf8');
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
    expect(preload).toContain('exposeInMainWorld');

    const main = readFileSync(MAIN_OUT, 'utf8');
    const imports = [...main.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
    expect(imports).toContain('electron');
    for (const spec of imports) expect(spec === 'electron' || spec.startsWith('node:')).toBe(true);
    // The core is not in the main bundle: it runs from src-server in the utility process.
    expect(main).not.toContain('better-sqlite3');
    expect(main).toContain('src-server');
  });
});
