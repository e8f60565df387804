// cloudflared quick tunnel: spawns `cloudflared tunnel --no-autoupdate --url http://<public listener>`
// (from PATH or a configured path), reads the https://….trycloudflare.com URL from its log, and
// reports the process's exit so the manager starts it again with backoff.
import { spawn } from 'node:child_process';
import { oneLine, TunnelError, type ProviderConnectContext, type TunnelConnection, type TunnelProvider } from './types.ts';

// A quick tunnel's own host, not the API host cloudflared also logs, and not a longer host that merely starts so.
const URL_PATTERN = /https:\/\/(?!api\.)[a-z0-9-]+\.trycloudflare\.com(?![\w.-])/;
const REGISTERED_PATTERN = /Registered tunnel connection|Connection [0-9a-f-]+ registered/i;
/** Some versions log no registration line; the URL alone counts as up after this long. */
const REGISTRATION_GRACE_MS = 5000;

export const CLOUDFLARED_MISSING = (bin: string) =>
  `cloudflared not found (${bin}): install it from https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/ or pass its path (--bin PATH, tunnel.cloudflared.bin)`;

/** The quick-tunnel URL in a line of cloudflared's log, if there is one. */
export function parseQuickTunnelUrl(line: string): string | null {
  return URL_PATTERN.exec(line)?.[0] ?? null;
}

export function createCloudflaredProvider(opts: { env?: NodeJS.ProcessEnv } = {}): TunnelProvider {
  return {
    name: 'cloudflared',
    async connect(ctx: ProviderConnectContext): Promise<TunnelConnection> {
      const bin = ctx.options.bin ?? 'cloudflared';
      const host = ctx.target.host.includes(':') ? `[${ctx.target.host}]` : ctx.target.host;
      const args = ['tunnel', '--no-autoupdate', '--url', `http://${host}:${ctx.target.port}`];
      const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
      let exited = false;
      let stopping = false;
      let lastLine = '';
      const exitPromise = new Promise<void>((resolve) => child.once('close', () => resolve()));
      const close = async () => {
        stopping = true;
        if (!exited && child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exitPromise;
          clearTimeout(killTimer);
        }
      };

      const url = await new Promise<string>((resolve, reject) => {
        let found: string | null = null;
        let graceTimer: NodeJS.Timeout | null = null;
        let settled = false;
        const done = (err: Error | null) => {
          if (settled) return;
          settled = true;
          if (graceTimer) clearTimeout(graceTimer);
          ctx.signal.removeEventListener('abort', onAbort);
          if (err) {
            void close();
            reject(err);
          } else resolve(found!);
        };
        const onAbort = () => done(ctx.signal.reason as Error);
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        let buffered = '';
        const onData = (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            if (line.trim()) lastLine = line;
            const seen = parseQuickTunnelUrl(line);
            if (seen && !found) {
              found = seen;
              graceTimer = setTimeout(() => done(null), REGISTRATION_GRACE_MS);
            }
            if (found && REGISTERED_PATTERN.test(line)) return done(null);
          }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('error', (err: NodeJS.ErrnoException) => {
          exited = true;
          if (err.code === 'ENOENT' || err.code === 'EACCES') done(new TunnelError('binary_missing', CLOUDFLARED_MISSING(bin), { retryable: false, cause: err }));
          else done(new TunnelError('spawn_failed', `cloudflared: ${err.message}`, { retryable: true, cause: err }));
        });
        child.once('exit', (code, signal) => {
          exited = true;
          done(new TunnelError('exited', `cloudflared exited (${signal ?? `code ${code}`}) before the tunnel was up${lastLine ? `: ${oneLine(lastLine, 200)}` : ''}`, { retryable: true }));
        });
      });

      ctx.logger.info({ pid: child.pid, url }, 'cloudflared quick tunnel up');
      child.once('exit', (code, signal) => {
        exited = true;
        if (!stopping) ctx.onDown(new TunnelError('exited', `cloudflared exited (${signal ?? `code ${code}`})${lastLine ? `: ${oneLine(lastLine, 200)}` : ''}`, { retryable: true }));
      });
      return { url, close };
    },
  };
}
