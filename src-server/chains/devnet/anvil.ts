// Starts and stops a local anvil (Foundry) chain on loopback: the devnet behind test mode.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { type ChainLogger, silentLogger } from '../evm/chain-logger.ts';

export interface StartAnvilOptions {
  /** Loopback port; 0 or absent = let the OS pick a free one (read back from anvil's banner). */
  port?: number;
  /** Seconds between blocks; 0 = mine only on demand (`--no-mining`, then anvil_mine/evm_mine). */
  blockTime: number;
  /** Persist chain state across restarts (`--state` + `--state-interval`). */
  statePath?: string;
  /** Seconds between state dumps when statePath is set (anvil also dumps on SIGTERM). Default 2. */
  stateIntervalSeconds?: number;
  /** Default 31337. */
  chainId?: number;
  logger?: ChainLogger;
  /** How long to wait for the RPC to answer after spawning. Default 20 s. */
  startupTimeoutMs?: number;
  /** Override the binary (else: KASSA_ANVIL_BIN, the @foundry-rs platform package, PATH). */
  binaryPath?: string;
}

export interface AnvilHandle {
  rpcUrl: string;
  pid: number;
  port: number;
  stop(): Promise<void>;
}

export type AnvilStartErrorCode = 'anvil_not_found' | 'port_in_use' | 'anvil_exited' | 'startup_timeout';

export class AnvilStartError extends Error {
  readonly code: AnvilStartErrorCode;
  constructor(code: AnvilStartErrorCode, message: string) {
    super(message);
    this.name = 'AnvilStartError';
    this.code = code;
  }
}

const STOP_GRACE_MS = 5_000;
const LISTENING_RE = /Listening on ([\d.]+):(\d+)/;

// A crashed or interrupted run must not leave anvils behind: one exit hook for all children.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

const ARCH_NAMES: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/**
 * Path of the native anvil binary. We spawn the binary itself rather than the package's
 * `node_modules/.bin/anvil` (a Node wrapper), so the pid we hold and signal is anvil's own.
 */
export function resolveAnvilBinary(): string {
  const fromEnv = process.env['KASSA_ANVIL_BIN'];
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new AnvilStartError('anvil_not_found', `KASSA_ANVIL_BIN points to ${fromEnv}, which does not exist`);
  }
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  const arch = ARCH_NAMES[process.arch];
  const tried: string[] = [];
  if (arch) {
    const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
    const require = createRequire(import.meta.url);
    // The platform package is an optional dependency of @foundry-rs/anvil: resolve from there
    // first (covers non-hoisted layouts), then from here.
    const resolvers = [require];
    try {
      resolvers.unshift(createRequire(require.resolve('@foundry-rs/anvil/package.json')));
    } catch {
      // @foundry-rs/anvil itself missing: the platform package may still be present
    }
    for (const resolver of resolvers) {
      try {
        const candidate = resolver.resolve(`${platformPackage}/bin/${exe}`);
        if (existsSync(candidate)) return candidate;
      } catch {
        tried.push(`${platformPackage}/bin/${exe}`);
      }
    }
  }
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir || dir.includes(`node_modules${process.platform === 'win32' ? '\\' : '/'}.bin`)) continue;
    const candidate = join(dir, exe);
    if (existsSync(candidate)) return candidate;
  }
  throw new AnvilStartError(
    'anvil_not_found',
    `anvil binary not found (tried ${tried.length ? tried.join(', ') : 'no platform package'} and PATH). ` +
      'Run `npm install` so @foundry-rs/anvil brings its platform binary, or set KASSA_ANVIL_BIN.',
  );
}

export function buildAnvilArgs(options: StartAnvilOptions): string[] {
  const args = ['--host', '127.0.0.1', '--port', String(options.port ?? 0), '--chain-id', String(options.chainId ?? 31337)];
  if (!Number.isInteger(options.blockTime) || options.blockTime < 0) {
    throw new RangeError(`blockTime must be a whole number of seconds >= 0, got ${options.blockTime}`);
  }
  // --no-mining turns off automine too: transactions wait in the pool until anvil_mine/evm_mine.
  if (options.blockTime === 0) args.push('--no-mining');
  else args.push('--block-time', String(options.blockTime));
  if (options.statePath) {
    args.push('--state', options.statePath, '--state-interval', String(options.stateIntervalSeconds ?? 2));
  }
  args.push('--color', 'never');
  return args;
}

async function rpcChainId(rpcUrl: string, timeoutMs: number): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { result?: string };
  if (typeof body.result !== 'string') throw new Error(`eth_chainId answered ${JSON.stringify(body)}`);
  return Number.parseInt(body.result, 16);
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Command line of a running process, or null when it is gone (or this OS cannot tell). */
function commandLineOf(pid: number): string | null {
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  try {
    if (process.platform === 'linux') return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    if (process.platform === 'win32') return null;
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return null;
  }
}

/**
 * A node killed with SIGKILL (or a crash) cannot stop its anvil, which lives on and keeps dumping
 * its state file every few seconds. The next start would then run a second anvil on the same
 * state file, the two overwriting each other's state. So the pid goes in a file beside the state,
 * and a start first stops the anvil it names, if that process is still an anvil on this state file.
 */
