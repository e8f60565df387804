// Regression (found by the OpenAPI fuzzer, test/faults/scenarios/fuzz-api.ts): a body nested
// thousands of levels deep overflowed the stack of the `__proto__` check and answered 500 on every
// route with a body. Now it is a 400 naming the field, before anything recursive walks it. Also
// from the fuzzer: a body sent as text/plain or form data was ignored and read as empty (a
// misleading "x is required"); now it is a 415 saying to send JSON.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMerchantApp } from '../../../src-server/http/merchant-app.ts';
import { defineRoute, findBodyShapeError, MAX_BODY_DEPTH } from '../../../src-server/http/routes.ts';
import { createApiKeysService } from '../../../src-server/keys/api-keys-service.ts';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';

const deepObject = (depth: number) => JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
const deepArray = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('findBodyShapeError', () => {
  it('accepts ordinary bodies, nesting up to the limit included', () => {
    expect(findBodyShapeError({ amount: '1.00', metadata: { order: '42' }, events: ['*'] })).toBeNull();
    expect(findBodyShapeError(deepObject(MAX_BODY_DEPTH))).toBeNull();
    expect(findBodyShapeError(null)).toBeNull();
    expect(findBodyShapeError('text')).toBeNull();
  });

  it.each([
    ['objects 16,000 deep', { method: deepObject(16_000) }, 'method.a.a'],
    ['arrays 50,000 deep', { x: deepArray(50_000) }, 'x[0][0]'],
    ['a bare array 50,000 deep', deepArray(50_000), '[0][0][0]'],
  ])('refuses %s without overflowing the stack, naming the field', (_name, body, param) => {
    const error = findBodyShapeError(body)!;
    expect(error.toBody().error).toMatchObject({ type: 'invalid_request_error', code: 'parameter_invalid', param });
    expect(error.message).toContain(`nested deeper than ${MAX_BODY_DEPTH} levels`);
  });

  it('still names a __proto__ key anywhere', () => {
    expect(findBodyShapeError({ metadata: JSON.parse('{"__proto__": "x"}') })!.toBody().error).toMatchObject({ param: 'metadata.__proto__' });
    expect(findBodyShapeError({ items: [{}, JSON.parse('{"__proto__": {}}')] })!.toBody().error).toMatchObject({ param: 'items[1].__proto__' });
  });
});

describe('a deeply nested body over HTTP', () => {
  let url = '';
  let key = '';
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'kassa-body-shape-')), 'kassa.db'));
    const storage = createStorage(db);
    storage.stores.ensure('st_default', 'Default store', new Date().toISOString());
    const apiKeys = createApiKeysService({ storage, defaultRateLimit: 1000 });
    key = apiKeys.create({ mode: 'test', storeId: 'st_default' }).key;
    const routes = [
      defineRoute({
        method: 'post', path: '/api/v1/echo', operationId: 'echo', summary: 'echo', tag: 'test', scope: 'payment_intents:write',
        body: z.object({ x: z.unknown().optional() }), response: z.object({ ok: z.boolean() }), envelope: 'data', status: 200,
        handler: () => ({ ok: true }),
      }),
    ];
    const app = createMerchantApp({ storage, apiKeys, routes, sealer: null, logger: pino({ level: 'silent' }), metrics: new Registry(), health: () => ({ status: 'ok' }), version: 'test' });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
    };
  });
  afterAll(() => close());

  it.each([
    ['text/plain', 'text/plain', '{"x":1}'],
    ['form-encoded', 'application/x-www-form-urlencoded', 'x=1'],
    ['JSON in Latin-1', 'application/json; charset=latin1', '{"x":1}'],
  ])('a %s body: 415 unsupported_media_type, not a request read as empty', async (_name, contentType, text) => {
    const res = await fetch(`${url}/api/v1/echo`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body: text });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(415);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_media_type', param: null });
  });

  it('a POST without a body needs no Content-Type', async () => {
    const res = await fetch(`${url}/api/v1/echo`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(res.status, await res.text()).toBe(200);
  });

  it.each([
    // The exact shapes the fuzzer sent (30 kB of {"a": and 10 kB of [), with and without an Idempotency-Key.
    ['objects', `{"x":${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}}`, {}],
    ['arrays', `{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, { 'idempotency-key': '"FM' }],
  ])('%s: 400 parameter_invalid naming the field, not 500', async (_name, text, headers) => {
    const res = await fetch(`${url}/api/v1/echo`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: text });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body).toEqual({ error: { type: 'invalid_request_error', code: 'parameter_invalid', message: expect.stringContaining('nested deeper than'), param: expect.stringMatching(/^x/) } });
  });
});
