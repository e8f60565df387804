// Keys, scopes, modes, rate limits, idempotency, pagination and the node's own endpoints
// (OpenAPI, /docs, /healthz, /metrics), as a shop's backend sees them over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';
import { apiClient, runCli, startNode, tempHome, type ApiClient, type ApiResponse, type TestNode } from '../../helpers/node.ts';

let node: TestNode;
let liveChain: TestDevnet;
let home: string;
let api: ApiClient;
/** Every key the file uses, made up front in parallel (each `kassa keys create` is a process start). */
let keys: Record<'main' | 'revoked' | 'readOnly' | 'used' | 'unused' | 'live' | 'limited' | 'unlimited', { id: string; key: string }>;

const INTENTS = '/api/v1/payment-intents';
const VALID = { network: 'devnet', asset: 'USDT', amount: '1.00' } as const;

async function keyWithId(mode: 'test' | 'live', extra: string[] = []): Promise<{ id: string; key: string }> {
  const { stdout } = await runCli(home, ['keys', 'create', '--mode', mode, '--json', ...extra]);
  return JSON.parse(stdout.trim()) as { id: string; key: string };
}

function expectAuthError(res: ApiResponse, status: number, type: string, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toMatchObject({ type, code, param: null });
  expect(typeof res.body.error.message).toBe('string');
}

/** Every intent the key sees, walking the cursor. */
async function listAll(client: ApiClient, query = ''): Promise<{ id: string }[]> {
  const all: { id: string }[] = [];
  let cursor: string | null = null;
  do {
    const res: ApiResponse = await client.get(`${INTENTS}?limit=100${query}${cursor ? `&starting_after=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    all.push(...res.body.data);
    cursor = res.body.has_more ? res.body.next_cursor : null;
  } while (cursor);
  return all;
}

beforeAll(async () => {
  home = tempHome();
  // A local chain standing in for live BSC (chain id 56), so a live network is really enabled and watched.
  liveChain = await startTestDevnet({ chainId: 56 });
  node = await startNode({
    home,
    blockTime: 0,
    config: { networks: { bsc: { enabled: true, rpcUrls: [liveChain.rpcUrl], confirmations: 1 } } },
  });
  const specs = {
    main: ['test', '--rate-limit', 'off'],
    revoked: ['test'],
    readOnly: ['test', '--scopes', 'payment_intents:read'],
    used: ['test'],
    unused: ['test'],
    live: ['live', '--rate-limit', 'off'],
    limited: ['test', '--rate-limit', '5'],
    unlimited: ['test', '--rate-limit', 'off'],
  } as const;
  const made = await Promise.all(Object.values(specs).map(([mode, ...extra]) => keyWithId(mode, [...extra])));
  keys = Object.fromEntries(Object.keys(specs).map((name, i) => [name, made[i]!])) as typeof keys;
  api = apiClient(node.merchantUrl, keys.main.key);
});
afterAll(async () => {
  await node?.stop();
  await liveChain?.stop();
});

describe('authentication', () => {
  it('no Authorization header → 401 api_key_missing', async () => {
    expectAuthError(await apiClient(node.merchantUrl, null).get(INTENTS), 401, 'authentication_error', 'api_key_missing');
  });

  it('a garbage key, a well-formed unknown key and a non-Bearer scheme → 401 api_key_invalid', async () => {
    expectAuthError(await apiClient(node.merchantUrl, 'garbage').get(INTENTS), 401, 'authentication_error', 'api_key_invalid');
    expectAuthError(await apiClient(node.merchantUrl, `sk_test_${'A'.repeat(32)}`).get(INTENTS), 401, 'authentication_error', 'api_key_invalid');
    const basic = await apiClient(node.merchantUrl, null).get(INTENTS, { authorization: 'Basic dXNlcjpwYXNz' });
    expectAuthError(basic, 401, 'authentication_error', 'api_key_invalid');
  });

  it('a revoked key (kassa keys revoke) → 401 on its next request', async () => {
    const { id, key } = keys.revoked;
    const client = apiClient(node.merchantUrl, key);
    expect((await client.get(INTENTS)).status).toBe(200);
    const { stdout } = await runCli(home, ['keys', 'revoke', id]);
    expect(stdout).toContain(id);
    expectAuthError(await client.get(INTENTS), 401, 'authentication_error', 'api_key_invalid');
  });

  it('a read-only key: 403 permission_denied on create, 200 on list', async () => {
    const readOnly = apiClient(node.merchantUrl, keys.readOnly.key);
    const denied = await readOnly.post(INTENTS, VALID);
    expectAuthError(denied, 403, 'permission_error', 'permission_denied');
    expect(denied.body.error.message).toContain('payment_intents:write');
    expect((await readOnly.get(INTENTS)).status).toBe(200);
  });

  it('last_used_at is set once a key is used, and stays null for an unused one', async () => {
    const { used, unused } = keys;
    expect((await apiClient(node.merchantUrl, used.key).get('/api/v1/supported-assets')).status).toBe(200);
    const { stdout } = await runCli(home, ['keys', 'list', '--json']);
    const list = JSON.parse(stdout) as { id: string; last_used_at: string | null }[];
    const usedRow = list.find((k) => k.id === used.id)!;
    expect(usedRow.last_used_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(usedRow.last_used_at!) - Date.now())).toBeLessThan(60_000);
    expect(list.find((k) => k.id === unused.id)!.last_used_at).toBeNull();
  });
});

