// The tunnel's control plane: the desired state lives in the database (tunnel_settings), written by
// the CLI and the admin API; the running node applies it and writes its live status back
// (tunnel_status). Both sides use this module, so the rules are in one place.
import { z } from 'zod';
import type { Storage } from '../storage/index.ts';
import type { TunnelStatusRow } from '../storage/tunnel-store.ts';
import { openSealedString, seal } from '../wallet/secret-box.ts';
import { checkCustomUrl } from './custom.ts';
import { SUBDOMAIN_PATTERN } from './localtunnel.ts';
import { TUNNEL_PROVIDERS, TUNNEL_STATUSES, type TunnelOptions, type TunnelProviderName, type TunnelState, type TunnelStatus } from './types.ts';

export const NGROK_AUTHTOKEN_SECRET = 'tunnel.ngrok.authtoken';
/** Associated data of the sealed token: it cannot be moved to another secret's row. */
export const NGROK_AUTHTOKEN_CONTEXT = 'tunnel:ngrok:authtoken';
/** A node that has not said it is alive for this long is taken as not running. */
export const HEARTBEAT_STALE_MS = 6000;

/** Bad input or a state that refuses the request; the HTTP edge maps it to a 4xx, the CLI to a message. */
export class TunnelInputError extends Error {
  readonly status: number;
  readonly code: string;
  readonly param: string | null;
  constructor(status: number, code: string, message: string, param: string | null = null) {
    super(message);
    this.name = 'TunnelInputError';
    this.status = status;
    this.code = code;
    this.param = param;
  }
}

const waitSeconds = z.number().int().min(0).max(120).optional().describe('Wait up to this many seconds for the tunnel to connect (or fail) before answering; default 0.');

export const TunnelStartBody = z.discriminatedUnion(
  'provider',
  [
    z.strictObject({
      provider: z.literal('localtunnel'),
      host: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional().describe('The localtunnel server (default https://localtunnel.me).'),
      subdomain: z.string().regex(SUBDOMAIN_PATTERN, 'must be 4-63 lowercase letters, digits and dashes, not starting or ending with a dash').optional(),
      wait_seconds: waitSeconds,
    }),
    z.strictObject({
      provider: z.literal('ngrok'),
      authtoken: z.string().min(8, 'is too short to be an ngrok authtoken').max(512).regex(/^[A-Za-z0-9_\-.]+$/, 'has characters an ngrok authtoken never has').optional()
        .describe('Stored sealed under the key store\'s data key and never shown again; not needed when the node has NGROK_AUTHTOKEN or a stored token.'),
      domain: z.string().max(253).regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name such as shop.ngrok.app').optional(),
      wait_seconds: waitSeconds,
    }),
    // `bin` (which executable to run) is not accepted over HTTP: only the CLI and config.json may choose it.
    z.strictObject({ provider: z.literal('cloudflared'), wait_seconds: waitSeconds }),
    z.strictObject({
      provider: z.literal('custom'),
      url: z.string().max(2048).superRefine((value, ctx) => {
        const checked = checkCustomUrl(value);
        if ('error' in checked) ctx.addIssue({ code: 'custom', message: checked.error });
      }).describe('Your public URL that forwards to the public listener: https, or http on loopback.'),
      probe: z.boolean().optional().describe('Check first that the URL answers as this node\'s public listener does.'),
      wait_seconds: waitSeconds,
    }),
  ],
  { error: `provider: must be one of ${TUNNEL_PROVIDERS.join(', ')}` },
);
export type TunnelStartBody = z.infer<typeof TunnelStartBody>;

export const TunnelStopBody = z.strictObject({ wait_seconds: waitSeconds });

export const TunnelObject = z.object({
  object: z.literal('tunnel'),
  provider: z.enum(TUNNEL_PROVIDERS).nullable(),
  status: z.enum(TUNNEL_STATUSES),
  url: z.string().nullable().describe('The public URL while connected.'),
  since: z.string().nullable().describe('When the current status began.'),
  last_error: z.string().nullable(),
  last_error_at: z.string().nullable(),
  attempts: z.number().int().describe('Failed attempts since the last connection.'),
  next_retry_at: z.string().nullable(),
  public_base_url: z.string().nullable().describe('Base of new checkout_urls: the tunnel URL while connected, else publicBaseUrl or the public listener.'),
  desired: z.object({
    enabled: z.boolean(),
    provider: z.enum(TUNNEL_PROVIDERS).nullable(),
    options: z.record(z.string(), z.union([z.string(), z.boolean()])),
  }),
  /** The node has applied the latest desired state (false for a moment after a change, or when no node runs). */
  applied: z.boolean(),
  node_running: z.boolean(),
});
export type TunnelObject = z.infer<typeof TunnelObject>;

