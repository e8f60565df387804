// `npm start [-- kassa serve flags]`: builds the dashboard when its sources changed, then opens
// the desktop app where a display and Electron exist, else runs `kassa serve` headless in this
// process (same flags, same V8 flags) and says why in one line. `--headless` or KASSA_HEADLESS=1
// forces headless.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decideLaunch, electronBinaryPath, electronPackageDir, type LaunchDecision } from './start-mode.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'src-server', 'cli.ts');
/** Electron's first-run download (about 100 MB from GitHub); give up and run headless after this. */
const ELECTRON_FETCH_TIMEOUT_MS = 120_000;

const say = (line: string) => process.stderr.write(`kassa: ${line}\n`);

async function buildDashboard(): Promise<void> {
  try {
    const { ensureRendererBuilt } = await import('./build-renderer.ts');
    const started = Date.now();
    const { built } = await ensureRendererBuilt();
    if (built) say(`dashboard built in ${Date.now() - started} ms`);
  } catch (err) {
    // The API, checkout and docs still work; the dashboard answers with what is missing.
    say(`the dashboard could not be built (${(err as Error).message}); starting without it`);
  }
}

/** Electron's own installer (what `require('electron')` runs), with a time limit. */
function fetchElectron(): { ok: true; binary: string } | { ok: false; why: string } {
  say("fetching Electron's binary (first run; about 100 MB)…");
  const result = spawnSync(process.execPath, [join(electronPackageDir(ROOT), 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: ELECTRON_FETCH_TIMEOUT_MS, encoding: 'utf8' });
  const binary = electronBinaryPath(ROOT);
  if (result.status === 0 && binary) return { ok: true, binary };
  if (result.error) return { ok: false, why: result.error.message };
  const lastLine = (result.stderr ?? '').trim().split('\n').find((l) => l.trim()) ?? `exit code ${result.status}`;
  return { ok: false, why: lastLine.slice(0, 200) };
}

async function runHeadless(reason: string, flags: string[]): Promise<void> {
  say(reason);
  // cli.ts runs `main(process.argv.slice(2))` when imported: it becomes `kassa serve <flags>` here.
  process.argv = [process.argv[0]!, CLI, 'serve', ...flags];
  await import(pathToFileURL(CLI).href);
}

async function runElectron(binary: string, flags: string[]): Promise<void> {
  const { buildMain } = await import('./build-main.ts');
  await buildMain();
  const child = spawn(binary, [ROOT, ...flags], { stdio: 'inherit', env: process.env, windowsHide: false });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => {
    if (signal) say(`the desktop app ended on ${signal}`);
    process.exit(code ?? 1);
  });
}

async function main(argv: string[]): Promise<void> {
  const headlessFlag = argv.includes('--headless');
  const flags = argv.filter((a) => a !== '--headless');
  let decision: LaunchDecision = decideLaunch({
    platform: process.platform,
    env: process.env,
    headlessFlag,
    electronPackage: existsSync(join(electronPackageDir(ROOT), 'package.json')),
    electronBinary: electronBinaryPath(ROOT),
  });
  await buildDashboard();
  let binary = electronBinaryPath(ROOT);
  if (decision.mode === 'fetch-electron') {
    const fetched = fetchElectron();
    if (fetched.ok) binary = fetched.binary;
    else decision = { mode: 'headless', reason: `Electron's binary could not be downloaded (${fetched.why}): running headless. Open the dashboard URL below.` };
  }
  if (decision.mode === 'headless') return runHeadless(decision.reason, flags);
  return runElectron(binary!, flags);
}

await main(process.argv.slice(2));
