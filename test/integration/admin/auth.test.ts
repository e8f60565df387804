// Dashboard sign-in against the real node (child process), as a newcomer meets it: the one-time
// URL printed on stdout, the HttpOnly SameSite=Strict cookie, CSRF on writes, the password with
// its rate limit, TOTP once enabled, the built dashboard at `/` with its CSP — and the merchant
// API unchanged beside it, API keys working there and nowhere in /api/admin.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApiError } from '../../../src-server/admin/client.ts';
import { totpCode } from '../../../src-server/admin/auth/totp.ts';
import { adminClientFor, oneTimeUrlOf, sessionCookieOf, type AdminSessionClient } from '../../helpers/admin-session.ts';
import { apiClient, createApiKey, runCli, startNode, tempHome, type TestNode } from '../../helpers/node.ts';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const PASSWORD = 'a long admin password';

let node: TestNode;
let home: string;
let dashboardDir: string;

beforeAll(async () => {
  home = tempHome();
  dashboardDir = join(home, 'dashboard-fixture');
  mkdirSync(join(dashboardDir, 'assets'), { recursive: true });
  writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>fixture dashboard</title><script type="module" src="/assets/app-3f2a1b.js"></script>');
  writeFileSync(join(dashboardDir, 'assets', 'app-3f2a1b.js'), 'console.log("dashboard");');
  // A passphrase key store: TOTP secrets are sealed with its data key.
  node = await startNode({ home, noDevnet: true, env: { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'correct horse battery staple', KASSA_DASHBOARD_DIR: dashboardDir } });
});
afterAll(async () => {
  await node?.stop();
});

const url = (path: string) => node.merchantUrl + path;
async function expectAdminError(p: Promise<unknown>, status: number, code?: string): Promise<AdminApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AdminApiError);
    const e = err as AdminApiError;
    expect(e.status, e.message).toBe(status);
    if (code) expect(e.code).toBe(code);
    return e;
  }
  throw new Error(`expected HTTP ${status}`);
}

