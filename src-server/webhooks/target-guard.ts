// Where a webhook may be sent. Any http(s) URL by default: on a desktop the shop often runs on the
// same machine. With `webhooks.blockPrivateTargets` (live mode only) loopback, private, link-local
// and other non-public addresses are refused, at registration and again at every send, since a
// name can resolve differently later (DNS rebinding).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** The parsed URL, or the reason it cannot be a webhook target. */
export function parseWebhookUrl(raw: string): { url: URL } | { problem: string } {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return { problem: `url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'url is not a valid absolute URL, e.g. "https://shop.example/kassa/webhook"' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { problem: `url must use http or https, not "${url.protocol.replace(/:$/, '').slice(0, 20)}"` };
  }
  if (url.username || url.password) {
    return { problem: 'url must not carry credentials (user:password@); receivers authenticate a delivery by its signature' };
  }
  if (url.hash) return { problem: 'url must not have a #fragment' };
  if (!url.hostname) return { problem: 'url has no host' };
  return { url };
}

const nonPublic = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) nonPublic.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b:1::', 48],
] as const) nonPublic.addSubnet(net, prefix, 'ipv6');

/** True for loopback, private, link-local, CGNAT, documentation, multicast and unspecified addresses. */
export function isNonPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return nonPublic.check(ip, 'ipv4');
  if (family === 6) {
    // IPv4-mapped (::ffff:10.0.0.1) is judged by its IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return nonPublic.check(mapped[1]!, 'ipv4');
    return nonPublic.check(ip, 'ipv6');
  }
  return true;
}

export type Resolve = (host: string) => Promise<string[]>;
const resolveAll: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Null when every address the host resolves to is public; else why the target is refused. */
export async function nonPublicTargetProblem(url: URL, resolve: Resolve = resolveAll): Promise<string | null> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is a loopback name`;
    try {
      addresses = await resolve(host);
    } catch (err) {
      return `${host.slice(0, 100)} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`;
    }
  }
  const bad = addresses.find(isNonPublicAddress);
  return bad ? `${host.slice(0, 100)} resolves to the non-public address ${bad}` : null;
}
