// The one-time login page on the merchant listener: its token never reaches the request log,
// however the link's path is spelled (routing ignores case, so a HEAD — which does not spend the
// token — to /AUTH/ONE-TIME/<token> once wrote a still-valid token into the debug log), and a
// session cookie that comes with it is replaced, as every sign-in does.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminAuth } from '../../../src-server/admin/auth/admin-auth.ts';
import { createAuthPagesRouter } from '../../../src-server/admin/auth/one-time-page.ts';
import { createMerchantApp, requestLogPath } from '../../../src-server/http/merchant-app.ts';
import { createApiKeysService } from '../../../src-server/keys/api-keys-service.ts';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';
import express from 'express';

const lines: string[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
let server: Server;
let url = '';
let auth: ReturnType<typeof createAdminAuth>;

beforeAll(async () => {
  const storage = createStorage(openDatabase(':memory:'));
  auth = createAdminAuth({ store: storage.admin, dataKey: () => null, logger });
  const app = createMerchantApp({
    storage,
    apiKeys: createApiKeysService({ storage, defaultRateLimit: 100 }),
    routes: [],
    sealer: null,
    logger,
    metrics: new Registry(),
    health: () => ({ status: 'ok' }),
    version: 'test',
    admin: { router: express.Router(), pages: createAuthPagesRouter(auth, { loopbackOnly: true }) },
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the one-time login page', () => {
  it.each(['/auth/one-time/', '/AUTH/ONE-TIME/', '/Auth/One-Time/'])('%s<token>: routed, and logged without the token', async (prefix) => {
    const { token } = auth.mintOneTimeToken();
    lines.length = 0;
    const head = await fetch(`${url}${prefix}${token}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const get = await fetch(`${url}${prefix}${token}`, { headers: { accept: 'text/html' } });
    expect(get.status).toBe(200); // the same route: the token signs in once
    expect(lines.filter((l) => l.includes('"msg":"http"'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain(token);
  });

  it('ends a session whose cookie came with the link, and sets a new one', async () => {
    const before = auth.createSession('password');
    const { token } = auth.mintOneTimeToken();
    const res = await fetch(`${url}/auth/one-time/${token}`, { headers: { accept: 'text/html', cookie: `kassa_session=${before.cookieValue}` } });
    expect(res.status).toBe(200);
    const set = /kassa_session=([^;]*)/.exec(res.headers.getSetCookie().join('\n'))![1]!;
    expect(set).not.toBe(before.cookieValue);
    expect(auth.sessionFromCookie(set)?.via).toBe('one_time');
    expect(auth.sessionFromCookie(before.cookieValue)).toBeNull();
  });

  it.each([
    ['/auth/one-time/abc', '/auth/one-time/:token'],
    ['/AUTH/One-Time/abc', '/auth/one-time/:token'],
    ['//auth/one-time/abc', '/auth/one-time/:token'],
    ['/auth/one-time', '/auth/one-time/:token'],
    ['/api/admin/invoices/pi_1', '/api/admin/invoices/pi_1'],
    ['/auth/one-timer', '/auth/one-timer'],
  ])('%s is logged as %s', (path, logged) => {
    expect(requestLogPath(path)).toBe(logged);
  });
});