/** Options as stored: only what the caller set, never a secret. */
export function optionsOf(input: TunnelStartBody & { bin?: string }): TunnelOptions {
  const out: TunnelOptions = {};
  if (input.provider === 'localtunnel') {
    if (input.host) out.host = input.host.replace(/\/+$/, '');
    if (input.subdomain) out.subdomain = input.subdomain;
  } else if (input.provider === 'ngrok') {
    if (input.domain) out.domain = input.domain.toLowerCase();
  } else if (input.provider === 'cloudflared') {
    if (input.bin) out.bin = input.bin;
  } else {
    const checked = checkCustomUrl(input.url);
    if ('url' in checked) out.url = checked.url;
    if (input.probe !== undefined) out.probe = input.probe;
  }
  return out;
}

export interface TunnelSettingsDeps {
  storage: Storage;
  /** The key store's data key, to seal an ngrok authtoken; null without a key store. */
  dataKey: Buffer | null;
  clock?: () => Date;
}

export function createTunnelSettings(deps: TunnelSettingsDeps) {
  const { storage } = deps;
  const clock = deps.clock ?? (() => new Date());
  return {
    /** Records the wanted tunnel; an authtoken is sealed first. Returns the new revision. */
    start(input: TunnelStartBody & { bin?: string }): number {
      let sealed: string | null = null;
      if (input.provider === 'ngrok' && input.authtoken) {
        if (!deps.dataKey) {
          throw new TunnelInputError(409, 'key_store_unavailable', 'No key store to seal the ngrok authtoken (it is never kept in plaintext): set NGROK_AUTHTOKEN in the node\'s environment instead, or configure a key store (KASSA_PASSPHRASE or the OS keychain).', 'authtoken');
        }
        sealed = seal(deps.dataKey, input.authtoken, NGROK_AUTHTOKEN_CONTEXT);
      }
      const options = optionsOf(input);
      return storage.transaction(() => {
        if (sealed) {
          storage.secrets.delete(NGROK_AUTHTOKEN_SECRET);
          storage.secrets.putSealed(NGROK_AUTHTOKEN_SECRET, sealed, clock().toISOString());
        }
        return storage.tunnel.putSettings({ enabled: 1, provider: input.provider, options: JSON.stringify(options), updated_at: clock().toISOString() });
      });
    },
    stop(): number {
      const current = storage.tunnel.getSettings();
      return storage.tunnel.putSettings({ enabled: 0, provider: current?.provider ?? null, options: current?.options ?? '{}', updated_at: clock().toISOString() });
    },
    /** The stored ngrok authtoken, opened; null when there is none or no key to open it. */
    storedNgrokAuthtoken(): string | null {
      const sealedToken = storage.secrets.getSealed(NGROK_AUTHTOKEN_SECRET);
      if (!sealedToken || !deps.dataKey) return null;
      return openSealedString(deps.dataKey, sealedToken, NGROK_AUTHTOKEN_CONTEXT);
    },
    hasStoredNgrokAuthtoken: () => storage.secrets.getSealed(NGROK_AUTHTOKEN_SECRET) !== null,
    /** What the database says: desired state plus the node's last report. */
    view(now = clock()): TunnelObject {
      return tunnelView(storage.tunnel.getSettings(), storage.tunnel.getStatus(), now);
    },
  };
}
export type TunnelSettings = ReturnType<typeof createTunnelSettings>;

export function nodeIsRunning(status: TunnelStatusRow | null, now: Date): boolean {
  return !!status?.node_pid && !!status.heartbeat_at && now.getTime() - Date.parse(status.heartbeat_at) < HEARTBEAT_STALE_MS;
}

export function tunnelView(
  settings: { enabled: 0 | 1; provider: string | null; options: string; revision: number } | null,
  status: TunnelStatusRow | null,
  now: Date,
  live?: { state: TunnelState; publicBaseUrl: string },
): TunnelObject {
  const running = live ? true : nodeIsRunning(status, now);
  const state: Omit<TunnelState, 'since'> & { since: string | null } = live?.state ?? (running && status
    ? {
        provider: status.provider as TunnelProviderName | null,
        status: status.status as TunnelStatus,
        url: status.url,
        since: status.since,
        last_error: status.last_error,
        last_error_at: status.last_error_at,
        attempts: status.attempts,
        next_retry_at: status.next_retry_at,
      }
    : { provider: (status?.provider as TunnelProviderName | null) ?? null, status: 'stopped', url: null, since: null, last_error: status?.last_error ?? null, last_error_at: status?.last_error_at ?? null, attempts: 0, next_retry_at: null });
  return {
    object: 'tunnel',
    provider: state.provider,
    status: state.status,
    url: state.url,
    since: state.since,
    last_error: state.last_error,
    last_error_at: state.last_error_at,
    attempts: state.attempts,
    next_retry_at: state.next_retry_at,
    public_base_url: live?.publicBaseUrl ?? (running ? status?.public_base_url ?? null : null),
    desired: {
      enabled: settings?.enabled === 1,
      provider: (settings?.provider as TunnelProviderName | null) ?? null,
      options: settings ? (JSON.parse(settings.options) as Record<string, string | boolean>) : {},
    },
    applied: running && (status?.revision ?? 0) >= (settings?.revision ?? 0),
    node_running: running,
  };
}
