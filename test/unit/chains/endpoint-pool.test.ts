// The failover bookkeeping the chain clients share, without any network: endpoints are plain
// records and an attempt is a function that answers or throws.
import { describe, expect, it } from 'vitest';
import {
  type AttemptVerdict,
  attemptOrder,
  createEndpointPool,
  type EndpointState,
  markAnswered,
  markFailed,
  newEndpointState,
  parseRetryAfter,
  type RateLimitPolicy,
  rateLimitBackoffMs,
} from '../../../src-server/chains/endpoint-pool.ts';
import type { ChainLogger } from '../../../src-server/chains/evm/chain-logger.ts';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const COOLDOWN = 30_000;

interface TestEndpoint extends EndpointState {
  name: string;
}

const endpoint = (name: string, state: Partial<EndpointState> = {}): TestEndpoint => ({
  ...newEndpointState(`https://${name}.example`),
  name,
  ...state,
});

const names = (list: readonly TestEndpoint[]) => list.map((e) => e.name);

class RateLimited extends Error {
  readonly retryAfterMs: number | null;
  constructor(retryAfterMs: number | null) {
    super('HTTP 429');
    this.retryAfterMs = retryAfterMs;
  }
}
class Refused extends Error {}
const failWith = (error: Error) => (): string => {
  throw error;
};

function recordingLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, msg });
  const logger: ChainLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/** A pool over `endpoints` whose attempts answer per endpoint name: a value, or an error to throw. */
function poolOf(endpoints: TestEndpoint[], rateLimit?: RateLimitPolicy) {
  const { logger, lines } = recordingLogger();
  const pool = createEndpointPool(endpoints, {
    chain: 'testnet',
    label: 'Test API',
    cooldownMs: COOLDOWN,
    rateLimit,
    describeError: (error) => (error instanceof Error ? error.message : String(error)),
    logger,
  });
  const asked: string[] = [];
  const send = (answers: Record<string, () => string>, key = '/thing') =>
    pool.send({
      async attempt(e) {
        pool.countRequest(e, key);
        asked.push(e.name);
        const answer = answers[e.name];
        if (!answer) throw new Error(`${e.name} is down`);
        return answer();
      },
      judge: (error): AttemptVerdict =>
        error instanceof Refused
          ? { kind: 'refused' }
          : error instanceof RateLimited
            ? { kind: 'rate-limited', retryAfterMs: error.retryAfterMs }
            : { kind: 'failed' },
      unavailable: (attempts, lastError) => new Error(`unavailable: ${attempts.join('; ')}`, { cause: lastError }),
      logFields: { key },
    });
  return { pool, send, asked, lines };
}

describe('endpoint state', () => {
  it('starts healthy, with the URL redacted', () => {
    expect(newEndpointState('https://user:pw@rpc.example.com/v3/0123456789abcdef0123?key=1')).toEqual({
      displayUrl: 'https://***@rpc.example.com/v3/***?***',
      requests: 0,
      failures: 0,
      ok: true,
      lastError: null,
      lastErrorAt: null,
      coolingUntil: 0,
      rateLimitedUntil: 0,
      consecutiveRateLimits: 0,
    });
  });

  it('reads Retry-After and backs off exponentially up to a cap', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('later', NOW)).toBeNull();
    expect([1, 2, 3, 4].map((n) => rateLimitBackoffMs(n, 100, 500))).toEqual([100, 200, 400, 500]);
  });
});

describe('attemptOrder', () => {
  it.each([
    { name: 'all healthy: configured order', states: [{}, {}, {}], exclude: [], order: ['a', 'b', 'c'] },
    {
      name: 'cooling ones last, soonest back first',
      states: [{ coolingUntil: NOW + 20 }, { coolingUntil: NOW + 10 }, {}],
      exclude: [],
      order: ['c', 'b', 'a'],
    },
    { name: 'a cool-down that has passed counts as ready', states: [{ coolingUntil: NOW }, {}, {}], exclude: [], order: ['a', 'b', 'c'] },
    { name: 'a held one is never offered', states: [{ rateLimitedUntil: NOW + 1 }, {}, {}], exclude: [], order: ['b', 'c'] },
    { name: 'excluded ones are not offered', states: [{}, {}, {}], exclude: ['b'], order: ['a', 'c'] },
  ])('$name', ({ states, exclude, order }) => {
    const endpoints = states.map((state, i) => endpoint('abc'[i]!, state));
    const excluded = new Set(endpoints.filter((e) => (exclude as readonly string[]).includes(e.name)));
    expect(names(attemptOrder(endpoints, NOW, excluded))).toEqual(order);
  });
});

