// Shapes of the webhook and event routes, read through the same zod-issue → API-error mapping the edge uses.
import { describe, expect, it } from 'vitest';
import { fromZodError } from '../../../src-server/http/errors.ts';
import {
  CreateWebhookEndpointBody,
  DeliveryParams,
  ListDeliveriesQuery,
  ListEventsQuery,
  ListWebhookEndpointsQuery,
  RotateSecretBody,
  UpdateWebhookEndpointBody,
} from '../../../src-server/http/webhook-schemas.ts';

function errorFor(schema: { safeParse(v: unknown): { success: boolean; error?: any } }, input: unknown, where: 'body' | 'query' = 'body') {
  const parsed = schema.safeParse(input);
  expect(parsed.success).toBe(false);
  return fromZodError(parsed.error, where, input).toBody().error;
}

describe('CreateWebhookEndpointBody', () => {
  const valid = { url: 'https://shop.example/hooks/kassa', events: ['payment_intent.paid', 'payment.*'] };

  it('parses a valid body and fills format and enabled', () => {
    expect(CreateWebhookEndpointBody.parse(valid)).toEqual({ ...valid, format: 'native', enabled: true });
    expect(CreateWebhookEndpointBody.parse({ ...valid, description: null, format: 'claude_pay', enabled: false })).toMatchObject({
      description: null,
      format: 'claude_pay',
      enabled: false,
    });
  });

  it('refuses an unknown field, naming it', () => {
    expect(errorFor(CreateWebhookEndpointBody, { ...valid, secret: 'whsec_mine' })).toMatchObject({
      code: 'parameter_unknown',
      param: 'secret',
      message: 'secret: unknown parameter',
    });
  });

  it.each([
    ['url missing', { events: valid.events }, 'parameter_missing', 'url'],
    ['url empty', { ...valid, url: '' }, 'parameter_invalid', 'url'],
    ['url over 2048 characters', { ...valid, url: `https://x.example/${'a'.repeat(2040)}` }, 'parameter_invalid', 'url'],
    ['events empty', { ...valid, events: [] }, 'parameter_invalid', 'events'],
    ['events not an array', { ...valid, events: 'payment_intent.paid' }, 'parameter_invalid', 'events'],
    ['more than 64 events', { ...valid, events: Array.from({ length: 65 }, (_, i) => `t.${i}`) }, 'parameter_invalid', 'events'],
    ['an event type over 100 characters', { ...valid, events: ['ok', 'x'.repeat(101)] }, 'parameter_invalid', 'events[1]'],
    ['an unknown format', { ...valid, format: 'stripe' }, 'parameter_invalid', 'format'],
    ['a description over 500 characters', { ...valid, description: 'd'.repeat(501) }, 'parameter_invalid', 'description'],
  ] as const)('refuses %s', (_name, input, code, param) => {
    expect(errorFor(CreateWebhookEndpointBody, input)).toMatchObject({ code, param });
  });
});

describe('UpdateWebhookEndpointBody', () => {
  it('refuses an empty body, saying what it wants', () => {
    const error = errorFor(UpdateWebhookEndpointBody, {});
    expect(error).toMatchObject({ code: 'parameter_invalid', param: null });
    expect(error.message).toMatch(/at least one of url, events, description, format, enabled/);
  });

  it('names an unknown field before the empty-body complaint', () => {
    expect(errorFor(UpdateWebhookEndpointBody, { enable: true })).toMatchObject({ code: 'parameter_unknown', param: 'enable' });
  });

  it('takes one field alone, including a null description', () => {
    expect(UpdateWebhookEndpointBody.parse({ enabled: false })).toEqual({ enabled: false });
    expect(UpdateWebhookEndpointBody.parse({ description: null })).toEqual({ description: null });
  });
});

describe('RotateSecretBody', () => {
  it('defaults expires_in to a day and bounds it to a week', () => {
    expect(RotateSecretBody.parse({})).toEqual({ expires_in: 86400 });
    expect(RotateSecretBody.parse({ expires_in: 0 })).toEqual({ expires_in: 0 });
    expect(errorFor(RotateSecretBody, { expires_in: 604801 })).toMatchObject({ param: 'expires_in' });
    expect(errorFor(RotateSecretBody, { expires_in: 1.5 })).toMatchObject({ param: 'expires_in' });
  });
});

describe('list queries', () => {
  it.each([
    ['ListWebhookEndpointsQuery', ListWebhookEndpointsQuery],
    ['ListDeliveriesQuery', ListDeliveriesQuery],
    ['ListEventsQuery', ListEventsQuery],
  ] as const)('%s: limit defaults to 25 and stays within 1..100', (_name, schema) => {
    expect(schema.parse({}).limit).toBe(25);
    expect(schema.parse({ limit: '1' }).limit).toBe(1);
    expect(schema.parse({ limit: '100' }).limit).toBe(100);
    for (const bad of ['0', '101', '2.5', 'ten']) {
      expect(errorFor(schema, { limit: bad }, 'query')).toMatchObject({ code: 'parameter_invalid', param: 'limit' });
    }
  });

  it('ListEventsQuery reads created[gte] and the other bounds as dates', () => {
    const q = ListEventsQuery.parse({ 'created[gte]': '2026-05-29T12:00:00Z', created_lte: '2026-05-30', type: 'payment_intent.paid', object_id: 'pi_1' });
    expect(q['created[gte]']).toEqual(new Date('2026-05-29T12:00:00Z'));
    expect(q.created_lte).toEqual(new Date('2026-05-30T00:00:00Z'));
    expect(q).toMatchObject({ type: 'payment_intent.paid', object_id: 'pi_1' });
    const error = errorFor(ListEventsQuery, { 'created[gte]': 'yesterday' }, 'query');
    expect(error).toMatchObject({ code: 'parameter_invalid', param: 'created[gte]' });
    expect(error.message).toMatch(/ISO-8601/);
  });

  it('ListDeliveriesQuery knows the delivery statuses and no other filter', () => {
    expect(ListDeliveriesQuery.parse({ status: 'failed', event_id: 'evt_1' })).toMatchObject({ status: 'failed', event_id: 'evt_1' });
    expect(errorFor(ListDeliveriesQuery, { status: 'retrying' }, 'query')).toMatchObject({ param: 'status' });
    expect(errorFor(ListDeliveriesQuery, { type: 'x' }, 'query')).toMatchObject({ code: 'parameter_unknown', param: 'type' });
  });
});

describe('DeliveryParams', () => {
  it('takes the endpoint and delivery ids', () => {
    expect(DeliveryParams.parse({ id: 'we_1', delivery_id: 'whd_1' })).toEqual({ id: 'we_1', delivery_id: 'whd_1' });
  });
});
