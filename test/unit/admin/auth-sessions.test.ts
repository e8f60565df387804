// Dashboard auth over an in-memory database with a hand-moved clock: sessions slide and expire,
// launch sessions end with the launch, one-time tokens work once, failed sign-ins are limited,
// and a TOTP code is accepted once.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminAuth, SESSION_IDLE_MS, SESSION_ABSOLUTE_MS } from '../../../src-server/admin/auth/admin-auth.ts';
import { hashPassword } from '../../../src-server/admin/auth/password.ts';
import { totpCode } from '../../../src-server/admin/auth/totp.ts';
import { ApiError } from '../../../src-server/http/errors.ts';
import { migrate, type Db } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function setup(opts: { dataKey?: Buffer | null; launchSecret?: string } = {}) {
  const db = new Database(':memory:');
  open.push(db);
  migrate(db);
  const storage = createStorage(db);
  let now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const clock = () => new Date(now);
  const dataKey = opts.dataKey === undefined ? randomBytes(32) : opts.dataKey;
  const make = () =>
    createAdminAuth({ store: storage.admin, dataKey: () => dataKey, launchSecret: opts.launchSecret ?? null, logger: pino({ level: 'silent' }), clock, passwordParams: CHEAP });
  return { storage, auth: make(), restart: make, advance: (ms: number) => (now += ms), now: () => now };
}

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<ApiError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a rejection');
}

describe('sessions', () => {
  it('a cookie names its session until 12 idle hours pass; activity slides the expiry', () => {
    const { auth, advance } = setup();
    const { cookieValue, session } = auth.createSession('password');
    expect(auth.sessionFromCookie(cookieValue)?.id).toBe(session.id);
    advance(SESSION_IDLE_MS - 60_000);
    expect(auth.sessionFromCookie(cookieValue)).not.toBeNull(); // slides
    advance(SESSION_IDLE_MS - 60_000);
    expect(auth.sessionFromCookie(cookieValue)).not.toBeNull();
    advance(SESSION_IDLE_MS + 1);
    expect(auth.sessionFromCookie(cookieValue)).toBeNull();
  });

  it('ends after 7 days however active it is', () => {
    const { auth, advance } = setup();
    const { cookieValue } = auth.createSession('one_time');
    for (let elapsed = 0; elapsed < SESSION_ABSOLUTE_MS - 3600_000; elapsed += 3600_000) {
      advance(3600_000);
      expect(auth.sessionFromCookie(cookieValue)).not.toBeNull();
    }
    advance(3600_000);
    expect(auth.sessionFromCookie(cookieValue)).toBeNull();
  });

  it('stores only the hash of the cookie; unknown and malformed cookies name nothing', () => {
    const { auth, storage } = setup();
    const { cookieValue } = auth.createSession('password');
    const rows = storage.db.prepare('SELECT * FROM admin_sessions').all() as Record<string, unknown>[];
    expect(JSON.stringify(rows)).not.toContain(cookieValue);
    expect(auth.sessionFromCookie(null)).toBeNull();
    expect(auth.sessionFromCookie('x')).toBeNull();
    expect(auth.sessionFromCookie(randomBytes(32).toString('base64url'))).toBeNull();
  });

  it('launch sessions end with the launch; other sessions survive a restart', () => {
    const { auth, restart } = setup({ launchSecret: 'l'.repeat(43) });
    const launch = auth.launch('l'.repeat(43));
    const password = auth.createSession('password');
    const after = restart();
    expect(after.sessionFromCookie(launch.cookieValue)).toBeNull();
    expect(after.sessionFromCookie(password.cookieValue)?.via).toBe('password');
  });

  it('a launch session neither idles out nor ages out: the desktop window left in the tray for days stays signed in until the launch ends', () => {
    const { auth, advance, restart } = setup({ launchSecret: 'l'.repeat(43) });
    const launch = auth.launch('l'.repeat(43));
    advance(SESSION_ABSOLUTE_MS + SESSION_IDLE_MS);
    // Another sign-in prunes expired sessions: not this one.
    auth.createSession('password');
    const session = auth.sessionFromCookie(launch.cookieValue);
    expect(session?.via).toBe('launch');
    expect(auth.isLive(session!)).toBe(true);
    // It has no expiry to show; it ends with the app.
    expect(auth.view(session).expires_at).toBeNull();
    expect(restart().sessionFromCookie(launch.cookieValue)).toBeNull();
  });

  it('isLive tells whether a resolved session still stands, without sliding it', () => {
    const { auth, advance } = setup();
    const created = auth.createSession('password');
    const session = auth.sessionFromCookie(created.cookieValue)!;
    advance(SESSION_IDLE_MS - 60_000);
    expect(auth.isLive(session)).toBe(true);
    advance(60_000);
    expect(auth.isLive(session)).toBe(false);
    const other = auth.createSession('password');
    auth.endSession(other.cookieValue);
    expect(auth.isLive(other.session)).toBe(false);
  });

  it('the launch secret is compared exactly; without one the route does not exist', async () => {
    const { auth } = setup({ launchSecret: 's'.repeat(43) });
    expect(auth.launch('s'.repeat(43)).session.via).toBe('launch');
    expect((await rejection(() => auth.launch('s'.repeat(42)))).status).toBe(401);
    const headless = setup().auth;
    expect((await rejection(() => headless.launch('s'.repeat(43)))).status).toBe(404);
    expect(headless.view(null).desktop).toBe(false);
    expect(auth.view(null).desktop).toBe(true);
  });

  it('logout ends the session', () => {
    const { auth } = setup();
    const { cookieValue } = auth.createSession('password');
    auth.endSession(cookieValue);
    expect(auth.sessionFromCookie(cookieValue)).toBeNull();
  });
});

