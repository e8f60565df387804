// The public listener as a tunnel exposes it: only customer routes, strict headers, hostile ids
// refused, a minimal public status, live status over SSE, the test-mode simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createApiKey, eventually, startNode, type ApiClient, type TestNode } from '../../helpers/node.ts';

let node: TestNode;
let api: ApiClient;

beforeAll(async () => {
  node = await startNode({ blockTime: 0 });
  api = apiClient(node.merchantUrl, await createApiKey(node.home, 'test'));
});
afterAll(async () => {
  await node?.stop();
});

async function createIntent(body: Record<string, unknown> = {}): Promise<any> {
  const res = await api.post('/api/v1/payment-intents', { network: 'bsc', asset: 'USDT', amount: '25.00', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

/** Reads an SSE stream until `until` says stop or the deadline passes; returns the `update` payloads. */
async function readStream(url: string, until: (updates: any[], ended: boolean) => boolean, timeoutMs = 30_000): Promise<{ updates: any[]; ended: boolean; status: number }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(url, { signal: controller.signal });
  const updates: any[] = [];
  let ended = false;
  if (res.status !== 200 || !res.body) {
    clearTimeout(timer);
    return { updates, ended, status: res.status };
  }
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event === 'update' && data) updates.push(JSON.parse(data));
        if (event === 'end') ended = true;
      }
      if (until(updates, ended)) break;
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { updates, ended, status: res.status };
}

