// GET /auth/one-time/:token — the headless login link. A plain navigation, so the answer sets the
// SameSite=Strict cookie and then moves to the dashboard by a same-origin refresh (no script).
import express, { type Request, type Response } from 'express';
import { setDashboardHeaders, simplePage } from '../dashboard.ts';
import type { AdminAuth } from './admin-auth.ts';
import { sessionCookieValue, setSessionCookie } from './auth-handlers.ts';
import { LOGIN_URL_COMMAND } from './one-time.ts';
import { isAllowedHost } from './request-guards.ts';

export function createAuthPagesRouter(auth: AdminAuth, opts: { loopbackOnly: boolean }): express.Router {
  const router = express.Router();
  router.get('/auth/one-time/:token', (req: Request, res: Response) => {
    setDashboardHeaders(res);
    res.setHeader('Cache-Control', 'no-store');
    if (!isAllowedHost(req.get('host'), opts.loopbackOnly)) {
      res.status(403).type('html').send(simplePage('Kassa', '<p>Open this link at the address the node printed (127.0.0.1 or localhost).</p>'));
      return;
    }
    // A link preview or prefetch asking HEAD must not spend the single use.
    if (req.method === 'HEAD') {
      res.status(200).type('html').end();
      return;
    }
    const created = auth.consumeOneTimeToken(String(req.params.token ?? ''));
    if (!created) {
      res
        .status(400)
        .type('html')
        .send(
          simplePage(
            'This login link no longer works',
            `<p>A login link works once and for 15 minutes. Get a new one on the machine running Kassa:</p><pre><code>${LOGIN_URL_COMMAND}</code></pre><p>then open the URL it prints.</p>`,
          ),
        );
      return;
    }
    // As every sign-in does: a session cookie that came with the request is replaced, not left alive.
    auth.endSession(sessionCookieValue(req));
    setSessionCookie(req, res, created);
    res.status(200).type('html').send(simplePage('Signed in', '<p>Signed in. Opening <a href="/">the dashboard</a>…</p>', '<meta http-equiv="refresh" content="0;url=/">\n'));
  });
  return router;
}
