// The merchant's first hour with the dashboard, in a real browser against a fresh headless node:
// the one-time login link → the setup wizard in test mode (first API key read off the page, a
// webhook endpoint at a loopback shop) → an intent created through the API appears in the live
// table → "Simulate payment" takes it to paid live, in the table and in the detail, confirmations
// counting up → the paid webhook was delivered, and Redeliver sends the same event again → the CSV
// export holds the paid row. Screenshots: test/e2e/artifacts/dashboard-*.png.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../scripts/build-renderer.ts';
import { DESKTOP, MOBILE, launchBrowser, saveScreenshot } from '../helpers/browser.ts';
import { eventually, startNode, type TestNode } from '../helpers/node.ts';
import { jsonBody, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

let node: TestNode;
let browser: Browser;
let receiver: WebhookReceiver;
let context: BrowserContext;
/** The invoices table, left open the whole time: it must follow every change without a reload. */
let table: Page;
const screenshots: string[] = [];
const consoleErrors: string[] = [];
const requests: string[] = [];

let apiKey = '';
let intentId = '';

beforeAll(async () => {
  // Built before the node starts, so the first page load already finds it.
  await ensureRendererBuilt();
  receiver = await startWebhookReceiver();
  // Webhook signing secrets are sealed under the key store's data key: a passphrase stands in for the OS keychain.
  node = await startNode({ blockTime: 0, env: { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'correct horse battery staple' } });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: node.merchantUrl });
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await node?.stop();
  await receiver?.close();
  if (screenshots.length) process.stdout.write(`screenshots:\n${screenshots.join('\n')}\n`);
});

/** Every page of the journey: console errors and requests are collected for the last test. */
async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  screenshots.push(await saveScreenshot(page, `dashboard-${name}`));
}

/** The one-time login link the node printed on its first start. */
async function loginUrl(): Promise<string> {
  return eventually(async () => /http:\/\/127\.0\.0\.1:\d+\/auth\/one-time\/[A-Za-z0-9_-]+/.exec(readFileSync(node.logFile, 'utf8'))?.[0], 'the one-time login link in the node output');
}

/** Every visible form control has an accessible name (a label, or aria-label). */
async function expectLabelled(page: Page): Promise<void> {
  const unlabelled = await page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea'))
      .filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0 && !el.closest('.mode-switch'))
      .filter((el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .map((el) => el.outerHTML.slice(0, 120)),
  );
  expect(unlabelled).toEqual([]);
}

/** WCAG contrast of every visible text against its effective background: the texts below 4.5:1 (3:1 large). */
async function contrastFailures(page: Page): Promise<string[]> {
  const { checked, failures } = await page.evaluate(() => {
    type RGBA = [number, number, number, number];
    const parse = (c: string): RGBA => {
      const p = (/rgba?\(([^)]+)\)/.exec(c)?.[1] ?? '0,0,0,0').split(/[,\s/]+/).filter(Boolean).map(Number);
      return [p[0]!, p[1]!, p[2]!, p.length > 3 ? p[3]! : 1];
    };
    const over = (top: RGBA, bottom: RGBA): RGBA => {
      const a = top[3] + bottom[3] * (1 - top[3]);
      const mix = (i: number) => (top[i]! * top[3] + bottom[i]! * bottom[3] * (1 - top[3])) / a;
      return [mix(0), mix(1), mix(2), a];
    };
    const lum = (c: RGBA) => {
      const ch = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
    };
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const background = (el: Element): RGBA => {
      const layers: RGBA[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] >= 1) break;
      }
      return layers.reverse().reduce<RGBA>((acc, layer) => over(layer, acc), dark ? [18, 18, 18, 1] : [255, 255, 255, 1]);
    };
    const failures: string[] = [];
    let checked = 0;
    const elements = new Set<Element>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.textContent?.trim() && n.parentElement) elements.add(n.parentElement);
    for (const el of elements) {
      const rect = el.getBoundingClientRect();
      if (rect.width <= 1 || rect.height <= 1 || !el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      if ((el as HTMLButtonElement).disabled || el.closest('[aria-disabled="true"], button:disabled')) continue;
      const cs = getComputedStyle(el);
      const bg = background(el);
      const fg = over(parse(cs.color), bg);
      const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (l1! + 0.05) / (l2! + 0.05);
      const size = parseFloat(cs.fontSize);
      const needed = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66) ? 3 : 4.5;
      checked++;
      if (ratio < needed) failures.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent!.trim().slice(0, 40)}" ${ratio.toFixed(2)}:1`);
    }
    return { checked, failures };
  });
  // A page whose texts were not measured (all filtered out) must not pass for a contrast-clean one.
  expect(checked).toBeGreaterThan(10);
  return failures;
}

