// The hosted checkout page in a real browser against a headless node: what the customer reads and
// scans, "Simulate payment" going confirming → paid live, the way back to the shop; an expired
// page; a checkout session where the customer picks a method; payment links. Screenshots of each
// state (desktop and mobile) land in test/e2e/artifacts/.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, MOBILE, launchBrowser, readQr, recordRequests, saveScreenshot } from '../helpers/browser.ts';
import { apiClient, createApiKey, startNode, type ApiClient, type TestNode } from '../helpers/node.ts';

let node: TestNode;
let api: ApiClient;
let browser: Browser;
let shop: Server;
let shopUrl: string;
const screenshots: string[] = [];

beforeAll(async () => {
  // The shop the customer returns to: a loopback page that says where it was reached.
  shop = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><title>Shop</title><h1 id="shop">Shop page ${req.url?.replace(/[^\w/?=.-]/g, '')}</h1>`);
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  node = await startNode({ blockTime: 0 });
  api = apiClient(node.merchantUrl, await createApiKey(node.home, 'test'));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await node?.stop();
  await new Promise<void>((resolve) => (shop ? shop.close(() => resolve()) : resolve()));
  if (screenshots.length) process.stdout.write(`screenshots:\n${screenshots.join('\n')}\n`);
});

async function createIntent(body: Record<string, unknown> = {}): Promise<any> {
  const res = await api.post('/api/v1/payment-intents', { network: 'bsc', asset: 'USDT', amount: '25.00', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function newPage(opts: { viewport?: { width: number; height: number }; locale?: string; dark?: boolean; mobile?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? DESKTOP,
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.dark ? 'dark' : 'light',
    isMobile: opts.mobile ?? false,
    hasTouch: opts.mobile ?? false,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: node.publicUrl });
  const page = await context.newPage();
  return { context, page };
}

async function shot(page: Page, name: string): Promise<void> {
  screenshots.push(await saveScreenshot(page, name));
}

/** Watches the page's status attribute from inside the page, so no transition is missed between polls. */
async function watchStatuses(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const root = document.getElementById('checkout')!;
    const seen: string[] = [root.getAttribute('data-status')!];
    (window as unknown as { __statuses: string[] }).__statuses = seen;
    new MutationObserver(() => {
      const s = root.getAttribute('data-status')!;
      if (seen[seen.length - 1] !== s) seen.push(s);
    }).observe(root, { attributes: true, attributeFilter: ['data-status'] });
  });
  return () => page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses.slice());
}

describe('payment intent page', () => {
  it('shows amount, address and a scannable QR; "Simulate payment" goes confirming → paid live and returns to the shop', async () => {
    const pi = await createIntent({ amount: '12.34', description: 'Two coffees', success_url: `${shopUrl}/thanks?order=42`, cancel_url: `${shopUrl}/cart` });
    const { context, page } = await newPage();
    const requests = recordRequests(page);
    await page.goto(`${node.publicUrl}/checkout/${pi.id}`);

    await expect.poll(() => page.locator('#pay-amount').textContent()).toBe('12.34');
    expect(await page.locator('#address').textContent()).toBe(pi.receive_address);
    expect(await page.locator('#asset').textContent()).toBe('USDT');
    expect(await page.locator('#network').textContent()).toBe('BNB Smart Chain');
    expect(await page.locator('#description').textContent()).toBe('Two coffees');
    expect(await page.locator('.test-banner').textContent()).toContain('Test mode');
    // The countdown runs.
    const first = await page.locator('#countdown').textContent();
    expect(first).toMatch(/^(29|30):\d\d$/);
    await expect.poll(() => page.locator('#countdown').textContent(), { timeout: 5000 }).not.toBe(first);

    // The QR decodes to the wallet deep link (EIP-681 token transfer), the same the button opens.
    const qr = await readQr(page.locator('#qr'));
    expect(qr).toBe(pi.payment_uri);
    expect(qr).toMatch(/^ethereum:0x[0-9a-fA-F]{40}@31337\/transfer\?address=0x[0-9a-fA-F]{40}&uint256=12340000000000000000$/);
    expect(await page.locator('#wallet-link').getAttribute('href')).toBe(pi.payment_uri);

    // Copy buttons put the exact value on the clipboard.
    await page.locator('button[data-copy="address"]').click();
    await expect.poll(() => page.locator('button[data-copy="address"]').textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(pi.receive_address);
    await page.locator('button[data-copy="pay-amount"]').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('12.34');

    // Accessible names: every button and link says what it does; the status is a live region.
    for (const el of await page.locator('button:visible, a:visible').all()) {
      expect((await el.getAttribute('aria-label')) ?? (await el.textContent())?.trim()).toBeTruthy();
    }
    expect(await page.locator('#status-text').getAttribute('role')).toBe('status');
    expect(await page.locator('#cancel').getAttribute('href')).toBe(`${shopUrl}/cart`);
    await shot(page, 'intent-pending-desktop');

    const statuses = await watchStatuses(page);
    await page.getByRole('button', { name: 'Simulate payment' }).click();
    await page.locator('main[data-status="confirming"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#status-text').textContent()).toMatch(/^Payment received, confirming \(\d of 2 confirmations\)$/);
    await shot(page, 'intent-confirming-desktop');
    await page.locator('main[data-status="paid"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#status-text').textContent()).toBe('Paid. Thank you!');
    expect(await page.locator('#back-to-shop').isVisible()).toBe(true);
    expect(await page.locator('#qr').isVisible()).toBe(false);
    await shot(page, 'intent-paid-desktop');
    expect(await statuses()).toEqual(['pending', 'confirming', 'paid']);

    // Not one request left our own listener while the customer was on the page.
    const ours = requests.filter((u) => u.startsWith(`${node.publicUrl}/`) || u.startsWith('data:'));
    expect(ours).toEqual(requests);

    await page.waitForURL(`${shopUrl}/thanks?order=42`, { timeout: 15_000 });
    expect(await page.locator('#shop').textContent()).toContain('/thanks?order=42');
    expect((await api.get(`/api/v1/payment-intents/${pi.id}`)).body.data.status).toBe('paid');
    await context.close();
  });

  it('on a phone, in the browser language, in dark mode', async () => {
    const pi = await createIntent({ network: 'tron', asset: 'USDT', amount: '5.00' });
    const { context, page } = await newPage({ viewport: MOBILE, locale: 'es-ES', dark: true, mobile: true });
    await page.goto(`${node.publicUrl}/checkout/${pi.id}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    expect(await page.locator('#status-text').textContent()).toBe('Esperando tu pago');
    expect(await page.getByRole('button', { name: 'Simular pago' }).isVisible()).toBe(true);
    // Dark mode comes from the OS setting: the card is dark.
    const bg = await page.locator('.card').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe('rgb(24, 27, 33)');
    // Nothing wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MOBILE.width);
    // Tron: the QR carries the TRC-20 form wallets read (tron:<address>?amount=…&token=<contract>).
    const qr = await readQr(page.locator('#qr'));
    expect(qr).toBe(pi.payment_uri);
    expect(qr).toMatch(/^tron:T[1-9A-HJ-NP-Za-km-z]{33}\?amount=5&token=T[1-9A-HJ-NP-Za-km-z]{33}$/);
    await shot(page, 'intent-pending-mobile-es-dark');
    // The switcher changes the language.
    await page.getByRole('link', { name: 'Tiếng Việt' }).click();
    await expect.poll(() => page.locator('#status-text').textContent()).toBe('Đang chờ bạn thanh toán');
    await context.close();
  });

  it('a Bitcoin intent carries a BIP21 link', async () => {
    const pi = await createIntent({ network: 'bitcoin', asset: 'BTC', amount: '0.0005' });
    const { context, page } = await newPage({ viewport: MOBILE, mobile: true });
    await page.goto(`${node.publicUrl}/pay/${pi.id}`);
    const qr = await readQr(page.locator('#qr'));
    expect(qr).toBe(pi.payment_uri);
    expect(qr).toBe(`bitcoin:${pi.receive_address}?amount=0.0005`);
    await shot(page, 'intent-bitcoin-mobile');
    await context.close();
  });

  it('an expired page says so and no longer offers to pay', async () => {
    const pi = await createIntent({ cancel_url: `${shopUrl}/cart` });
    const expired = await api.post(`/api/v1/test-helpers/payment-intents/${pi.id}/expire`);
    expect(expired.status, JSON.stringify(expired.body)).toBe(200);
    expect(expired.body.data.status).toBe('expired');
    for (const [viewport, name] of [[DESKTOP, 'intent-expired-desktop'], [MOBILE, 'intent-expired-mobile']] as const) {
      const { context, page } = await newPage({ viewport, mobile: viewport === MOBILE });
      await page.goto(`${node.publicUrl}/checkout/?id=${pi.id}`);
      expect(await page.locator('#status-text').textContent()).toBe('This payment request has expired.');
      expect(await page.locator('#qr').isVisible()).toBe(false);
      expect(await page.locator('#simulate').isVisible()).toBe(false);
      expect(await page.locator('#back').getAttribute('href')).toBe(`${shopUrl}/cart`);
      await shot(page, name);
      await context.close();
    }
  });

  it('an unknown id shows a not-found page', async () => {
    const { context, page } = await newPage();
    const res = await page.goto(`${node.publicUrl}/checkout/pi_doesNotExist0000`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Not found');
    await context.close();
  });
});

