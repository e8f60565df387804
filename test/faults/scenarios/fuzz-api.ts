// Property-based fuzzing of every operation the running node documents in its OpenAPI document
// (read at run time, so routes added later are covered without touching this file). Requests are
// built with fast-check from each operation's own JSON schemas, then mutated: wrong types, missing
// and extra fields, huge and unicode strings, hostile amounts, deep nesting, `__proto__`, bodies
// that are not JSON or not objects, wrong content types, hostile path and query parameters,
// Idempotency-Key headers, keys without scopes or no key at all; valid-ish requests too, so some
// succeed and their ids feed later requests. The promises checked on every answer:
//   - never a 5xx;
//   - a 4xx is exactly the error envelope {error:{type,code,message,param}};
//   - a 2xx matches the operation's documented response schema;
//   - a rejected request persisted nothing (row counts of the node's SQLite tables, read through a
//     read-only handle on the WAL database while the node runs).
// Then every documented path is tried off the document (other methods, slashes, case, traversal),
// and each operation's last accepted request is sent six times at once under one Idempotency-Key:
// one execution, the same answer replayed (or 409 idempotency_key_in_use), no second object.
// URLs the node would call are kept on loopback (keepOnLoopback): no request leaves the machine.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { join } from 'node:path';
import { z } from 'zod';
import { createApiKey, startNode, tempHome, type TestNode } from '../../helpers/node.ts';
import { emptyResult, type Profile, type Scenario, type ScenarioContext, type ScenarioResult } from '../scenario.ts';

type JsonSchema = Record<string, any>;

export const ErrorEnvelope = z.strictObject({
  error: z.strictObject({ type: z.string().min(1), code: z.string().min(1), message: z.string().min(1), param: z.string().nullable() }),
});

// ---------------------------------------------------------------------------------------------
// The operations, from the document the node serves.

interface Operation {
  id: string;
  method: string;
  template: string;
  pathParams: { name: string; schema: JsonSchema }[];
  queryParams: { name: string; required: boolean; schema: JsonSchema }[];
  body: JsonSchema | null;
  successStatus: number;
  successSchema: JsonSchema | null;
  idempotent: boolean;
}

export function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries<any>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const params: any[] = op.parameters ?? [];
      const success = Object.entries<any>(op.responses ?? {}).find(([code]) => code.startsWith('2'));
      ops.push({
        id: op.operationId ?? `${method} ${template}`,
        method: method.toUpperCase(),
        template,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: !!p.required, schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
        successStatus: success ? Number(success[0]) : 200,
        successSchema: success?.[1]?.content?.['application/json']?.schema ?? null,
        idempotent: params.some((p) => p.in === 'header' && String(p.name).toLowerCase() === 'idempotency-key'),
      });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Values: valid-ish from the schema (with hints by field name, so some requests succeed), and hostile.

const VALID_ID = '\u0000valid-id';

const HOSTILE_STRINGS: string[] = [
  '', ' ', '0', '-1', 'null', 'undefined', 'NaN', 'true', '[]', '{}',
  '../../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd', '%2e%2e%2f', '%00', '%', '%E0%A4%A', '%ZZ',
  "' OR 1=1 --", '"; DROP TABLE payment_intents; --', "pi_' UNION SELECT * FROM secrets --", '*', '%', '_',
  '<script>alert(1)</script>', '${7*7}', '{{7*7}}', '__proto__', 'constructor', 'prototype', 'hasOwnProperty',
  '💸', 'ａｍｏｕｎｔ', '\u202e', '\ufeff', 'ß'.repeat(30), 'x'.repeat(65), 'x'.repeat(300), 'x'.repeat(5000),
  'pi_' + 'A'.repeat(60), 'we_0000000000000000', 'evt_\u0000',
];

const WEIRD_VALUES: unknown[] = [
  null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 5e-324, '', ' ', 'null', '0', '-0', 'NaN', 'Infinity',
  '💸💸', '\u0000', '\ud800', 'ａｍｏｕｎｔ', [], {}, [1, 2], [null], { a: { b: {} } }, "' OR 1=1 --", '<script>', 'x'.repeat(3000),
];

const EVIL_AMOUNTS: unknown[] = [
  '-1', '0', '0.00', '-0', '1e3', '1E-7', '0.0000000000000000000000000001', '1.' + '1'.repeat(40), '9'.repeat(80),
  '99999999999999999999999999999999999999.99', ' 1', '1 ', '1,00', '١٢', 'Infinity', 'NaN', '0x10', '+1', '.5', '5.',
  '00001', '1..2', '1.2.3', '', 1e21, 0.1 + 0.2, -0, 1.2345678901234567, Number.MAX_SAFE_INTEGER, 5e-324, -5, 0, 1e-7, 123456789012345680000,
];

const ISO_DATES = ['2026-01-01', '2026-01-01T00:00:00Z', new Date(Date.now() - 86400_000).toISOString(), '2030-12-31T23:59:59.999Z'];

