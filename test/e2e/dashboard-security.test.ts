// The dashboard seen by a browser without a session: the sign-in page (with the one-time link
// explained), the dashboard's CSP on every page and asset, nothing fetched from another origin,
// no console error; the admin API closed without a session; a CLI login link works once.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../scripts/build-renderer.ts';
import { DESKTOP, MOBILE, launchBrowser, saveScreenshot } from '../helpers/browser.ts';
import { runCli, startNode, type TestNode } from '../helpers/node.ts';

let node: TestNode;
let browser: Browser;

beforeAll(async () => {
  await ensureRendererBuilt();
  node = await startNode({ blockTime: 0 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

function watchPage(page: Page): { requests: string[]; errors: string[] } {
  const out = { requests: [] as string[], errors: [] as string[] };
  page.on('request', (r) => out.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') out.errors.push(m.text());
  });
  page.on('pageerror', (e) => out.errors.push(e.message));
  return out;
}

describe('dashboard without a session', () => {
  it('shows the sign-in page, under a strict CSP, fetching nothing from elsewhere', async () => {
    for (const [viewport, dark, name] of [
      [DESKTOP, false, 'dashboard-signin'],
      [MOBILE, true, 'dashboard-signin-mobile-dark'],
    ] as const) {
      const context = await browser.newContext({ viewport, colorScheme: dark ? 'dark' : 'light' });
      const page = await context.newPage();
      const seen = watchPage(page);
      const res = await page.goto(`${node.merchantUrl}/invoices`);
      expect(res?.status()).toBe(200);
      const csp = res?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      await page.getByRole('heading', { level: 1, name: 'Sign in to Kassa' }).waitFor();
      expect(await page.getByText('npm run kassa -- admin login-url').count()).toBe(1);
      // No admin password yet: the page says how to get in instead of showing a form that cannot work.
      expect(await page.getByLabel('Admin password').count()).toBe(0);
      // The built page carries no inline script or style: all of it is in hashed files under /assets/.
      const html = await (await fetch(`${node.merchantUrl}/`, { headers: { accept: 'text/html' } })).text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style\b|\sstyle=/);
      for (const asset of html.match(/\/assets\/[\w.-]+\.(?:js|css)/g) ?? []) {
        const a = await fetch(`${node.merchantUrl}${asset}`);
        expect(a.status, asset).toBe(200);
        expect(a.headers.get('cache-control')).toContain('immutable');
      }
      expect(seen.requests.filter((u) => !u.startsWith(`${node.merchantUrl}/`) && !u.startsWith('data:'))).toEqual([]);
      expect(seen.errors).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await saveScreenshot(page, name);
      await context.close();
    }
  });

  it('the admin API answers 401 without a session', async () => {
    const res = await fetch(`${node.merchantUrl}/api/admin/invoices?mode=test`);
    expect(res.status).toBe(401);
    const session = (await (await fetch(`${node.merchantUrl}/api/admin/session`)).json()) as { data: { authenticated: boolean; setup_complete: boolean } };
    expect(session.data.authenticated).toBe(false);
  });

  it('a fresh login link from the CLI signs in once; signing out returns to the sign-in page', async () => {
    const { stdout } = await runCli(node.home, ['admin', 'login-url']);
    // The CLI prints the configured port; this node listens on a free one, so keep only the path.
    const path = /\/auth\/one-time\/[A-Za-z0-9_-]+/.exec(stdout)?.[0];
    expect(path, stdout).toBeDefined();
    const url = `${node.merchantUrl}${path}`;
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const seen = watchPage(page);
    await page.goto(url);
    await page.waitForURL(`${node.merchantUrl}/`);
    // Setup has not finished on this node: the wizard opens first.
    await page.locator('#step-heading').waitFor();
    expect(await page.locator('#step-heading').textContent()).toBe('Mode');
    // The link works once.
    const again = await fetch(url);
    expect(again.status).toBe(400);
    // Signing out returns to the sign-in page.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Kassa' }).waitFor();
    expect(seen.errors).toEqual([]);
    await context.close();
  });
});
