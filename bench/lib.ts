// Shared pieces of the benchmarks: the result row every module returns, the machine description,
// child processes (bare baselines), percentiles and the resident memory of a process.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export const BENCH_DIR = import.meta.dirname;

/** One line of the table: a figure of ours next to its baseline (measured in the same run) or its target. */
export interface BenchRow {
  bench: string;
  figure: string;
  ours: string;
  /** What it is compared with: a baseline measured side by side, or the target. */
  baseline: string;
  ratio: string;
  /** null: a figure reported without a target. */
  pass: boolean | null;
  /** Raw numbers for latest.json. */
  values: Record<string, unknown>;
}

export interface BenchOptions {
  quick: boolean;
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ram_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadavg_at_start: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** VmRSS of one process (not its children), in bytes. */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
export const fixed = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Starts a bench child (a .ts file under bench/) that prints `listening <port>`; stop() kills it by its pid. */
export async function startListeningChild(file: string, args: string[] = []): Promise<{ url: string; proc: ChildProcess; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, [join(BENCH_DIR, file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`${file} exited before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    proc,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `fn` until it returns a truthy value, or fails after `timeoutMs` naming `what`. */
export async function until<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 60_000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

let rpcId = 0;
/** One JSON-RPC call to a devnet. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export const headOf = async (url: string) => Number.parseInt(await rpc<string>(url, 'eth_blockNumber'), 16);

/** The bench's node config: the in-process Tron/Bitcoin/Litecoin devnet simulators are off (they are test infrastructure, not the node). */
export const BENCH_NODE_CONFIG = { devnet: { tron: { enabled: false }, bitcoin: { enabled: false }, litecoin: { enabled: false } } };

/** The node's /healthz, for watcher cursors. */
export async function health(merchantUrl: string): Promise<{ status: number; body: { networks?: { chain: string; head: number | null; next_block: number | null }[] } }> {
  const res = await fetch(`${merchantUrl}/healthz`);
  return { status: res.status, body: (await res.json()) as never };
}

/**
 * The V8 flags `npm start` runs the node with (package.json's start script): a small young
 * generation and an old-space limit make V8 collect instead of growing the heap under bursts.
 * Every node the bench starts gets the same, through NODE_OPTIONS.
 */
export function nodeFlagsOfStartScript(): string {
  const pkg = JSON.parse(readFileSync(join(BENCH_DIR, '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  const m = /^node\s+(.*?)\s*src-server\/cli\.ts serve/.exec(pkg.scripts.start);
  return m ? m[1]!.trim() : '';
}

/** Environment for a node the bench starts: quiet logs, and the start script's V8 flags. */
export function benchNodeEnv(extra: Record<string, string> = {}): Record<string, string> {
  const flags = [nodeFlagsOfStartScript(), process.env.KASSA_BENCH_NODE_OPTIONS ?? ''].filter(Boolean).join(' ');
  return { KASSA_LOG_LEVEL: 'warn', ...(flags ? { NODE_OPTIONS: flags } : {}), ...extra };
}