describe('test and live mode', () => {
  let live: ApiClient;
  beforeAll(() => {
    live = apiClient(node.merchantUrl, keys.live.key);
  });

  it('a live key on the test-helper routes → 404, as if they did not exist', async () => {
    const intent = (await api.post(INTENTS, VALID)).body.data;
    for (const path of [`/api/v1/test-helpers/payment-intents/${intent.id}/pay`, `/api/v1/test-helpers/payment-intents/${intent.id}/expire`, '/api/v1/test-helpers/devnet/mine']) {
      const res = await live.post(path, {});
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('route_not_found');
    }
    // The test intent was left alone.
    expect((await api.get(`${INTENTS}/${intent.id}`)).body.data.status).toBe('pending');
  });

  it('a live intent on a network that is not enabled → 422 network_disabled naming the config key', async () => {
    const res = await live.post(INTENTS, { network: 'ethereum', asset: 'USDT', amount: '5' });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'network_disabled', param: 'network' });
    expect(res.body.error.message).toContain('networks.ethereum.enabled');
  });

  it('a live intent on an enabled network without a live wallet → 422 naming the fix, never 500', async () => {
    const res = await live.post(INTENTS, { network: 'bsc', asset: 'USDT', amount: '5' });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('wallet_missing');
    expect(res.body.error.message).toMatch(/live wallet/);
    expect(res.body.error.message).toContain('kassa wallet create');
  });

  it('the devnet refuses live keys', async () => {
    const res = await live.post(INTENTS, VALID);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'network' });
  });

  it('test and live objects do not see each other', async () => {
    const intent = (await api.post(INTENTS, VALID)).body.data;
    expect(intent.livemode).toBe(false);
    const res = await live.get(`${INTENTS}/${intent.id}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('resource_missing');
    expect((await live.post(`${INTENTS}/${intent.id}/cancel`, {})).status).toBe(404);
    expect(await listAll(live)).toEqual([]);
    const startingAfter = await live.get(`${INTENTS}?starting_after=${intent.id}`);
    expect(startingAfter.status).toBe(400);
    expect(startingAfter.body.error.param).toBe('starting_after');
  });

  it('supported-assets says which networks are live on this node', async () => {
    const res = await live.get('/api/v1/supported-assets');
    const bscUsdt = res.body.data.find((a: { network: string; asset: string }) => a.network === 'bsc' && a.asset === 'USDT');
    const ethUsdt = res.body.data.find((a: { network: string; asset: string }) => a.network === 'ethereum' && a.asset === 'USDT');
    expect(bscUsdt).toMatchObject({ live_mode: true, test_mode: true });
    expect(ethUsdt).toMatchObject({ live_mode: false, test_mode: true });
  });
});

describe('rate limits', () => {
  it('a key with --rate-limit 5 gets 429 rate_limited with Retry-After after a burst', async () => {
    const limited = apiClient(node.merchantUrl, keys.limited.key);
    const burst = await Promise.all(Array.from({ length: 12 }, () => limited.get('/api/v1/supported-assets')));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    const refused = burst.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    for (const r of refused) {
      expect(r.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited', param: null });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('a key with --rate-limit off is never limited', async () => {
    const unlimited = apiClient(node.merchantUrl, keys.unlimited.key);
    const burst = await Promise.all(Array.from({ length: 60 }, () => unlimited.get('/api/v1/supported-assets')));
    expect(burst.map((r) => r.status)).toEqual(Array(60).fill(200));
  });
});

describe('Idempotency-Key and custom_id', () => {
  it('same key + same body replays the first response; a different body is 409; one intent exists', async () => {
    const before = (await listAll(api)).length;
    const body = { ...VALID, amount: '3.33', metadata: { b: '2', a: '1' } };
    const first = await api.post(INTENTS, body, { 'idempotency-key': 'order-77-create' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // Same body with its keys in another order is the same request.
    const replay = await api.post(INTENTS, { metadata: { a: '1', b: '2' }, amount: '3.33', asset: 'USDT', network: 'devnet' }, { 'idempotency-key': 'order-77-create' });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);

    const reused = await api.post(INTENTS, { ...body, amount: '4.44' }, { 'idempotency-key': 'order-77-create' });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_reused' });

    const after = await listAll(api);
    expect(after.length).toBe(before + 1);
    expect(after.filter((i) => i.id === first.body.data.id)).toHaveLength(1);
  });

  it('a different key with the same body makes a second intent', async () => {
    const a = await api.post(INTENTS, VALID, { 'idempotency-key': 'k-a' });
    const b = await api.post(INTENTS, VALID, { 'idempotency-key': 'k-b' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.data.id).not.toBe(b.body.data.id);
  });

  it('custom_id reused in the same store and mode → 409 custom_id_taken', async () => {
    expect((await api.post(INTENTS, { ...VALID, custom_id: 'ORDER-1042' })).status).toBe(201);
    const dup = await api.post(INTENTS, { ...VALID, amount: '2.00', custom_id: 'ORDER-1042' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'custom_id_taken', param: 'custom_id' });
    expect(dup.body.error.message).toContain('custom_id');
    const found = await api.get(`${INTENTS}?custom_id=ORDER-1042`);
    expect(found.body.data).toHaveLength(1);
    expect(found.body.data[0].amount).toBe('1.00');
  });
});

describe('list pagination and filters', () => {
  it('limit 2 over 5 intents walks all of them via next_cursor, newest first, without duplicates', async () => {
    const since = new Date().toISOString();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api.post(INTENTS, { ...VALID, amount: `${i + 1}.00`, custom_id: `page-${i}` });
      expect(res.status).toBe(201);
      created.push(res.body.data.id);
    }
    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const res: ApiResponse = await api.get(`${INTENTS}?limit=2&created[gte]=${encodeURIComponent(since)}${cursor ? `&starting_after=${cursor}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.object).toBe('list');
      pages.push(res.body.data.length);
      seen.push(...res.body.data.map((i: { id: string }) => i.id));
      if (!res.body.has_more) {
        expect(res.body.next_cursor).toBeNull();
        break;
      }
      expect(res.body.next_cursor).toBe(res.body.data[res.body.data.length - 1].id);
      cursor = res.body.next_cursor;
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(new Set(seen).size).toBe(5);
    expect(seen).toEqual([...created].reverse());
  });

  it('status and custom_id filters return only matching intents', async () => {
    const a = (await api.post(INTENTS, { ...VALID, custom_id: 'filter-a' })).body.data;
    (await api.post(INTENTS, { ...VALID, custom_id: 'filter-b' })).body.data;
    expect((await api.post(`${INTENTS}/${a.id}/cancel`, {})).status).toBe(200);

    const canceled = await listAll(api, '&status=canceled');
    expect(canceled.map((i) => i.id)).toContain(a.id);
    expect(canceled.every((i) => (i as unknown as { status: string }).status === 'canceled')).toBe(true);

    const pending = await listAll(api, '&status=pending');
    expect(pending.map((i) => i.id)).not.toContain(a.id);
    expect(pending.length).toBeGreaterThan(0);

    const byCustomId = await api.get(`${INTENTS}?custom_id=filter-b`);
    expect(byCustomId.body.data.map((i: { custom_id: string }) => i.custom_id)).toEqual(['filter-b']);
    expect((await api.get(`${INTENTS}?custom_id=filter-none`)).body).toMatchObject({ data: [], has_more: false, next_cursor: null });
  });

  it('a created range in the future is empty', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const res = await api.get(`${INTENTS}?created[gte]=${encodeURIComponent(future)}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
  });
});