export async function stopOrphanedAnvil(statePath: string, logger: ChainLogger = silentLogger): Promise<boolean> {
  const pidFile = join(dirname(statePath), 'anvil.pid');
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  } catch {
    return false;
  }
  const commandLine = Number.isSafeInteger(pid) && pid > 0 ? commandLineOf(pid) : null;
  if (!commandLine || !commandLine.includes('anvil') || !commandLine.includes(statePath)) {
    rmSync(pidFile, { force: true });
    return false;
  }
  logger.warn({ anvilPid: pid }, 'stopping the devnet anvil a previous run left behind (the node was killed)');
  const gone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (commandLineOf(pid) === null) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return commandLineOf(pid) === null;
  };
  try {
    process.kill(pid, 'SIGTERM'); // anvil dumps its state on SIGTERM
    if (!(await gone(STOP_GRACE_MS))) {
      process.kill(pid, 'SIGKILL');
      await gone(STOP_GRACE_MS);
    }
  } catch {
    // already gone
  }
  rmSync(pidFile, { force: true });
  return true;
}

export async function startAnvil(options: StartAnvilOptions): Promise<AnvilHandle> {
  const logger = options.logger ?? silentLogger;
  const binary = options.binaryPath ?? resolveAnvilBinary();
  if (options.binaryPath && !existsSync(options.binaryPath)) {
    throw new AnvilStartError('anvil_not_found', `anvil binary not found at ${options.binaryPath}`);
  }
  const args = buildAnvilArgs(options);
  const expectedChainId = options.chainId ?? 31337;
  const startupTimeoutMs = options.startupTimeoutMs ?? 20_000;

  if (options.statePath) {
    mkdirSync(dirname(options.statePath), { recursive: true });
    await stopOrphanedAnvil(options.statePath, logger);
  }

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  trackChild(child);
  const pidFile = options.statePath ? join(dirname(options.statePath), 'anvil.pid') : null;
  if (pidFile && child.pid !== undefined) writeFileSync(pidFile, String(child.pid), { mode: 0o600 });
  // Without a permanent listener a later 'error' (e.g. a failed kill) would crash the process.
  child.on('error', (error) => logger.warn({ anvilPid: child.pid, error: error.message }, 'anvil process error'));

  const outputTail: string[] = [];
  const remember = (line: string): void => {
    outputTail.push(line);
    if (outputTail.length > 40) outputTail.shift();
  };
  let announcedPort: number | null = null;
  let onListening: (() => void) | null = null;
  // Keep draining both pipes for the process's whole life, or anvil blocks on a full pipe.
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      remember(line);
      // The banner before "Listening" lists the dev accounts' private keys: keep it out of logs.
      if (announcedPort !== null) logger.debug({ anvilPid: child.pid, line }, 'anvil');
      const match = LISTENING_RE.exec(line);
      if (match && announcedPort === null) {
        announcedPort = Number(match[2]);
        onListening?.();
      }
    });
  }
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      remember(line);
      logger.warn({ anvilPid: child.pid, line }, 'anvil stderr');
    });
  }

  const describeFailure = (code: number | null, signal: NodeJS.Signals | null): AnvilStartError => {
    const tail = outputTail.join('\n');
    if (/address already in use|os error 98|os error 48|AddrInUse/i.test(tail)) {
      return new AnvilStartError(
        'port_in_use',
        `anvil could not listen on 127.0.0.1:${options.port}: the port is already in use`,
      );
    }
    return new AnvilStartError(
      'anvil_exited',
      `anvil exited during startup (code ${code}, signal ${signal}). Output:\n${tail}`,
    );
  };

  const stop = async (): Promise<void> => {
    if (pidFile) rmSync(pidFile, { force: true });
    // No pid: the spawn itself failed, there is nothing to stop (and no 'exit' will come).
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (await waitForExit(child, STOP_GRACE_MS)) return;
    logger.warn({ anvilPid: child.pid }, 'anvil ignored SIGTERM, sending SIGKILL');
    child.kill('SIGKILL');
    await waitForExit(child, STOP_GRACE_MS);
  };

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new AnvilStartError('startup_timeout', `anvil did not announce its port within ${startupTimeoutMs} ms`)),
        startupTimeoutMs,
      );
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          error.code === 'ENOENT' || error.code === 'EACCES'
            ? new AnvilStartError('anvil_not_found', `cannot execute anvil at ${binary}: ${error.message}`)
            : error,
        );
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        // Give readline a tick to deliver the last lines before we read the tail.
        setImmediate(() => reject(describeFailure(code, signal)));
      });
      onListening = () => {
        clearTimeout(timer);
        resolve(announcedPort as number);
      };
      if (announcedPort !== null) onListening();
    });

    const rpcUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + startupTimeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw describeFailure(child.exitCode, child.signalCode);
      try {
        const chainId = await rpcChainId(rpcUrl, 2_000);
        if (chainId !== expectedChainId) {
          throw new AnvilStartError('anvil_exited', `anvil at ${rpcUrl} reports chain id ${chainId}, expected ${expectedChainId}`);
        }
        break;
      } catch (error) {
        if (error instanceof AnvilStartError) throw error;
        if (Date.now() > deadline) {
          throw new AnvilStartError('startup_timeout', `anvil at ${rpcUrl} did not answer eth_chainId within ${startupTimeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (child.pid === undefined) throw new AnvilStartError('anvil_exited', 'anvil has no pid');
    logger.info({ anvilPid: child.pid, rpcUrl, blockTime: options.blockTime, statePath: options.statePath ?? null }, 'anvil started');
    return { rpcUrl, pid: child.pid, port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