describe('checkout session and payment links', () => {
  it('the customer picks a method, pays it, and lands on success_url', async () => {
    const created = await api.post('/api/v1/checkout-sessions', {
      amount: '10.00',
      currency: 'USD',
      description: 'Order #7',
      success_url: `${shopUrl}/done`,
      cancel_url: `${shopUrl}/cart`,
      methods: [{ network: 'bsc', asset: 'USDT' }, { network: 'tron', asset: 'USDT' }, { network: 'ethereum', asset: 'USDC' }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const session = created.body.data;
    const { context, page } = await newPage();
    await page.goto(`${node.publicUrl}/checkout/${session.id}`);
    expect(await page.locator('#status-text').textContent()).toBe('Choose how to pay');
    expect(await page.locator('#order-total').textContent()).toBe('10.00 USD');
    const options = page.locator('a.option');
    expect(await options.count()).toBe(3);
    await shot(page, 'session-choose-desktop');

    await page.locator('a.option[data-network="tron"]').click();
    await page.locator('main[data-kind="payment_intent"]').waitFor();
    expect(await page.locator('#network').textContent()).toBe('Tron');
    expect(await page.locator('#pay-amount').textContent()).toBe('10.00');
    // The customer can go back and choose another method.
    await page.locator('#other-methods').click();
    await page.locator('main[data-kind="checkout_session"]').waitFor();
    await page.locator('a.option[data-network="bsc"]').click();
    await page.locator('main[data-kind="payment_intent"]').waitFor();
    expect(await page.locator('#network').textContent()).toBe('BNB Smart Chain');
    const intentId = await page.locator('main').getAttribute('data-id');
    expect(session.options.map((o: { id: string }) => o.id)).toContain(intentId);
    const qr = await readQr(page.locator('#qr'));
    expect(qr).toMatch(/^ethereum:0x[0-9a-fA-F]{40}@31337\/transfer\?address=0x[0-9a-fA-F]{40}&uint256=10000000000000000000$/);
    await page.getByRole('button', { name: 'Simulate payment' }).click();
    await page.locator('main[data-status="paid"]').waitFor({ timeout: 30_000 });
    await page.waitForURL(`${shopUrl}/done`, { timeout: 15_000 });

    const after = await api.get(`/api/v1/checkout-sessions/${session.id}`);
    expect(after.body.data.status).toBe('complete');
    // The session page now says it is paid.
    const again = await context.newPage();
    await again.goto(`${node.publicUrl}/checkout/${session.id}`);
    expect(await again.locator('#status-text').textContent()).toBe('This order is paid. Thank you!');
    await context.close();
  });

  it('a fixed-amount link opens a new session per visit', async () => {
    const created = await api.post('/api/v1/payment-links', { amount: '15.00', currency: 'USD', description: 'T-shirt', methods: [{ network: 'bsc', asset: 'USDT' }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const link = created.body.data;
    const { context, page } = await newPage({ viewport: MOBILE, mobile: true });
    await page.goto(`${node.publicUrl}/l/${link.id}`);
    expect(await page.locator('#order-total').textContent()).toBe('15.00 USD');
    expect(await page.locator('#description').textContent()).toBe('T-shirt');
    await shot(page, 'link-fixed-mobile');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/checkout\/cs_[0-9A-Za-z]+/);
    const firstSession = new URL(page.url()).pathname;
    expect(await page.locator('#order-total').textContent()).toBe('15.00 USD');
    await page.goto(`${node.publicUrl}/l/${link.id}`);
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/checkout\/cs_[0-9A-Za-z]+/);
    expect(new URL(page.url()).pathname).not.toBe(firstSession);
    await context.close();
  });

  it('a customer-chosen amount link checks the amount and opens a session for it', async () => {
    const created = await api.post('/api/v1/payment-links', { amount: null, min_amount: '5.00', max_amount: '100.00', currency: 'USD', description: 'Tip jar', methods: [{ network: 'bsc', asset: 'USDT' }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const link = created.body.data;
    const { context, page } = await newPage();
    await page.goto(`${node.publicUrl}/l/${link.id}`);
    expect(await page.locator('#amount-hint').textContent()).toBe('From 5.00 to 100.00 USD');
    await page.getByLabel('Amount (USD)').fill('1.00');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.locator('#amount-error').waitFor();
    expect(await page.locator('#amount').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#amount').inputValue()).toBe('1.00');
    await shot(page, 'link-custom-error-desktop');
    await page.getByLabel('Amount (USD)').fill('7.5');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/checkout\/cs_[0-9A-Za-z]+/);
    expect(await page.locator('#order-total').textContent()).toBe('7.50 USD');
    await shot(page, 'link-custom-session-desktop');
    await context.close();
  });
});