async function stepHeading(page: Page): Promise<string> {
  return (await page.locator('#step-heading').textContent()) ?? '';
}

/** Records each value of an attribute or text inside the page, so no transition is missed between polls. */
async function watch(page: Page, name: string, selector: string, read: 'status' | 'text'): Promise<() => Promise<string[]>> {
  await page.evaluate(
    ({ name, selector, read }) => {
      const seen: string[] = [];
      (window as unknown as Record<string, string[]>)[name] = seen;
      const look = () => {
        const el = document.querySelector(selector);
        if (!el) return;
        const value = read === 'status' ? el.getAttribute('data-status') : el.textContent;
        if (value !== null && seen[seen.length - 1] !== value) seen.push(value);
      };
      look();
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    },
    { name, selector, read },
  );
  return () => page.evaluate((n) => (window as unknown as Record<string, string[]>)[n]!.slice(), name);
}

describe('dashboard: the merchant journey', () => {
  it('the one-time link signs in and opens the setup wizard; test mode through to finish', async () => {
    const page = await newPage();
    await page.goto(await loginUrl());
    await page.waitForURL(`${node.merchantUrl}/`);
    await expect.poll(() => stepHeading(page)).toBe('Mode');
    expect(await page.getByLabel('Test mode').isChecked()).toBe(true);
    await expectLabelled(page);
    await shot(page, '01-wizard-mode');
    await page.getByRole('button', { name: 'Next' }).click();

    // Test mode has no wallet step: the devnet's wallet exists already.
    await expect.poll(() => stepHeading(page)).toBe('Networks');
    expect((await page.locator('.steps li').allTextContents()).some((t) => t.includes('Wallet'))).toBe(false);
    // Test mode needs no network set-up; the live networks' editor is one click away.
    await page.getByRole('button', { name: 'Set up live networks now' }).click();
    await page.getByLabel('Accept payments on Ethereum').check();
    expect(await page.getByLabel('Ethereum confirmations').inputValue()).toBe('12');
    expect(await page.getByRole('button', { name: 'Check connection' }).count()).toBe(1);
    await expectLabelled(page);
    await shot(page, '02-wizard-networks');
    await page.getByRole('button', { name: 'Skip this step' }).click();

    await expect.poll(() => stepHeading(page)).toBe('Payments');
    await page.getByLabel('Store name').fill('Journey Coffee');
    await expectLabelled(page);
    await page.getByRole('button', { name: 'Save and continue' }).click();

    await expect.poll(() => stepHeading(page)).toBe('API key');
    await page.getByLabel('Key name').fill('Journey shop');
    await page.getByRole('button', { name: 'Create test API key' }).click();
    const key = page.getByTestId('new-api-key');
    await key.waitFor();
    apiKey = ((await key.textContent()) ?? '').trim();
    expect(apiKey).toMatch(/^sk_test_\S+$/);
    // The copy button puts exactly the key on the clipboard.
    await page.getByRole('button', { name: /^Copy API key/ }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(apiKey);
    await shot(page, '03-wizard-api-key');
    await page.getByRole('button', { name: 'Next' }).click();

    await expect.poll(() => stepHeading(page)).toBe('Webhook');
    // A bad URL is refused next to its field, not in a generic banner.
    await page.getByLabel('Endpoint URL').fill('ftp://nope');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await expect.poll(() => page.getByLabel('Endpoint URL').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field.has-error .field-error').count()).toBe(1);
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = page.getByTestId('new-webhook-secret');
    await secret.waitFor();
    expect(await secret.textContent()).toMatch(/^whsec_/);
    await shot(page, '04-wizard-webhook');
    await page.getByRole('button', { name: 'Next' }).click();

    await expect.poll(() => stepHeading(page)).toBe('Tunnel');
    expect(await page.getByLabel('None').isChecked()).toBe(true);
    await expectLabelled(page);
    await page.getByRole('button', { name: 'Next' }).click();

    await expect.poll(() => stepHeading(page)).toBe('Finish');
    await expect.poll(() => page.locator('.facts').textContent()).toMatch(/API keys\s*1.*Webhook endpoints\s*1/s);
    await shot(page, '05-wizard-finish');
    await page.getByRole('button', { name: 'Finish setup' }).click();

    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    expect(await page.getByTestId('test-banner').textContent()).toContain('TEST MODE');
    // The navigation keeps a place for the pages other issues add.
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of ['Home', 'Invoices', 'Balances', 'Webhooks', 'API keys', 'Settings']) expect(await nav.getByRole('link', { name }).count()).toBe(1);
    expect(await nav.locator('[aria-disabled="true"]').allTextContents()).toEqual(['Withdrawals coming soon', 'Escrow coming soon']);
    await shot(page, '06-home-empty');
    await page.close();
  });

  it('an intent created through the API appears in the live table without a reload', async () => {
    table = await newPage();
    await table.goto(`${node.merchantUrl}/invoices`);
    await table.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor();
    await table.getByText('No invoices yet').waitFor();
    await expect.poll(() => table.locator('.live-dot').textContent()).toBe('Live updates');
    // A marker that a reload would wipe.
    await table.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    const res = await fetch(`${node.merchantUrl}/api/v1/payment-intents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'bsc', asset: 'USDT', amount: '25.00', custom_id: 'ORDER-1042', customer_email: 'buyer@example.com', description: 'Two coffees' }),
    });
    const created = (await res.json()) as { data: { id: string; status: string } };
    expect(res.status, JSON.stringify(created)).toBe(201);
    intentId = created.data.id;

    const row = table.locator(`tr[data-id="${intentId}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-status')).toBe('pending');
    expect(await row.locator('[data-label="Amount"]').textContent()).toBe('25.00 USDT');
    expect(await row.textContent()).toContain('ORDER-1042');
    expect(await table.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await expectLabelled(table);
    await shot(table, '07-invoices-new-row');

    // Search narrows the table to what matches; clearing it brings the row back.
    await table.getByLabel('Search invoices').fill('no-such-order');
    await table.getByRole('button', { name: 'Search' }).click();
    await table.getByText('No invoices match these filters.').waitFor();
    await table.getByLabel('Search invoices').fill('ORDER-10');
    await table.getByRole('button', { name: 'Search' }).click();
    await row.waitFor();
    await table.getByRole('button', { name: 'Clear filters' }).click();
    await row.waitFor();
    await table.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    await table.setViewportSize(MOBILE);
    expect(await table.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MOBILE.width);
    await shot(table, '08-invoices-mobile');
    await table.setViewportSize(DESKTOP);
  });

  it('"Simulate payment" on the detail takes it to paid live, in the detail and in the table', async () => {
    const detail = await newPage();
    await detail.goto(`${node.merchantUrl}/invoices`);
    await detail.getByRole('link', { name: intentId }).click();
    await detail.waitForURL(`${node.merchantUrl}/invoices/${intentId}`);
    await detail.getByRole('heading', { level: 1, name: `Invoice ${intentId}` }).waitFor();
    expect(await detail.getByTestId('invoice-status').textContent()).toBe('Pending');
    expect(await detail.getByTestId('invoice-amount').textContent()).toBe('25.00 USDT');
    expect(await detail.getByText('No payment seen yet.').count()).toBe(1);
    expect(await detail.locator('[data-testid="timeline"] li').first().getAttribute('data-type')).toBe('payment_intent.created');
    await shot(detail, '09-detail-pending');

    const detailStatuses = await watch(detail, '__detailStatuses', '[data-testid="invoice-detail"]', 'status');
    const confirmations = await watch(detail, '__confirmations', '[data-testid="payment-confirmations"]', 'text');
    const tableStatuses = await watch(table, '__tableStatuses', `tr[data-id="${intentId}"]`, 'status');

    await detail.getByRole('button', { name: 'Simulate payment' }).click();
    await detail.locator('[data-testid="invoice-detail"][data-status="confirming"]').waitFor({ timeout: 30_000 });
    await shot(detail, '10-detail-confirming');
    await detail.locator('[data-testid="invoice-detail"][data-status="paid"]').waitFor({ timeout: 45_000 });
    await table.locator(`tr[data-id="${intentId}"][data-status="paid"]`).waitFor({ timeout: 15_000 });

    expect(await detailStatuses()).toEqual(['pending', 'confirming', 'paid']);
    expect(await tableStatuses()).toEqual(['pending', 'confirming', 'paid']);
    // Confirmations counted up live: at least one n/2 with n < 2 before 2/2.
    const seen = await confirmations();
    expect(seen[seen.length - 1]).toBe('2/2');
    expect(seen.some((c) => /^[01]\/2$/.test(c))).toBe(true);
    expect(await detail.getByTestId('invoice-received').textContent()).toBe('25.00 USDT');
    expect(await detail.getByRole('button', { name: 'Simulate payment' }).count()).toBe(0);
    expect(await table.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await shot(table, '11-invoices-paid');
    await detail.close();
  });

  it('the paid webhook shows as delivered; Redeliver sends the same event again', async () => {
    const detail = await newPage();
    await detail.goto(`${node.merchantUrl}/invoices/${intentId}`);
    const paidRows = detail.locator('[data-testid="deliveries-table"] tr[data-event-type="payment_intent.paid"]');
    await detail.locator('[data-testid="deliveries-table"] tr[data-event-type="payment_intent.paid"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
    expect(await paidRows.count()).toBe(1);
    expect(await paidRows.first().locator('[data-label="Last response"]').textContent()).toContain('HTTP 200');

    const first = await receiver.waitFor((list) => list.find((r) => r.headers['x-kassa-event-type'] === 'payment_intent.paid'), 'the payment_intent.paid webhook');
    const eventId = first.headers['x-kassa-event-id']!;
    expect(jsonBody(first).data.object.id).toBe(intentId);
    const before = receiver.received.length;
    await shot(detail, '12-detail-paid-delivered');

    await paidRows.first().getByRole('button', { name: /^Redeliver payment_intent\.paid/ }).click();
    await expect.poll(() => paidRows.count(), { timeout: 15_000 }).toBe(2);
    await detail.locator('[data-testid="deliveries-table"] tr[data-event-type="payment_intent.paid"][data-status="succeeded"]').nth(1).waitFor({ timeout: 30_000 });
    const again = await receiver.waitFor(
      (list) => list.slice(before).find((r) => r.headers['x-kassa-event-type'] === 'payment_intent.paid'),
      'the redelivered payment_intent.paid webhook',
    );
    expect(again.headers['x-kassa-event-id']).toBe(eventId);
    expect(again.rawBody).toBe(first.rawBody);
    expect(await contrastFailures(detail)).toEqual([]);
    await shot(detail, '13-detail-redelivered');

    await detail.setViewportSize(MOBILE);
    expect(await detail.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MOBILE.width);
    await shot(detail, '14-detail-mobile');
    await detail.emulateMedia({ colorScheme: 'dark' });
    const bg = await detail.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(15, 17, 21)');
    expect(await contrastFailures(detail)).toEqual([]);
    await shot(detail, '15-detail-mobile-dark');
    await detail.setViewportSize(DESKTOP);
    await shot(detail, '16-detail-dark');
    await detail.close();
  });

  it('exports the invoices as CSV with the paid row', async () => {
    const [download] = await Promise.all([table.waitForEvent('download'), table.getByRole('link', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header!.split(',').slice(0, 7)).toEqual(['id', 'created_at', 'status', 'exception', 'network', 'asset', 'amount']);
    const row = rows.find((r) => r.startsWith(`${intentId},`));
    expect(row, csv).toBeDefined();
    const cells = row!.split(',');
    expect(cells[2]).toBe('paid');
    expect(cells[6]).toBe('25.00');
    expect(row).toContain('ORDER-1042');
    await shot(table, '17-invoices-after-export');
  });

  it('the other pages render from the same session: home, balances, webhooks, API keys, settings', async () => {
    const page = await newPage();
    await page.goto(`${node.merchantUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await expect.poll(() => page.getByTestId('volume-today').textContent()).toContain('25.00 USDT');
    expect(await page.locator('figure.chart svg[role="img"]').count()).toBeGreaterThan(0);
    for (const colorScheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await contrastFailures(page), colorScheme).toEqual([]);
    }
    await shot(page, '18-home');
    for (const [link, heading] of [
      ['Balances', 'Balances'],
      ['Webhooks', 'Webhooks'],
      ['API keys', 'API keys'],
      ['Settings', 'Settings'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await expect.poll(() => page.locator('main [role="status"]:has-text("Loading")').count(), { timeout: 20_000 }).toBe(0);
      expect(await page.locator('main .form-error').count(), `${heading}: ${await page.locator('main .form-error').allTextContents()}`).toBe(0);
      await expectLabelled(page);
      expect(await contrastFailures(page), heading).toEqual([]);
      if (heading === 'API keys') expect(await page.locator('[data-testid="api-keys-table"] tbody tr').count()).toBe(1);
      if (heading === 'Webhooks') expect(await page.locator(`.endpoint code:text-is("${receiver.url}")`).count()).toBe(1);
      await shot(page, `19-${heading.toLowerCase().replace(/\s+/g, '-')}`);
    }
    await page.close();
  });

  it('made no request outside its own origin and logged no console error', () => {
    const foreign = requests.filter((u) => !u.startsWith(`${node.merchantUrl}/`) && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    // Chromium logs every 4xx answer; the one expected is the refused ftp:// webhook URL.
    expect(consoleErrors.filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([]);
    expect(consoleErrors.length).toBeLessThanOrEqual(1);
  });
});