const HINTS: Record<string, unknown[]> = {
  network: ['devnet', 'devnet', 'ethereum', 'bsc', 'tron', 'polygon', 'erc20', 'bitcoin'],
  method: ['devnet', 'erc20', 'trc20', 'bep20'],
  asset: ['USDT', 'USDT', 'USDC', 'ETH', 'BTC', 'TRX'],
  amount: ['1.00', '25', '0.5', '0.000001', '100.123456', '3'],
  currency: ['USD', 'USDT', 'EUR', 'JPY'],
  url: ['http://127.0.0.1:9/hook', 'http://localhost:9/h'],
  success_url: ['https://shop.example/ok'],
  cancel_url: ['https://shop.example/cancel'],
  return_url: ['https://shop.example/back'],
  events: [['*'], ['payment_intent.*'], ['payment_intent.paid', 'payment_intent.expired']],
  format: ['native', 'claude_pay'],
  blocks: [1, 2],
  customer_email: ['buyer@shop.example'],
  email: ['buyer@shop.example'],
  limit: [1, 5, 100],
  type: ['payment_intent.paid', 'payment_intent.created', 'test.webhook'],
  'created[gte]': ISO_DATES,
  'created[lte]': ISO_DATES,
  created_gte: ISO_DATES,
  created_lte: ISO_DATES,
};

const str = (max: number, min = 0) => fc.string({ minLength: min, maxLength: Math.max(min, max), unit: 'grapheme-ascii' });

function clamp(n: number | undefined, lo: number, hi: number, dflt: number): number {
  if (n === undefined || !Number.isFinite(n)) return dflt;
  return Math.min(hi, Math.max(lo, n));
}