async function login(password: string, totp?: string): Promise<Response> {
  return fetch(url('/api/admin/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(totp ? { password, totp } : { password }) });
}

describe('headless first start: the one-time URL', () => {
  let admin: AdminSessionClient;

  it('a route of the admin API needs a session; GET /session does not', async () => {
    const res = await fetch(url('/api/admin/invoices'));
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatchObject({ type: 'authentication_error', code: 'session_required' });
    const session = await fetch(url('/api/admin/session'));
    expect(session.status).toBe(200);
    expect((await session.json()).data).toMatchObject({ authenticated: false, csrf_token: null, password_set: false, desktop: false, setup_complete: false });
  });

  it('is printed on stdout, signs in once with an HttpOnly SameSite=Strict cookie, and moves to / without script', async () => {
    const link = await oneTimeUrlOf(node);
    expect(link.startsWith(`${node.merchantUrl}/auth/one-time/`)).toBe(true);
    // A link preview's HEAD does not spend it.
    expect((await fetch(link, { method: 'HEAD' })).status).toBe(200);
    const res = await fetch(link, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('kassa_session='))!;
    const attrs = setCookie.split('; ');
    expect(attrs).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    expect(attrs).not.toContain('Secure'); // plain http on loopback
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<meta http-equiv="refresh" content="0;url=/">');
    expect(html).not.toMatch(/<script/i);

    admin = await adminClientFor(node.merchantUrl, sessionCookieOf(res)!);
    expect(await admin.client.call('GET /session')).toMatchObject({ authenticated: true, via: 'one_time', password_set: false });

    const again = await fetch(link, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(again.status).toBe(400);
    expect(sessionCookieOf(again)).toBeNull();
    expect(await again.text()).toContain('npm run kassa -- admin login-url');
  });

  it('writes need the CSRF header and refuse another site', async () => {
    const headers = { 'content-type': 'application/json', cookie: admin.cookie()! };
    const body = JSON.stringify({ new_password: PASSWORD });
    const noCsrf = await fetch(url('/api/admin/auth/password'), { method: 'POST', headers, body });
    expect(noCsrf.status).toBe(403);
    expect((await noCsrf.json()).error.code).toBe('csrf_token_invalid');
    const { csrf_token } = await admin.client.call('GET /session');
    const crossSite = await fetch(url('/api/admin/auth/password'), { method: 'POST', headers: { ...headers, 'x-kassa-csrf': csrf_token!, origin: 'https://evil.example' }, body });
    expect(crossSite.status).toBe(403);
    expect((await crossSite.json()).error.code).toBe('cross_site_request');
    // The password was not changed by either.
    expect((await admin.client.call('GET /session')).password_set).toBe(false);
  });

  it('sets the password (with the CSRF token), and logout ends the session', async () => {
    await expectAdminError(admin.client.call('POST /auth/password', { body: { new_password: 'too short' } }), 400, 'parameter_invalid');
    await admin.client.call('POST /auth/password', { body: { new_password: PASSWORD } });
    expect(await admin.client.call('GET /session')).toMatchObject({ authenticated: true, password_set: true });
    await admin.client.call('POST /auth/logout');
    expect((await admin.client.call('GET /session')).authenticated).toBe(false);
    const res = await fetch(url('/api/admin/overview'), { headers: { cookie: admin.cookie()! } });
    expect(res.status).toBe(401);
  });
});

describe('password and TOTP', () => {
  let admin: AdminSessionClient;
  let secret: string;

  it('a wrong password is 401 naming the field; the right one signs in', async () => {
    const wrong = await login('not the password at all');
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toMatchObject({ code: 'password_invalid', param: 'password' });
    const right = await login(PASSWORD);
    expect(right.status).toBe(200);
    expect((await right.json()).data).toMatchObject({ authenticated: true, via: 'password' });
    admin = await adminClientFor(node.merchantUrl, sessionCookieOf(right)!);
  });

  it('once TOTP is enabled, sign-in needs a code, and a code works once', async () => {
    const setup = await admin.client.call('POST /auth/totp/setup');
    secret = setup.secret;
    expect(setup.otpauth_uri).toContain(`secret=${secret}`);
    expect(setup.qr_svg).toMatch(/^<svg/);
    await admin.client.call('POST /auth/totp/enable', { body: { code: totpCode(secret, Date.now()) } });
    expect((await admin.client.call('GET /session')).totp_enabled).toBe(true);

    const noCode = await login(PASSWORD);
    expect(noCode.status).toBe(401);
    expect((await noCode.json()).error).toMatchObject({ code: 'totp_required', param: 'totp' });
    // The next step's code (inside the drift window): newer than the one that enabled TOTP.
    const code = totpCode(secret, Date.now() + 30_000);
    const withCode = await login(PASSWORD, code);
    expect(withCode.status).toBe(200);
    const replay = await login(PASSWORD, code);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error).toMatchObject({ code: 'totp_replayed', param: 'totp' });
  });

  it('kassa admin totp disable turns it off for recovery (the running node reads it)', async () => {
    const { stdout } = await runCli(home, ['admin', 'totp', 'disable'], { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'correct horse battery staple' });
    expect(stdout).toMatch(/TOTP is off/);
    expect((await admin.client.call('GET /session')).totp_enabled).toBe(false);
    expect((await login(PASSWORD)).status).toBe(200);
  });

  it('kassa admin login-url mints a new one-time URL for the running node', async () => {
    const { stdout } = await runCli(home, ['admin', 'login-url']);
    // The link names the port this node really listens on (the tests start nodes on free ports).
    const printed = /(http:\/\/\S+\/auth\/one-time\/[A-Za-z0-9_-]{43})\s*$/.exec(stdout)![1]!;
    expect(printed.startsWith(url('/auth/one-time/'))).toBe(true);
    const res = await fetch(printed, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(sessionCookieOf(res)).not.toBeNull();
  });

  it('after 5 failed sign-ins in 15 minutes answers 429 with Retry-After, even for the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await login(`wrong password ${i}`)).status).toBe(401);
    const limited = await login(PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
  });
});

describe('the dashboard at /', () => {
  it('serves index.html with the strict CSP, uncached', async () => {
    const res = await fetch(url('/'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('fixture dashboard');
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('hashed assets are cached for good; a missing one is 404', async () => {
    const res = await fetch(url('/assets/app-3f2a1b.js'));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/immutable/);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(url('/assets/nope-000000.js'))).status).toBe(404);
  });

  it('a page navigation to an app path falls back to index.html; API paths never do', async () => {
    const page = await fetch(url('/invoices/pi_123'), { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('fixture dashboard');
    const api = await fetch(url('/api/v1/nope'), { headers: { accept: 'text/html' } });
    expect(api.status).toBe(401);
    expect((await fetch(url('/api/admin/nope'), { headers: { accept: 'text/html' } })).status).toBe(404);
    const docs = await fetch(url('/docs'), { headers: { accept: 'text/html' } });
    expect(await docs.text()).not.toContain('fixture dashboard');
  });
});

describe('the merchant API beside it', () => {
  it('API keys work on /api/v1 and are ignored by /api/admin', async () => {
    const key = await createApiKey(home);
    const api = apiClient(node.merchantUrl, key);
    expect((await api.get('/api/v1/payment-intents')).status).toBe(200);
    const admin = await api.get('/api/admin/overview');
    expect(admin.status).toBe(401);
    expect(admin.body.error.code).toBe('session_required');
  });
});
