// The admin router over real HTTP with the real contract and hand-written handlers: sessions,
// CSRF, cross-site refusal, input validation naming the field, output validation (our drift is a
// logged 500), 501 for a route without a handler, 404 for an unknown path.
import express from 'express';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminRouter, ADMIN_API_PREFIX } from '../../../src-server/admin/admin-app.ts';
import { createAdminAuth } from '../../../src-server/admin/auth/admin-auth.ts';
import { createAuthHandlers } from '../../../src-server/admin/auth/auth-handlers.ts';
import { migrate } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';

const logs: Record<string, unknown>[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
let server: Server;
let base: string;
let cookie: string;
let csrf: string;
const db = new Database(':memory:');

beforeAll(async () => {
  migrate(db);
  const storage = createStorage(db);
  const auth = createAdminAuth({ store: storage.admin, dataKey: () => randomBytes(32), logger, passwordParams: { N: 1024, r: 8, p: 1 } });
  const app = express();
  app.use(
    ADMIN_API_PREFIX,
    createAdminRouter({
      auth,
      logger,
      loopbackOnly: true,
      handlers: {
        ...createAuthHandlers(auth),
        // Drifted from the contract on purpose.
        'GET /overview': () => ({ mode: 'test' }) as never,
        'GET /invoices': ({ query }) => ({ object: 'list', data: [], has_more: false, next_cursor: query.q ?? null }),
        'GET /invoices.csv': (_input, { res }) => {
          res.status(200).type('text/csv').send('id\r\n');
        },
        'POST /api-keys/:id/revoke': () => {
          throw Object.assign(new Error('bad input'), { name: 'PaymentInputError', status: 400, code: 'parameter_invalid', param: 'id' });
        },
      },
    }),
  );
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${ADMIN_API_PREFIX}`;
  const { cookieValue, session } = auth.createSession('one_time');
  cookie = `kassa_session=${cookieValue}`;
  csrf = session.csrfToken;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  db.close();
});

async function call(method: string, path: string, opts: { body?: string; headers?: Record<string, string>; auth?: boolean; csrf?: boolean } = {}) {
  const headers: Record<string, string> = { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  if (opts.auth !== false) headers.cookie = cookie;
  if (opts.csrf !== false && method !== 'GET') headers['x-kassa-csrf'] = csrf;
  const res = await fetch(base + path, { method, headers, body: opts.body });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* csv */
  }
  return { status: res.status, headers: res.headers, body };
}

describe('admin router', () => {
  it('GET /session is public and says who is signed in', async () => {
    const anon = await call('GET', '/session', { auth: false });
    expect(anon.status).toBe(200);
    expect(anon.body.data).toMatchObject({ authenticated: false, csrf_token: null });
    const me = await call('GET', '/session');
    expect(me.body.data).toMatchObject({ authenticated: true, via: 'one_time', csrf_token: csrf });
  });

  it('a route needs a session: 401 without one', async () => {
    const res = await call('GET', '/invoices', { auth: false });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ type: 'authentication_error', code: 'session_required' });
  });

  it('an API key is not a session', async () => {
    const res = await call('GET', '/invoices', { auth: false, headers: { authorization: 'Bearer sk_test_whatever' } });
    expect(res.status).toBe(401);
  });

  it('validates the query and names the field', async () => {
    const res = await call('GET', '/invoices?limit=abc');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'limit' });
    const unknown = await call('GET', '/invoices?colour=red');
    expect(unknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
    const ok = await call('GET', '/invoices?q=pi_1');
    expect(ok.body).toEqual({ data: { object: 'list', data: [], has_more: false, next_cursor: 'pi_1' } });
  });

  it('validates the body and names the field', async () => {
    const res = await call('POST', '/auth/totp/enable', { body: JSON.stringify({ code: '12' }) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ param: 'code', message: 'code: must be the 6-digit code' });
    const missing = await call('POST', '/auth/password', { body: '{}' });
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'new_password' });
  });

  it('a response that does not match the contract is a logged 500', async () => {
    const res = await call('GET', '/overview');
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ type: 'api_error', code: 'internal_error' });
    expect(logs.some((l) => l.msg === 'admin response failed its schema' && l.route === 'GET /overview')).toBe(true);
  });

  it('a route without a handler answers 501 not_implemented', async () => {
    const res = await call('GET', '/setup');
    expect(res.status).toBe(501);
    expect(res.body.error).toMatchObject({ code: 'not_implemented' });
  });

  it('csv handlers write their own answer', async () => {
    const res = await call('GET', '/invoices.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    expect(res.body).toBe('id\r\n');
  });

  it('service errors keep their status through the shared edge', async () => {
    const res = await call('POST', '/api-keys/ak_1/revoke', { body: '{}' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'id' });
  });

  it('writes need the CSRF header of the session', async () => {
    const missing = await call('POST', '/auth/totp/enable', { body: JSON.stringify({ code: '123456' }), csrf: false });
    expect(missing.status).toBe(403);
    expect(missing.body.error).toMatchObject({ type: 'permission_error', code: 'csrf_token_invalid' });
    const wrong = await call('POST', '/auth/totp/enable', { body: JSON.stringify({ code: '123456' }), csrf: false, headers: { 'x-kassa-csrf': 'x'.repeat(43) } });
    expect(wrong.status).toBe(403);
  });

  it('refuses writes from another site, even with the right token', async () => {
    const cross = await call('POST', '/auth/totp/enable', { body: JSON.stringify({ code: '123456' }), headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect(cross.body.error.code).toBe('cross_site_request');
    const fetchSite = await call('POST', '/auth/login', { body: JSON.stringify({ password: 'x' }), auth: false, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(fetchSite.status).toBe(403);
  });

  it('refuses a host name that is not loopback (DNS rebinding)', async () => {
    // fetch cannot set Host: a raw request, as a rebinding page's browser would send it.
    const url = new URL(`${base}/session`);
    const res = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'evil.example:8420', cookie } }, (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('host_not_allowed');
  });

  it('bodies are JSON, at most 100 kB', async () => {
    const form = await call('POST', '/auth/login', { auth: false, body: 'password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect([form.status, form.body.error.code]).toEqual([415, 'unsupported_media_type']);
    const broken = await call('POST', '/auth/login', { auth: false, body: '{"password":' });
    expect([broken.status, broken.body.error.code]).toEqual([400, 'invalid_json']);
    const big = await call('POST', '/auth/login', { auth: false, body: JSON.stringify({ password: 'x'.repeat(120_000) }) });
    expect([big.status, big.body.error.code]).toEqual([413, 'body_too_large']);
  });

  it('an unknown path is a 404 envelope', async () => {
    const res = await call('GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'route_not_found' });
    expect(res.body.error.message).toContain('/api/admin/nope');
  });
});
