// An independent accessibility and security review of the hosted checkout page, measured in
// Chromium: contrast of every visible text (light and dark), keyboard order and focus indicators,
// accessible names, live regions, 320 px and 200 % text, reduced motion; then XSS payloads through
// every merchant- and customer-controlled input, unsafe URLs, open redirects, hostile ids, limits,
// and "Simulate payment" refused for a live intent on a node that also runs a devnet.
import Database from 'better-sqlite3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAINNET_USDT, startMainnetLikeChain, type TestDevnet } from '../helpers/anvil.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { rpcCall } from '../helpers/devnet-control.ts';
import { apiClient, createApiKey, eventually, runCli, startNode, tempHome, type ApiClient, type TestNode } from '../helpers/node.ts';

const liveEnv = { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'correct horse battery staple' };

let mainnet: TestDevnet;
let node: TestNode;
let api: ApiClient;
let liveApi: ApiClient;
let browser: Browser;
let shop: Server;
let shopUrl: string;

beforeAll(async () => {
  shop = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end('<!doctype html><title>Shop</title><h1 id="shop">Shop</h1>');
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  // One node with the embedded devnet (test mode, "Simulate payment") AND a live Ethereum network
  // (an anvil that calls itself mainnet): the only set-up where a live intent sits next to a simulator.
  mainnet = await startMainnetLikeChain();
  const home = tempHome();
  await runCli(home, ['wallet', 'create'], liveEnv);
  node = await startNode({
    home,
    blockTime: 0,
    env: liveEnv,
    config: { networks: { ethereum: { enabled: true, rpcUrls: [mainnet.rpcUrl], confirmations: 3 } } },
  });
  api = apiClient(node.merchantUrl, await createApiKey(home, 'test'));
  liveApi = apiClient(node.merchantUrl, await createApiKey(home, 'live'));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await node?.stop();
  await mainnet?.stop();
  await new Promise<void>((resolve) => (shop ? shop.close(() => resolve()) : resolve()));
});

async function createIntent(body: Record<string, unknown> = {}, client = api): Promise<any> {
  const res = await client.post('/api/v1/payment-intents', { network: 'bsc', asset: 'USDT', amount: '25.00', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function intentStatus(id: string): Promise<any> {
  return (await api.get(`/api/v1/payment-intents/${id}`)).body.data;
}

type Scheme = 'light' | 'dark';
async function newPage(opts: { scheme?: Scheme; width?: number; height?: number; locale?: string; reducedMotion?: 'reduce' | 'no-preference' } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1024, height: opts.height ?? 800 },
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.scheme ?? 'light',
    reducedMotion: opts.reducedMotion ?? 'no-preference',
  });
  const page = await context.newPage();
  return { context, page };
}

// ---------------------------------------------------------------------------------------------
// Measurements done inside the page.

interface ContrastFailure { text: string; tag: string; color: string; background: string; ratio: number; needed: number }

/** WCAG 2.x contrast of every visible text node's element against its effective background. */
async function contrastFailures(page: Page): Promise<{ checked: number; failures: ContrastFailure[] }> {
  return page.evaluate(() => {
    type RGBA = [number, number, number, number];
    const parse = (c: string): RGBA => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) throw new Error(`unparsed color ${c}`);
      const p = m[1]!.split(/[,\s/]+/).filter(Boolean).map(Number);
      return [p[0]!, p[1]!, p[2]!, p.length > 3 ? p[3]! : 1];
    };
    const over = (top: RGBA, bottom: RGBA): RGBA => {
      const a = top[3] + bottom[3] * (1 - top[3]);
      if (a === 0) return [0, 0, 0, 0];
      const mix = (i: number) => (top[i]! * top[3] + bottom[i]! * bottom[3] * (1 - top[3])) / a;
      return [mix(0), mix(1), mix(2), a];
    };
    const lum = (c: RGBA) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
    };
    const ratio = (a: RGBA, b: RGBA) => {
      const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (l1! + 0.05) / (l2! + 0.05);
    };
    // The canvas behind everything: what the UA paints for the page's used color scheme.
    const canvas: RGBA = matchMedia('(prefers-color-scheme: dark)').matches && getComputedStyle(document.documentElement).colorScheme.includes('dark') ? [18, 18, 18, 1] : [255, 255, 255, 1];
    const effectiveBackground = (el: Element): RGBA => {
      const layers: RGBA[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const cs = getComputedStyle(e);
        if (cs.backgroundImage !== 'none') throw new Error(`background image behind text at <${e.tagName.toLowerCase()}>`);
        const bg = parse(cs.backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] >= 1) break;
      }
      let result = canvas;
      for (const layer of layers.reverse()) result = over(layer, result);
      return result;
    };
    const failures: ContrastFailure[] = [];
    let checked = 0;
    const elements = new Set<Element>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.textContent && n.textContent.trim() && n.parentElement) elements.add(n.parentElement);
    }
    for (const input of Array.from(document.querySelectorAll('input'))) if ((input as HTMLInputElement).value) elements.add(input);
    for (const el of elements) {
      if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true })) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width <= 1 || rect.height <= 1) continue; // visually-hidden text is for screen readers
      if ((el as HTMLButtonElement).disabled) continue; // WCAG exempts inactive controls
      const cs = getComputedStyle(el);
      let opacity = 1;
      for (let e: Element | null = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
      const bg = effectiveBackground(el);
      const fgRaw = parse(cs.color);
      const fg = over([fgRaw[0], fgRaw[1], fgRaw[2], fgRaw[3] * opacity], bg);
      const size = parseFloat(cs.fontSize);
      const bold = Number(cs.fontWeight) >= 700;
      const large = size >= 24 || (bold && size >= 18.66);
      const needed = large ? 3 : 4.5;
      const r = ratio(fg, bg);
      checked++;
      if (r < needed) {
        failures.push({ text: (el.textContent || (el as HTMLInputElement).value || '').trim().slice(0, 60), tag: el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + (el.className ? `.${String(el.className).split(' ').join('.')}` : ''), color: cs.color, background: `rgb(${bg.slice(0, 3).map(Math.round).join(', ')})`, ratio: Math.round(r * 100) / 100, needed });
      }
    }
    return { checked, failures };
  });
}

