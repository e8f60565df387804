// A dashboard session for tests: sign in through the one-time URL the node prints, then call the
// admin API with the typed client (cookie + CSRF header), as the dashboard does.
import { createAdminClient, type AdminClient } from '../../src-server/admin/client.ts';
import type { TestNode } from './node.ts';

export const ONE_TIME_URL = /Open the dashboard: (http:\/\/\S+\/auth\/one-time\/[A-Za-z0-9_-]{43})/;

/** The one-time login URL from the node's stdout. */
export async function oneTimeUrlOf(node: TestNode): Promise<string> {
  return (await node.waitForStdout(ONE_TIME_URL))[1]!;
}

/** The `kassa_session=…` pair from a response's Set-Cookie, or null. */
export function sessionCookieOf(res: Response): string | null {
  for (const line of res.headers.getSetCookie()) {
    const m = /^(kassa_session=[^;]*)/.exec(line);
    if (m) return m[1]!;
  }
  return null;
}

/** Opens a one-time URL like a browser navigation and returns the session cookie pair. */
export async function signInWithOneTimeUrl(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
  const cookie = sessionCookieOf(res);
  if (res.status !== 200 || !cookie) throw new Error(`one-time sign-in failed: HTTP ${res.status}`);
  return cookie;
}

export interface AdminSessionClient {
  client: AdminClient;
  cookie: () => string | undefined;
  setCookie: (cookie: string | undefined) => void;
}

/** A typed admin client holding a session cookie; `client.call('GET /session')` loads its CSRF token. */
export async function adminClientFor(merchantUrl: string, cookie?: string): Promise<AdminSessionClient> {
  let current = cookie;
  const client = createAdminClient({ baseUrl: merchantUrl, cookie: () => current });
  await client.call('GET /session');
  return { client, cookie: () => current, setCookie: (c) => void (current = c) };
}

/** Signs in through the node's printed one-time URL and returns a ready client (first call only: the URL works once). */
export async function signedInAdmin(node: TestNode): Promise<AdminSessionClient> {
  return adminClientFor(node.merchantUrl, await signInWithOneTimeUrl(await oneTimeUrlOf(node)));
}