describe('the node’s own endpoints', () => {
  it('GET /api/v1/openapi.json is OpenAPI 3.1 with the payment-intents paths and their request schema', async () => {
    const res = await fetch(`${node.merchantUrl}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/v1/payment-intents',
      '/api/v1/payment-intents/{id}',
      '/api/v1/payment-intents/{id}/cancel',
      '/api/v1/supported-assets',
    ]));
    const create = doc.paths['/api/v1/payment-intents'].post;
    const schema = create.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['amount', 'asset', 'network', 'currency', 'metadata']));
    expect(schema.required).toEqual(expect.arrayContaining(['amount', 'asset']));
    expect(create.responses['201']).toBeDefined();
    expect(doc.paths['/api/v1/payment-intents'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['limit', 'starting_after', 'status', 'custom_id']));
    expect(doc.components.schemas.Error.properties.error.required).toEqual(expect.arrayContaining(['type', 'code', 'message', 'param']));
  });

  it('GET /docs serves HTML under a CSP, with only local scripts, and those scripts load', async () => {
    const res = await fetch(`${node.merchantUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|https?:)/);
    const html = await res.text();
    const srcs = [...html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.length).toBeGreaterThanOrEqual(2);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)/); // no inline script
    for (const src of srcs) {
      expect(src.startsWith('/')).toBe(true);
      const asset = await fetch(`${node.merchantUrl}${src}`);
      expect(asset.status, src).toBe(200);
      await asset.arrayBuffer();
    }
  });

  it('/healthz reports the devnet head and RPC health, and the live network', async () => {
    const res = await fetch(`${node.merchantUrl}/healthz`);
    const health = (await res.json()) as any;
    expect(res.status, JSON.stringify(health)).toBe(200);
    expect(health.status).toBe('ok');
    expect(health.devnet).toMatchObject({ chain_id: 31337 });
    const devnet = health.networks.find((n: { chain: string }) => n.chain === 'devnet');
    expect(devnet.head).toBeGreaterThanOrEqual(0);
    expect(devnet.healthy).toBe(true);
    expect(devnet.rpc.length).toBeGreaterThanOrEqual(1);
    expect(devnet.rpc[0]).toMatchObject({ ok: true });
    const bsc = health.networks.find((n: { chain: string }) => n.chain === 'bsc');
    expect(bsc).toMatchObject({ healthy: true, last_error: null });
    expect(bsc.head).toBeGreaterThanOrEqual(0);
  });

  it('/metrics is Prometheus text with the request counter', async () => {
    const res = await fetch(`${node.merchantUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('# TYPE kassa_http_requests_total counter');
    expect(text).toMatch(/kassa_http_requests_total\{[^}]*status="201"[^}]*\} \d+/);
    expect(text).toMatch(/kassa_chain_head\{chain="devnet"\} \d+/);
    expect(text).not.toMatch(/sk_(test|live)_/);
  });
});
