// Malformed input on every merchant endpoint: always a 4xx in the SPEC §5 error shape, naming the
// field at fault, never a 500 and never a stack trace. Real node, real devnet, real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type ApiResponse, type TestNode } from '../../helpers/node.ts';

let node: TestNode;
let fiatNode: TestNode;
let api: ApiClient;
let fiatApi: ApiClient;
let intentId: string;

const INTENTS = '/api/v1/payment-intents';
const VALID = { network: 'devnet', asset: 'USDT', amount: '1.00' } as const;

/** The SPEC error shape, exactly; `param` named in the message for 400/422 (a 404 names the id instead). */
function expectApiError(res: ApiResponse, status: number, code: string, param: string | null) {
  const context = JSON.stringify(res.body);
  expect(res.status, context).toBe(status);
  expect(res.headers.get('content-type'), context).toMatch(/^application\/json/);
  expect(Object.keys(res.body), context).toEqual(['error']);
  expect(Object.keys(res.body.error).sort(), context).toEqual(['code', 'message', 'param', 'type']);
  expect(res.body.error.type, context).toBe('invalid_request_error');
  expect(res.body.error.code, context).toBe(code);
  expect(res.body.error.param, context).toBe(param);
  expect(typeof res.body.error.message, context).toBe('string');
  expect(res.body.error.message, context).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  if (param !== null && status !== 404) expect(res.body.error.message, context).toContain(param);
}

beforeAll(async () => {
  const home = tempHome();
  const fiatHome = tempHome();
  [node, fiatNode] = await Promise.all([
    // Litecoin's devnet is off here, so a test-mode network without a devnet can be asked for.
    startNode({ home, blockTime: 0, config: { devnet: { litecoin: { enabled: false } } } }),
    startNode({ home: fiatHome, blockTime: 0, config: { rates: { 'EUR/USDT': '1.0870' } } }),
  ]);
  // Unlimited keys: this file sends bursts far beyond the default per-key rate.
  api = apiClient(node.merchantUrl, await createApiKey(home, 'test', ['--rate-limit', 'off']));
  fiatApi = apiClient(fiatNode.merchantUrl, await createApiKey(fiatHome, 'test', ['--rate-limit', 'off']));
  const created = await api.post(INTENTS, VALID);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  intentId = created.body.data.id;
});
afterAll(async () => {
  await Promise.all([node?.stop(), fiatNode?.stop()]);
});

