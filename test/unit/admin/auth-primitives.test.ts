// The pure pieces of dashboard auth: scrypt password hashes, TOTP step matching, cookies, the
// CSRF token compare and the cross-site / rebinding-host checks.
import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from '../../../src-server/admin/auth/cookies.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../../../src-server/admin/auth/password.ts';
import { crossSiteReason, csrfTokenMatches, isAllowedHost } from '../../../src-server/admin/auth/request-guards.ts';
import { constantTimeEqual, looksLikeToken, newToken, sha256Hex } from '../../../src-server/admin/auth/secrets.ts';
import { matchTotpStep, newTotpSecret, totpCode, totpUri } from '../../../src-server/admin/auth/totp.ts';
import { loginRetryAfterSeconds, slidingExpiry } from '../../../src-server/admin/auth/admin-auth.ts';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

describe('admin password (scrypt)', () => {
  it('verifies the password it hashed and nothing else', async () => {
    const stored = await hashPassword('correct horse battery', CHEAP);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('stores the algorithm, its parameters and a random salt with the hash, never the password', async () => {
    const a = JSON.parse(await hashPassword('correct horse battery', CHEAP));
    const b = JSON.parse(await hashPassword('correct horse battery', CHEAP));
    expect(a).toMatchObject({ algo: 'scrypt', N: CHEAP.N, r: 8, p: 1 });
    expect(Buffer.from(a.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(a.hash, 'base64')).toHaveLength(32);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(JSON.stringify(a)).not.toContain('horse');
  });

  it('the same visible text typed differently (NFKC) is the same password', async () => {
    const stored = await hashPassword('ｐａｓｓｗｏｒｄ１２３４', CHEAP);
    expect(await verifyPassword('password1234', stored)).toBe(true);
  });

  it('a malformed stored value never matches', async () => {
    for (const stored of ['', 'plain', '{}', JSON.stringify({ algo: 'scrypt', N: 3, r: 8, p: 1, salt: 'AA', hash: 'AA' })]) {
      expect(await verifyPassword('anything at all', stored)).toBe(false);
    }
  });

  it.each([
    ['short', 'must be at least 10 characters'],
    ['123456789', 'must be at least 10 characters'],
    ['1234567890', null],
    [' leading space', 'must not start or end with spaces'],
    ['x'.repeat(1025), 'must be at most 1024 characters'],
  ])('passwordProblem(%j) → %s', (password, problem) => {
    expect(passwordProblem(password)).toBe(problem);
  });
});

describe('TOTP', () => {
  const secret = newTotpSecret();
  const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  const step0 = Math.floor(t0 / 30_000);

  it('matches the current code and names its time step', () => {
    expect(matchTotpStep(secret, totpCode(secret, t0), t0)).toBe(step0);
  });

  it('allows one step of clock drift either way, not two', () => {
    expect(matchTotpStep(secret, totpCode(secret, t0 - 30_000), t0)).toBe(step0 - 1);
    expect(matchTotpStep(secret, totpCode(secret, t0 + 30_000), t0)).toBe(step0 + 1);
    const old = totpCode(secret, t0 - 90_000);
    if (![-1, 0, 1].some((d) => totpCode(secret, t0 + d * 30_000) === old)) expect(matchTotpStep(secret, old, t0)).toBeNull();
  });

  it('refuses codes that are not six digits', () => {
    for (const code of ['', '12345', '1234567', 'abcdef']) expect(matchTotpStep(secret, code, t0)).toBeNull();
  });

  it('the otpauth URI names Kassa and carries the secret', () => {
    const uri = totpUri(secret);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Kassa:admin\?/);
    expect(uri).toContain(`secret=${secret}`);
  });
});

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Strict, Path=/, with a Max-Age; Secure only over https', () => {
    const plain = sessionCookie('abc', { secure: false, maxAgeSeconds: 3600 });
    expect(plain.split('; ')).toEqual([`${SESSION_COOKIE}=abc`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=3600']);
    expect(sessionCookie('abc', { secure: true, maxAgeSeconds: 1 }).split('; ')).toContain('Secure');
    expect(clearedSessionCookie({ secure: false })).toContain('Max-Age=0');
  });

  it.each([
    [undefined, null],
    ['', null],
    ['kassa_session=abc', 'abc'],
    ['other=1; kassa_session=abc; x=2', 'abc'],
    ['kassa_sessionx=abc', null],
    ['kassa_session="abc"', 'abc'],
  ])('readCookie(%j) → %j', (header, value) => {
    expect(readCookie(header, SESSION_COOKIE)).toBe(value);
  });
});

