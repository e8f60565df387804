// Runs the real node as a child process (`node src-server/cli.ts serve`) on free loopback ports,
// and talks to it over real HTTP. Tests see exactly what a shop sees.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'src-server', 'cli.ts');

export function tempHome(prefix = 'kassa-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Environment for child nodes: no real keychain, a private XDG dir, fast polling. */
export function nodeEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: join(home, 'xdg'),
    KASSA_HOME: home,
    KASSA_KEY_STORE: 'none',
    KASSA_POLL_INTERVAL_MS: '200',
    KASSA_LOG_LEVEL: 'info',
    ...extra,
  };
}

export async function runCli(home: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync(process.execPath, [CLI, ...args], { env: nodeEnv(home, env), cwd: ROOT, timeout: 60_000 });
}

export async function createApiKey(home: string, mode: 'test' | 'live' = 'test', extraArgs: string[] = []): Promise<string> {
  const { stdout } = await runCli(home, ['keys', 'create', '--mode', mode, '--json', ...extraArgs]);
  return (JSON.parse(stdout.trim()) as { key: string }).key;
}

export interface TestNode {
  home: string;
  merchantUrl: string;
  publicUrl: string;
  proc: ChildProcess;
  logFile: string;
  /** The first 64 kB the node wrote to stdout (the dashboard login line is printed at start). */
  stdout(): string;
  /** Waits until the node's stdout matches `pattern`. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait: no cleanup runs in the node. */
  kill(): Promise<void>;
}

export interface StartNodeOptions {
  home?: string;
  /** An anvil the test started; without it the node starts its own. */
  devnetRpc?: string;
  /** Seconds between devnet blocks when the node starts its own anvil (0 = on demand). */
  blockTime?: number;
  noDevnet?: boolean;
  config?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  args?: string[];
}

export async function startNode(opts: StartNodeOptions = {}): Promise<TestNode> {
  const home = opts.home ?? tempHome();
  if (opts.config) writeFileSync(join(home, 'config.json'), JSON.stringify(opts.config, null, 2));
  const args = [CLI, 'serve', '--port', '0', '--public-port', '0'];
  if (opts.devnetRpc) args.push('--devnet-rpc', opts.devnetRpc);
  if (opts.noDevnet) args.push('--no-devnet');
  if (opts.blockTime !== undefined) args.push('--block-time', String(opts.blockTime));
  args.push(...(opts.args ?? []));
  const logFile = join(home, `node-${Date.now()}.log`);
  const log = createWriteStream(logFile);
  // The fault suite fills or freezes the home's disk under the node: a log file that cannot be written
  // loses lines, but the node's output is still drained (a full pipe would block the node's writes).
  log.on('error', () => {});
  const proc = spawn(process.execPath, args, { env: nodeEnv(home, opts.env), cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    if (!log.destroyed) log.write(chunk);
    if (stdout.length < 65_536) stdout += chunk.toString();
  });
  let stderr = '';
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const urls = await new Promise<{ merchant: string; pub: string }>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start in 60 s; log: ${logFile}\n${stderr}`)), 60_000);
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!log.destroyed) log.write(chunk);
      const m = /merchant API (http:\/\/[^\s]+)\s+·\s+public (http:\/\/[^\s]+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ merchant: m[1]!, pub: m[2]! });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before it was ready:\n${stderr}`));
    });
  });
  const waitExit = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
    log.end();
  };
  return {
    home,
    merchantUrl: urls.merchant,
    publicUrl: urls.pub,
    proc,
    logFile,
    stdout: () => stdout,
    waitForStdout: async (pattern, timeoutMs = 10_000) => eventually(async () => pattern.exec(stdout), `node stdout to match ${pattern}`, timeoutMs),
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A tiny client for the merchant API. */
export function apiClient(baseUrl: string, key: string | null) {
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }
  return {
    call,
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body: unknown = {}, headers?: Record<string, string>) => call('POST', path, body, headers),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** Polls `fn` until it returns a truthy value (the node works asynchronously); fails with the last value. */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    last = v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}
