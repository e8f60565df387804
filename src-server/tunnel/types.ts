// The tunnel's vocabulary: providers, their options, the live state, and the one error type.
import type { Logger } from 'pino';

export const TUNNEL_PROVIDERS = ['localtunnel', 'ngrok', 'cloudflared', 'custom'] as const;
export type TunnelProviderName = (typeof TUNNEL_PROVIDERS)[number];

export const TUNNEL_STATUSES = ['stopped', 'starting', 'connected', 'reconnecting', 'error'] as const;
export type TunnelStatus = (typeof TUNNEL_STATUSES)[number];

/** Non-secret options per provider, as stored and shown (the ngrok authtoken is sealed elsewhere). */
export interface TunnelOptions {
  /** localtunnel: the server (default https://localtunnel.me) and a requested subdomain. */
  host?: string;
  subdomain?: string;
  /** ngrok: a reserved domain. */
  domain?: string;
  /** cloudflared: the binary (default: `cloudflared` on PATH). */
  bin?: string;
  /** custom: the merchant's own public URL, and whether to check it reaches this node first. */
  url?: string;
  probe?: boolean;
}

/** Where the tunnel sends traffic: always the public listener. */
export interface TunnelTarget {
  host: string;
  port: number;
}

export interface ProviderConnectContext {
  target: TunnelTarget;
  options: TunnelOptions;
  /** Aborted when the attempt times out or the tunnel is stopped; the provider must release everything. */
  signal: AbortSignal;
  /** A connected tunnel reports that it dropped; the manager closes it and reconnects with backoff. */
  onDown(err: Error): void;
  logger: Logger;
}

export interface TunnelConnection {
  url: string;
  close(): Promise<void>;
}

export interface TunnelProvider {
  name: TunnelProviderName;
  connect(ctx: ProviderConnectContext): Promise<TunnelConnection>;
}

/**
 * A tunnel problem a merchant can act on. `retryable: false` means trying again will not help
 * (missing binary, missing authtoken, invalid options): the manager stops in `error`.
 */
export class TunnelError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, opts: { retryable: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TunnelError';
    this.code = code;
    this.retryable = opts.retryable;
  }
}

export interface TunnelState {
  provider: TunnelProviderName | null;
  status: TunnelStatus;
  url: string | null;
  /** When the current status began. */
  since: string;
  last_error: string | null;
  last_error_at: string | null;
  /** Failed attempts since the last connection. */
  attempts: number;
  next_retry_at: string | null;
}

/** Keeps error text one short line: provider output can be long and must never carry a token. */
export function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
