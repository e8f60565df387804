// The per-launch secret: made in main, traded at POST /api/admin/auth/launch for the session
// cookie, which goes straight into the window's session (the renderer never sees the secret).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeSession } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { authenticateWindowSession, cookieDetails, createLaunchSecret, exchangeLaunchSecret, LaunchAuthError, parseSetCookie } = await import('../../../src-main/launch-auth.ts');

const SECRET = createLaunchSecret();
let server: Server;
let url: string;
const seen: { origin?: string; body?: unknown; contentType?: string }[] = [];
/** What the listener answers next: 'ok', 'no-cookie' or a status to refuse with. */
let mode: 'ok' | 'no-cookie' | 401 = 'ok';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// A loopback stand-in for the node's launch endpoint (the real one is tested with the node itself).
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as { secret?: string };
    seen.push({ origin: req.headers.origin, body, contentType: req.headers['content-type'] });
    if (req.method !== 'POST' || req.url !== '/api/admin/auth/launch') return void res.writeHead(404).end();
    if (mode === 401 || body.secret !== SECRET) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { type: 'authentication_error', code: 'launch_secret_invalid', message: 'That launch secret is not valid.', param: 'secret' } }));
    }
    const cookies = mode === 'no-cookie' ? [] : ['kassa_session=s3ss10n; Path=/; HttpOnly; SameSite=Strict', 'kassa_hint=1; Path=/; Max-Age=60; SameSite=Lax'];
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': cookies });
    res.end(JSON.stringify({ data: { authenticated: true, via: 'launch' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('createLaunchSecret', () => {
  it('is 32 random bytes in hex, new every launch', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => createLaunchSecret()));
    expect(secrets.size).toBe(50);
    for (const s of secrets) expect(s).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('parseSetCookie', () => {
  const now = Date.parse('2026-05-29T12:00:00Z');
  it.each([
    ['kassa_session=abc; Path=/; HttpOnly; SameSite=Strict', { name: 'kassa_session', value: 'abc', path: '/', httpOnly: true, sameSite: 'strict' }],
    ['a=b=c; samesite=lax', { name: 'a', value: 'b=c', path: '/', httpOnly: false, sameSite: 'lax' }],
    ['a=b; SameSite=None; Path=/api', { name: 'a', value: 'b', path: '/api', sameSite: 'no_restriction' }],
    ['a=b; Max-Age=3600', { expirationDate: now / 1000 + 3600 }],
    ['a=b; Expires=Fri, 29 May 2026 13:00:00 GMT', { expirationDate: now / 1000 + 3600 }],
    ['a=b; Expires=Fri, 29 May 2026 13:00:00 GMT; Max-Age=60', { expirationDate: now / 1000 + 60 }],
  ])('%s', (header, expected) => {
    expect(parseSetCookie(header, now)).toMatchObject(expected);
  });

  it.each(['', '=x', 'novalue', '; Path=/'])('%j is not a cookie', (header) => {
    expect(parseSetCookie(header)).toBeNull();
  });
});

describe('cookieDetails', () => {
  it('stores the session cookie HttpOnly and SameSite=Strict on the merchant origin, whatever the header said', () => {
    const details = cookieDetails('http://127.0.0.1:8420', { name: 'kassa_session', value: 'v', path: '/', httpOnly: false, sameSite: 'lax' });
    expect(details).toEqual({ url: 'http://127.0.0.1:8420/', name: 'kassa_session', value: 'v', path: '/', httpOnly: true, sameSite: 'strict', secure: false });
  });

  it("keeps no expiry date on the session cookie: it lasts as long as the launch, however long the app runs (others keep theirs)", () => {
    const session = cookieDetails('http://127.0.0.1:8420', parseSetCookie('kassa_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=604800')!);
    expect(session).not.toHaveProperty('expirationDate');
    expect(cookieDetails('http://127.0.0.1:8420', parseSetCookie('kassa_hint=1; Max-Age=60')!)).toHaveProperty('expirationDate');
  });
});

describe('exchangeLaunchSecret', () => {
  it('posts the secret as JSON with the window origin and returns the session cookie first', async () => {
    mode = 'ok';
    seen.length = 0;
    const cookies = await exchangeLaunchSecret(url, SECRET);
    expect(cookies.map((c) => c.name)).toEqual(['kassa_session', 'kassa_hint']);
    expect(seen[0]).toEqual({ origin: url, body: { secret: SECRET }, contentType: 'application/json' });
  });

  it('says why when the node refuses the secret', async () => {
    mode = 401;
    const refused = exchangeLaunchSecret(url, SECRET);
    await expect(refused).rejects.toBeInstanceOf(LaunchAuthError);
    await expect(exchangeLaunchSecret(url, SECRET)).rejects.toThrow('the node refused the launch secret (HTTP 401): That launch secret is not valid.');
  });

  it('fails when no session cookie comes back', async () => {
    mode = 'no-cookie';
    await expect(exchangeLaunchSecret(url, SECRET)).rejects.toThrow(/set no kassa_session cookie/);
  });
});

describe('authenticateWindowSession', () => {
  it("sets the node's cookies into the window's session before it loads anything", async () => {
    mode = 'ok';
    const ses = new FakeSession('kassa-dashboard');
    await authenticateWindowSession(ses as never, url, SECRET);
    expect(ses.cookiesSet[0]).toEqual({ url: `${url}/`, name: 'kassa_session', value: 's3ss10n', path: '/', httpOnly: true, sameSite: 'strict', secure: false });
    expect(ses.cookiesSet[1]).toMatchObject({ name: 'kassa_hint', httpOnly: false, sameSite: 'lax', expirationDate: expect.any(Number) });
  });
});