/** Non-text contrast (WCAG 1.4.11): a control whose fill matches its surroundings needs a 3:1 border. */
async function controlBoundaryFailures(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type RGB = [number, number, number];
    const parse = (c: string): RGB => {
      const p = /rgba?\(([^)]+)\)/.exec(c)![1]!.split(/[,\s/]+/).filter(Boolean).map(Number);
      return [p[0]!, p[1]!, p[2]!];
    };
    const opaqueBg = (el: Element | null): RGB => {
      for (let e = el; e; e = e.parentElement) {
        const m = /rgba?\(([^)]+)\)/.exec(getComputedStyle(e).backgroundColor)!;
        const p = m[1]!.split(/[,\s/]+/).filter(Boolean).map(Number);
        if (p.length < 4 || p[3]! >= 1) return [p[0]!, p[1]!, p[2]!];
      }
      return [255, 255, 255];
    };
    const lum = (c: RGB) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
    };
    const ratio = (a: RGB, b: RGB) => {
      const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (l1! + 0.05) / (l2! + 0.05);
    };
    const failures: string[] = [];
    for (const el of Array.from(document.querySelectorAll('button, input, .button, a.option'))) {
      if (!el.checkVisibility() || (el as HTMLButtonElement).disabled) continue;
      const cs = getComputedStyle(el);
      const outside = opaqueBg(el.parentElement);
      const fill = opaqueBg(el);
      if (ratio(fill, outside) >= 3) continue; // the fill itself marks the control
      const border = parse(cs.borderTopColor);
      const r = ratio(border, outside);
      if (parseFloat(cs.borderTopWidth) < 1 || r < 3) failures.push(`${el.tagName.toLowerCase()}#${el.id || ''}.${String(el.className)}: border ${cs.borderTopColor} on ${outside.join(',')} = ${r.toFixed(2)}`);
    }
    return failures;
  });
}

/** What keyboard focus looks like on an element vs. unfocused, and the focus ring's contrast. */
interface FocusStyle { outline: string; boxShadow: string; border: string; background: string }
function focusStyle(): FocusStyle {
  const el = document.activeElement as HTMLElement;
  const cs = getComputedStyle(el);
  return { outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, boxShadow: cs.boxShadow, border: cs.borderColor, background: cs.backgroundColor };
}

async function keyboardWalk(page: Page): Promise<{ expected: string[]; visited: string[]; geometry: { id: string; top: number; left: number }[]; noIndicator: string[]; weakRing: string[] }> {
  // Tag every focusable element the customer can see, in document order.
  const expected = await page.evaluate(() => {
    const all = Array.from(document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex]'));
    return all
      .filter((el) => el.checkVisibility({ visibilityProperty: true }) && !(el as HTMLButtonElement).disabled && el.tabIndex >= 0)
      .map((el, i) => {
        el.dataset.a11y = String(i);
        return String(i);
      });
  });
  const unfocused = new Map<string, FocusStyle>();
  for (const key of expected) {
    unfocused.set(key, await page.locator(`[data-a11y="${key}"]`).evaluate((el): FocusStyle => {
      const cs = getComputedStyle(el);
      return { outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, boxShadow: cs.boxShadow, border: cs.borderColor, background: cs.backgroundColor };
    }));
  }
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const visited: string[] = [];
  const geometry: { id: string; top: number; left: number }[] = [];
  const noIndicator: string[] = [];
  const weakRing: string[] = [];
  for (let i = 0; i < expected.length + 2; i++) {
    await page.keyboard.press('Tab');
    const now = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body || !el.dataset.a11y) return null;
      const r = el.getBoundingClientRect();
      return { key: el.dataset.a11y, top: r.top + window.scrollY, left: r.left + window.scrollX, label: el.id || el.textContent?.trim().slice(0, 30) || el.tagName };
    });
    if (!now) break;
    if (visited.includes(now.key)) break;
    visited.push(now.key);
    geometry.push({ id: now.label, top: now.top, left: now.left });
    const focused = await page.evaluate(focusStyle);
    const before = unfocused.get(now.key)!;
    const visibleOutline = !/^none /.test(focused.outline) && parseFloat(focused.outline.split(' ')[1]!) >= 2;
    const changed = (visibleOutline && focused.outline !== before.outline) || (focused.boxShadow !== 'none' && focused.boxShadow !== before.boxShadow);
    if (!changed) noIndicator.push(now.label);
    // The ring sits outside the element (outline-offset), so it must stand out from what is around it.
    const ringContrast = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const rgb = (c: string) => /rgba?\(([^)]+)\)/.exec(c)![1]!.split(/[,\s/]+/).filter(Boolean).map(Number);
      let bg = [255, 255, 255];
      for (let e = el.parentElement; e; e = e.parentElement) {
        const p = rgb(getComputedStyle(e).backgroundColor);
        if (p.length < 4 || p[3]! >= 1) {
          bg = p;
          break;
        }
      }
      const lum = (c: number[]) => {
        const ch = (v: number) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * ch(c[0]!) + 0.7152 * ch(c[1]!) + 0.0722 * ch(c[2]!);
      };
      const ring = rgb(getComputedStyle(el).outlineColor);
      const [a, b] = [lum(ring), lum(bg)].sort((x, y) => y - x);
      return (a! + 0.05) / (b! + 0.05);
    });
    if (ringContrast < 3) weakRing.push(`${now.label} (${ringContrast.toFixed(2)})`);
  }
  return { expected, visited, geometry, noIndicator, weakRing };
}

