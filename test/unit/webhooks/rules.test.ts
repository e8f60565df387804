// The pure rules of webhooks: retry schedule, subscriptions, URL checks, non-public addresses,
// signatures and the wire formats.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../../src-server/webhooks/event-types.ts';
import { WEBHOOK_FORMATS } from '../../../src-server/webhooks/formats.ts';
import { DEFAULT_RETRY_SCHEDULE, retryDelayMs } from '../../../src-server/webhooks/retry-schedule.ts';
import { newWebhookSecret, signatureHeaderValue } from '../../../src-server/webhooks/signing.ts';
import { subscribes, subscriptionProblem } from '../../../src-server/webhooks/subscriptions.ts';
import { isNonPublicAddress, nonPublicTargetProblem, parseWebhookUrl } from '../../../src-server/webhooks/target-guard.ts';
import type { ApiEvent } from '../../../src-server/webhooks/events-service.ts';

describe('retryDelayMs', () => {
  it('follows the default schedule of about three days, then gives up', () => {
    const noJitter = (n: number) => retryDelayMs(n, DEFAULT_RETRY_SCHEDULE, 0);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(noJitter)).toEqual([60e3, 300e3, 900e3, 3600e3, 21600e3, 43200e3, 86400e3, 86400e3]);
    const total = DEFAULT_RETRY_SCHEDULE.reduce((a, b) => a + b, 0);
    expect(total / 86400).toBeGreaterThan(2.75);
    expect(total / 86400).toBeLessThan(3.1);
    expect(noJitter(9)).toBeNull();
    expect(noJitter(0)).toBeNull();
  });

  it.each([
    [0, 54_000],
    [0.5, 60_000],
    [0.999999, 66_000],
  ])('jitter 0.1 with random %f waits %i ms for the first retry', (random, expected) => {
    expect(retryDelayMs(1, DEFAULT_RETRY_SCHEDULE, 0.1, () => random)).toBe(expected);
  });

  it('an empty schedule fails after the first attempt', () => {
    expect(retryDelayMs(1, [], 0)).toBeNull();
  });
});

describe('subscriptions', () => {
  it.each([
    [['*'], 'payment_intent.paid', true],
    [['payment_intent.paid'], 'payment_intent.paid', true],
    [['payment_intent.paid'], 'payment_intent.created', false],
    [['payment_intent.*'], 'payment_intent.expired', true],
    [['payment_intent.*'], 'payment.reverted', false],
    [['escrow.*', 'payment.reverted'], 'payment.reverted', true],
  ] as const)('%j receives %s: %s', (subs, type, expected) => {
    expect(subscribes(subs, type)).toBe(expected);
  });

  it('knows every event type and group, and names what it does not know', () => {
    for (const t of EVENT_TYPES) expect(subscriptionProblem(t)).toBeNull();
    expect(subscriptionProblem('*')).toBeNull();
    expect(subscriptionProblem('withdrawal.*')).toBeNull();
    expect(subscriptionProblem('payment_intent.payed')).toMatch(/unknown event type "payment_intent.payed"/);
    expect(subscriptionProblem('invoice.*')).toMatch(/unknown event group/);
  });
});