/** Required keys always; most optional keys one time in four, so a valid-ish request often is valid. */
function sparseRecord(model: Record<string, fc.Arbitrary<unknown>>, required: string[]): fc.Arbitrary<Record<string, unknown>> {
  // Optional in the schema but needed in practice (a network to pay on): nearly always present.
  const usually = (key: string) => key === 'network' || key === 'url' || key === 'events';
  const entries = Object.entries(model).map(([key, arb]) => [key, required.includes(key) ? arb : fc.oneof({ weight: usually(key) ? 1 : 3, arbitrary: fc.constant(undefined) }, { weight: usually(key) ? 9 : 1, arbitrary: arb })] as const);
  return fc.record(Object.fromEntries(entries)).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

/** A value the schema accepts, mostly (patterns and refinements are not enforced). */
export function validish(schema: JsonSchema, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object') return fc.constant(null);
  const hint = HINTS[name];
  if (hint && depth < 3) return fc.oneof({ arbitrary: fc.constantFrom(...hint), weight: 4 }, { arbitrary: validishNoHint(schema, name, depth), weight: 1 });
  return validishNoHint(schema, name, depth);
}

function validishNoHint(schema: JsonSchema, name: string, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length) return fc.oneof(...alternatives.map((s: JsonSchema) => validish(s, name, depth + 1)));
  if (Array.isArray(schema.allOf) && schema.allOf.length) return validish(Object.assign({}, ...schema.allOf), name, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties ? ['object'] : [];
  if (type.length > 1) return fc.oneof(...type.map((t: string) => validish({ ...schema, type: t }, name, depth + 1)));
  switch (type[0]) {
    case 'string': {
      if (schema.format === 'email') return fc.constant('buyer@shop.example');
      if (schema.format === 'uri' || schema.format === 'url') return fc.constantFrom('http://127.0.0.1:9/x', 'http://localhost:9/h');
      if (schema.format === 'date-time') return fc.constant(new Date().toISOString());
      if (schema.format === 'date') return fc.constant(new Date().toISOString().slice(0, 10));
      const min = clamp(schema.minLength, 0, 64, 0);
      return str(clamp(schema.maxLength, min, 24, 24), min);
    }
    case 'integer':
      return fc.integer({ min: clamp(schema.minimum ?? schema.exclusiveMinimum, -1e9, 1e9, 0), max: clamp(schema.maximum ?? schema.exclusiveMaximum, -1e9, 1e9, 1000) });
    case 'number':
      return fc.double({ min: clamp(schema.minimum, -1e9, 1e9, 0), max: clamp(schema.maximum, -1e9, 1e9, 1000), noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      if (depth > 4) return fc.constant([]);
      return fc.array(validish(schema.items ?? {}, name, depth + 1), { minLength: clamp(schema.minItems, 0, 3, 0), maxLength: clamp(schema.maxItems, 0, 3, 3) });
    case 'object': {
      if (depth > 4) return fc.constant({});
      const props: Record<string, JsonSchema> = schema.properties ?? {};
      const required: string[] = schema.required ?? [];
      let record = sparseRecord(Object.fromEntries(Object.entries(props).map(([key, sub]) => [key, validish(sub, key, depth + 1)])), required);
      if ('network' in props && 'asset' in props) {
        // Half the time a network and an asset that go together (and no conflicting `method`).
        const pairs = fc.constantFrom(['devnet', 'USDT'], ['devnet', 'USDC'], ['ethereum', 'USDT'], ['bsc', 'USDT'], ['polygon', 'USDC'], ['erc20', 'USDT']);
        record = fc.tuple(record, fc.option(pairs, { nil: undefined, freq: 2 })).map(([r, pair]) => {
          if (!pair) return r;
          const { method: _method, ...rest } = r;
          return { ...rest, network: pair[0], asset: pair[1], ...(r.currency !== undefined ? { currency: 'USD' } : {}) };
        });
      }
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object' && Object.keys(props).length === 0) {
        return fc.dictionary(str(12, 1), validish(schema.additionalProperties, '', depth + 1), { maxKeys: 3 });
      }
      return record;
    }
    default:
      return fc.oneof(fc.constant('x'), fc.integer(), fc.constant(null));
  }
}

/** Deeply nested arrays or objects: recursion in the server's body walkers, schemas and hashing. */
function nested(depth: number, kind: 'array' | 'object'): unknown {
  // Built as text so the client does not recurse either.
  return kind === 'array' ? { __raw: '['.repeat(depth) + ']'.repeat(depth) } : { __raw: '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) };
}

type BodyMutation =
  | { kind: 'none' }
  | { kind: 'drop'; pick: number }
  | { kind: 'wrongType'; pick: number; value: unknown }
  | { kind: 'extra'; key: string; value: unknown }
  | { kind: 'amount'; value: unknown }
  | { kind: 'swapTypes' }
  | { kind: 'nest'; pick: number; depth: number; shape: 'array' | 'object' }
  | { kind: 'notObject'; value: unknown }
  | { kind: 'huge'; pick: number; length: number };

const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: 'drop' as const, pick })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wrongType' as const), pick: fc.nat(), value: fc.oneof(fc.constantFrom(...WEIRD_VALUES), fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: 'binary', maxLength: 50 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extra' as const), key: fc.oneof(fc.constantFrom('foo', '__proto__', 'constructor', 'prototype', '', 'x'.repeat(300), '💸', 'livemode', 'id', 'status', 'amount_received'), str(10, 1)), value: fc.constantFrom(...WEIRD_VALUES, 'paid', 'pi_x') }) },
  { weight: 3, arbitrary: fc.constantFrom(...EVIL_AMOUNTS).map((value) => ({ kind: 'amount' as const, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'swapTypes' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nest' as const), pick: fc.nat(), depth: fc.constantFrom(64, 1000, 5000, 16000), shape: fc.constantFrom('array' as const, 'object' as const) }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([], 'text', 42, null, true, [{}], '{"a":1}').map((value) => ({ kind: 'notObject' as const, value })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), pick: fc.nat(), length: fc.constantFrom(1000, 20_000, 99_000, 150_000) }) },
);

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, so "__proto__" becomes an own key that JSON.stringify writes out.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function applyBodyMutation(body: unknown, schema: JsonSchema, m: BodyMutation): unknown {
  if (m.kind === 'notObject') return m.value;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const keys = [...new Set([...Object.keys(out), ...Object.keys(schema.properties ?? {})])];
  const keyAt = (pick: number) => (keys.length ? keys[pick % keys.length]! : 'x');
  switch (m.kind) {
    case 'none':
      return out;
    case 'drop': {
      const req: string[] = schema.required ?? [];
      const key = req.length ? req[m.pick % req.length]! : keyAt(m.pick);
      delete out[key];
      return out;
    }
    case 'wrongType':
      setOwn(out, keyAt(m.pick), m.value);
      return out;
    case 'extra':
      setOwn(out, m.key, m.value);
      return out;
    case 'amount': {
      const amountKeys = keys.filter((k) => /amount|price|limit|blocks|expires_in|tolerance/.test(k));
      setOwn(out, amountKeys.length ? amountKeys[0]! : keyAt(0), m.value);
      return out;
    }
    case 'swapTypes':
      for (const [k, v] of Object.entries(out)) {
        if (typeof v === 'number') out[k] = String(v);
        else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) out[k] = Number(v);
      }
      return out;
    case 'nest':
      setOwn(out, keyAt(m.pick), nested(m.depth, m.shape));
      return out;
    case 'huge':
      setOwn(out, keyAt(m.pick), 'x'.repeat(m.length));
      return out;
  }
}

const isLoopbackUrl = (text: string) => {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(text).hostname);
  } catch {
    return true; // not a URL: nothing to reach
  }
};

/**
 * No test reaches a non-loopback address: a URL the node would call (a webhook target, a tunnel
 * server, a custom tunnel's probe) is pointed at a closed loopback port, and tunnel providers that
 * can only dial out (ngrok, cloudflared) become `custom`. Long waits are capped to keep runs short.
 */
export function keepOnLoopback(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const out = body as Record<string, unknown>;
  for (const key of ['url', 'host', 'public_url', 'server']) {
    if (typeof out[key] === 'string' && !isLoopbackUrl(out[key] as string)) out[key] = 'http://127.0.0.1:9/';
  }
  if (out.provider === 'ngrok' || out.provider === 'cloudflared') out.provider = 'custom';
  if (typeof out.provider === 'string' && out.provider !== 'custom' && out.host === undefined) out.host = 'http://127.0.0.1:9/';
  if (typeof out.wait_seconds === 'number' && out.wait_seconds > 3) out.wait_seconds = 3;
  return out;
}

