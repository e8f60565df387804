// The built dashboard (dist/renderer, made by `npm run build:renderer`) on the merchant listener:
// hashed assets cached for good, index.html never cached, an SPA fallback for the app's own
// paths, and a strict CSP (no inline script or style, no third party, no framing).
import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_DASHBOARD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'renderer');

export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Paths the dashboard never answers for: the APIs, docs, probes and the login links. */
const NOT_DASHBOARD = /^\/(api|docs|healthz|metrics|auth)(\/|$)/;

export function setDashboardHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

/** A GET the SPA fallback serves index.html for: a page navigation to one of the app's own paths. */
export function isDashboardPageRequest(method: string, path: string, accept: string | undefined): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (NOT_DASHBOARD.test(path)) return false;
  if (path === '/' || path === '/index.html') return true;
  // Files (a dot in the last segment) are assets, never pages.
  if (/\.[A-Za-z0-9]+$/.test(path)) return false;
  return /\btext\/html\b/.test(accept ?? '');
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A small self-contained page (no script, no stylesheet) for the node's own messages. */
export function simplePage(title: string, bodyHtml: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
${head}<title>${escapeHtml(title)}</title>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${bodyHtml}
</body>
</html>
`;
}

export function createDashboardRouter(opts: { dir?: string } = {}): express.Router {
  const dir = opts.dir ?? DEFAULT_DASHBOARD_DIR;
  const indexFile = join(dir, 'index.html');
  const router = express.Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/assets/') || isDashboardPageRequest(req.method, req.path, req.get('accept'))) setDashboardHeaders(res);
    next();
  });
  // Vite names assets by content hash: a changed file is a new URL, so an old one never changes.
  router.use('/assets', (_req: Request, res: Response, next: NextFunction) => {
    res.removeHeader('Cache-Control'); // the listener's default no-store; static sets its own
    next();
  });
  router.use('/assets', express.static(join(dir, 'assets'), { index: false, immutable: true, maxAge: '365d', fallthrough: true, redirect: false }));
  router.use('/assets', (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    res.status(404).type('text/plain').send('Not found');
  });
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (!isDashboardPageRequest(req.method, req.path, req.get('accept'))) return next();
    if (!existsSync(indexFile)) {
      res
        .status(503)
        .type('html')
        .send(simplePage('Kassa', '<p>The dashboard is not built yet: run <code>npm run build:renderer</code>, then reload this page.</p><p>The merchant API works meanwhile: see <a href="/docs">/docs</a>.</p>'));
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(indexFile, { cacheControl: false, lastModified: false, etag: false });
  });
  return router;
}
