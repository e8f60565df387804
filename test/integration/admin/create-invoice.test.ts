// A new invoice from the dashboard against a real node (child process, its own anvil, real HTTP),
// signed in through the one-time URL: it is a payment intent like the API's (the same fields, the
// payment_intent.created event and its webhook, visible to an API key), refused with the field
// named when the input is wrong, refused in live mode exactly as the API refuses, and never
// written without the CSRF header. The form's choices per mode come from the same node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApiError } from '../../../src-server/admin/client.ts';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';
import { signedInAdmin, type AdminSessionClient } from '../../helpers/admin-session.ts';
import { apiClient, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { jsonBody, startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';

let node: TestNode;
let home: string;
let liveChain: TestDevnet;
let admin: AdminSessionClient;
let call: AdminSessionClient['client']['call'];
let testApi: ApiClient;
let liveApi: ApiClient;
let receiver: WebhookReceiver;

async function adminError(p: Promise<unknown>): Promise<AdminApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AdminApiError);
    return err as AdminApiError;
  }
  throw new Error('expected the admin API to refuse');
}

async function expectRefused(p: Promise<unknown>, status: number, param: string | null): Promise<AdminApiError> {
  const e = await adminError(p);
  expect(e.status, e.message).toBe(status);
  expect(e.param, e.message).toBe(param);
  return e;
}

beforeAll(async () => {
  home = tempHome();
  receiver = await startWebhookReceiver();
  // A local chain standing in for live BSC (chain id 56), so a live network is really enabled.
  liveChain = await startTestDevnet({ chainId: 56 });
  node = await startNode({
    home,
    blockTime: 0,
    // A passphrase key store: webhook signing secrets are sealed with its data key.
    env: { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'correct horse battery staple' },
    config: { rateLimitDefault: 500, networks: { bsc: { enabled: true, rpcUrls: [liveChain.rpcUrl], confirmations: 1 } } },
  });
  admin = await signedInAdmin(node);
  call = admin.client.call;
  const [testKey, liveKey] = await Promise.all([call('POST /api-keys', { body: { mode: 'test' } }), call('POST /api-keys', { body: { mode: 'live' } })]);
  testApi = apiClient(node.merchantUrl, testKey.key);
  liveApi = apiClient(node.merchantUrl, liveKey.key);
  await call('POST /webhook-endpoints', { query: { mode: 'test' }, body: { url: receiver.url, events: ['payment_intent.created'] } });
});
afterAll(async () => {
  await node?.stop();
  await liveChain?.stop();
  await receiver?.close();
});