/** JSON text of a body, with `{__raw}` placeholders spliced in as raw text. */
function serialize(body: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v.__raw === 'string') {
      raws.push(v.__raw);
      return `\u0001RAW${raws.length - 1}\u0001`;
    }
    return v;
  });
  return (text ?? 'null').replace(/"\\u0001RAW(\d+)\\u0001"/g, (_m, i) => raws[Number(i)]!);
}

const RAW_BODIES = [
  '{', '{"a":', 'nul', '[1,]', "{'amount':1}", '\ufeff{"amount":"1"}', '', ' ', '{"a":1}{"b":2}', 'true', '"str"', '{"amount":"1","amount":"2"}',
  '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', 'x'.repeat(120_000), '{"a":"\\ud800"}', '[' + '1,'.repeat(40_000) + '1]',
];

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16',
  'application/vnd.api+json', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml', '',
];

type KeyKind = 'full' | 'limited' | 'live' | 'none' | 'garbage';

interface FuzzCase {
  keyKind: KeyKind;
  garbageAuth: string;
  pathValues: Record<string, string>;
  encodePath: boolean;
  query: Record<string, string | string[]>;
  body: { kind: 'absent' } | { kind: 'json'; value: unknown; contentType: string } | { kind: 'raw'; text: string; contentType: string };
  idempotencyKey: string | null;
  /** Whether anything in it was mutated on purpose (counted as an injected fault). */
  hostile: boolean;
}