describe('tokens and constant-time compare', () => {
  it('tokens are 32 random bytes in base64url', () => {
    const t = newToken();
    expect(t).toHaveLength(43);
    expect(looksLikeToken(t)).toBe(true);
    expect(newToken()).not.toBe(t);
    expect(looksLikeToken(`${t}=`)).toBe(false);
    expect(sha256Hex(t)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['', '', true],
  ])('constantTimeEqual(%j, %j) → %s', (a, b, equal) => {
    expect(constantTimeEqual(a, b)).toBe(equal);
  });

  it('the CSRF header must be present and equal to the session token', () => {
    const token = newToken();
    expect(csrfTokenMatches(token, token)).toBe(true);
    expect(csrfTokenMatches(undefined, token)).toBe(false);
    expect(csrfTokenMatches('', token)).toBe(false);
    expect(csrfTokenMatches(newToken(), token)).toBe(false);
    expect(csrfTokenMatches(token.slice(1), token)).toBe(false);
  });
});

describe('cross-site and host checks', () => {
  const host = '127.0.0.1:8420';
  it.each([
    [{ host }, null],
    [{ host, 'sec-fetch-site': 'same-origin' }, null],
    [{ host, 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:8420' }, null],
    [{ host, origin: 'http://127.0.0.1:8420' }, null],
    [{ host, 'sec-fetch-site': 'cross-site' }, 'Sec-Fetch-Site is "cross-site"'],
    [{ host, 'sec-fetch-site': 'same-site' }, 'Sec-Fetch-Site is "same-site"'],
    [{ host, origin: 'https://evil.example' }, 'Origin https://evil.example is not this dashboard'],
    [{ host, origin: 'http://127.0.0.1:9999' }, 'Origin http://127.0.0.1:9999 is not this dashboard'],
    [{ host, origin: 'null' }, 'Origin is "null"'],
    [{ host, origin: 'not a url' }, 'Origin is not a URL'],
  ])('crossSiteReason(%j) → %j', (headers, reason) => {
    expect(crossSiteReason(headers)).toBe(reason);
  });

  it.each([
    ['127.0.0.1:8420', true, true],
    ['localhost:8420', true, true],
    ['app.localhost', true, true],
    ['[::1]:8420', true, true],
    ['192.168.1.5:8420', true, true],
    ['evil.example:8420', true, false],
    ['127.0.0.1.nip.io', true, false],
    [undefined, true, false],
    ['shop.example', false, true],
  ])('isAllowedHost(%j, loopbackOnly=%s) → %s', (h, loopbackOnly, allowed) => {
    expect(isAllowedHost(h, loopbackOnly)).toBe(allowed);
  });
});

describe('session expiry and the login limit', () => {
  const now = Date.UTC(2026, 0, 1);
  it('slides 12 h from now, never past the absolute expiry', () => {
    expect(slidingExpiry(now, new Date(now + 7 * 86400_000).toISOString())).toBe(new Date(now + 12 * 3600_000).toISOString());
    expect(slidingExpiry(now, new Date(now + 3600_000).toISOString())).toBe(new Date(now + 3600_000).toISOString());
  });

  it.each([
    [{ count: 0, first: null }, 0, 0],
    [{ count: 4, first: new Date(now - 60_000).toISOString() }, 0, 0],
    [{ count: 4, first: new Date(now - 60_000).toISOString() }, 1, 14 * 60],
    [{ count: 5, first: new Date(now - 60_000).toISOString() }, 0, 14 * 60],
    [{ count: 9, first: new Date(now - 15 * 60_000 + 200).toISOString() }, 0, 1],
  ])('loginRetryAfterSeconds(%j, in flight %i) → %i', (failures, inFlight, seconds) => {
    expect(loginRetryAfterSeconds(failures, inFlight, now)).toBe(seconds);
  });
});