describe('POST /api/v1/payment-intents', () => {
  const fiftyOneKeys = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
  const cases: [string, Record<string, unknown>, number, string, string][] = [
    ['missing network', { asset: 'USDT', amount: '1' }, 400, 'parameter_missing', 'network'],
    ['missing asset', { network: 'devnet', amount: '1' }, 400, 'parameter_missing', 'asset'],
    ['missing amount', { network: 'devnet', asset: 'USDT' }, 400, 'parameter_missing', 'amount'],
    ['amount of the wrong JSON type', { ...VALID, amount: true }, 400, 'parameter_invalid', 'amount'],
    ['unknown network', { ...VALID, network: 'dogechain' }, 400, 'parameter_invalid', 'network'],
    ['unknown method alias', { asset: 'USDT', amount: '1', method: 'nope' }, 400, 'parameter_invalid', 'method'],
    ['asset not on the network', { ...VALID, asset: 'BTC' }, 400, 'parameter_invalid', 'asset'],
    ['amount "abc"', { ...VALID, amount: 'abc' }, 400, 'parameter_invalid', 'amount'],
    ['amount "-1"', { ...VALID, amount: '-1' }, 400, 'parameter_invalid', 'amount'],
    ['amount "1e3" as a string', { ...VALID, amount: '1e3' }, 400, 'parameter_invalid', 'amount'],
    ['amount 0', { ...VALID, amount: '0' }, 400, 'parameter_invalid', 'amount'],
    ['amount JSON 0', { ...VALID, amount: 0 }, 400, 'parameter_invalid', 'amount'],
    ['amount JSON 1e300', { ...VALID, amount: 1e300 }, 400, 'parameter_invalid', 'amount'],
    ['amount of 600 digits', { ...VALID, amount: '9'.repeat(600) }, 400, 'parameter_invalid', 'amount'],
    ['currency "XYZ"', { ...VALID, currency: 'XYZ' }, 400, 'parameter_invalid', 'currency'],
    ['JPY with decimals', { ...VALID, currency: 'JPY', amount: '1.5' }, 400, 'parameter_invalid', 'amount'],
    ['EUR without a configured rate', { ...VALID, amount: '10.00', currency: 'EUR' }, 422, 'rate_unavailable', 'currency'],
    ['customer_email invalid', { ...VALID, customer_email: 'not-an-email' }, 400, 'parameter_invalid', 'customer_email'],
    ['metadata with a non-string value', { ...VALID, metadata: { order: 42 } }, 400, 'parameter_invalid', 'metadata.order'],
    ['metadata with 51 keys', { ...VALID, metadata: fiftyOneKeys }, 400, 'parameter_invalid', 'metadata'],
    ['metadata not an object', { ...VALID, metadata: 'x' }, 400, 'parameter_invalid', 'metadata'],
    ['metadata with the reserved key __proto__', { ...VALID, metadata: JSON.parse('{"__proto__": "x"}') }, 400, 'parameter_invalid', 'metadata.__proto__'],
    ['success_url javascript:', { ...VALID, success_url: 'javascript:alert(1)' }, 400, 'parameter_invalid', 'success_url'],
    ['cancel_url not a URL', { ...VALID, cancel_url: 'nope' }, 400, 'parameter_invalid', 'cancel_url'],
    ['expires_in 5', { ...VALID, expires_in: 5 }, 400, 'parameter_invalid', 'expires_in'],
    ['expires_in "abc"', { ...VALID, expires_in: 'abc' }, 400, 'parameter_invalid', 'expires_in'],
    ['expires_in 90.5 (not whole seconds)', { ...VALID, expires_in: 90.5 }, 400, 'parameter_invalid', 'expires_in'],
    ['custom_id empty', { ...VALID, custom_id: '' }, 400, 'parameter_invalid', 'custom_id'],
    ['unknown field foo', { ...VALID, foo: 'bar' }, 400, 'parameter_unknown', 'foo'],
    ['network and method disagree', { ...VALID, network: 'bsc', method: 'polygon' }, 400, 'parameter_invalid', 'method'],
    ['a network whose test devnet is off (litecoin)', { ...VALID, network: 'litecoin', asset: 'LTC' }, 422, 'network_unavailable', 'network'],
  ];
  it.each(cases)('%s → %i %s naming %s', async (_name, body, status, code, param) => {
    expectApiError(await api.post(INTENTS, body), status, code, param);
  });

  it('amount "1.0000001" for 6-decimal USDT is refused for its precision', async () => {
    const res = await api.post(INTENTS, { ...VALID, amount: '1.0000001' });
    expectApiError(res, 400, 'parameter_invalid', 'amount');
    expect(res.body.error.message).toMatch(/more than 6 decimal places/);
  });

  it('a JSON number is read through its decimal text: 25.5 → "25.50"', async () => {
    const res = await api.post(INTENTS, { ...VALID, amount: 25.5 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ amount: '25.50', pay_amount: '25.50', currency: 'USDT' });
  });

  it('a body that is not JSON → 400 invalid_json', async () => {
    expectApiError(await api.post(INTENTS, '{"network": "devnet",'), 400, 'invalid_json', null);
    expectApiError(await api.post(INTENTS, 'null'), 400, 'invalid_json', null);
  });

  it('a JSON body that is not an object → 400', async () => {
    expectApiError(await api.post(INTENTS, '[]'), 400, 'parameter_invalid', null);
  });

  it('a body over 100 kB → 413 body_too_large', async () => {
    const res = await api.post(INTENTS, { ...VALID, description: 'x'.repeat(101 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'body_too_large', param: null });
  });

  it('an Idempotency-Key over 255 characters → 400 naming the header', async () => {
    expectApiError(await api.post(INTENTS, VALID, { 'idempotency-key': 'k'.repeat(300) }), 400, 'parameter_invalid', 'Idempotency-Key');
  });

  it('nothing invalid was stored along the way', async () => {
    const res = await api.get(`${INTENTS}?limit=100`);
    expect(res.status).toBe(200);
    const amounts = res.body.data.map((i: { amount: string }) => i.amount).sort();
    expect(amounts).toEqual(['1.00', '25.50']);
    expect(res.body.data.every((i: { currency: string }) => i.currency === 'USDT')).toBe(true);
  });
});

describe('fiat pricing at a configured rate', () => {
  it('10.00 EUR at EUR/USDT 1.0870 → pay 10.87 USDT, rate recorded, amount stays 10.00 EUR', async () => {
    const res = await fiatApi.post(INTENTS, { network: 'devnet', asset: 'USDT', amount: '10.00', currency: 'EUR' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ amount: '10.00', currency: 'EUR', asset: 'USDT', pay_amount: '10.87', amount_due: '10.87' });
    expect(res.body.data.rate).toMatchObject({ provider: 'config', pair: 'EUR/USDT', rate: '1.0870' });
    expect(res.body.data.payment_uri).toContain('uint256=10870000');
    const again = await fiatApi.get(`${INTENTS}/${res.body.data.id}`);
    expect(again.body.data).toMatchObject({ amount: '10.00', currency: 'EUR', pay_amount: '10.87', rate: res.body.data.rate });
  });

  it('a fiat amount with more decimals than the currency has is refused', async () => {
    expectApiError(await fiatApi.post(INTENTS, { network: 'devnet', asset: 'USDT', amount: '10.001', currency: 'EUR' }), 400, 'parameter_invalid', 'amount');
  });
});

describe('GET /api/v1/payment-intents (list)', () => {
  const cases: [string, string, number, string, string][] = [
    ['limit 0', 'limit=0', 400, 'parameter_invalid', 'limit'],
    ['limit 101', 'limit=101', 400, 'parameter_invalid', 'limit'],
    ['limit abc', 'limit=abc', 400, 'parameter_invalid', 'limit'],
    ['limit given twice', 'limit=1&limit=2', 400, 'parameter_invalid', 'limit'],
    ['status bogus', 'status=bogus', 400, 'parameter_invalid', 'status'],
    ['starting_after an unknown id', 'starting_after=pi_doesnotexist', 400, 'parameter_invalid', 'starting_after'],
    ['created[gte] garbage', 'created[gte]=garbage', 400, 'parameter_invalid', 'created[gte]'],
    ['created[lte] garbage (encoded brackets)', 'created%5Blte%5D=yesterday', 400, 'parameter_invalid', 'created[lte]'],
    ['an unknown filter', 'colour=blue', 400, 'parameter_unknown', 'colour'],
  ];
  it.each(cases)('%s → %i %s naming %s', async (_name, query, status, code, param) => {
    expectApiError(await api.get(`${INTENTS}?${query}`), status, code, param);
  });

  it('a garbage date says what a date looks like', async () => {
    const res = await api.get(`${INTENTS}?created[gte]=garbage`);
    expect(res.body.error.message).toMatch(/ISO-8601/);
  });
});

describe('GET /api/v1/payment-intents/:id', () => {
  const cases: [string, string, number, string][] = [
    ['a path-traversal id', encodeURIComponent('../../etc'), 404, 'resource_missing'],
    ['an SQL-injection id', encodeURIComponent("pi_' OR 1=1"), 404, 'resource_missing'],
    ['an id with a NUL byte', encodeURIComponent('pi_\u0000x'), 404, 'resource_missing'],
    ['an unknown well-formed id', 'pi_00000000000000000000', 404, 'resource_missing'],
    ['a 10 kB id', 'a'.repeat(10_000), 400, 'parameter_invalid'],
  ];
  it.each(cases)('%s → %i %s', async (_name, id, status, code) => {
    const res = await api.get(`${INTENTS}/${id}`);
    expectApiError(res, status, code, 'id');
  });

  it('broken percent-encoding in the path → 400, not 500', async () => {
    const res = await api.get(`${INTENTS}/%E0%A4%A`);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.type).toBe('invalid_request_error');
  });

  it('the well-formed intent is still there', async () => {
    expect((await api.get(`${INTENTS}/${intentId}`)).status).toBe(200);
  });
});

