// The core as the desktop app runs it: Electron's main process forks this file as a utilityProcess
// and drives it with messages over `process.parentPort`. It runs the same `startNode` as
// `kassa serve`, unchanged. Plain Node, no Electron import: where `parentPort` is absent it talks
// over Node's IPC channel (`child_process.fork`), which is how the tests run it.
import { sep } from 'node:path';
import { resolveAnvilBinary } from './chains/devnet/anvil.ts';
import { defaultHome, loadConfig } from './config/config.ts';
import { startNode, type NodeHandle, type NodeNotification } from './node.ts';

/** What the core tells the merchant, for an OS notification (the node decides when, per its settings). */
export type CoreNotification = NodeNotification;

export interface CoreNetworkStatus {
  chain: string;
  head: number | null;
  /** Blocks not yet scanned. */
  lag: number | null;
  /** When the scan last reached the head; null before the first time. */
  syncedAt: string | null;
  lastError: string | null;
}

/** Main → core. */
export type MainToCoreMessage =
  | {
      type: 'start';
      /** The Kassa home; absent: KASSA_HOME, else the OS app-data dir (the same home `kassa serve` uses). */
      home?: string;
      /** The per-launch secret the window's session is bought with (POST /api/admin/auth/launch). */
      launchSecret: string;
      /** Config flags, as `kassa serve` passes them to loadConfig (e.g. `{ port: 0 }`). */
      overrides?: Record<string, unknown>;
    }
  | { type: 'pause-watchers' }
  | { type: 'resume-watchers' }
  | { type: 'stop' };

/** Core → main. */
export type CoreToMainMessage =
  | { type: 'ready'; merchantUrl: string; publicUrl: string; keyStore: string }
  | { type: 'notification'; notification: CoreNotification }
  | { type: 'status'; paused: boolean; networks: CoreNetworkStatus[] }
  /** `fatal`: the core cannot go on (start failed or an uncaught error); it exits after sending this. */
  | { type: 'error'; message: string; name: string; fatal: boolean }
  | { type: 'stopped' };

interface ParentChannel {
  post(message: CoreToMainMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Sends the last message and ends the process. */
  exit(code: number): void;
}

const STATUS_INTERVAL_MS = 2000;

function parentChannel(): ParentChannel | null {
  // Electron's utilityProcess: messages arrive as MessageEvents ({ data }).
  const parentPort = (process as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (ev: { data: unknown }) => void): void } }).parentPort;
  if (parentPort) {
    return {
      post: (m) => parentPort.postMessage(m),
      onMessage: (listener) => parentPort.on('message', (ev) => listener(ev.data)),
      // postMessage is queued on the port: give it a turn of the event loop before leaving.
      exit: (code) => void setTimeout(() => process.exit(code), 50),
    };
  }
  if (process.send) {
    const send = process.send.bind(process);
    // Node's IPC sends are asynchronous: exit only once the last ones have left.
    const inFlight = new Set<Promise<void>>();
    return {
      post: (m) => {
        if (!process.connected) return;
        const sent = new Promise<void>((resolve) => send(m, () => resolve()));
        inFlight.add(sent);
        void sent.then(() => inFlight.delete(sent));
      },
      onMessage: (listener) => process.on('message', listener),
      exit: (code) => void Promise.all(inFlight).then(() => process.exit(code)),
    };
  }
  return null;
}

function isStartMessage(m: unknown): m is Extract<MainToCoreMessage, { type: 'start' }> {
  const r = m as Record<string, unknown> | null;
  return (
    typeof r === 'object' && r !== null && r.type === 'start' && typeof r.launchSecret === 'string' &&
    (r.home === undefined || typeof r.home === 'string') &&
    (r.overrides === undefined || (typeof r.overrides === 'object' && r.overrides !== null && !Array.isArray(r.overrides)))
  );
}

/**
 * Packaged, the anvil binary sits in app.asar.unpacked: `spawn` (unlike execFile) does not follow
 * Electron's asar redirection, so point the devnet at the unpacked copy.
 */