describe('parseWebhookUrl', () => {
  it.each(['https://shop.example/kassa/webhook', 'http://127.0.0.1:3000/hook?x=1', 'http://[::1]:8080/'])('accepts %s', (url) => {
    expect(parseWebhookUrl(url)).toHaveProperty('url');
  });
  it.each([
    ['ftp://shop.example/hook', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['not a url', /not a valid absolute URL/],
    ['/relative/path', /not a valid absolute URL/],
    ['https://user:pass@shop.example/hook', /credentials/],
    ['https://shop.example/hook#frag', /fragment/],
    [`https://shop.example/${'a'.repeat(2100)}`, /at most 2048/],
  ])('refuses %s', (url, reason) => {
    const parsed = parseWebhookUrl(url);
    expect(parsed).toHaveProperty('problem');
    expect((parsed as { problem: string }).problem).toMatch(reason);
  });
});

describe('non-public targets', () => {
  it.each([
    ['127.0.0.1', true], ['10.1.2.3', true], ['172.20.0.1', true], ['192.168.1.10', true], ['169.254.169.254', true],
    ['100.64.0.1', true], ['0.0.0.0', true], ['::1', true], ['fd00::1', true], ['fe80::1', true], ['::ffff:10.0.0.1', true],
    ['8.8.8.8', false], ['172.32.0.1', false], ['2606:4700::1111', false], ['::ffff:1.1.1.1', false],
  ])('%s non-public: %s', (ip, expected) => {
    expect(isNonPublicAddress(ip)).toBe(expected);
  });

  it('judges a host name by every address it resolves to', async () => {
    const url = (s: string) => new URL(s);
    expect(await nonPublicTargetProblem(url('https://shop.example/'), async () => ['93.184.216.34'])).toBeNull();
    expect(await nonPublicTargetProblem(url('https://shop.example/'), async () => ['93.184.216.34', '10.0.0.5'])).toMatch(/non-public address 10.0.0.5/);
    expect(await nonPublicTargetProblem(url('http://localhost:3000/'), async () => ['93.184.216.34'])).toMatch(/loopback/);
    expect(await nonPublicTargetProblem(url('http://[::1]:3000/'))).toMatch(/non-public address ::1/);
    const failing = async () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    expect(await nonPublicTargetProblem(url('https://nowhere.invalid/'), failing)).toMatch(/does not resolve \(ENOTFOUND\)/);
  });
});

describe('signing and formats', () => {
  const event: ApiEvent = {
    object: 'event',
    id: 'evt_123',
    type: 'payment_intent.paid',
    livemode: false,
    created_at: '2026-05-29T12:04:56Z',
    data: { object: { object: 'payment_intent', id: 'pi_1', amount: '25.00' } },
  };
  const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

  it('secrets are whsec_ and random', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });

  it('signs "{timestamp}.{body}" once per live secret, the current first', () => {
    expect(signatureHeaderValue(['whsec_new', 'whsec_old'], 1700000000, '{"a":1}')).toBe(
      `sha256=${hmac('whsec_new', '1700000000.{"a":1}')},sha256=${hmac('whsec_old', '1700000000.{"a":1}')}`,
    );
  });

  it('native: the event object as the body, X-Kassa-* headers', () => {
    const out = WEBHOOK_FORMATS.native.build(event, { timestamp: 1700000000, secrets: ['whsec_a'], userAgent: 'UA' });
    expect(JSON.parse(out.body)).toEqual({ id: 'evt_123', object: 'event', type: 'payment_intent.paid', created_at: '2026-05-29T12:04:56Z', livemode: false, data: event.data });
    expect(out.headers).toMatchObject({
      'content-type': 'application/json',
      'x-kassa-event-id': 'evt_123',
      'x-kassa-event-type': 'payment_intent.paid',
      'x-kassa-timestamp': '1700000000',
      'x-kassa-signature': `sha256=${hmac('whsec_a', `1700000000.${out.body}`)}`,
    });
  });

  it('claude_pay: the payment intent itself as the body, X-Claude-Pay-* headers', () => {
    const out = WEBHOOK_FORMATS.claude_pay.build(event, { timestamp: 1700000001, secrets: ['whsec_b'], userAgent: 'UA' });
    expect(JSON.parse(out.body)).toEqual(event.data.object);
    expect(out.headers).toMatchObject({
      'x-claude-pay-event-id': 'evt_123',
      'x-claude-pay-event-type': 'payment_intent.paid',
      'x-claude-pay-timestamp': '1700000001',
      'x-claude-pay-signature': `sha256=${hmac('whsec_b', `1700000001.${out.body}`)}`,
    });
    expect(Object.keys(out.headers).some((h) => h.startsWith('x-kassa-'))).toBe(false);
  });

  it('claude_pay carries one signature: during a rotation the old secret signs until it expires', () => {
    const out = WEBHOOK_FORMATS.claude_pay.build(event, { timestamp: 1700000002, secrets: ['whsec_new', 'whsec_old'], userAgent: 'UA' });
    expect(out.headers['x-claude-pay-signature']).toBe(`sha256=${hmac('whsec_old', `1700000002.${out.body}`)}`);
  });
});