describe('POST /api/v1/payment-intents/:id/cancel', () => {
  it('an unknown id → 404 resource_missing', async () => {
    expectApiError(await api.post(`${INTENTS}/pi_nope/cancel`, {}), 404, 'resource_missing', 'id');
  });
  it('a 10 kB id → 400 naming id', async () => {
    expectApiError(await api.post(`${INTENTS}/${'a'.repeat(10_000)}/cancel`, {}), 400, 'parameter_invalid', 'id');
  });
  it('a body field → 400 parameter_unknown', async () => {
    expectApiError(await api.post(`${INTENTS}/${intentId}/cancel`, { reason: 'x' }), 400, 'parameter_unknown', 'reason');
  });
  it('invalid JSON → 400 invalid_json', async () => {
    expectApiError(await api.post(`${INTENTS}/${intentId}/cancel`, '{'), 400, 'invalid_json', null);
  });
});

describe('GET /api/v1/supported-assets', () => {
  it('answers without parameters', async () => {
    const res = await api.get('/api/v1/supported-assets');
    expect(res.status).toBe(200);
    expect(res.body.data.some((a: { network: string; asset: string }) => a.network === 'devnet' && a.asset === 'USDT')).toBe(true);
  });
  it('an unknown query parameter → 400 parameter_unknown, not silently ignored', async () => {
    expectApiError(await api.get('/api/v1/supported-assets?network=bsc'), 400, 'parameter_unknown', 'network');
  });
});