function useUnpackedAnvil(): void {
  if (process.env.KASSA_ANVIL_BIN) return;
  try {
    const bin = resolveAnvilBinary();
    const packed = `app.asar${sep}`;
    if (bin.includes(packed)) process.env.KASSA_ANVIL_BIN = bin.replace(packed, `app.asar.unpacked${sep}`);
  } catch {
    // Not found: startNode reports it (only when the devnet is on).
  }
}

function networkStatuses(node: NodeHandle): CoreNetworkStatus[] {
  return [...node.watchers.values()].map((w) => {
    const s = w.status();
    return { chain: s.chain, head: s.head, lag: s.lag, syncedAt: s.syncedAt, lastError: s.lastError };
  });
}

function runCore(channel: ParentChannel): void {
  let node: NodeHandle | null = null;
  let starting: Promise<void> | null = null;
  let stopping = false;
  let paused = false;
  let statusTimer: NodeJS.Timeout | null = null;
  let lastStatus = '';

  const postStatus = (force = false) => {
    if (!node) return;
    const message: CoreToMainMessage = { type: 'status', paused, networks: networkStatuses(node) };
    const text = JSON.stringify(message);
    if (!force && text === lastStatus) return;
    lastStatus = text;
    channel.post(message);
  };

  const fail = (err: unknown, fatal: boolean) => {
    const e = err instanceof Error ? err : new Error(String(err));
    channel.post({ type: 'error', name: e.name, message: e.message, fatal });
  };

  const start = async (m: Extract<MainToCoreMessage, { type: 'start' }>) => {
    const home = m.home ?? defaultHome();
    // The same layers as `kassa serve`: flags (here: the desktop's overrides) > KASSA_* > config.json.
    // keyStore stays as configured, default 'auto': the OS keychain on a desktop.
    const { config } = loadConfig({ home, flags: m.overrides ?? {} });
    if (config.devnet.enabled && !config.devnet.rpcUrl) useUnpackedAnvil();
    node = await startNode({
      home,
      config,
      launchSecret: m.launchSecret,
      onNotification: (notification) => channel.post({ type: 'notification', notification }),
    });
    channel.post({ type: 'ready', merchantUrl: node.merchantUrl, publicUrl: node.publicUrl, keyStore: node.keyStore.describe() });
    postStatus(true);
    statusTimer = setInterval(() => postStatus(), STATUS_INTERVAL_MS);
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (statusTimer) clearInterval(statusTimer);
    try {
      await starting?.catch(() => {});
      await node?.stop();
      channel.post({ type: 'stopped' });
      channel.exit(0);
    } catch (err) {
      fail(err, true);
      channel.exit(1);
    }
  };

  channel.onMessage((m) => {
    const type = (m as { type?: unknown } | null)?.type;
    if (isStartMessage(m)) {
      if (starting || stopping) return;
      starting = start(m).catch((err: unknown) => {
        // A config, key store or port problem: main shows it and may start a new core.
        fail(err, true);
        stopping = true;
        channel.exit(1);
      });
    } else if (type === 'pause-watchers' || type === 'resume-watchers') {
      if (!node || stopping) return;
      const pause = type === 'pause-watchers';
      if (pause === paused) return postStatus(true);
      paused = pause;
      // A paused watcher finishes the range it is scanning; an invoice whose deadline passes meanwhile
      // expires only once its chain is scanned again (expiry waits for a scan past the deadline).
      void Promise.all([...node.watchers.values()].map((w) => (pause ? w.stop() : Promise.resolve(w.start())))).then(() => postStatus(true));
    } else if (type === 'stop') {
      void stop();
    }
  });

  // Main went away without a word (fork mode: the IPC channel closed): stop as on SIGTERM.
  process.on('disconnect', () => void stop());
  // A second SIGTERM (main's kill after its stop timeout) ends the process at once.
  process.on('SIGTERM', () => (stopping ? process.exit(1) : void stop()));
  process.on('uncaughtException', (err) => {
    fail(err, true);
    process.stderr.write(`kassa core: uncaught ${err.stack ?? err.message}\n`);
    channel.exit(1);
  });
}

const channel = parentChannel();
if (!channel) {
  process.stderr.write('kassa: desktop-entry.ts is started by the desktop app (utilityProcess) or a test (fork); use `kassa serve` to run a node from a terminal.\n');
  process.exit(2);
}
runCore(channel);
