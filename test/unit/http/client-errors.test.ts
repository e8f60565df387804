// Regression (found by the OpenAPI fuzzer, test/faults/scenarios/fuzz-api.ts): a request whose URL
// and headers pass 16 kB was refused by Node's HTTP parser with a bare "431" and no body, the only
// 4xx outside the error envelope. The merchant listener now answers those in the envelope too.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answerClientErrorsAsJson, createMerchantApp } from '../../../src-server/http/merchant-app.ts';
import { createApiKeysService } from '../../../src-server/keys/api-keys-service.ts';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';

let server: Server;
let url = '';
beforeAll(async () => {
  const storage = createStorage(openDatabase(':memory:'));
  const app = createMerchantApp({
    storage,
    apiKeys: createApiKeysService({ storage, defaultRateLimit: 100 }),
    routes: [],
    sealer: null,
    logger: pino({ level: 'silent' }),
    metrics: new Registry(),
    health: () => ({ status: 'ok' }),
    version: 'test',
  });
  server = createServer(app);
  answerClientErrorsAsJson(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('a 20 kB query string: 431 in the error envelope', async () => {
  // The fuzzer's request: POST …/checkout-sessions/:id/cancel?…=xxxx… (two 10 kB query values).
  const res = await fetch(`${url}/api/v1/checkout-sessions/cs_x/cancel?a=${'x'.repeat(10_000)}&b=${'x'.repeat(10_000)}`, { method: 'POST' });
  expect(res.status).toBe(431);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await res.json()).toEqual({ error: { type: 'invalid_request_error', code: 'headers_too_large', message: expect.stringContaining('16 kB'), param: null } });
});

it('a request that is not HTTP: 400 in the error envelope', async () => {
  const port = (server.address() as AddressInfo).port;
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GARBAGE / HTTP/9.9\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { type: 'invalid_request_error', code: 'bad_request', param: null } });
});
