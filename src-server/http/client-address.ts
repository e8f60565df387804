// Who a public-listener request comes from, for per-client limits. The public listener binds
// loopback and is reached through a tunnel or a reverse proxy on this machine, so the socket peer
// is that proxy for every customer: behind it, per-client limits would be one shared bucket.
import { isIP } from 'node:net';
import { ipKeyGenerator } from 'express-rate-limit';

export interface ClientRequestLike {
  socket: { remoteAddress?: string | undefined };
  headers: Record<string, string | string[] | undefined>;
}

export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function header(req: ClientRequestLike, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/**
 * The customer's address: the socket peer, unless that peer is a local proxy (loopback), in which
 * case the address the proxy reported. Only the proxy-appended values are read: cloudflared's
 * `CF-Connecting-IP`, else the LAST `X-Forwarded-For` entry (the one the nearest proxy added; the
 * customer can prepend anything, never append). IPv6 is grouped by /56 like express-rate-limit.
 */
export function clientAddress(req: ClientRequestLike): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!isLoopbackAddress(peer)) return ipKeyGenerator(peer);
  const candidates = [header(req, 'cf-connecting-ip'), header(req, 'x-forwarded-for')?.split(',').pop()];
  for (const raw of candidates) {
    const value = raw?.trim();
    if (value && isIP(value)) return ipKeyGenerator(value);
  }
  return ipKeyGenerator(peer);
}
