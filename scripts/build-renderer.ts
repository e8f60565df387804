// Builds the dashboard (src-renderer → dist/renderer) only when its sources changed since the last
// build, so `npm start` and the tests can call it on every run. `--force` always builds.
// A content hash of the sources (not mtimes) decides: a fresh clone or a `git checkout` is right too.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RENDERER_SRC = join(ROOT, 'src-renderer');
export const RENDERER_DIST = join(ROOT, 'dist', 'renderer');
const STAMP = '.sources-hash';
/** Outside src-renderer, what the bundle also contains (the client, the event types) or is built with. */
const EXTRA_INPUTS = ['src-server/admin/client.ts', 'src-server/webhooks/event-types.ts', 'package-lock.json'];

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** sha256 over the renderer's sources (paths and contents), in a stable order. */
export function rendererSourcesHash(): string {
  const files = [...listFiles(RENDERER_SRC), ...EXTRA_INPUTS.map((p) => join(ROOT, p)).filter((p) => existsSync(p))].sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(ROOT, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Whether dist/renderer holds a complete build of exactly these sources. */
export function rendererIsFresh(hash = rendererSourcesHash()): boolean {
  try {
    return readFileSync(join(RENDERER_DIST, STAMP), 'utf8').trim() === hash && statSync(join(RENDERER_DIST, 'index.html')).isFile();
  } catch {
    return false;
  }
}

export interface EnsureOptions {
  force?: boolean;
  /** Vite's own output; default 'warn' (quiet when called from npm start or a test). */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

let inFlight: Promise<{ built: boolean; dir: string }> | null = null;

/**
 * Builds the dashboard when its sources changed (or `force`), into a temporary folder first and then
 * swapped in, so a node serving dist/renderer never sees a half-written build and two builders
 * running at once cannot mix their files.
 */
export function ensureRendererBuilt(opts: EnsureOptions = {}): Promise<{ built: boolean; dir: string }> {
  inFlight ??= build(opts).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

async function build(opts: EnsureOptions): Promise<{ built: boolean; dir: string }> {
  const hash = rendererSourcesHash();
  if (!opts.force && rendererIsFresh(hash)) return { built: false, dir: RENDERER_DIST };
  const { build: viteBuild } = await import('vite');
  const distRoot = dirname(RENDERER_DIST);
  mkdirSync(distRoot, { recursive: true });
  const tmp = join(distRoot, `.renderer-build-${process.pid}-${Date.now()}`);
  // Vite and React follow NODE_ENV, which vitest sets to 'test': the build must be production's whoever calls.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await viteBuild({
      configFile: join(RENDERER_SRC, 'vite.config.ts'),
      mode: 'production',
      logLevel: opts.logLevel ?? 'warn',
      build: { outDir: tmp, emptyOutDir: true },
    });
    writeFileSync(join(tmp, STAMP), `${hash}\n`);
    const old = join(distRoot, `.renderer-old-${process.pid}-${Date.now()}`);
    if (existsSync(RENDERER_DIST)) renameSync(RENDERER_DIST, old);
    try {
      renameSync(tmp, RENDERER_DIST);
    } catch (error) {
      // Another builder swapped its build in between: fine if it built these same sources.
      if (!rendererIsFresh(hash)) throw error;
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    rmSync(tmp, { recursive: true, force: true });
  }
  return { built: true, dir: RENDERER_DIST };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const force = process.argv.includes('--force');
  const started = Date.now();
  ensureRendererBuilt({ force, logLevel: 'info' }).then(
    ({ built, dir }) => {
      process.stdout.write(built ? `dashboard built into ${relative(ROOT, dir)} in ${Date.now() - started} ms\n` : `dashboard is up to date (${relative(ROOT, dir)}); --force rebuilds\n`);
    },
    (error: unknown) => {
      process.stderr.write(`dashboard build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