describe('only public routes are mounted', () => {
  it('answers 404 for every route and method of the merchant listener', async () => {
    const openapi = (await api.get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const paths = Object.keys(openapi.paths);
    expect(paths.length).toBeGreaterThan(10);
    expect(paths).toContain('/api/v1/payment-intents');
    const all = [...paths, '/healthz', '/metrics', '/docs', '/docs/init.js', '/docs/assets/swagger-ui.css', '/api/v1/openapi.json', '/'];
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
    const failures: string[] = [];
    let checked = 0;
    for (const template of all) {
      const path = template.replace(/\{[^}]+\}/g, 'pi_0000000000000000000a');
      // Each route also exists on the merchant listener (sanity: the list is real).
      for (const method of methods) {
        const res = await fetch(node.publicUrl + path, { method, headers: { authorization: 'Bearer sk_test_whatever' } });
        checked++;
        if (res.status !== 404) failures.push(`${method} ${path} → ${res.status}`);
        await res.arrayBuffer();
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(all.length * methods.length);
    // And the merchant listener does serve them: the enumeration is of real routes.
    expect((await fetch(node.merchantUrl + '/healthz')).status).toBe(200);
  });
});

describe('checkout page', () => {
  it('sends strict security headers and no inline script or style', async () => {
    const pi = await createIntent({ description: 'Two <b>coffees</b> & "cake"' });
    const res = await fetch(`${node.publicUrl}/checkout/${pi.id}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    // Every script is an external file of ours; no style element or attribute; no third-party URL.
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBe(1);
    for (const s of scripts) expect(s).toMatch(/src="\/assets\/checkout\.[0-9a-f]{12}\.js"/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\/(?!shop\.example)/);
    // The description is shown, escaped.
    expect(html).toContain('Two &lt;b&gt;coffees&lt;/b&gt; &amp; &quot;cake&quot;');
    // Amount, address and the deep link are on the page before any script runs.
    expect(html).toContain(`>${pi.pay_amount}<`);
    expect(html).toContain(`>${pi.receive_address}<`);
    expect(html).toContain(`href="${pi.payment_uri.replaceAll('&', '&amp;')}"`);
    expect(html).toMatch(/<img id="qr" src="data:image\/svg\+xml;base64,/);
  });

  it('is served at /checkout/:id, /checkout/?id= and /pay/:id', async () => {
    const pi = await createIntent();
    for (const path of [`/checkout/${pi.id}`, `/checkout/?id=${pi.id}`, `/checkout?id=${pi.id}`, `/pay/${pi.id}`]) {
      const res = await fetch(node.publicUrl + path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain(`data-id="${pi.id}"`);
    }
  });

  it('speaks the browser language, with a ?lang= override', async () => {
    const pi = await createIntent();
    const cases: [string | null, string | null, string, string][] = [
      ['pt-BR,pt;q=0.9,en;q=0.5', null, 'pt', 'Aguardando o seu pagamento'],
      ['de-DE,ru;q=0.8', null, 'ru', 'Ожидаем ваш платёж'],
      ['zh-Hans-CN', null, 'zh', '等待您的付款'],
      ['fr', null, 'en', 'Waiting for your payment'],
      ['es', 'vi', 'vi', 'Đang chờ bạn thanh toán'],
      [null, 'tr', 'tr', 'Ödemeniz bekleniyor'],
      ['en', 'es', 'es', 'Esperando tu pago'],
    ];
    for (const [accept, lang, expected, text] of cases) {
      const res = await fetch(`${node.publicUrl}/checkout/${pi.id}${lang ? `?lang=${lang}` : ''}`, { headers: accept ? { 'accept-language': accept } : {} });
      const html = await res.text();
      expect(html, `${accept} ${lang}`).toContain(`<html lang="${expected}">`);
      expect(html, `${accept} ${lang}`).toContain(text);
    }
  });

  it('refuses hostile ids without echoing them', async () => {
    const hostile = ['pi_<script>alert(1)</script>', "pi_' OR 1=1 --", `pi_${'a'.repeat(500)}`, '../../etc/passwd', 'cs_%00', 'pi_', '%F0%9F%92%A9'];
    for (const id of hostile) {
      const enc = encodeURIComponent(id);
      for (const path of [`/checkout/${enc}`, `/pay/${enc}`, `/checkout/?id=${enc}`, `/l/${enc}`, `/api/public/payment-intents/${enc}`, `/api/public/payment-intents/${enc}/stream`, `/api/public/checkout-sessions/${enc}`]) {
        const res = await fetch(node.publicUrl + path);
        expect(res.status, path).toBe(404);
        const body = await res.text();
        expect(body, path).not.toContain('<script>alert');
        expect(body, path).not.toContain("' OR 1=1");
      }
    }
  });

  it('serves its assets with a long cache and an ETag', async () => {
    const pi = await createIntent();
    const html = await (await fetch(`${node.publicUrl}/checkout/${pi.id}`)).text();
    const css = /href="(\/assets\/checkout\.[0-9a-f]+\.css)"/.exec(html)![1]!;
    const js = /src="(\/assets\/checkout\.[0-9a-f]+\.js)"/.exec(html)![1]!;
    for (const path of [css, js]) {
      const res = await fetch(node.publicUrl + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('immutable');
      const etag = res.headers.get('etag')!;
      expect((await fetch(node.publicUrl + path, { headers: { 'if-none-match': etag } })).status).toBe(304);
    }
    expect((await fetch(`${node.publicUrl}/assets/checkout.000000000000.js`)).status).toBe(404);
  });
});

describe('public status', () => {
  it('shows what the customer needs and no customer or merchant data', async () => {
    const pi = await createIntent({ customer_email: 'buyer@example.com', custom_id: `ORDER-${Date.now()}`, metadata: { secret_note: 'vip' }, description: 'Coffee', success_url: 'https://shop.example/ok' });
    const res = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('buyer@example.com');
    expect(text).not.toContain('ORDER-');
    expect(text).not.toContain('vip');
    expect(text).not.toContain('st_default');
    const view = JSON.parse(text).data;
    expect(Object.keys(view).sort()).toEqual([
      'amount', 'amount_confirmed', 'amount_received', 'amount_remaining', 'asset', 'cancel_url', 'confirmations_required', 'currency',
      'description', 'exception', 'expires_at', 'id', 'livemode', 'network', 'network_name', 'object', 'paid_at', 'pay_amount', 'payment_uri',
      'payments', 'receive_address', 'status', 'success_url', 'token_contract',
    ]);
    expect(view).toMatchObject({ id: pi.id, status: 'pending', amount: '25.00', pay_amount: '25.00', amount_remaining: '25.00', receive_address: pi.receive_address, payment_uri: pi.payment_uri, livemode: false, description: 'Coffee', success_url: 'https://shop.example/ok' });
  });

  it('streams pending → confirming → paid after "Simulate payment", then ends', async () => {
    const pi = await createIntent({ amount: '3.50' });
    const streamed = readStream(`${node.publicUrl}/api/public/payment-intents/${pi.id}/stream`, (_u, ended) => ended);
    // The simulator refuses a request from another site, and one with no origin at all.
    const foreign = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}/simulate`, { method: 'POST', headers: { origin: 'https://evil.example', accept: 'application/json' } });
    expect(foreign.status).toBe(403);
    const crossSite = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}/simulate`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site', accept: 'application/json' } });
    expect(crossSite.status).toBe(403);
    const sim = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}/simulate`, { method: 'POST', headers: { origin: node.publicUrl, accept: 'application/json' } });
    expect(sim.status).toBe(202);
    expect((await sim.json()).data.txid).toMatch(/^0x[0-9a-f]{64}$/);
    const { updates, ended } = await streamed;
    expect(ended).toBe(true);
    const statuses = updates.map((u) => u.status).filter((s, i, all) => s !== all[i - 1]);
    expect(statuses).toEqual(['pending', 'confirming', 'paid']);
    const confirming = updates.find((u) => u.status === 'confirming');
    expect(confirming.payments[0].confirmations).toBeLessThan(confirming.confirmations_required);
    expect(updates.at(-1)).toMatchObject({ status: 'paid', amount_received: '3.50', amount_remaining: '0' });
    // The merchant sees the same payment.
    expect((await api.get(`/api/v1/payment-intents/${pi.id}`)).body.data.status).toBe('paid');
    // Nothing more is due: a second simulation is refused.
    const again = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}/simulate`, { method: 'POST', headers: { origin: node.publicUrl, accept: 'application/json' } });
    expect(again.status).toBe(409);
    // A stream of a finished intent sends its state once and ends.
    const late = await readStream(`${node.publicUrl}/api/public/payment-intents/${pi.id}/stream`, (_u, e) => e, 5000);
    expect(late.ended).toBe(true);
    expect(late.updates.map((u) => u.status)).toEqual(['paid']);
  });

  it('an underpaid intent asks for the remainder, with a new deep link', async () => {
    const pi = await createIntent({ amount: '25.00' });
    expect((await api.post(`/api/v1/test-helpers/payment-intents/${pi.id}/pay`, { amount: '10.00' })).status).toBe(200);
    await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 1 });
    const view = await eventually(async () => {
      const v = (await (await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}`)).json()).data;
      return v.amount_received === '10.00' ? v : null;
    }, 'the partial payment to be seen');
    expect(view).toMatchObject({ status: 'pending', amount_remaining: '15.00' });
    expect(view.payment_uri).toMatch(/&uint256=15000000000000000000$/);
    const html = await (await fetch(`${node.publicUrl}/checkout/${pi.id}`)).text();
    expect(html).toContain('We received 10.00 USDT. Please send the remaining 15.00 USDT to the same address.');
    expect(html).toContain('id="pay-amount" aria-labelledby="pay-amount-label">15.00<');
    const qr = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}/qr.svg`);
    expect(qr.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await qr.text()).toMatch(/^<svg /);
  });

  it('a form post without script pays and returns to the page', async () => {
    const pi = await createIntent({ amount: '1.25' });
    const res = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}/simulate`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: node.publicUrl, accept: 'text/html,application/xhtml+xml', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/checkout/${pi.id}`);
    await eventually(async () => (await (await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}`)).json()).data.status === 'paid', 'simulated payment to be paid');
  });

  it('caps open streams per client', async () => {
    const pi = await createIntent();
    const controllers: AbortController[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const c = new AbortController();
        controllers.push(c);
        const res = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}/stream`, { signal: c.signal });
        expect(res.status).toBe(200);
      }
      const ninth = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}/stream`);
      expect(ninth.status).toBe(429);
      expect((await ninth.json()).error.code).toBe('too_many_streams');
    } finally {
      for (const c of controllers) c.abort();
    }
    // Closed streams free their slots.
    await eventually(async () => {
      const c = new AbortController();
      const res = await fetch(`${node.publicUrl}/api/public/payment-intents/${pi.id}/stream`, { signal: c.signal });
      c.abort();
      return res.status === 200;
    }, 'a stream slot to free up');
  });

  it('behind a tunnel, customers the proxy tells apart get their own stream slots', async () => {
    const pi = await createIntent();
    const url = `${node.publicUrl}/api/public/payment-intents/${pi.id}/stream`;
    const controllers: AbortController[] = [];
    const open = async (forwardedFor: string) => {
      const c = new AbortController();
      controllers.push(c);
      return fetch(url, { signal: c.signal, headers: { 'x-forwarded-for': forwardedFor } });
    };
    try {
      for (let i = 0; i < 8; i++) expect((await open('198.51.100.1')).status).toBe(200);
      expect((await open('198.51.100.1')).status).toBe(429);
      // A second customer through the same local proxy (the tunnel connects from loopback).
      expect((await open('198.51.100.2')).status).toBe(200);
      // A customer cannot pick another bucket by prepending: the proxy's appended entry counts.
      expect((await open('203.0.113.5, 198.51.100.1')).status).toBe(429);
    } finally {
      for (const c of controllers) c.abort();
    }
  });

  it('rate-limits "Simulate payment" per client', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${node.publicUrl}/api/public/payment-intents/pi_doesNotExist${i}/simulate`, { method: 'POST', headers: { origin: node.publicUrl, accept: 'application/json' } });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    // Earlier tests in this file used some of the minute's budget; the limit bites either way.
    expect(statuses.filter((s) => s === 404).length).toBeGreaterThan(0);
    expect(statuses.at(-1)).toBe(429);
  });
});
