// Pure checks on who is asking: a request from another site (CSRF), a page reached through a
// rebinding DNS name (a hostile site posing as 127.0.0.1), the CSRF header.
import { isIP } from 'node:net';
import { constantTimeEqual } from './secrets.ts';

export const CSRF_HEADER = 'x-kassa-csrf';

export interface GuardHeaders {
  host?: string | undefined;
  origin?: string | undefined;
  'sec-fetch-site'?: string | undefined;
}

/** Why the request comes from another site, or null. Requests with neither header (curl, tests) pass: they carry no ambient cookie of a victim's browser. */
export function crossSiteReason(headers: GuardHeaders): string | null {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site is "${site.slice(0, 40)}"`;
  const origin = headers.origin;
  if (origin === undefined) return null;
  if (origin === 'null') return 'Origin is "null"';
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return 'Origin is not a URL';
  }
  // The browser's Sec-Fetch-Site wins: a TLS proxy in front may rewrite Host but not that header.
  if (site === 'same-origin') return null;
  if (!headers.host || originHost.toLowerCase() !== headers.host.toLowerCase()) return `Origin ${origin.slice(0, 100)} is not this dashboard`;
  return null;
}

/** The hostname of a Host header (brackets of an IPv6 literal removed), lowercased. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/**
 * On a loopback listener, only an IP literal or localhost may name us: any other name pointing
 * here is a DNS-rebinding page trying to talk to the dashboard from another site.
 */
export function isAllowedHost(host: string | undefined, loopbackOnly: boolean): boolean {
  if (!loopbackOnly) return true;
  if (!host) return false;
  const name = hostnameOf(host);
  return name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0;
}

/** The X-Kassa-CSRF header matches the session's token (constant time). */
export function csrfTokenMatches(sent: string | undefined, expected: string): boolean {
  if (!sent || !expected) return false;
  return constantTimeEqual(sent, expected);
}