function caseArbitrary(op: Operation): fc.Arbitrary<FuzzCase> {
  const keyKind = fc.oneof(
    { weight: 40, arbitrary: fc.constant<KeyKind>('full') },
    { weight: 3, arbitrary: fc.constant<KeyKind>('limited') },
    { weight: 2, arbitrary: fc.constant<KeyKind>('live') },
    { weight: 1, arbitrary: fc.constant<KeyKind>('none') },
    { weight: 1, arbitrary: fc.constant<KeyKind>('garbage') },
  );
  const garbageAuth = fc.constantFrom('Bearer sk_test_' + 'A'.repeat(32), 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer  ', 'sk_test_x', 'Bearer ' + 'x'.repeat(5000), 'Bearer sk_live_\u00ff\u00fe');
  const pathValue = fc.oneof(
    { weight: 6, arbitrary: fc.constant(VALID_ID) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }) },
  );
  const pathValues = fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, pathValue])) as Record<string, fc.Arbitrary<string>>);
  const validQuery = sparseRecord(
    Object.fromEntries(op.queryParams.map((q) => [q.name, validish(q.schema, q.name)])),
    op.queryParams.filter((q) => q.required).map((q) => q.name),
  );
  const queryValue = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), str(20), fc.constantFrom('2026-01-01', '-5', '1e3', '101', '0'));
  const query = fc.tuple(validQuery, fc.oneof(
    { weight: 5, arbitrary: fc.constant<[string, unknown][]>([]) },
    { weight: 2, arbitrary: fc.array(fc.tuple(op.queryParams.length ? fc.constantFrom(...op.queryParams.map((q) => q.name)) : str(8, 1), queryValue), { minLength: 1, maxLength: 2 }) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.oneof(str(10, 1), fc.constantFrom('__proto__', 'constructor', 'limit[]', 'a[b]', '')), queryValue), { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(fc.tuple(op.queryParams.length ? fc.constantFrom(...op.queryParams.map((q) => q.name)) : str(8, 1), queryValue), { minLength: 2, maxLength: 3 }).map((pairs) => pairs.map(([k, v]) => [k, [v, v]] as [string, unknown])) },
  )).map(([valid, extra]) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(valid as Record<string, unknown>)) if (v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
    for (const [k, v] of extra) out[k] = Array.isArray(v) ? v.map(String) : String(v);
    return { out, mutated: extra.length > 0 };
  });
  const jsonBody = op.body
    ? fc.tuple(validish(op.body, ''), bodyMutation, fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) })).map(([valid, m, contentType]) => ({
        body: { kind: 'json' as const, value: applyBodyMutation(valid, op.body!, m), contentType },
        mutated: m.kind !== 'none' || contentType !== 'application/json',
      }))
    : fc.constant({ body: { kind: 'absent' as const }, mutated: false });
  const otherBody = fc.oneof(
    fc.record({ kind: fc.constant('raw' as const), text: fc.constantFrom(...RAW_BODIES), contentType: fc.constantFrom(...CONTENT_TYPES) }),
    fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }), contentType: fc.constantFrom(...CONTENT_TYPES) }),
    fc.constant({ kind: 'absent' as const }),
  ).map((body) => ({ body, mutated: true }));
  const body = fc.oneof({ weight: 6, arbitrary: jsonBody }, { weight: 1, arbitrary: otherBody });
  const idempotencyKey = op.idempotent
    ? fc.oneof(
        { weight: 12, arbitrary: fc.constant(null) },
        { weight: 3, arbitrary: str(40, 1) },
        { weight: 1, arbitrary: fc.constantFrom('', 'k'.repeat(256), 'k'.repeat(255), 'fuzz-fixed-1', 'fuzz-fixed-2', 'ümlaut-\u00ff', ' ') },
      )
    : fc.constant(null);
  return fc.record({ keyKind, garbageAuth, pathValues, encodePath: fc.boolean(), query, body, idempotencyKey }).map((c) => {
    const pathHostile = Object.values(c.pathValues).some((v) => v !== VALID_ID);
    return {
      keyKind: c.keyKind,
      garbageAuth: c.garbageAuth,
      pathValues: c.pathValues,
      encodePath: c.encodePath,
      query: c.query.out,
      body: c.body.body,
      idempotencyKey: c.idempotencyKey,
      hostile: c.keyKind !== 'full' || pathHostile || c.query.mutated || c.body.mutated,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Running the cases against a node.

export interface FuzzTarget {
  baseUrl: string;
  dbFile: string;
  keys: { full: string; limited: string; live: string };
}

/** The tables whose row count a rejected request must not change, and what may change anyway. */
const BACKGROUND_TABLES = new Set(['chain_cursors', 'chain_blocks', 'webhook_attempts', 'webhook_deliveries', 'sqlite_sequence']);
// Events the node records on its own (expiry sweep, watcher, dispatcher), not in answer to a request.
const BACKGROUND_EVENTS = ['payment_intent.expired', 'payment_intent.payment_detected', 'payment_intent.paid', 'payment_intent.paid_late', 'payment_intent.underpaid', 'payment.reverted', 'webhook_endpoint.disabled'];

function rowCounter(dbFile: string) {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[])
    .map((t) => t.name)
    .filter((name) => !BACKGROUND_TABLES.has(name));
  const statements = tables.map((name) => [name, name === 'events'
    ? db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type NOT IN (${BACKGROUND_EVENTS.map(() => '?').join(',')})`)
    : db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`)] as const);
  return {
    tables,
    counts(): Record<string, number> {
      return db.transaction(() => Object.fromEntries(statements.map(([name, st]) => [name, (name === 'events' ? st.get(...BACKGROUND_EVENTS) : st.get()) as { n: number }]).map(([name, r]) => [name, (r as { n: number }).n])))();
    },
    close: () => db.close(),
  };
}

export interface FuzzReport {
  requests: number;
  hostile: number;
  byStatus: Record<string, number>;
  succeeded: Record<string, number>;
  failures: string[];
  unsendable: number;
  /** 2xx writes whose rows the read-only snapshot saw appear. */
  writesSeen: number;
  /** Operations whose accepted request was replayed six times at once under one Idempotency-Key. */
  races: number;
  operations: string[];
  skippedSchemas: string[];
}

function describeCase(op: Operation, url: string, c: FuzzCase, bodyText: string | undefined): string {
  const body = bodyText === undefined ? '' : ` body=${bodyText.length > 300 ? `${bodyText.slice(0, 300)}…(${bodyText.length} chars)` : bodyText}`;
  const ct = c.body.kind === 'absent' ? '' : ` content-type=${JSON.stringify(c.body.contentType)}`;
  return `${op.method} ${url.length > 300 ? `${url.slice(0, 300)}…` : url} key=${c.keyKind}${c.idempotencyKey !== null ? ` idem=${JSON.stringify(c.idempotencyKey.slice(0, 40))}` : ''}${ct}${body}`;
}

/** Fuzzes every operation in the node's OpenAPI document; returns what broke, one line per distinct problem. */
export async function fuzzOperations(target: FuzzTarget, opts: { runsPerOperation: number; seed: number; log?: (m: string) => void; deadlineMs?: number }): Promise<FuzzReport> {
  const docRes = await fetch(`${target.baseUrl}/api/v1/openapi.json`);
  const doc = await docRes.json();
  const ops = operationsOf(doc);
  const report: FuzzReport = { requests: 0, hostile: 0, byStatus: {}, succeeded: {}, failures: [], unsendable: 0, writesSeen: 0, races: 0, operations: ops.map((o) => `${o.method} ${o.template}`), skippedSchemas: [] };
  const seen = new Set<string>();
  const fail = (signature: string, line: string) => {
    if (seen.has(signature)) return;
    seen.add(signature);
    report.failures.push(line);
    opts.log?.(`FAIL ${line}`);
  };
  const counter = rowCounter(target.dbFile);
  // Ids seen in 2xx answers, by the collection path they live under: they fill path parameters.
  const pool = new Map<string, string[]>();
  const collectionOf = (template: string, param: string) => template.slice(0, template.indexOf(`{${param}}`) - 1);
  const remember = (template: string, data: unknown) => {
    const items = Array.isArray(data) ? data : [data];
    for (const item of items) {
      const id = (item as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') continue;
      const list = pool.get(template) ?? [];
      if (!list.includes(id)) list.push(id);
      if (list.length > 50) list.shift();
      pool.set(template, list);
    }
  };
  // `/test-helpers/payment-intents/{id}` takes the ids of `/payment-intents`: match by the last segment.
  const idsFor = (collection: string): string[] => {
    const exact = pool.get(collection);
    if (exact?.length) return exact;
    const last = collection.slice(collection.lastIndexOf('/'));
    for (const [key, ids] of pool) if (key.endsWith(last) && ids.length) return ids;
    return [];
  };
  const validators = new Map<string, z.ZodType | null>();
  const validatorFor = (op: Operation): z.ZodType | null => {
    if (!validators.has(op.id)) {
      let v: z.ZodType | null = null;
      try {
        v = op.successSchema ? (z.fromJSONSchema(op.successSchema as any) as z.ZodType) : null;
      } catch (err) {
        report.skippedSchemas.push(`${op.id}: ${(err as Error).message.slice(0, 120)}`);
      }
      validators.set(op.id, v);
    }
    return validators.get(op.id)!;
  };

  // Warm-up: list what exists so path parameters can name real objects from the first case on.
  for (const op of ops) {
    if (op.method === 'GET' && op.pathParams.length === 0) {
      const res = await fetch(target.baseUrl + op.template, { headers: { authorization: `Bearer ${target.keys.full}` } });
      if (res.ok) remember(op.template, ((await res.json()) as { data?: unknown }).data);
    }
  }

  /** A request each idempotent operation accepted: replayed concurrently below. */
  const lastSuccess = new Map<string, { op: Operation; url: string; bodyText: string }>();
  /** Rows that request added to each table when it ran once. */
  const growthOf = new Map<string, Record<string, number>>();
  const started = Date.now();
  for (const [index, op] of ops.entries()) {
    const cases = fc.sample(caseArbitrary(op), { numRuns: opts.runsPerOperation, seed: opts.seed + index });
    let statusLine: Record<string, number> = {};
    for (const c of cases) {
      if (opts.deadlineMs && Date.now() - started > opts.deadlineMs) break;
      let url = op.template;
      for (const p of op.pathParams) {
        let value = c.pathValues[p.name]!;
        if (value === VALID_ID) {
          const known = idsFor(collectionOf(op.template, p.name));
          value = known.length ? known[(report.requests * 7919) % known.length]! : 'x_missing';
        }
        url = url.replace(`{${p.name}}`, c.encodePath ? encodeURIComponent(value) : value);
      }
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(c.query)) for (const item of Array.isArray(v) ? v : [v]) qs.append(k, item);
      const fullUrl = `${url}${qs.size ? `?${qs}` : ''}`;
      const headers: Record<string, string> = {};
      if (c.keyKind === 'garbage') headers.authorization = c.garbageAuth;
      else if (c.keyKind !== 'none') headers.authorization = `Bearer ${target.keys[c.keyKind]}`;
      if (c.idempotencyKey !== null) headers['idempotency-key'] = c.idempotencyKey;
      let bodyText: string | undefined;
      if (c.body.kind !== 'absent') {
        bodyText = c.body.kind === 'json' ? serialize(keepOnLoopback(c.body.value)) : c.body.text;
        if (c.body.contentType) headers['content-type'] = c.body.contentType;
      }
      const what = describeCase(op, fullUrl, c, bodyText);
      let before: Record<string, number>;
      try {
        before = counter.counts();
      } catch (err) {
        fail(`count:${(err as Error).message}`, `could not read the database: ${(err as Error).message}`);
        continue;
      }
      let res: Response;
      try {
        res = await fetch(target.baseUrl + fullUrl, { method: op.method, headers, body: op.method === 'GET' || op.method === 'HEAD' ? undefined : bodyText, signal: AbortSignal.timeout(30_000) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause;
        // The client refused to send it (a header fetch will not encode): nothing reached the node.
        if (err instanceof TypeError && !cause?.code) {
          report.unsendable++;
          continue;
        }
        fail(`net:${op.id}:${cause?.code ?? (err as Error).name}`, `${what} → no answer (${(err as Error).message}${cause?.code ? ` ${cause.code}` : ''})`);
        continue;
      }
      report.requests++;
      if (c.hostile) report.hostile++;
      const text = await res.text();
      report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
      statusLine[res.status] = (statusLine[res.status] ?? 0) + 1;
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (process.env.KASSA_FUZZ_DEBUG === op.id && res.status >= 400) opts.log?.(`debug ${res.status} ${text.slice(0, 160)} ← ${bodyText?.slice(0, 200)}`);
      if (res.status >= 500) {
        fail(`5xx:${op.id}:${res.status}:${json?.error?.code ?? ''}`, `${what} → ${res.status} ${text.slice(0, 200)}`);
      } else if (res.status >= 400) {
        const parsed = ErrorEnvelope.safeParse(json);
        if (!parsed.success) fail(`envelope:${op.id}:${res.status}`, `${what} → ${res.status} not the error envelope: ${text.slice(0, 200)}`);
        else if (!/^application\/json/.test(res.headers.get('content-type') ?? '')) fail(`ctype:${op.id}:${res.status}`, `${what} → ${res.status} content-type ${res.headers.get('content-type')}`);
        else if (/\n\s+at |node_modules|\.ts:\d+/.test(parsed.data.error.message)) fail(`stack:${op.id}`, `${what} → ${res.status} message leaks a stack: ${parsed.data.error.message.slice(0, 200)}`);
      } else if (res.status >= 200 && res.status < 300) {
        report.succeeded[op.id] = (report.succeeded[op.id] ?? 0) + 1;
        if (op.idempotent && c.keyKind === 'full' && c.body.kind === 'json' && headers['content-type'] === 'application/json' && bodyText !== undefined) {
          lastSuccess.set(op.id, { op, url: fullUrl, bodyText });
        }
        if (res.headers.get('idempotent-replayed') !== 'true' && res.status !== op.successStatus) {
          fail(`status:${op.id}:${res.status}`, `${what} → ${res.status}, documented ${op.successStatus}`);
        }
        const validator = validatorFor(op);
        // An empty path parameter turns `/things/{id}` into `/things/`: another operation answered.
        const segments = new URL(target.baseUrl + fullUrl).pathname.split('/');
        const sameOperation = segments.length === op.template.split('/').length && !segments.slice(1).includes('');
        if (validator && sameOperation) {
          const checked = validator.safeParse(json);
          if (!checked.success) fail(`schema:${op.id}`, `${what} → ${res.status} does not match the documented response: ${JSON.stringify(checked.error.issues.slice(0, 2)).slice(0, 300)}`);
        }
        const collection = op.pathParams.length ? op.template.replace(/\/\{[^}]+\}(\/[a-z-]+)?$/, '') : op.template;
        if (json?.data !== undefined) {
          remember(op.method === 'GET' && op.pathParams.length ? op.template.replace(/\/\{[^}]+\}$/, '') : op.template, json.data);
          if (op.method === 'POST' && op.pathParams.length) remember(collection, json.data);
        }
      }
      if (res.status < 300 && op.method !== 'GET') {
        // Proof the snapshot sees the node's writes (so "nothing grew" on a 4xx means something).
        const after = counter.counts();
        if (counter.tables.some((t) => after[t]! > before[t]!)) report.writesSeen++;
        if (lastSuccess.get(op.id)?.bodyText === bodyText) {
          growthOf.set(op.id, Object.fromEntries(counter.tables.map((t) => [t, after[t]! - before[t]!])));
        }
      }
      if (res.status >= 400) {
        const after = counter.counts();
        const grew = counter.tables.filter((t) => after[t]! !== before[t]! && !(t === 'idempotency_keys' && c.idempotencyKey !== null));
        if (grew.length) {
          fail(`persist:${op.id}:${grew.join(',')}`, `${what} → ${res.status} ${json?.error?.code ?? ''} yet changed row counts: ${grew.map((t) => `${t} ${before[t]}→${after[t]}`).join(', ')}`);
        }
      }
    }
    opts.log?.(`${op.method} ${op.template}: ${Object.entries(statusLine).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    statusLine = {};
  }
  // Off the document: other methods, path spellings and traversal on every documented path.
  const templates = [...new Set(ops.map((o) => o.template))];
  for (const template of templates) {
    const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => idsFor(collectionOf(template, name))[0] ?? 'x_missing');
    const variants: [string, string][] = [
      ['PUT', path], ['OPTIONS', path], ['PROPFIND', path], ['POST', `${path}/`], ['GET', `${path}//`], ['GET', path.toUpperCase()],
      ['GET', `${path}/..%2f..%2f..%2fhealthz`], ['GET', `${path}%00`], ['GET', `${path};jsessionid=1`], ['DELETE', `${path}/${'x'.repeat(3000)}`],
    ];
    for (const [method, url] of variants) {
      let res: Response;
      try {
        res = await fetch(target.baseUrl + url, { method, headers: { authorization: `Bearer ${target.keys.full}` }, signal: AbortSignal.timeout(30_000) });
      } catch (err) {
        fail(`off:net:${method}`, `${method} ${url.slice(0, 200)} → no answer (${(err as Error).message})`);
        continue;
      }
      report.requests++;
      report.hostile++;
      report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
      const text = await res.text();
      if (res.status >= 500) fail(`off:5xx:${method}:${res.status}`, `${method} ${url.slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`);
      else if (res.status >= 400) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        if (!ErrorEnvelope.safeParse(json).success) fail(`off:envelope:${method}:${res.status}`, `${method} ${url.slice(0, 200)} → ${res.status} not the error envelope: ${text.slice(0, 200)}`);
      }
    }
  }

  // The same accepted request, six times at once under one fresh Idempotency-Key: one execution,
  // identical 2xx replays or 409 idempotency_key_in_use, never a second object.
  for (const [opId, { op, url, bodyText }] of lastSuccess) {
    const key = `fuzz-race-${opts.seed}-${opId}`;
    const before = counter.counts();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(target.baseUrl + url, { method: op.method, headers: { authorization: `Bearer ${target.keys.full}`, 'content-type': 'application/json', 'idempotency-key': key }, body: bodyText, signal: AbortSignal.timeout(30_000) })
          .then(async (res) => ({ status: res.status, text: await res.text() })),
      ),
    );
    report.requests += answers.length;
    report.races++;
    const after = counter.counts();
    // Whatever the first execution answered (the object may have moved on since the fuzzing: a 4xx
    // then), every other answer is that same answer replayed, or 409 idempotency_key_in_use.
    const executed = answers.filter((a) => !(a.status === 409 && a.text.includes('idempotency_key_in_use')));
    // Tables the request added rows to when it ran once (payments come and go with the watcher).
    const once = growthOf.get(opId) ?? {};
    const grewMoreThanOnce = Object.entries(once)
      .filter(([t, n]) => n > 0 && t !== 'idempotency_keys' && !/^payments|unattributed/.test(t))
      .map(([t]) => t)
      .filter((t) => after[t]! - before[t]! > once[t]!);
    const what = `${answers.length}× ${op.method} ${url} with one Idempotency-Key at once`;
    if (answers.some((a) => a.status >= 500)) fail(`race:${opId}:5xx`, `${what} → ${answers.map((a) => `${a.status} ${a.text.slice(0, 120)}`).join(' | ')}`);
    if (executed.length === 0) fail(`race:${opId}:none`, `${what} → all 409 idempotency_key_in_use: nothing ran`);
    if (new Set(executed.map((a) => `${a.status} ${a.text}`)).size > 1) fail(`race:${opId}:differ`, `${what} → executed more than once, answers differ: ${executed.map((a) => `${a.status} ${a.text.slice(0, 100)}`).join(' | ')}`);
    if (grewMoreThanOnce.length) fail(`race:${opId}:rows`, `${what} → executed more than once: ${grewMoreThanOnce.map((t) => `${t} ${before[t]}→${after[t]}`).join(', ')}`);
  }
  counter.close();
  return report;
}