describe('one-time login tokens', () => {
  it('work once', () => {
    const { auth } = setup();
    const { token } = auth.mintOneTimeToken();
    const first = auth.consumeOneTimeToken(token);
    expect(first?.session.via).toBe('one_time');
    expect(auth.sessionFromCookie(first!.cookieValue)).not.toBeNull();
    expect(auth.consumeOneTimeToken(token)).toBeNull();
  });

  it('expire after 15 minutes, and an unknown one does nothing', () => {
    const { auth, advance } = setup();
    const { token } = auth.mintOneTimeToken();
    advance(15 * 60_000);
    expect(auth.consumeOneTimeToken(token)).toBeNull();
    expect(auth.consumeOneTimeToken(randomBytes(32).toString('base64url'))).toBeNull();
    expect(auth.consumeOneTimeToken('../../etc')).toBeNull();
  });
});

describe('password sign-in', () => {
  it('answers a session for the right password and 401 naming the field for a wrong one', async () => {
    const { auth, storage } = setup();
    expect((await rejection(auth.login({ password: 'anything123' }, 'c'))).code).toBe('password_not_set');
    storage.admin.setPassword(await hashPassword('the right password', CHEAP), 'now');
    const wrong = await rejection(auth.login({ password: 'the wrong password' }, 'c'));
    expect([wrong.status, wrong.code, wrong.param]).toEqual([401, 'password_invalid', 'password']);
    const ok = await auth.login({ password: 'the right password' }, 'c');
    expect(ok.session.via).toBe('password');
    expect(auth.view(ok.session)).toMatchObject({ authenticated: true, via: 'password', password_set: true, csrf_token: ok.session.csrfToken });
  });

  it('after 5 failures in 15 minutes answers 429 with Retry-After, even for the right password; other addresses are unaffected', async () => {
    const { auth, storage, advance } = setup();
    storage.admin.setPassword(await hashPassword('the right password', CHEAP), 'now');
    for (let i = 0; i < 5; i++) expect((await rejection(auth.login({ password: `wrong ${i} attempt` }, 'a'))).status).toBe(401);
    const limited = await rejection(auth.login({ password: 'the right password' }, 'a'));
    expect([limited.status, limited.code]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers['Retry-After'])).toBeGreaterThan(0);
    expect(Number(limited.headers['Retry-After'])).toBeLessThanOrEqual(15 * 60);
    expect((await auth.login({ password: 'the right password' }, 'b')).session.via).toBe('password');
    advance(15 * 60_000 + 1000);
    expect((await auth.login({ password: 'the right password' }, 'a')).session.via).toBe('password');
  });

  it('parallel guesses cannot slip past the limit while scrypt runs', async () => {
    const { auth, storage } = setup();
    storage.admin.setPassword(await hashPassword('the right password', CHEAP), 'now');
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => auth.login({ password: `guess number ${i}` }, 'a')));
    const statuses = results.map((r) => (r.status === 'rejected' ? (r.reason as ApiError).status : 200));
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it('changing the password needs the current one and ends the other sessions', async () => {
    const { auth } = setup();
    const mine = auth.createSession('one_time');
    const other = auth.createSession('one_time');
    await auth.setPassword({ new_password: 'first password!' }, mine.session, 'c');
    expect(auth.sessionFromCookie(other.cookieValue)).toBeNull();
    expect(auth.sessionFromCookie(mine.cookieValue)).not.toBeNull();
    expect((await rejection(auth.setPassword({ new_password: 'second password' }, mine.session, 'c'))).param).toBe('current_password');
    expect((await rejection(auth.setPassword({ current_password: 'nope nope nope', new_password: 'second password' }, mine.session, 'c'))).code).toBe('password_incorrect');
    await auth.setPassword({ current_password: 'first password!', new_password: 'second password' }, mine.session, 'c');
    expect((await auth.login({ password: 'second password' }, 'c')).session.via).toBe('password');
  });
});