/** Interactive nodes of Chromium's accessibility tree that have no accessible name. */
async function unnamedControls(page: Page): Promise<{ checked: number; unnamed: string[] }> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { ignored: boolean; role?: { value: string }; name?: { value: string } }[] };
  await cdp.detach();
  const roles = new Set(['button', 'link', 'textbox', 'combobox', 'checkbox', 'radio', 'image', 'img', 'spinbutton', 'listbox']);
  let checked = 0;
  const unnamed: string[] = [];
  for (const n of nodes) {
    const role = n.role?.value ?? '';
    if (n.ignored || !roles.has(role)) continue;
    checked++;
    if (!n.name?.value?.trim()) unnamed.push(role);
  }
  return { checked, unnamed };
}

// ---------------------------------------------------------------------------------------------
// The pages under review, in every state a customer meets.

interface Target { name: string; url: () => string }
const targets: Target[] = [];
let pendingIntent: any;
let confirmingIntent: any;

beforeAll(async () => {
  pendingIntent = await createIntent({ amount: '12.34', description: 'Two coffees and a cake', success_url: `${shopUrl}/thanks`, cancel_url: `${shopUrl}/cart` });
  const underpaid = await createIntent({ amount: '25.00', cancel_url: `${shopUrl}/cart` });
  expect((await api.post(`/api/v1/test-helpers/payment-intents/${underpaid.id}/pay`, { amount: '10.00' })).status).toBe(200);
  confirmingIntent = await createIntent({ amount: '3.00', success_url: `${shopUrl}/thanks` });
  expect((await api.post(`/api/v1/test-helpers/payment-intents/${confirmingIntent.id}/pay`)).status).toBe(200);
  const paid = await createIntent({ amount: '4.00', success_url: `${shopUrl}/thanks` });
  expect((await api.post(`/api/v1/test-helpers/payment-intents/${paid.id}/pay`)).status).toBe(200);
  const expired = await createIntent({ cancel_url: `${shopUrl}/cart` });
  expect((await api.post(`/api/v1/test-helpers/payment-intents/${expired.id}/expire`)).status).toBe(200);
  await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 1 });
  await eventually(async () => (await intentStatus(underpaid.id)).amount_received === '10.00', 'the partial payment');
  await eventually(async () => (await intentStatus(confirmingIntent.id)).status === 'confirming', 'a confirming intent');
  await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 4 });
  await eventually(async () => (await intentStatus(paid.id)).status === 'paid', 'a paid intent');
  // The confirming intent saw those blocks too; make a fresh one that stays confirming.
  confirmingIntent = await createIntent({ amount: '3.00', success_url: `${shopUrl}/thanks` });
  expect((await api.post(`/api/v1/test-helpers/payment-intents/${confirmingIntent.id}/pay`)).status).toBe(200);
  await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 1 });
  await eventually(async () => (await intentStatus(confirmingIntent.id)).status === 'confirming', 'a confirming intent');

  const session = await api.post('/api/v1/checkout-sessions', {
    amount: '10.00', currency: 'USD', description: 'Order #7', success_url: `${shopUrl}/done`, cancel_url: `${shopUrl}/cart`,
    methods: [{ network: 'bsc', asset: 'USDT' }, { network: 'tron', asset: 'USDT' }, { network: 'bitcoin', asset: 'BTC' }],
  });
  expect(session.status, JSON.stringify(session.body)).toBe(201);
  const customLink = await api.post('/api/v1/payment-links', { amount: null, min_amount: '5.00', max_amount: '100.00', currency: 'USD', description: 'Tip jar', methods: [{ network: 'bsc', asset: 'USDT' }] });
  expect(customLink.status, JSON.stringify(customLink.body)).toBe(201);
  const fixedLink = await api.post('/api/v1/payment-links', { amount: '15.00', currency: 'USD', description: 'T-shirt', methods: [{ network: 'bsc', asset: 'USDT' }] });
  expect(fixedLink.status, JSON.stringify(fixedLink.body)).toBe(201);

  const pub = () => node.publicUrl;
  targets.push(
    { name: 'intent pending', url: () => `${pub()}/checkout/${pendingIntent.id}?session=${session.body.data.id}` },
    { name: 'intent underpaid', url: () => `${pub()}/checkout/${underpaid.id}` },
    { name: 'intent confirming', url: () => `${pub()}/checkout/${confirmingIntent.id}` },
    { name: 'intent paid', url: () => `${pub()}/checkout/${paid.id}` },
    { name: 'intent expired', url: () => `${pub()}/checkout/${expired.id}` },
    { name: 'session picker', url: () => `${pub()}/checkout/${session.body.data.id}` },
    { name: 'link amount form', url: () => `${pub()}/l/${customLink.body.data.id}` },
    { name: 'link fixed amount', url: () => `${pub()}/l/${fixedLink.body.data.id}` },
    { name: 'not found', url: () => `${pub()}/checkout/pi_doesNotExist0000` },
  );
});

