// The core (src-server/desktop-entry.ts) in an Electron utilityProcess: start it with the
// per-launch secret, follow its messages, pause/resume its watchers, and stop it gracefully
// (stop message, then kill after a timeout).
import { utilityProcess, type UtilityProcess } from 'electron';
import type { CoreNetworkStatus, CoreNotification, CoreToMainMessage, MainToCoreMessage } from '../src-server/desktop-entry.ts';

export interface CoreReady {
  merchantUrl: string;
  publicUrl: string;
  keyStore: string;
}

export interface CoreStatus {
  paused: boolean;
  networks: CoreNetworkStatus[];
}

export interface CoreExit {
  code: number | null;
  /** The last lines the core wrote to stderr, for the crash dialog. */
  stderrTail: string;
  /** The core's own last word (an `error` message), when it sent one. */
  error: string | null;
}

export class CoreStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoreStartError';
  }
}

export interface CoreProcessOptions {
  entryPath: string;
  launchSecret: string;
  home?: string | undefined;
  overrides?: Record<string, unknown>;
  execArgv?: string[];
  env?: Record<string, string | undefined>;
  onNotification?: (n: CoreNotification) => void;
  onStatus?: (s: CoreStatus) => void;
  /** The core ended without being asked to (a crash, or a start that failed). */
  onUnexpectedExit?: (exit: CoreExit) => void;
  log?: (line: string) => void;
  /** Echo the core's stdout/stderr on main's (default true: its logs land in the app's terminal). */
  echoOutput?: boolean;
  fork?: typeof utilityProcess.fork;
}

export interface CoreProcess {
  readonly ready: Promise<CoreReady>;
  readonly pid: number | undefined;
  pauseWatchers(): void;
  resumeWatchers(): void;
  /** 'stopped': the core finished its own shutdown; 'killed': it had to be killed after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<'stopped' | 'killed'>;
}

const STDERR_TAIL_LINES = 20;
const DEFAULT_STOP_TIMEOUT_MS = 15_000;
const KILL_GRACE_MS = 2000;

/** V8 flags of `npm start`: the heap stays small under bursts (see the README's memory bench). */
export const CORE_EXEC_ARGV = ['--max-semi-space-size=4', '--max-old-space-size=256'];

export function startCoreProcess(opts: CoreProcessOptions): CoreProcess {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const fork = opts.fork ?? utilityProcess.fork;
  const child: UtilityProcess = fork(opts.entryPath, [], {
    serviceName: 'Kassa core',
    stdio: 'pipe',
    execArgv: opts.execArgv ?? CORE_EXEC_ARGV,
    ...(opts.env ? { env: opts.env } : {}),
  });

  let stderrTail: string[] = [];
  const echo = opts.echoOutput ?? true;
  child.stdout?.on('data', (chunk: Buffer) => {
    if (echo) process.stdout.write(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (echo) process.stderr.write(chunk);
    stderrTail = [...stderrTail, ...chunk.toString('utf8').split('\n').filter(Boolean)].slice(-STDERR_TAIL_LINES);
  });

  let exited = false;
  let stopRequested = false;
  let lastError: string | null = null;
  let resolveReady!: (r: CoreReady) => void;
  let rejectReady!: (e: Error) => void;
  let isReady = false;
  const ready = new Promise<CoreReady>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // A start that fails is reported through onUnexpectedExit too; nobody has to await `ready`.
  ready.catch(() => {});
  let resolveExit!: (code: number | null) => void;
  const exitedPromise = new Promise<number | null>((resolve) => (resolveExit = resolve));
  let stoppedCleanly = false;

  const send = (m: MainToCoreMessage) => {
    if (!exited) child.postMessage(m);
  };

  child.on('message', (raw: unknown) => {
    const m = raw as CoreToMainMessage;
    switch (m?.type) {
      case 'ready':
        isReady = true;
        resolveReady({ merchantUrl: m.merchantUrl, publicUrl: m.publicUrl, keyStore: m.keyStore });
        break;
      case 'notification':
        opts.onNotification?.(m.notification);
        break;
      case 'status':
        opts.onStatus?.({ paused: m.paused, networks: m.networks });
        break;
      case 'error':
        lastError = m.message;
        log(`kassa core: ${m.fatal ? 'fatal ' : ''}error: ${m.message}`);
        if (!isReady) rejectReady(new CoreStartError(m.message));
        break;
      case 'stopped':
        stoppedCleanly = true;
        break;
      default:
        log(`kassa core: ignoring an unknown message ${JSON.stringify(raw)?.slice(0, 200)}`);
    }
  });

  child.on('exit', (code: number) => {
    exited = true;
    resolveExit(code);
    if (!isReady) rejectReady(new CoreStartError(lastError ?? `the core exited with code ${code} before it was ready`));
    if (!stopRequested) opts.onUnexpectedExit?.({ code, stderrTail: stderrTail.join('\n'), error: lastError });
  });

  // The secret travels in a message, never argv or env (other local users can read those).
  child.once('spawn', () => {
    send({ type: 'start', launchSecret: opts.launchSecret, ...(opts.home ? { home: opts.home } : {}), ...(opts.overrides ? { overrides: opts.overrides } : {}) });
  });

  return {
    ready,
    get pid() {
      return child.pid;
    },
    pauseWatchers: () => send({ type: 'pause-watchers' }),
    resumeWatchers: () => send({ type: 'resume-watchers' }),
    async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      stopRequested = true;
      if (exited) return stoppedCleanly ? 'stopped' : 'killed';
      send({ type: 'stop' });
      if (await exitsWithin(exitedPromise, timeoutMs)) return stoppedCleanly ? 'stopped' : 'killed';
      log(`kassa core: no clean stop within ${timeoutMs} ms; killing it`);
      child.kill();
      if (!(await exitsWithin(exitedPromise, KILL_GRACE_MS)) && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
        await exitsWithin(exitedPromise, KILL_GRACE_MS);
      }
      return 'killed';
    },
  };
}

function exitsWithin(exited: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