describe('markFailed', () => {
  const hold: RateLimitPolicy = { kind: 'hold', minWaitMs: 100, backoffBaseMs: 1_000, backoffCapMs: 8_000, maxWaitMs: 15_000 };
  const cool: RateLimitPolicy = { kind: 'cool', minWaitMs: 1_000 };

  it.each([
    { name: 'a failure cools down for the pool cool-down', verdict: { kind: 'failed' }, policy: undefined, cooling: COOLDOWN, held: 0 },
    { name: 'a failure may ask for its own cool-down', verdict: { kind: 'failed', cooldownMs: 600_000 }, policy: undefined, cooling: 600_000, held: 0 },
    { name: 'no policy: a 429 is a plain failure', verdict: { kind: 'rate-limited', retryAfterMs: 5_000 }, policy: undefined, cooling: COOLDOWN, held: 0 },
    { name: 'cool: Retry-After replaces the cool-down', verdict: { kind: 'rate-limited', retryAfterMs: 5_000 }, policy: cool, cooling: 5_000, held: 0 },
    { name: 'cool: a short Retry-After is raised to the minimum', verdict: { kind: 'rate-limited', retryAfterMs: 0 }, policy: cool, cooling: 1_000, held: 0 },
    { name: 'cool: an hour is cut to ten minutes', verdict: { kind: 'rate-limited', retryAfterMs: 3_600_000 }, policy: cool, cooling: 600_000, held: 0 },
    { name: 'cool: no Retry-After, the cool-down', verdict: { kind: 'rate-limited', retryAfterMs: null }, policy: cool, cooling: COOLDOWN, held: 0 },
    { name: 'hold: held for the Retry-After', verdict: { kind: 'rate-limited', retryAfterMs: 5_000 }, policy: hold, cooling: 0, held: 5_000 },
    { name: 'hold: a short Retry-After is raised to the minimum', verdict: { kind: 'rate-limited', retryAfterMs: 0 }, policy: hold, cooling: 0, held: 100 },
    { name: 'hold: an hour is cut to ten minutes', verdict: { kind: 'rate-limited', retryAfterMs: 3_600_000 }, policy: hold, cooling: 0, held: 600_000 },
    { name: 'hold: no Retry-After, the first back-off', verdict: { kind: 'rate-limited', retryAfterMs: null }, policy: hold, cooling: 0, held: 1_000 },
  ] as const)('$name', ({ verdict, policy, cooling, held }) => {
    const e = endpoint('a');
    const isHeld = markFailed(e, verdict, 'it broke', NOW, { cooldownMs: COOLDOWN, rateLimit: policy });
    expect(isHeld).toBe(held > 0);
    expect(e).toMatchObject({ ok: false, failures: 1, lastError: 'it broke', lastErrorAt: '2025-01-01T00:00:00.000Z' });
    expect(e.coolingUntil).toBe(cooling && NOW + cooling);
    expect(e.rateLimitedUntil).toBe(held && NOW + held);
  });

  it('hold: doubles the back-off per 429 in a row, up to the cap, until an answer resets it', () => {
    const e = endpoint('a');
    const waits = [1, 2, 3, 4, 5].map(() => {
      markFailed(e, { kind: 'rate-limited', retryAfterMs: null }, '429', NOW, { cooldownMs: COOLDOWN, rateLimit: hold });
      return e.rateLimitedUntil - NOW;
    });
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    markAnswered(e);
    expect(e).toMatchObject({ ok: true, coolingUntil: 0, rateLimitedUntil: 0, consecutiveRateLimits: 0, failures: 5 });
    markFailed(e, { kind: 'rate-limited', retryAfterMs: null }, '429', NOW, { cooldownMs: COOLDOWN, rateLimit: hold });
    expect(e.rateLimitedUntil - NOW).toBe(1_000);
  });
});