describe('TOTP', () => {
  async function withTotp() {
    const ctx = setup();
    const mine = ctx.auth.createSession('one_time');
    await ctx.auth.setPassword({ new_password: 'the right password' }, mine.session, 'c');
    const { secret, otpauth_uri, qr_svg } = await ctx.auth.totpSetup();
    expect(otpauth_uri).toContain(secret);
    expect(qr_svg).toMatch(/^<svg/);
    return { ...ctx, secret };
  }

  it('is enabled by a valid code, then sign-in needs a code, and a code is accepted once', async () => {
    const { auth, secret, advance, now, storage } = await withTotp();
    const valid = new Set([-1, 0, 1].map((d) => totpCode(secret, now() + d * 30_000)));
    const wrong = ['123456', '654321', '000000', '999999'].find((c) => !valid.has(c))!;
    expect((await rejection(() => auth.totpEnable(wrong))).param).toBe('code');
    auth.totpEnable(totpCode(secret, now()));
    expect(auth.view(null).totp_enabled).toBe(true);
    // The sealed secret is not the secret.
    expect(JSON.stringify(storage.admin.getCredentials())).not.toContain(secret);

    // The code used to enable cannot sign in.
    expect((await rejection(auth.login({ password: 'the right password', totp: totpCode(secret, now()) }, 'c'))).code).toBe('totp_replayed');
    advance(30_000);
    const missing = await rejection(auth.login({ password: 'the right password' }, 'c'));
    expect([missing.status, missing.code, missing.param]).toEqual([401, 'totp_required', 'totp']);
    const code = totpCode(secret, now());
    expect((await auth.login({ password: 'the right password', totp: code }, 'c')).session.via).toBe('password');
    const replay = await rejection(auth.login({ password: 'the right password', totp: code }, 'c'));
    expect([replay.status, replay.code]).toEqual([401, 'totp_replayed']);
    // An older code (still inside the drift window) is refused too: the step only moves forward.
    expect((await rejection(auth.login({ password: 'the right password', totp: totpCode(secret, now() - 30_000) }, 'c'))).code).toBe('totp_replayed');
  });

  it('is disabled with the password and a fresh code', async () => {
    const { auth, secret, advance, now } = await withTotp();
    auth.totpEnable(totpCode(secret, now()));
    advance(30_000);
    expect((await rejection(auth.totpDisable({ password: 'wrong password', code: totpCode(secret, now()) }, 'c'))).param).toBe('password');
    await auth.totpDisable({ password: 'the right password', code: totpCode(secret, now()) }, 'c');
    expect(auth.view(null).totp_enabled).toBe(false);
    expect((await auth.login({ password: 'the right password' }, 'c')).session.via).toBe('password');
  });

  it('without a key store is a 422 that says why, and nothing is stored', async () => {
    const { auth, storage } = setup({ dataKey: null });
    const mine = auth.createSession('one_time');
    await auth.setPassword({ new_password: 'the right password' }, mine.session, 'c');
    const err = await rejection(auth.totpSetup());
    expect([err.status, err.code]).toEqual([422, 'key_store_required']);
    expect(err.message).toMatch(/key store/);
    expect(storage.admin.getCredentials()?.totp_sealed).toBeNull();
  });

  it('needs a password first', async () => {
    const { auth } = setup();
    expect((await rejection(auth.totpSetup())).code).toBe('password_required');
  });
});

describe('session view', () => {
  it('setup_complete is the admin setting written by the setup wizard', () => {
    const { auth, storage } = setup();
    expect(auth.view(null)).toEqual({ authenticated: false, csrf_token: null, via: null, password_set: false, totp_enabled: false, setup_complete: false, desktop: false, expires_at: null });
    storage.admin.putSetting('setup.complete', true);
    expect(auth.view(null).setup_complete).toBe(true);
  });
});
