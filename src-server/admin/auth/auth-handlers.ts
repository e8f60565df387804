// The auth routes of the admin contract: session, login, launch, logout, password, TOTP.
import type { Request, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { isLoopbackAddress } from '../../http/client-address.ts';
import type { AdminHandlers } from '../handler-types.ts';
import type { AdminAuth, NewSession, ResolvedSession } from './admin-auth.ts';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from './cookies.ts';

export type AuthRoute =
  | 'GET /session'
  | 'POST /auth/login'
  | 'POST /auth/launch'
  | 'POST /auth/logout'
  | 'POST /auth/password'
  | 'POST /auth/totp/setup'
  | 'POST /auth/totp/enable'
  | 'POST /auth/totp/disable';

/** https directly, or through a TLS proxy on this machine that says so. */
export function isSecureRequest(req: Request): boolean {
  if (req.secure) return true;
  const peer = req.socket.remoteAddress ?? '';
  return isLoopbackAddress(peer) && String(req.get('x-forwarded-proto') ?? '').split(',')[0]!.trim() === 'https';
}

/** The rate-limit key of a sign-in attempt: the socket peer, which no header can change. */
export function loginClientKey(req: Request): string {
  return ipKeyGenerator(req.socket.remoteAddress ?? 'unknown');
}

export function sessionCookieValue(req: Request): string | null {
  return readCookie(req.get('cookie'), SESSION_COOKIE);
}

export function setSessionCookie(req: Request, res: Response, created: NewSession): void {
  res.append('Set-Cookie', sessionCookie(created.cookieValue, { secure: isSecureRequest(req), maxAgeSeconds: created.maxAgeSeconds }));
}

export function createAuthHandlers(auth: AdminAuth): Pick<AdminHandlers, AuthRoute> {
  // The router only calls non-public routes with a session; it resolved it from the same cookie.
  const sessionOf = (ctx: { session: unknown }) => ctx.session as ResolvedSession;
  const signIn = (req: Request, res: Response, created: NewSession) => {
    // A session cookie that came with the request is replaced, not left alive next to the new one.
    auth.endSession(sessionCookieValue(req));
    setSessionCookie(req, res, created);
    return auth.view(created.session);
  };
  return {
    'GET /session': (_input, ctx) => auth.view(ctx.session),
    'POST /auth/login': async ({ body }, { req, res }) => signIn(req, res, await auth.login(body, loginClientKey(req))),
    'POST /auth/launch': ({ body }, { req, res }) => signIn(req, res, auth.launch(body.secret)),
    'POST /auth/logout': (_input, { req, res }) => {
      auth.endSession(sessionCookieValue(req));
      res.append('Set-Cookie', clearedSessionCookie({ secure: isSecureRequest(req) }));
      return { ok: true as const };
    },
    'POST /auth/password': async ({ body }, ctx) => {
      await auth.setPassword(body, sessionOf(ctx), loginClientKey(ctx.req));
      return { ok: true as const };
    },
    'POST /auth/totp/setup': () => auth.totpSetup(),
    'POST /auth/totp/enable': ({ body }) => {
      auth.totpEnable(body.code);
      return { ok: true as const };
    },
    'POST /auth/totp/disable': async ({ body }, { req }) => {
      await auth.totpDisable(body, loginClientKey(req));
      return { ok: true as const };
    },
  };
}