// ---------------------------------------------------------------------------------------------
// The node under test.

export async function startFuzzNode(): Promise<{ node: TestNode; target: FuzzTarget }> {
  const home = tempHome('kassa-fuzz-');
  // A passphrase key store so webhook endpoints (sealed secrets) can be created; the UTXO and Tron
  // simulators off to spare the two cores (their networks then answer 4xx, which is fuzzed too).
  const env = { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'fuzz-passphrase-not-secret' };
  const node = await startNode({
    home,
    blockTime: 0,
    env,
    config: { devnet: { tron: { enabled: false }, bitcoin: { enabled: false }, litecoin: { enabled: false } } },
  });
  try {
    const full = await createApiKey(home, 'test', ['--rate-limit', 'off']);
    const limited = await createApiKey(home, 'test', ['--rate-limit', 'off', '--scopes', 'events:read']);
    const live = await createApiKey(home, 'live', ['--rate-limit', 'off']);
    // One object of each kind up front, so path parameters can name real objects.
    const auth = { authorization: `Bearer ${full}`, 'content-type': 'application/json' };
    await fetch(`${node.merchantUrl}/api/v1/payment-intents`, { method: 'POST', headers: auth, body: JSON.stringify({ network: 'devnet', asset: 'USDT', amount: '1.00' }) });
    await fetch(`${node.merchantUrl}/api/v1/webhook-endpoints`, { method: 'POST', headers: auth, body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['*'] }) });
    return { node, target: { baseUrl: node.merchantUrl, dbFile: join(home, 'kassa.db'), keys: { full, limited, live } } };
  } catch (err) {
    await node.stop();
    throw err;
  }
}

