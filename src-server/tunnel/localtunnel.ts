// localtunnel: asks the server for a tunnel (`GET /?new` or `/<subdomain>` → {id, port,
// max_conn_count, url}), then the `localtunnel` client keeps TCP sockets open to that port and
// pipes each request the server hands over to the public listener.
//
// We make the registration request ourselves (one try, with a timeout and the server's error
// message) instead of the client's `_init`, which retries every second forever and cannot be
// cancelled; the socket cluster is the client's own.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { oneLine, TunnelError, type ProviderConnectContext, type TunnelConnection, type TunnelProvider } from './types.ts';

export const DEFAULT_LOCALTUNNEL_HOST = 'https://localtunnel.me';
export const SUBDOMAIN_PATTERN = /^(?:[a-z0-9][a-z0-9-]{2,61}[a-z0-9])$/;

/** What the server answers to a registration. */
export interface LocaltunnelRegistration {
  id: string;
  port: number;
  max_conn_count?: number;
  url: string;
  ip?: string;
  cached_url?: string;
}

/** The part of the `localtunnel` client's Tunnel class we use. */
export interface LocaltunnelClient extends EventEmitter {
  open(cb: (err?: Error) => void): void;
  close(): void;
  _init(cb: (err: Error | null, info?: unknown) => void): void;
  _getInfo(body: LocaltunnelRegistration): unknown;
}
export type LocaltunnelClientClass = new (opts: Record<string, unknown>) => LocaltunnelClient;

function loadClientClass(): LocaltunnelClientClass {
  return createRequire(import.meta.url)('localtunnel/lib/Tunnel.js') as LocaltunnelClientClass;
}

export async function registerLocaltunnel(host: string, subdomain: string | undefined, signal: AbortSignal): Promise<LocaltunnelRegistration> {
  const url = `${host.replace(/\/+$/, '')}/${subdomain ?? '?new'}`;
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { accept: 'application/json' }, redirect: 'error' });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new TunnelError('server_unreachable', `localtunnel server ${host} is unreachable (${cause?.code ?? cause?.message ?? (err as Error).message})`, { retryable: true, cause: err });
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* reported below */
  }
  if (res.status !== 200) {
    const message = (body as { message?: unknown } | null)?.message;
    const detail = typeof message === 'string' ? oneLine(message, 200) : `HTTP ${res.status}`;
    // A refused subdomain or request stays refused; the server's own trouble may pass.
    const retryable = res.status >= 500 || res.status === 429;
    throw new TunnelError('server_refused', `localtunnel server ${host} refused the tunnel: ${detail}`, { retryable });
  }
  const reg = body as Partial<LocaltunnelRegistration> | null;
  if (!reg || typeof reg.id !== 'string' || typeof reg.url !== 'string' || !Number.isInteger(reg.port) || !/^https?:\/\//.test(reg.url)) {
    throw new TunnelError('server_bad_reply', `localtunnel server ${host} sent an unexpected reply`, { retryable: true });
  }
  return reg as LocaltunnelRegistration;
}

export function createLocaltunnelProvider(opts: { clientClass?: LocaltunnelClientClass } = {}): TunnelProvider {
  return {
    name: 'localtunnel',
    async connect(ctx: ProviderConnectContext): Promise<TunnelConnection> {
      const host = ctx.options.host ?? DEFAULT_LOCALTUNNEL_HOST;
      const subdomain = ctx.options.subdomain;
      if (subdomain !== undefined && !SUBDOMAIN_PATTERN.test(subdomain)) {
        throw new TunnelError('invalid_subdomain', 'localtunnel subdomain: 4-63 lowercase letters, digits and dashes, not starting or ending with a dash', { retryable: false });
      }
      const reg = await registerLocaltunnel(host, subdomain, ctx.signal);
      const ClientClass = opts.clientClass ?? loadClientClass();
      // local_host makes the client dial the public listener's own address (not "localhost", which may be ::1).
      const client = new ClientClass({ host, port: ctx.target.port, local_host: ctx.target.host, subdomain });
      client._init = (cb) => cb(null, client._getInfo(reg));
      // Every refused socket emits 'error'; an EventEmitter with no listener would throw it.
      client.on('error', () => {});
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        client.close();
      };
      await new Promise<void>((resolve, reject) => {
        const fail = (err: Error) => {
          cleanup();
          void close();
          reject(new TunnelError('tunnel_refused', `localtunnel ${reg.url}: ${oneLine(err.message)}`, { retryable: true, cause: err }));
        };
        const onAbort = () => {
          cleanup();
          void close();
          reject(ctx.signal.reason);
        };
        const onUrl = () => {
          cleanup();
          resolve();
        };
        const cleanup = () => {
          client.off('error', fail);
          client.off('url', onUrl);
          ctx.signal.removeEventListener('abort', onAbort);
        };
        client.once('error', fail);
        client.once('url', onUrl); // emitted when the first socket to the server is open
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        client.open((err) => {
          if (err) fail(err);
        });
      });
      // The client re-opens sockets that die; when it cannot (the server is gone) it emits 'error'.
      client.on('error', (err: Error) => {
        if (!closed) ctx.onDown(new TunnelError('tunnel_lost', `localtunnel connection lost: ${oneLine(err.message)}`, { retryable: true, cause: err }));
      });
      return { url: reg.url, close };
    },
  };
}
