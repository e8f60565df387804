// A live stream (GET /stream) is bound to the session that opened it: it ends when that session
// does — logout, a password change made from another session, idle expiry — and not before.
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_API_PREFIX, createAdminRouter } from '../../../src-server/admin/admin-app.ts';
import { createAdminAuth, SESSION_IDLE_MS } from '../../../src-server/admin/auth/admin-auth.ts';
import { createAuthHandlers } from '../../../src-server/admin/auth/auth-handlers.ts';
import { migrate } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';

const logger = pino({ level: 'silent' });
const db = new Database(':memory:');
let server: Server;
let base: string;
let now = Date.UTC(2026, 0, 1, 12, 0, 0);
let auth: ReturnType<typeof createAdminAuth>;

beforeAll(async () => {
  migrate(db);
  const storage = createStorage(db);
  auth = createAdminAuth({ store: storage.admin, dataKey: () => null, logger, clock: () => new Date(now), passwordParams: { N: 1024, r: 8, p: 1 } });
  const app = express();
  app.use(
    ADMIN_API_PREFIX,
    createAdminRouter({
      auth,
      logger,
      loopbackOnly: true,
      streamSessionCheckMs: 25,
      handlers: {
        ...createAuthHandlers(auth),
        // A stream that never ends by itself, like the real one.
        'GET /stream': (_input, { res }) => {
          res.status(200).setHeader('Content-Type', 'text/event-stream');
          res.flushHeaders();
          res.write('retry: 3000\n\n');
        },
      },
    }),
  );
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${ADMIN_API_PREFIX}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  db.close();
});

function signIn() {
  const { cookieValue, session } = auth.createSession('one_time');
  return { cookie: `kassa_session=${cookieValue}`, csrf: session.csrfToken };
}

/** Opens the stream; `ended` resolves when the server closes it. */
async function openStream(cookie: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/stream`, { headers: { cookie }, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let done = false;
  const ended = (async () => {
    try {
      while (!(await reader.read()).done);
      done = true;
    } catch {
      /* aborted by the test */
    }
  })();
  return { isEnded: () => done, ended, close: () => controller.abort() };
}

async function endsWithin(stream: { ended: Promise<void>; isEnded: () => boolean }, ms: number): Promise<boolean> {
  await Promise.race([stream.ended, new Promise((r) => setTimeout(r, ms))]);
  return stream.isEnded();
}

const post = (path: string, who: { cookie: string; csrf: string }, body?: unknown) =>
  fetch(base + path, {
    method: 'POST',
    headers: { cookie: who.cookie, 'x-kassa-csrf': who.csrf, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

describe('a live stream and its session', () => {
  it('stays open while its session stands', async () => {
    const stream = await openStream(signIn().cookie);
    expect(await endsWithin(stream, 300)).toBe(false);
    stream.close();
  });

  it('ends when a password change made from another session signs its session out', async () => {
    const a = signIn();
    const b = signIn();
    const stream = await openStream(b.cookie);
    expect((await post('/auth/password', a, { new_password: 'a brand new password' })).status).toBe(200);
    expect(await endsWithin(stream, 5000)).toBe(true);
  });

  it('ends on logout', async () => {
    const a = signIn();
    const stream = await openStream(a.cookie);
    expect((await post('/auth/logout', a)).status).toBe(200);
    expect(await endsWithin(stream, 5000)).toBe(true);
  });

  it('ends when its session idles out (an open stream is not activity)', async () => {
    const stream = await openStream(signIn().cookie);
    now += SESSION_IDLE_MS + 1;
    expect(await endsWithin(stream, 5000)).toBe(true);
  });
});
