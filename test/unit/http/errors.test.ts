// The edge's pure parts: zod issues → the SPEC error shape, typed service errors → statuses,
// and the per-key token bucket.
import { describe, expect, it } from 'vitest';
import { ApiError, fromZodError, toApiError } from '../../../src-server/http/errors.ts';
import { createRateLimiter } from '../../../src-server/http/rate-limiter.ts';
import { CreatePaymentIntentBody, ListPaymentIntentsQuery, TestMineBody } from '../../../src-server/http/schemas.ts';
import { KeyInputError } from '../../../src-server/keys/api-keys-service.ts';
import { PaymentInputError } from '../../../src-server/payments/payment-intents-service.ts';

function errorFor(schema: { safeParse(v: unknown): { success: boolean; error?: any } }, input: unknown, where: 'body' | 'query' = 'body') {
  const parsed = schema.safeParse(input);
  expect(parsed.success).toBe(false);
  return fromZodError(parsed.error, where, input).toBody().error;
}

describe('fromZodError', () => {
  const valid = { network: 'bsc', asset: 'USDT', amount: '1' };
  it.each([
    ['a missing string field', { network: 'bsc', amount: '1' }, 'parameter_missing', 'asset', 'asset is required'],
    ['a missing union field (amount)', { network: 'bsc', asset: 'USDT' }, 'parameter_missing', 'amount', 'amount is required'],
    ['a wrongly typed union field', { ...valid, amount: false }, 'parameter_invalid', 'amount', 'amount: must be a decimal string like "25.00"'],
    ['an unknown field', { ...valid, colour: 'red' }, 'parameter_unknown', 'colour', 'colour: unknown parameter'],
    ['a nested bad value', { ...valid, metadata: { k: 1 } }, 'parameter_invalid', 'metadata.k', null],
    ['an explicit null', { ...valid, description: null }, 'parameter_invalid', 'description', null],
  ] as const)('%s', (_name, input, code, param, message) => {
    const error = errorFor(CreatePaymentIntentBody, input);
    expect(error).toMatchObject({ type: 'invalid_request_error', code, param });
    expect(error.message).toContain(param);
    if (message) expect(error.message).toBe(message);
  });

  it('a body that is not an object names the body, not a field', () => {
    expect(errorFor(CreatePaymentIntentBody, [])).toMatchObject({ code: 'parameter_invalid', param: null, message: expect.stringMatching(/^request body: /) });
  });

  it('query dates say what a date looks like', () => {
    const error = errorFor(ListPaymentIntentsQuery, { 'created[gte]': 'soon' }, 'query');
    expect(error).toMatchObject({ code: 'parameter_invalid', param: 'created[gte]' });
    expect(error.message).toMatch(/ISO-8601/);
  });

  it('a defaulted field given the wrong type is invalid, not missing', () => {
    expect(errorFor(TestMineBody, { blocks: 'x' })).toMatchObject({ code: 'parameter_invalid', param: 'blocks' });
  });
});

describe('toApiError', () => {
  it('keeps a PaymentInputError’s status, code and param', () => {
    const e = toApiError(new PaymentInputError(409, 'custom_id_taken', 'custom_id', 'custom_id "x" is already used'))!;
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.param]).toEqual([409, 'custom_id_taken', 'custom_id']);
  });
  it('maps a KeyInputError to 400 naming its field', () => {
    const e = toApiError(new KeyInputError('scopes', 'scopes: unknown scope "x"'))!;
    expect([e.status, e.code, e.param]).toEqual([400, 'parameter_invalid', 'scopes']);
  });
  it('leaves unknown errors to the 500 edge', () => {
    expect(toApiError(new TypeError('boom'))).toBeNull();
    expect(toApiError('a string')).toBeNull();
  });
});

describe('rate limiter (token bucket per key)', () => {
  it('allows a burst of `limit`, then asks to wait whole seconds, then refills', () => {
    let now = 1_000_000;
    const limiter = createRateLimiter(() => now);
    const burst = Array.from({ length: 7 }, () => limiter.take('key_a', 5));
    expect(burst).toEqual([0, 0, 0, 0, 0, 1, 1]);
    // Another key has its own bucket.
    expect(limiter.take('key_b', 5)).toBe(0);
    now += 200; // 0.2 s × 5/s = one token back
    expect(limiter.take('key_a', 5)).toBe(0);
    expect(limiter.take('key_a', 5)).toBe(1);
    now += 10_000; // refills to the burst, never beyond it
    expect(Array.from({ length: 6 }, () => limiter.take('key_a', 5))).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('a limit of 1 per second waits a full second', () => {
    let now = 0;
    const limiter = createRateLimiter(() => now);
    expect(limiter.take('k', 1)).toBe(0);
    expect(limiter.take('k', 1)).toBe(1);
    now += 999;
    expect(limiter.take('k', 1)).toBe(1);
    now += 1;
    expect(limiter.take('k', 1)).toBe(0);
  });
});
