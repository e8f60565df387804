// How Electron hands the window a per-launch secret without the renderer ever seeing it: main makes
// 32 random bytes, gives them to the core in its start message, trades them for a session at
// POST /api/admin/auth/launch, and puts the session cookie straight into the window's session.
import { randomBytes } from 'node:crypto';
import type { CookiesSetDetails, Session } from 'electron';

export const SESSION_COOKIE = 'kassa_session';
export const LAUNCH_PATH = '/api/admin/auth/launch';

export function createLaunchSecret(): string {
  return randomBytes(32).toString('hex');
}

export interface ParsedCookie {
  name: string;
  value: string;
  path: string;
  httpOnly: boolean;
  sameSite: 'strict' | 'lax' | 'no_restriction' | 'unspecified';
  /** Unix seconds; absent: a session cookie (gone when the app quits). */
  expirationDate?: number;
}

/** One Set-Cookie header → its cookie; null when it is not a cookie. */
export function parseSetCookie(header: string, now = Date.now()): ParsedCookie | null {
  const [pair, ...attrs] = header.split(';');
  const eq = pair?.indexOf('=') ?? -1;
  if (!pair || eq <= 0) return null;
  const cookie: ParsedCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: '/', httpOnly: false, sameSite: 'unspecified' };
  let maxAge: number | null = null;
  for (const attr of attrs) {
    const [rawKey, ...rest] = attr.split('=');
    const key = rawKey!.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (key === 'path' && value.startsWith('/')) cookie.path = value;
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'samesite') {
      const v = value.toLowerCase();
      cookie.sameSite = v === 'strict' ? 'strict' : v === 'lax' ? 'lax' : v === 'none' ? 'no_restriction' : 'unspecified';
    } else if (key === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
    else if (key === 'expires' && maxAge === null) {
      const t = Date.parse(value);
      if (!Number.isNaN(t)) cookie.expirationDate = Math.floor(t / 1000);
    }
  }
  // Max-Age wins over Expires (RFC 6265 §5.3).
  if (maxAge !== null) cookie.expirationDate = Math.floor(now / 1000) + maxAge;
  return cookie;
}

/**
 * The cookie as the window's session stores it: always HttpOnly and SameSite=Strict for the
 * session, whatever the header said, scoped to the merchant listener's origin; the session one
 * without an expiry date (it ends when the app quits, as the launch session does).
 */
export function cookieDetails(merchantUrl: string, cookie: ParsedCookie): CookiesSetDetails {
  const isSession = cookie.name === SESSION_COOKIE;
  return {
    url: new URL('/', merchantUrl).toString(),
    name: cookie.name,
    value: cookie.value,
    path: cookie.path,
    httpOnly: isSession ? true : cookie.httpOnly,
    sameSite: isSession ? 'strict' : cookie.sameSite,
    // The merchant listener is plain HTTP on loopback; a Secure cookie would never be sent.
    secure: false,
    // The launch session lasts as long as this launch: its cookie has no date (the partition is in memory).
    ...(cookie.expirationDate !== undefined && !isSession ? { expirationDate: cookie.expirationDate } : {}),
  };
}

export class LaunchAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchAuthError';
  }
}

/** Trades the launch secret for the session cookies (the session one first). */
export async function exchangeLaunchSecret(merchantUrl: string, secret: string, fetchImpl: typeof fetch = fetch): Promise<ParsedCookie[]> {
  const origin = new URL(merchantUrl).origin;
  const res = await fetchImpl(new URL(LAUNCH_PATH, merchantUrl), {
    method: 'POST',
    // Origin as the window would send it, for the listener's cross-site checks.
    headers: { 'content-type': 'application/json', accept: 'application/json', origin },
    body: JSON.stringify({ secret }),
    redirect: 'error',
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // Not the JSON envelope: keep the text.
    }
    throw new LaunchAuthError(`the node refused the launch secret (HTTP ${res.status}): ${message}`);
  }
  await res.body?.cancel();
  const cookies = res.headers.getSetCookie().flatMap((h) => parseSetCookie(h) ?? []);
  const session = cookies.find((c) => c.name === SESSION_COOKIE);
  if (!session) throw new LaunchAuthError(`the node accepted the launch secret but set no ${SESSION_COOKIE} cookie`);
  return [session, ...cookies.filter((c) => c !== session)];
}

/** Exchanges the secret and stores the cookies in the window's session before it loads anything. */
export async function authenticateWindowSession(
  windowSession: Pick<Session, 'cookies'>,
  merchantUrl: string,
  secret: string,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const cookies = await exchangeLaunchSecret(merchantUrl, secret, fetchImpl);
  for (const cookie of cookies) await windowSession.cookies.set(cookieDetails(merchantUrl, cookie));
}
