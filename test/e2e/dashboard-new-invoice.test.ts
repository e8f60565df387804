// A newcomer's first test payment without curl, in a real browser against a fresh headless node:
// signed in through the one-time link, Invoices → "New invoice" (devnet USDT preselected, a bad
// amount refused beside its field) → the new invoice's detail → "Simulate payment" → paid, in the
// detail and in the table. Screenshots: test/e2e/artifacts/dashboard-new-invoice*.png.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../scripts/build-renderer.ts';
import { adminClientFor } from '../helpers/admin-session.ts';
import { DESKTOP, MOBILE, launchBrowser, saveScreenshot } from '../helpers/browser.ts';
import { eventually, startNode, type TestNode } from '../helpers/node.ts';

let node: TestNode;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const screenshots: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  await ensureRendererBuilt();
  node = await startNode({ blockTime: 0 });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', colorScheme: 'light' });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));

  // Sign in as the merchant does (the printed one-time link), then finish the wizard in test mode
  // through the same session: the wizard itself is the journey test's subject.
  const link = await eventually(async () => /http:\/\/127\.0\.0\.1:\d+\/auth\/one-time\/[A-Za-z0-9_-]+/.exec(readFileSync(node.logFile, 'utf8'))?.[0], 'the one-time login link');
  await page.goto(link);
  await page.waitForURL(`${node.merchantUrl}/`);
  const session = (await context.cookies(node.merchantUrl)).find((c) => c.name === 'kassa_session');
  expect(session).toBeDefined();
  const { client } = await adminClientFor(node.merchantUrl, `kassa_session=${session!.value}`);
  await client.call('POST /setup/mode', { body: { mode: 'test' } });
  await client.call('POST /setup/complete');
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await node?.stop();
  if (screenshots.length) process.stdout.write(`screenshots:\n${screenshots.join('\n')}\n`);
});

async function shot(name: string): Promise<void> {
  screenshots.push(await saveScreenshot(page, name));
}

/** Every visible form control has an accessible name (a label, or aria-label). */
async function unlabelledControls(): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select, textarea'))
      .filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0 && !el.closest('.mode-switch'))
      .filter((el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

describe('dashboard: a new invoice from the Invoices page', () => {
  let invoiceId = '';

  it('"New invoice" opens a form with the devnet and USDT chosen; a bad amount is refused beside its field', async () => {
    await page.goto(`${node.merchantUrl}/invoices`);
    await page.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor();
    await page.getByText('No invoices yet').waitFor();
    await page.getByRole('button', { name: 'New invoice' }).click();
    const form = page.getByRole('region', { name: 'New test invoice' });
    await form.getByLabel('Amount').waitFor();
    // Focus moved to the form that appeared.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('New test invoice');
    expect(await form.getByLabel('Network').inputValue()).toBe('devnet');
    expect(await form.getByLabel('Asset').inputValue()).toBe('USDT');
    expect(await form.getByLabel('Network').locator('option').allTextContents()).toContain('BNB Smart Chain');
    expect(await unlabelledControls()).toEqual([]);

    await form.getByLabel('Amount').fill('twelve');
    await form.getByRole('button', { name: 'Create test invoice' }).click();
    await expect.poll(() => form.getByLabel('Amount').getAttribute('aria-invalid')).toBe('true');
    const errors = form.locator('.field.has-error');
    expect(await errors.count()).toBe(1);
    expect(await errors.locator('label').textContent()).toBe('Amount');
    expect(await errors.locator('.field-error').textContent()).toMatch(/\S/);
    // Nothing was created by the refused attempt.
    expect(page.url()).toBe(`${node.merchantUrl}/invoices`);
    expect(await page.locator('[data-testid="invoices-table"]').count()).toBe(0);

    // A network change keeps USDT where that network has it, and the phone layout holds.
    await form.getByLabel('Network').selectOption('bsc');
    expect(await form.getByLabel('Asset').inputValue()).toBe('USDT');
    await form.getByLabel('Network').selectOption('devnet');
    await form.getByLabel('Amount').fill('12.50');
    // Editing the refused field takes its error away.
    expect(await form.getByLabel('Amount').getAttribute('aria-invalid')).toBeNull();
    expect(await form.locator('.field.has-error').count()).toBe(0);
    await form.getByLabel('Description (optional)').fill('Two espressos');
    await form.getByLabel('Order id (optional)').fill('ORDER-UI-1');
    await form.getByLabel('Customer email (optional)').fill('buyer@example.com');
    await shot('dashboard-new-invoice');
    await page.setViewportSize(MOBILE);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MOBILE.width);
    await shot('dashboard-new-invoice-mobile');
    await page.setViewportSize(DESKTOP);
  });

  it('creating it opens its detail, pending, with the created event and "Simulate payment"', async () => {
    await page.getByRole('button', { name: 'Create test invoice' }).click();
    await page.waitForURL(/\/invoices\/pi_[A-Za-z0-9]+$/);
    invoiceId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.getByRole('heading', { level: 1, name: `Invoice ${invoiceId}` }).waitFor();
    expect(await page.getByTestId('invoice-status').textContent()).toBe('Pending');
    expect(await page.getByTestId('invoice-amount').textContent()).toBe('12.50 USDT');
    expect(await page.getByText('Test', { exact: true }).count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="timeline"] li').first().getAttribute('data-type')).toBe('payment_intent.created');
    expect(await page.getByRole('button', { name: 'Simulate payment' }).count()).toBe(1);
  });

  it('"Simulate payment" takes it to paid, in the detail and in the table', async () => {
    await page.getByRole('button', { name: 'Simulate payment' }).click();
    await page.locator('[data-testid="invoice-detail"][data-status="paid"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('invoice-status').textContent()).toBe('Paid');
    expect(await page.getByTestId('invoice-received').textContent()).toBe('12.50 USDT');
    expect(await page.getByRole('button', { name: 'Simulate payment' }).count()).toBe(0);
    await shot('dashboard-new-invoice-paid');

    await page.getByRole('link', { name: '← Invoices' }).click();
    const row = page.locator(`tr[data-id="${invoiceId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('paid');
    expect(await row.textContent()).toContain('ORDER-UI-1');
    expect(await row.locator('[data-label="Amount"]').textContent()).toBe('12.50 USDT');
  });

  it('logged no console error but the refused amount', () => {
    // Chromium logs every 4xx answer; the one expected is the refused amount.
    expect(consoleErrors.filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([]);
    expect(consoleErrors.length).toBeLessThanOrEqual(1);
  });
});