export const RUNS_PER_OPERATION: Record<Profile, number> = { ci: 40, full: 200 };

export const fuzzApi: Scenario = {
  name: 'fuzz-api',
  description: 'fast-check fuzzing of every OpenAPI operation: no 5xx, 4xx in the error envelope, 2xx per schema, nothing persisted on a 4xx',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const result = emptyResult();
    const { node, target } = await startFuzzNode();
    try {
      const started = Date.now();
      const report = await fuzzOperations(target, { runsPerOperation: RUNS_PER_OPERATION[ctx.profile], seed: ctx.seed, log: ctx.log });
      result.runs = report.requests;
      result.faults = report.hostile;
      result.failures.push(...report.failures);
      // The node must still be healthy after the storm (the watcher may be catching up on mined blocks).
      let health = { status: 0, text: '' };
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
        const res = await fetch(`${node.merchantUrl}/healthz`);
        health = { status: res.status, text: await res.text() };
        if (health.status === 200) break;
      }
      if (health.status !== 200) result.failures.push(`/healthz answered ${health.status} 60 s after fuzzing: ${health.text.slice(0, 400)}`);
      result.notes.push(
        `seed ${ctx.seed}; ${report.operations.length} operations × ${RUNS_PER_OPERATION[ctx.profile]} cases; ${report.requests} requests (${report.hostile} hostile) in ${Math.round((Date.now() - started) / 1000)} s`,
        `row-count snapshots saw ${report.writesSeen} successful writes appear (so the 4xx checks are not blind); ${report.races} operations raced 6× under one Idempotency-Key`,
        `statuses: ${Object.entries(report.byStatus).map(([s, n]) => `${s}×${n}`).join(' ')}`,
        `2xx per operation: ${Object.entries(report.succeeded).map(([op, n]) => `${op}×${n}`).join(' ') || 'none'}`,
        ...(report.unsendable ? [`${report.unsendable} cases not sendable by fetch (header values), skipped`] : []),
        ...report.skippedSchemas.map((s) => `response schema not checkable: ${s}`),
      );
    } finally {
      await node.stop();
    }
    const integrity = new Database(target.dbFile, { readonly: true }).pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') result.failures.push(`PRAGMA integrity_check after fuzzing: ${String(integrity)}`);
    return result;
  },
};
