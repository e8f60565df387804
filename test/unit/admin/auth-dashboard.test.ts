// Which requests the dashboard answers with index.html (the SPA fallback), and which it leaves to
// the APIs, the docs, the probes and the login links.
import { describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, escapeHtml, isDashboardPageRequest } from '../../../src-server/admin/dashboard.ts';

const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

describe('isDashboardPageRequest', () => {
  it.each([
    ['GET', '/', undefined, true],
    ['HEAD', '/', '*/*', true],
    ['GET', '/index.html', undefined, true],
    ['GET', '/invoices', HTML, true],
    ['GET', '/invoices/pi_123', HTML, true],
    ['GET', '/settings/networks', HTML, true],
    ['GET', '/invoices', '*/*', false],
    ['GET', '/invoices', 'application/json', false],
    ['POST', '/invoices', HTML, false],
    ['GET', '/api/v1/payment-intents', HTML, false],
    ['GET', '/api/admin/session', HTML, false],
    ['GET', '/api', HTML, false],
    ['GET', '/docs', HTML, false],
    ['GET', '/docs/assets/x.css', HTML, false],
    ['GET', '/healthz', HTML, false],
    ['GET', '/metrics', HTML, false],
    ['GET', '/auth/one-time/abc', HTML, false],
    ['GET', '/favicon.ico', HTML, false],
    ['GET', '/apiary', HTML, true],
  ])('%s %s (accept %s) → %s', (method, path, accept, page) => {
    expect(isDashboardPageRequest(method, path, accept)).toBe(page);
  });
});

describe('dashboard CSP', () => {
  it('allows no inline script or style, no other origin, no framing', () => {
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
  });

  it('messages are escaped into the small pages', () => {
    expect(escapeHtml(`<script>"x" & 'y'</script>`)).toBe('&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;');
  });
});