/** Loads a target; the amount form is also shown in its error state (an error text to measure). */
async function open(page: Page, target: Target, withError = false): Promise<void> {
  await page.goto(target.url());
  await page.locator('main#checkout').waitFor();
  if (withError && target.name === 'link amount form') {
    await page.getByLabel('Amount (USD)').fill('1.00');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.locator('#amount-error').waitFor();
  }
}

describe('accessibility', () => {
  it('every visible text meets WCAG contrast (4.5:1, 3:1 large) in light and dark, and controls have 3:1 boundaries', async () => {
    const report: string[] = [];
    let measured = 0;
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page } = await newPage({ scheme });
      for (const target of targets) {
        await open(page, target, true);
        expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(scheme === 'dark');
        const { checked, failures } = await contrastFailures(page);
        measured += checked;
        expect(checked, `${target.name} ${scheme}: texts measured`).toBeGreaterThan(5);
        for (const f of failures) report.push(`${scheme} ${target.name}: "${f.text}" <${f.tag}> ${f.color} on ${f.background} = ${f.ratio} < ${f.needed}`);
        for (const f of await controlBoundaryFailures(page)) report.push(`${scheme} ${target.name}: control boundary ${f}`);
      }
      await context.close();
    }
    expect(report).toEqual([]);
    expect(measured).toBeGreaterThan(200);
  });

  it('Tab reaches every control in reading order, each with a visible focus ring of 3:1', async () => {
    const report: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page } = await newPage({ scheme });
      for (const target of targets) {
        await open(page, target);
        const walk = await keyboardWalk(page);
        expect(walk.expected.length, `${target.name}: focusable controls`).toBeGreaterThanOrEqual(7);
        if (walk.visited.join() !== walk.expected.join()) report.push(`${scheme} ${target.name}: Tab order ${walk.visited.join()} ≠ document order ${walk.expected.join()}`);
        for (let i = 1; i < walk.geometry.length; i++) {
          const [a, b] = [walk.geometry[i - 1]!, walk.geometry[i]!];
          const forward = b.top > a.top + 2 || (Math.abs(b.top - a.top) <= 2 && b.left > a.left);
          if (!forward && !(b.top >= a.top - 12 && b.left > a.left)) report.push(`${scheme} ${target.name}: focus jumps back from ${a.id} to ${b.id}`);
        }
        for (const label of walk.noIndicator) report.push(`${scheme} ${target.name}: no visible focus indicator on ${label}`);
        for (const label of walk.weakRing) report.push(`${scheme} ${target.name}: focus ring below 3:1 on ${label}`);
      }
      await context.close();
    }
    expect(report).toEqual([]);
  });

  it('every control, link and image has an accessible name; the status is a live region; redirect and pause notes are announced', async () => {
    const { context, page } = await newPage();
    for (const target of targets) {
      await open(page, target, true);
      const { checked, unnamed } = await unnamedControls(page);
      expect(checked, target.name).toBeGreaterThan(5);
      expect(unnamed, target.name).toEqual([]);
      for (const img of await page.locator('img').all()) expect((await img.getAttribute('alt'))?.trim(), `${target.name}: img alt`).toBeTruthy();
      // Every form field has a label element, not a placeholder.
      for (const input of await page.locator('input:not([type=hidden])').all()) {
        const id = await input.getAttribute('id');
        expect(await page.locator(`label[for="${id}"]`).count(), `${target.name}: label for #${id}`).toBe(1);
      }
      // One h1 and headings are not overridden by roles.
      expect(await page.locator('h1').count(), target.name).toBe(1);
      expect(await page.locator('h1[role], h2[role], h3[role]').count(), `${target.name}: a heading whose role replaces its heading semantics`).toBe(0);
    }
    // The intent page: status, detail, redirect and "updates paused" notes sit in live regions that exist from the start.
    await page.goto(targets[0]!.url());
    for (const id of ['status-text', 'status-detail', 'redirect-note', 'updates-note', 'simulate-note']) {
      const live = await page.locator(`#${id}`).evaluate((el) => {
        const region = el.closest('[aria-live], [role="status"], [role="alert"]');
        const hiddenAncestor = el.closest('[hidden]');
        return { live: region ? region.getAttribute('aria-live') ?? (region.getAttribute('role') === 'alert' ? 'assertive' : 'polite') : null, hidden: hiddenAncestor !== null };
      });
      expect(live.live, `#${id} is inside a live region`).toMatch(/^(polite|assertive)$/);
      expect(live.hidden, `#${id}: a live region must be in the accessibility tree before its text changes`).toBe(false);
    }
    // The copy button's accessible name follows what it shows ("Copied" after a click).
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: node.publicUrl });
    const copy = page.locator('button[data-copy="address"]');
    expect(await copy.evaluate((el) => el.textContent)).toBe('Copy');
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe('Copied');
    const { unnamed } = await unnamedControls(page);
    expect(unnamed).toEqual([]);
    expect(await page.getByRole('button', { name: /^Copied/ }).count()).toBe(1);
    await context.close();
  });

  it('<html lang> is the language the page is written in', async () => {
    const cases: [string, string | null, string][] = [['en-US', null, 'en'], ['es-ES', null, 'es'], ['en-US', 'ru', 'ru'], ['tr-TR', 'zh', 'zh'], ['vi', null, 'vi'], ['pt-BR', null, 'pt'], ['de-DE', '"><script>window.__xss=1</script>', 'en']];
    for (const [locale, lang, expected] of cases) {
      const { context, page } = await newPage({ locale });
      for (const target of [targets[0]!, targets[5]!, targets[6]!]) {
        await page.goto(`${target.url()}${target.url().includes('?') ? '&' : '?'}${lang ? `lang=${encodeURIComponent(lang)}` : ''}`);
        expect(await page.locator('html').getAttribute('lang'), `${target.name} ${locale} ${lang}`).toBe(expected);
        // The language switcher names each language in its own language.
        for (const a of await page.locator('nav.languages a').all()) expect(await a.getAttribute('lang')).toMatch(/^(en|es|pt|ru|tr|zh|vi)$/);
      }
      await context.close();
    }
  });

  it('works at 320 px wide, also with text at 200 %, without clipping the amount or address', async () => {
    const report: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page } = await newPage({ scheme, width: 320, height: 640 });
      for (const target of targets) {
        for (const textScale of [1, 2]) {
          await open(page, target, true);
          if (textScale !== 1) {
            // The browser's text-size preference: the root font size doubles (CSSOM writes are allowed by the CSP).
            const grew = await page.evaluate(() => {
              const before = parseFloat(getComputedStyle(document.body).fontSize);
              document.documentElement.style.fontSize = '200%';
              return parseFloat(getComputedStyle(document.body).fontSize) / before;
            });
            if (grew < 1.99) report.push(`${scheme} ${target.name}: text does not follow the browser's text size (×${grew.toFixed(2)})`);
          }
          const overflow = await page.evaluate(() => {
            const out: string[] = [];
            if (document.documentElement.scrollWidth > window.innerWidth) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth}px`);
            for (const id of ['pay-amount', 'address', 'order-total', 'amount', 'status-text', 'continue', 'wallet-link', 'simulate']) {
              const el = document.getElementById(id);
              if (!el || !el.checkVisibility()) continue;
              const r = el.getBoundingClientRect();
              if (el.scrollWidth > el.clientWidth + 1 && el.tagName !== 'INPUT') out.push(`#${id} clips its text (${el.scrollWidth} > ${el.clientWidth})`);
              if (r.left < 0 || r.right > window.innerWidth + 0.5) out.push(`#${id} leaves the screen (${Math.round(r.left)}..${Math.round(r.right)})`);
            }
            return out;
          });
          for (const o of overflow) report.push(`${scheme} ${target.name} text ×${textScale}: ${o}`);
        }
      }
      await context.close();
    }
    expect(report).toEqual([]);
  });

  it('no motion when the customer asks for reduced motion', async () => {
    for (const reducedMotion of ['reduce', 'no-preference'] as const) {
      const { context, page } = await newPage({ reducedMotion });
      for (const target of targets.slice(0, 3)) {
        await open(page, target);
        const moving = await page.evaluate(() => {
          const out: string[] = document.getAnimations().map((a) => String((a as CSSAnimation).animationName ?? 'script animation'));
          for (const el of Array.from(document.querySelectorAll('*'))) {
            const cs = getComputedStyle(el);
            if (cs.animationName !== 'none') out.push(`${el.tagName} animation ${cs.animationName}`);
            if (cs.transitionDuration.split(',').some((d) => parseFloat(d) > 0)) out.push(`${el.tagName} transition ${cs.transitionProperty}`);
            if (cs.scrollBehavior === 'smooth') out.push(`${el.tagName} smooth scroll`);
          }
          return out;
        });
        expect(await page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches)).toBe(reducedMotion === 'reduce');
        // The page has no animation at all today; if one is added, it must stop under "reduce".
        if (reducedMotion === 'reduce') expect(moving, target.name).toEqual([]);
      }
      await context.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Security.

const PAYLOADS = [
  '<script>window.__xss="script"</script>',
  '"><img src=x onerror="window.__xss=\'img\'">',
  "'><svg onload=window.__xss='svg'>",
  '` onmouseover=window.__xss=1 `',
  '</textarea></title><script>alert("title")</script>',
  '{{constructor.constructor("window.__xss=1")()}}',
  'javascript:window.__xss="js"',
];

/** Opens a page with probes: any dialog, any `window.__xss`, any CSP violation (a blocked injection). */
async function probedPage(opts: { width?: number } = {}): Promise<{ context: BrowserContext; page: Page; fired: () => Promise<string[]> }> {
  const { context, page } = await newPage(opts);
  const events: string[] = [];
  page.on('dialog', (d) => {
    events.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) events.push(`csp: ${msg.text()}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      ((window as any).__violations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const fired = async () => {
    const inPage = await page.evaluate(() => [...((window as any).__violations ?? []), ...((window as any).__xss !== undefined ? [`__xss=${(window as any).__xss}`] : [])]);
    return [...events, ...inPage];
  };
  return { context, page, fired };
}

async function hoverEverything(page: Page): Promise<void> {
  for (const el of await page.locator('main *:visible').all()) await el.hover({ timeout: 1000 }).catch(() => {});
}

describe('security', () => {
  it('merchant-controlled fields never execute: description, metadata, custom_id, URLs with payloads', async () => {
    const payload = PAYLOADS.join(' ');
    const pi = await createIntent({
      description: payload,
      custom_id: `"><script>window.__xss="cid"</script>${Date.now()}`,
      metadata: { note: payload.slice(0, 500), '"><img src=x onerror=alert(1)>': 'k' },
      success_url: `${shopUrl}/ok?x="><script>window.__xss="su"</script>&y='onmouseover='alert(1)`,
      cancel_url: `${shopUrl}/cancel#"><img src=x onerror=alert("cu")>`,
    });
    const session = await api.post('/api/v1/checkout-sessions', { amount: '10.00', currency: 'USD', description: payload, success_url: `${shopUrl}/ok?"><svg onload=alert(1)>`, cancel_url: `${shopUrl}/c`, methods: [{ network: 'bsc', asset: 'USDT' }] });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const link = await api.post('/api/v1/payment-links', { amount: null, currency: 'USD', description: payload, methods: [{ network: 'bsc', asset: 'USDT' }] });
    expect(link.status, JSON.stringify(link.body)).toBe(201);

    const { context, page, fired } = await probedPage();
    for (const url of [`/checkout/${pi.id}`, `/checkout/${session.body.data.id}`, `/checkout/${session.body.data.options[0].payment_intent ?? session.body.data.options[0].id}?session=${session.body.data.id}`, `/l/${link.body.data.id}`]) {
      const res = await page.goto(node.publicUrl + url);
      expect(res?.status(), url).toBe(200);
      const csp = res!.headers()['content-security-policy']!;
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|strict-dynamic|\*/);
      expect(await page.locator('#description').textContent(), url).toBe(payload);
      await hoverEverything(page);
      expect(await fired(), url).toEqual([]);
      const html = await page.content();
      expect(html).not.toContain('window.__xss="cid"');
      expect(html).not.toContain('onerror=alert(1)>": "k"');
      expect(html).not.toMatch(/<script>window|<img src=x|<svg onload/);
      expect(await page.locator('script:not([src])').count()).toBe(0);
      expect(await page.locator('[onerror], [onload], [onmouseover], [style]').count()).toBe(0);
    }
    // The links back to the shop are the merchant's own URLs, percent-encoded, not raw markup.
    await page.goto(`${node.publicUrl}/checkout/${pi.id}`);
    expect(await page.locator('#cancel').getAttribute('href')).toBe(new URL(`${shopUrl}/cancel#"><img src=x onerror=alert("cu")>`).href);
    expect(await page.locator('[data-success-url]').getAttribute('data-success-url')).toBe(new URL(`${shopUrl}/ok?x="><script>window.__xss="su"</script>&y='onmouseover='alert(1)`).href);
    // metadata and custom_id never reach the public view.
    const view = await (await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}`)).text();
    expect(view).not.toContain('cid');
    expect(view).not.toContain('metadata');
    await context.close();
  });

  it('javascript: and data: URLs are refused by the API and, if stored anyway, never become a link or redirect', async () => {
    for (const bad of ['javascript:window.__xss=1', 'data:text/html,<script>alert(1)</script>', 'JaVaScRiPt:alert(1)', 'vbscript:x', '//evil.example/x', 'file:///etc/passwd']) {
      for (const field of ['success_url', 'cancel_url']) {
        const res = await api.post('/api/v1/payment-intents', { network: 'bsc', asset: 'USDT', amount: '1.00', [field]: bad });
        expect(res.status, `${field}=${bad}`).toBe(400);
        expect(res.body.error.param, `${field}=${bad}`).toBe(field);
      }
    }
    // Defense in depth: a row that holds such URLs (an older version, a compat dialect, a hand edit).
    const pi = await createIntent({ amount: '2.00' });
    const db = new Database(join(node.home, 'kassa.db'));
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare('UPDATE payment_intents SET success_url = ?, cancel_url = ? WHERE id = ?').run('javascript:window.__xss="success"', 'data:text/html,<script>alert(1)</script>', pi.id);
    } finally {
      db.close();
    }
    const publicView = (await (await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}`)).json()).data;
    expect(publicView).toMatchObject({ success_url: null, cancel_url: null });
    const { context, page, fired } = await probedPage();
    await page.goto(`${node.publicUrl}/checkout/${pi.id}`);
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(hrefs.filter((h) => /^\s*(javascript|data|vbscript):/i.test(h))).toEqual([]);
    expect(await page.locator('[data-success-url]').getAttribute('data-success-url')).toBe('');
    // Paid: no meta refresh and no script redirect to it; the page stays and says it is paid.
    expect((await api.post(`/api/v1/test-helpers/payment-intents/${pi.id}/pay`)).status).toBe(200);
    await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 4 });
    await page.locator('main[data-status="paid"]').waitFor({ timeout: 30_000 });
    // The script fills the redirect note the moment it decides to leave: empty means it never will.
    expect(await page.locator('#redirect-note').textContent()).toBe('');
    const paidHtml = await (await fetch(`${node.publicUrl}/checkout/${pi.id}`)).text();
    expect(paidHtml).not.toMatch(/http-equiv="refresh"/i);
    expect(page.url()).toBe(`${node.publicUrl}/checkout/${pi.id}`);
    expect(await fired()).toEqual([]);
    await context.close();
  });

  it('customer-controlled inputs never execute or set a redirect target: ?lang=, ?session=, ?id=, the amount form', async () => {
    const { context, page, fired } = await probedPage();
    const payload = '"><script>window.__xss=1</script>';
    const foreignSession = (await api.post('/api/v1/checkout-sessions', { amount: '1.00', currency: 'USD', methods: [{ network: 'bsc', asset: 'USDT' }] })).body.data;
    const q = (s: string) => encodeURIComponent(s);
    for (const path of [
      `/checkout/${pendingIntent.id}?lang=${q(payload)}`,
      `/checkout/${pendingIntent.id}?session=${q(payload)}`,
      `/checkout/${pendingIntent.id}?session=${foreignSession.id}`,
      `/checkout/${pendingIntent.id}?lang=en&lang=${q(payload)}&session[]=x`,
      `/checkout/?id=${q(payload)}`,
      `/checkout/${q(payload)}`,
      `/checkout/${pendingIntent.id}?redirect=${q('https://evil.example')}&success_url=${q('https://evil.example')}&next=//evil.example`,
      `/checkout//evil.example`,
      `/checkout/%2F%2Fevil.example`,
    ]) {
      await page.goto(node.publicUrl + path);
      expect(await page.content(), path).not.toContain('<script>window.__xss');
      // Every link points at this listener, the merchant's URLs, or the wallet deep link.
      const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
      for (const href of hrefs) {
        const ok = href.startsWith('/') && !href.startsWith('//') ? true : href.startsWith(shopUrl) || /^(ethereum|tron|bitcoin|litecoin):/.test(href);
        expect(ok, `${path}: link ${href}`).toBe(true);
      }
      // A session the intent does not belong to gives no "other methods" link.
      if (path.includes(foreignSession.id)) expect(await page.locator('#other-methods').count()).toBe(0);
    }
    // The amount form echoes the customer's text only as an escaped value; the redirect goes to the new session only.
    const link = (await api.post('/api/v1/payment-links', { amount: null, currency: 'USD', methods: [{ network: 'bsc', asset: 'USDT' }] })).body.data;
    for (const typed of ['<script>window.__xss=1</script>', '"><img src=x onerror=alert(1)>', "1' OR '1'='1", '１２．５', '1e400', '-5', '0x10']) {
      await page.goto(`${node.publicUrl}/l/${link.id}?lang=${q(payload)}`);
      await page.locator('#amount').fill(typed);
      await page.getByRole('button', { name: 'Continue to payment' }).click();
      await page.locator('#amount-error').waitFor({ timeout: 10_000 }).catch(() => {
        throw new Error(`the amount ${JSON.stringify(typed)} was not refused: now at ${page.url()}`);
      });
      expect(await page.locator('#amount').inputValue(), typed).toBe(typed.trim().slice(0, 40));
    }
    expect(await fired()).toEqual([]);
    // More than the form's 40 characters is refused, not cut to a different amount.
    const long = await fetch(`${node.publicUrl}/l/${link.id}`, { method: 'POST', redirect: 'manual', headers: { origin: node.publicUrl, 'content-type': 'application/x-www-form-urlencoded' }, body: `amount=${'9'.repeat(60)}` });
    expect(long.status).toBe(400);
    expect(long.headers.get('location')).toBeNull();
    expect(await long.text()).toContain('aria-invalid="true"');
    for (const body of [`amount=5.00&success_url=${q('https://evil.example')}`, `amount=5.00&redirect=${q('//evil.example')}`]) {
      const res = await fetch(`${node.publicUrl}/l/${link.id}?lang=${q('//evil.example')}&next=${q('https://evil.example')}`, { method: 'POST', redirect: 'manual', headers: { origin: node.publicUrl, 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/checkout\/cs_[0-9A-Za-z]+\?lang=en$/);
    }
    // Simulate's no-script redirect goes back to the page, whatever the query says.
    const toPay = await createIntent({ amount: '1.00' });
    const sim = await fetch(`${node.publicUrl}/api/public/payment-intents/${toPay.id}/simulate?next=${q('https://evil.example')}`, { method: 'POST', redirect: 'manual', headers: { origin: node.publicUrl, accept: 'text/html' } });
    expect(sim.status).toBe(303);
    expect(sim.headers.get('location')).toBe(`/checkout/${toPay.id}`);
    await context.close();
  });

  it('"Simulate payment" does not exist for a live intent, even on a node that runs a devnet', async () => {
    const live = await createIntent({ network: 'ethereum', asset: 'USDT', amount: '12.50' }, liveApi);
    expect(live).toMatchObject({ livemode: true, network: 'ethereum', token_contract: MAINNET_USDT });
    // The page of a live intent has no test banner and no simulate form.
    const html = await (await fetch(`${node.publicUrl}/checkout/${live.id}`)).text();
    expect(html).toContain(`data-id="${live.id}"`);
    expect(html).not.toContain('test-banner');
    expect(html).not.toContain('/simulate');
    // The same request that pays a test intent on this node is a 404 for the live one (JSON and form post).
    for (const accept of ['application/json', 'text/html']) {
      const res = await fetch(`${node.publicUrl}/api/public/payment-intents/${live.id}/simulate`, { method: 'POST', redirect: 'manual', headers: { origin: node.publicUrl, accept } });
      expect([404, 429], accept).toContain(res.status);
      if (res.status === 404) expect((await res.json()).error.code).toBe('resource_missing');
    }
    // Wait out the limiter if earlier tests spent it, so the 404 is proven, not a 429.
    const proven = await eventually(async () => {
      const res = await fetch(`${node.publicUrl}/api/public/payment-intents/${live.id}/simulate`, { method: 'POST', headers: { origin: node.publicUrl, accept: 'application/json' } });
      return res.status === 429 ? null : { status: res.status, body: await res.json() };
    }, 'the simulate limiter to allow a request', 70_000);
    expect(proven.status).toBe(404);
    expect(proven.body.error.code).toBe('resource_missing');
    // A test intent on the same node is simulated: the 404 comes from live mode, not from a missing devnet.
    const test = await createIntent({ amount: '1.00' });
    const sim = await fetch(`${node.publicUrl}/api/public/payment-intents/${test.id}/simulate`, { method: 'POST', headers: { origin: node.publicUrl, accept: 'application/json' } });
    expect(sim.status).toBe(202);
    // Nothing moved on the live chain and the live intent is untouched.
    const balance = (await rpcCall(mainnet.rpcUrl, 'eth_call', [{ to: MAINNET_USDT, data: `0x70a08231${live.receive_address.slice(2).toLowerCase().padStart(64, '0')}` }, 'latest'])) as string;
    expect(BigInt(balance)).toBe(0n);
    expect((await liveApi.get(`/api/v1/payment-intents/${live.id}`)).body.data).toMatchObject({ status: 'pending', payments: [] });
  }, 120_000);

  it('hostile ids answer 404 fast on every public route, echo nothing, and set no header from the input', async () => {
    const hostile = [
      '../../../etc/passwd', '..%2f..%2fkassa.db', 'pi_%2e%2e%2f', 'pi_%00', 'pi_\u202egnp.exe', 'pi_１２３ＡＢＣ', 'pi_abc%0d%0aSet-Cookie:%20x=1',
      `pi_${'a'.repeat(61)}`, `pi_${'a'.repeat(7000)}`, `cs_${'b'.repeat(7000)}`, `plink_${'c'.repeat(7000)}`, '%F0%9F%92%A9', 'pi_a%20OR%201=1', 'PI_ABC', 'pi_abc.json',
    ];
    const routes = (id: string) => [
      ['GET', `/checkout/${id}`], ['GET', `/pay/${id}`], ['GET', `/checkout/?id=${id}`], ['GET', `/l/${id}`], ['POST', `/l/${id}`],
      ['GET', `/api/public/payment-intents/${id}`], ['GET', `/api/public/payment-intents/${id}/stream`], ['GET', `/api/public/payment-intents/${id}/qr.svg`],
      ['POST', `/api/public/payment-intents/${id}/simulate`], ['GET', `/api/public/checkout-sessions/${id}`], ['GET', `/api/public/checkout-sessions/${id}/stream`],
    ] as const;
    const slow: string[] = [];
    const wrong: string[] = [];
    for (const raw of hostile) {
      const id = raw.includes('%') ? raw : encodeURIComponent(raw);
      for (const [method, path] of routes(id)) {
        const started = performance.now();
        const res = await fetch(node.publicUrl + path, { method, redirect: 'manual', headers: { origin: node.publicUrl, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: method === 'POST' ? 'amount=5' : undefined });
        const body = await res.text();
        const ms = performance.now() - started;
        // The simulate limiter may already have bitten (10 a minute): that is a refusal too.
        const expected = method === 'POST' && path.endsWith('/simulate') ? [404, 429] : [404];
        if (!expected.includes(res.status)) wrong.push(`${method} ${path.slice(0, 80)} → ${res.status}`);
        if (ms > 500) slow.push(`${method} ${path.slice(0, 60)} ${ms.toFixed(0)} ms`);
        if (body.includes('a'.repeat(61)) || body.includes('passwd') || body.includes('Set-Cookie') || body.includes('OR 1=1')) wrong.push(`${method} ${path.slice(0, 60)} echoes the id`);
        if (res.headers.get('set-cookie')) wrong.push(`${method} ${path.slice(0, 60)} sets a cookie`);
        const csp = res.headers.get('content-security-policy') ?? '';
        if (!csp.includes("default-src 'self'") || /unsafe-/.test(csp)) wrong.push(`${method} ${path.slice(0, 60)} CSP ${csp}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(slow).toEqual([]);
  });

  it('the listener-wide rate limit and the stream cap are in force', async () => {
    const open = await createIntent(); // stays pending, so its streams stay open
    const res = await fetch(`${node.publicUrl}/checkout/${open.id}`);
    expect(res.headers.get('ratelimit-policy')).toMatch(/q=600; w=60/);
    expect(res.headers.get('ratelimit')).toMatch(/r=\d+/);
    const streams: AbortController[] = [];
    try {
      let refused: Response | null = null;
      for (let i = 0; i < 9 && !refused; i++) {
        const c = new AbortController();
        streams.push(c);
        const s = await fetch(`${node.publicUrl}/api/public/payment-intents/${open.id}/stream`, { signal: c.signal });
        if (s.status === 429) refused = s;
      }
      expect(refused?.status).toBe(429);
      expect((await refused!.json()).error.code).toBe('too_many_streams');
    } finally {
      for (const c of streams) c.abort();
    }
  });

});
