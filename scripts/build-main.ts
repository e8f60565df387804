// Bundles the Electron main process (src-main/main.ts → out/main/main.js, ESM) and the preload
// (src-main/preload.ts → out/preload/preload.cjs: sandboxed preloads must be one CommonJS file)
// with Vite's library build (Rolldown underneath). The core is not bundled: the utility process
// runs src-server/desktop-entry.ts from source, whose migrations, static assets and worker are
// found relative to import.meta.url.
//   node scripts/build-main.ts            build when a source is newer than the output
//   node scripts/build-main.ts --force    build anyway
import { existsSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src-main');
export const MAIN_OUT = join(ROOT, 'out', 'main', 'main.js');
export const PRELOAD_OUT = join(ROOT, 'out', 'preload', 'preload.cjs');

const external = ['electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The one core file main bundles (serve's flags); otherwise it imports the core's message types only (erased). */
const CORE_INPUTS = [join(ROOT, 'src-server', 'config', 'serve-flags.ts')];

/** True when out/ is missing or older than any file in src-main/ or CORE_INPUTS. */
export function mainBuildIsStale(): boolean {
  if (!existsSync(MAIN_OUT) || !existsSync(PRELOAD_OUT)) return true;
  const built = Math.min(statSync(MAIN_OUT).mtimeMs, statSync(PRELOAD_OUT).mtimeMs);
  return Math.max(newestSource(SRC), ...CORE_INPUTS.map((p) => statSync(p).mtimeMs)) > built;
}

async function bundle(entry: string, outFile: string, format: 'es' | 'cjs'): Promise<void> {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir: dirname(outFile),
      emptyOutDir: true,
      target: 'node22',
      minify: false,
      sourcemap: false,
      reportCompressedSize: false,
      lib: { entry: join(SRC, entry), formats: [format], fileName: () => outFile.slice(dirname(outFile).length + 1) },
      rolldownOptions: { external, platform: 'node', output: { codeSplitting: false } },
    },
  });
}

export async function buildMain(opts: { force?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !mainBuildIsStale()) return false;
  await bundle('main.ts', MAIN_OUT, 'es');
  await bundle('preload.ts', PRELOAD_OUT, 'cjs');
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildMain({ force: process.argv.includes('--force') });
  process.stdout.write(built ? `built ${MAIN_OUT} and ${PRELOAD_OUT}\n` : 'main and preload are up to date\n');
}