describe('test helpers', () => {
  const payPath = () => `/api/v1/test-helpers/payment-intents/${intentId}/pay`;
  const pays: [string, unknown, string][] = [
    ['amount "-5"', { amount: '-5' }, 'parameter_invalid'],
    ['amount with 7 decimals on 6-decimal USDT', { amount: '1.0000001' }, 'parameter_invalid'],
    ['amount "abc"', { amount: 'abc' }, 'parameter_invalid'],
    ['amount 0', { amount: 0 }, 'parameter_invalid'],
    ['amount of the wrong JSON type', { amount: ['1'] }, 'parameter_invalid'],
  ];
  it.each(pays)('pay with %s → 400 naming amount', async (_name, body, code) => {
    expectApiError(await api.post(payPath(), body), 400, code, 'amount');
  });
  it('pay more than the devnet faucet holds → 422 naming amount, not 500', async () => {
    expectApiError(await api.post(payPath(), { amount: '999999999999999999' }), 422, 'faucet_insufficient', 'amount');
    const native = await api.post(INTENTS, { network: 'devnet', asset: 'DEV', amount: '1' });
    expect(native.status).toBe(201);
    const res = await api.post(`/api/v1/test-helpers/payment-intents/${native.body.data.id}/pay`, { amount: '100000000' });
    expectApiError(res, 422, 'faucet_insufficient', 'amount');
    expect(res.body.error.message).toContain('100000000.00 DEV');
    await api.post(`${INTENTS}/${native.body.data.id}/cancel`, {});
  });
  it('pay with an unknown field → 400 parameter_unknown', async () => {
    expectApiError(await api.post(payPath(), { to: '0x0' }), 400, 'parameter_unknown', 'to');
  });
  it('pay an unknown intent → 404', async () => {
    expectApiError(await api.post('/api/v1/test-helpers/payment-intents/pi_nope/pay', {}), 404, 'resource_missing', 'id');
  });
  it('pay with a 10 kB id → 400 naming id', async () => {
    expectApiError(await api.post(`/api/v1/test-helpers/payment-intents/${'a'.repeat(10_000)}/pay`, {}), 400, 'parameter_invalid', 'id');
  });

  it('expire an unknown intent → 404; a body field → 400', async () => {
    expectApiError(await api.post('/api/v1/test-helpers/payment-intents/pi_nope/expire', {}), 404, 'resource_missing', 'id');
    expectApiError(await api.post(`/api/v1/test-helpers/payment-intents/${intentId}/expire`, { when: 'now' }), 400, 'parameter_unknown', 'when');
  });

  const MINE = '/api/v1/test-helpers/devnet/mine';
  const mines: [string, unknown, string, string][] = [
    ['blocks 0', { blocks: 0 }, 'parameter_invalid', 'blocks'],
    ['blocks 100001', { blocks: 100_001 }, 'parameter_invalid', 'blocks'],
    ['blocks 1001 (one call stays small)', { blocks: 1001 }, 'parameter_invalid', 'blocks'],
    ['blocks "x"', { blocks: 'x' }, 'parameter_invalid', 'blocks'],
    ['blocks 1.5', { blocks: 1.5 }, 'parameter_invalid', 'blocks'],
    ['network "litecoin" (its devnet is off)', { network: 'litecoin' }, 'parameter_invalid', 'network'],
    ['an unknown network', { network: 'dogechain' }, 'parameter_invalid', 'network'],
    ['an unknown field', { block: 1 }, 'parameter_unknown', 'block'],
  ];
  it.each(mines)('mine with %s → 400 naming the field', async (_name, body, code, param) => {
    expectApiError(await api.post(MINE, body), 400, code, param);
  });
  it('mine with a valid body still works, up to the maximum of 1000 blocks', async () => {
    const one = await api.post(MINE, { blocks: 1 });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body.data).toMatchObject({ object: 'test_helper.mine', network: 'devnet', blocks: 1 });
    const many = await api.post(MINE, { blocks: 1000, network: 'bsc' });
    expect(many.status, JSON.stringify(many.body)).toBe(200);
    expect(many.body.data).toMatchObject({ network: 'bsc', chain: 'devnet', blocks: 1000, head: one.body.data.head + 1000 });
  });
});

describe('never a 500', () => {
  it('no request above was answered with a 5xx (the request counter by status says so)', async () => {
    for (const n of [node, fiatNode]) {
      const res = await fetch(`${n.merchantUrl}/metrics`);
      const text = await res.text();
      expect(text).toMatch(/kassa_http_requests_total\{[^}]*status="400"/);
      expect(text).not.toMatch(/kassa_http_requests_total\{[^}]*status="5\d\d"/);
    }
  });
});