describe('POST /invoices', () => {
  it('creates a test invoice with the given fields, its created event and webhook, seen by the API too', async () => {
    const before = Date.now();
    const d = await call('POST /invoices', {
      body: { mode: 'test', network: 'devnet', asset: 'usdt', amount: '12.50', description: 'Two coffees', custom_id: 'ORDER-7', customer_email: 'buyer@example.com', expires_in: 900 },
    });
    const inv = d.invoice;
    expect(inv).toMatchObject({
      object: 'payment_intent',
      livemode: false,
      store_id: 'st_default',
      status: 'pending',
      exception: null,
      network: 'devnet',
      asset: 'USDT',
      amount: '12.50',
      currency: 'USDT',
      amount_received: '0',
      description: 'Two coffees',
      custom_id: 'ORDER-7',
      customer_email: 'buyer@example.com',
    });
    expect(inv.id).toMatch(/^pi_/);
    expect(inv.receive_address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const lifetime = Date.parse(inv.expires_at) - Date.parse(inv.created_at);
    expect(lifetime).toBe(900_000);
    expect(Date.parse(inv.created_at)).toBeGreaterThanOrEqual(before - 1000);
    // The detail view: the created event, and a test invoice the devnet can pay.
    expect(d.events.map((e) => e.type)).toEqual(['payment_intent.created']);
    expect(d.events[0]!.data.object).toMatchObject({ id: inv.id, amount: '12.50' });
    expect(d.actions).toEqual({ cancel: true, accept_late: false, simulate: true });

    // A real payment intent: the merchant API with a test key reads the same object.
    const viaApi = await testApi.get(`/api/v1/payment-intents/${inv.id}`);
    expect(viaApi.status, JSON.stringify(viaApi.body)).toBe(200);
    expect(viaApi.body.data).toMatchObject({ id: inv.id, amount: '12.50', receive_address: inv.receive_address, custom_id: 'ORDER-7' });
    const events = await testApi.get(`/api/v1/events?object_id=${inv.id}`);
    expect(events.status, JSON.stringify(events.body)).toBe(200);
    expect(events.body.data.map((e: { id: string; type: string }) => [e.id, e.type])).toEqual([[d.events[0]!.id, 'payment_intent.created']]);

    // The shop hears of it as of any other new intent.
    const hook = await receiver.waitFor((list) => list.find((r) => r.headers['x-kassa-event-type'] === 'payment_intent.created' && jsonBody(r).data.object.id === inv.id), 'the payment_intent.created webhook');
    expect(jsonBody(hook).data.object.amount).toBe('12.50');

    // And it is in the dashboard's own table.
    const list = await call('GET /invoices', { query: { mode: 'test', q: 'ORDER-7' } });
    expect(list.data.map((r) => r.id)).toEqual([inv.id]);
  });

  it('takes network aliases and optional fields out, as the API does', async () => {
    const body = { network: 'bep20', asset: 'USDT', amount: 3 };
    const d = await call('POST /invoices', { body: { mode: 'test', ...body } });
    const viaApi = await testApi.post('/api/v1/payment-intents', body);
    expect(viaApi.status, JSON.stringify(viaApi.body)).toBe(201);
    const pick = (o: Record<string, unknown>) => Object.fromEntries(['network', 'asset', 'amount', 'currency', 'livemode', 'custom_id', 'customer_email', 'description', 'metadata'].map((k) => [k, o[k]]));
    expect(pick(d.invoice)).toEqual(pick(viaApi.body.data));
    expect(d.invoice).toMatchObject({ network: 'bsc', asset: 'USDT', custom_id: null, customer_email: null, description: null });
  });

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const count = async () => (await call('GET /invoices', { query: { mode: 'test', limit: 100 } })).data.length;
    const before = await count();
    const base = { mode: 'test' as const, network: 'devnet', asset: 'USDT', amount: '1.00' };
    for (const [body, param] of [
      [{ ...base, amount: 'abc' }, 'amount'],
      [{ ...base, amount: '0' }, 'amount'],
      [{ ...base, amount: '-5' }, 'amount'],
      [{ ...base, amount: '1.1234567' }, 'amount'],
      [{ ...base, network: 'nowhere' }, 'network'],
      [{ ...base, asset: 'DOGE' }, 'asset'],
      [{ ...base, customer_email: 'not-an-email' }, 'customer_email'],
      [{ ...base, expires_in: 5 }, 'expires_in'],
      [{ ...base, description: 'x'.repeat(1001) }, 'description'],
      [{ mode: 'test', asset: 'USDT', amount: '1.00' }, 'network'],
      [{ ...base, mode: 'staging' }, 'mode'],
    ] as const) {
      const e = await expectRefused(call('POST /invoices', { body: body as never }), 400, param);
      expect(e.type).toBe('invalid_request_error');
      expect(e.message.length).toBeGreaterThan(0);
    }
    // A field the API does not take is refused by name, not ignored.
    const extra = await adminError(call('POST /invoices', { body: { ...base, success_url: 'https://shop.example.com' } as never }));
    expect(extra.status).toBe(400);
    expect(extra.message).toContain('success_url');
    expect(await count()).toBe(before);
  });

  it('a custom_id already used → 409 naming custom_id', async () => {
    await call('POST /invoices', { body: { mode: 'test', network: 'devnet', asset: 'USDT', amount: '2', custom_id: 'ORDER-DUP' } });
    const e = await expectRefused(call('POST /invoices', { body: { mode: 'test', network: 'devnet', asset: 'USDT', amount: '2', custom_id: 'ORDER-DUP' } }), 409, 'custom_id');
    expect(e.code).toBe('custom_id_taken');
  });

  it('live mode is refused exactly as the merchant API refuses it (no live wallet; a network not enabled; the devnet)', async () => {
    for (const body of [
      { network: 'bsc', asset: 'USDT', amount: '5' },
      { network: 'ethereum', asset: 'USDT', amount: '5' },
      { network: 'devnet', asset: 'USDT', amount: '5' },
    ]) {
      const viaApi = await liveApi.post('/api/v1/payment-intents', body);
      expect(viaApi.status, JSON.stringify(viaApi.body)).toBeGreaterThanOrEqual(400);
      expect(viaApi.status).toBeLessThan(500);
      const e = await adminError(call('POST /invoices', { body: { mode: 'live', ...body } }));
      expect({ status: e.status, type: e.type, code: e.code, param: e.param, message: e.message }, body.network).toEqual({
        status: viaApi.status,
        ...viaApi.body.error,
      });
    }
    // The one without a wallet names the fix.
    const e = await adminError(call('POST /invoices', { body: { mode: 'live', network: 'bsc', asset: 'USDT', amount: '5' } }));
    expect(e).toMatchObject({ status: 422, code: 'wallet_missing' });
    expect(e.message).toContain('kassa wallet create');
    expect((await call('GET /invoices', { query: { mode: 'live' } })).data).toEqual([]);
  });

  it('without the CSRF header → 403 and nothing is created; without a session → 401', async () => {
    const count = async () => (await call('GET /invoices', { query: { mode: 'test', limit: 100 } })).data.length;
    const before = await count();
    const body = JSON.stringify({ mode: 'test', network: 'devnet', asset: 'USDT', amount: '1.00' });
    const noCsrf = await fetch(`${node.merchantUrl}/api/admin/invoices`, { method: 'POST', headers: { cookie: admin.cookie()!, 'content-type': 'application/json' }, body });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe('csrf_token_invalid');
    const noSession = await fetch(`${node.merchantUrl}/api/admin/invoices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(noSession.status).toBe(401);
    expect(await count()).toBe(before);
  });
});

describe('GET /invoice-options', () => {
  it('test mode: the devnet first with USDT preselected, every EVM network and the other devnets', async () => {
    const o = await call('GET /invoice-options', { query: { mode: 'test' } });
    expect(o.mode).toBe('test');
    expect(o.wallet).toBe(true);
    expect(o.default).toEqual({ network: 'devnet', asset: 'USDT' });
    expect(o.networks[0]).toMatchObject({ id: 'devnet', assets: ['DEV', 'USDT', 'USDC'] });
    const ids = o.networks.map((n) => n.id);
    for (const id of ['ethereum', 'bsc', 'polygon', 'base', 'arbitrum']) expect(ids).toContain(id);
    // Every offered pair really creates a test invoice on this node.
    for (const n of o.networks) {
      for (const asset of n.assets) {
        const d = await call('POST /invoices', { body: { mode: 'test', network: n.id, asset, amount: '1' } });
        expect(d.invoice, `${n.id}/${asset}`).toMatchObject({ network: n.id, asset, livemode: false });
      }
    }
  });

  it('live mode: only the enabled networks, and whether there is a wallet', async () => {
    const o = await call('GET /invoice-options', { query: { mode: 'live' } });
    expect(o).toEqual({ mode: 'live', networks: [{ id: 'bsc', name: 'BNB Smart Chain', assets: ['BNB', 'USDT', 'USDC'] }], default: { network: 'bsc', asset: 'USDT' }, wallet: false });
  });
});