describe('createEndpointPool', () => {
  it('moves on from a failed endpoint, cools it down and asks it last next time', async () => {
    const endpoints = [endpoint('a'), endpoint('b')];
    const { pool, send, asked, lines } = poolOf(endpoints);
    expect(await send({ b: () => 'from b' })).toBe('from b');
    expect(asked).toEqual(['a', 'b']);
    expect(pool.health()).toEqual([
      { url: 'https://a.example', ok: false, lastError: 'a is down', lastErrorAt: expect.any(String), requests: 1, failures: 1 },
      { url: 'https://b.example', ok: true, lastError: null, lastErrorAt: null, requests: 1, failures: 0 },
    ]);
    expect(lines).toEqual([
      { level: 'warn', obj: { chain: 'testnet', url: 'https://a.example', key: '/thing', error: 'a is down' }, msg: 'Test API endpoint failed, trying next' },
    ]);

    asked.length = 0;
    expect(await send({ a: () => 'from a', b: () => 'from b' }, '/other')).toBe('from b');
    expect(asked).toEqual(['b']);
    expect(pool.requestCount()).toBe(3);
    expect(pool.requestCountsByKey()).toEqual({ '/thing': 2, '/other': 1 });
  });

  it('logs a recovery once a failed endpoint answers again', async () => {
    const endpoints = [endpoint('a')];
    const { send, lines } = poolOf(endpoints);
    await expect(send({})).rejects.toThrow(/unavailable/);
    expect(await send({ a: () => 'back' })).toBe('back');
    expect(endpoints[0]!.ok).toBe(true);
    expect(lines.at(-1)).toEqual({ level: 'info', obj: { chain: 'testnet', url: 'https://a.example' }, msg: 'Test API endpoint recovered' });
  });

  it('throws a refusal at once: the endpoint answered, so it is healthy and the next is not asked', async () => {
    const endpoints = [endpoint('a', { ok: false, coolingUntil: 1 }), endpoint('b')];
    const { send, asked, lines } = poolOf(endpoints);
    const refusal = new Refused('invalid params');
    await expect(send({ a: failWith(refusal) })).rejects.toBe(refusal);
    expect(asked).toEqual(['a']);
    expect(endpoints[0]).toMatchObject({ ok: true, coolingUntil: 0, failures: 0 });
    expect(lines).toEqual([]);
  });

  it('when every endpoint fails, throws the client error with each attempt and the last cause', async () => {
    const { send } = poolOf([endpoint('a'), endpoint('b')]);
    const error = await send({}).then(
      () => expect.fail('should not answer'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toBe('unavailable: https://a.example: a is down; https://b.example: b is down');
    expect((error.cause as Error).message).toBe('b is down');
  });

  it('cool: a 429 moves on at once and the limited endpoint is not asked again in that request', async () => {
    const endpoints = [endpoint('a')];
    const { send, asked } = poolOf(endpoints, { kind: 'cool', minWaitMs: 10 });
    const started = Date.now();
    await expect(send({ a: failWith(new RateLimited(500)) })).rejects.toThrow('unavailable: https://a.example: HTTP 429');
    expect(Date.now() - started).toBeLessThan(250);
    expect(asked).toEqual(['a']);
    expect(endpoints[0]!.coolingUntil - Date.now()).toBeGreaterThan(250);
  });

  it('hold: with no other endpoint left, a request waits out the Retry-After and asks again', async () => {
    let calls = 0;
    const { send, asked } = poolOf([endpoint('a'), endpoint('b')], { kind: 'hold', minWaitMs: 10, backoffBaseMs: 10, backoffCapMs: 100, maxWaitMs: 1_000 });
    const started = Date.now();
    const answer = await send({ a: () => (calls++ === 0 ? failWith(new RateLimited(40))() : 'from a') });
    expect(answer).toBe('from a');
    expect(asked).toEqual(['a', 'b', 'a']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('hold: gives up without waiting when the Retry-After is beyond what a request waits', async () => {
    const { send, asked } = poolOf([endpoint('a')], { kind: 'hold', minWaitMs: 10, backoffBaseMs: 10, backoffCapMs: 100, maxWaitMs: 500 });
    const started = Date.now();
    await expect(send({ a: failWith(new RateLimited(60_000)) })).rejects.toThrow(
      'unavailable: https://a.example: HTTP 429; rate limited for 60 s more, longer than this request waits',
    );
    expect(Date.now() - started).toBeLessThan(100);
    expect(asked).toEqual(['a']);
  });
});
