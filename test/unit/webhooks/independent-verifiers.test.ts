// The two verifiers the webhook integration tests trust, checked against vectors computed outside
// them: literal HMACs (from `openssl dgst -sha256 -hmac`) and HMACs computed here with node:crypto
// from literal inputs. If these verifiers were wrong, the integration tests would prove nothing.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyKassaWebhook } from '../../helpers/verify-kassa-signature.ts';

const require = createRequire(import.meta.url);
const { verifyClaudePayWebhook } = require('../../fixtures/claude-pay-verify.cjs') as {
  verifyClaudePayWebhook(rawBody: string | Buffer, headers: Record<string, string>, secret: string, toleranceSec?: number): boolean;
};

const hmacHex = (secret: string, message: string) => createHmac('sha256', secret).update(message, 'utf8').digest('hex');

/** 2026-01-01T00:00:00Z */
const T = 1767225600;
const AT_T = new Date(T * 1000);

describe('verifyKassaWebhook (written from SPEC §7)', () => {
  const secret = 'whsec_test_vector_secret';
  const rawBody =
    '{"id":"evt_vector1","object":"event","type":"payment_intent.paid","created_at":"2026-01-01T00:00:00Z","livemode":false,"data":{"object":{"object":"payment_intent","id":"pi_vector1","amount":"25.00"}}}';
  // openssl: printf '%s' "1767225600.$rawBody" | openssl dgst -sha256 -hmac whsec_test_vector_secret
  const OPENSSL_SIGNATURE = '1a4084a3e380cfa43f351f7d4c87d6ee9939eff4f8d77b146fb8ae4b2b1f6bd5';
  const headersWith = (signature: string, extra: Record<string, string> = {}) => ({
    'x-kassa-event-id': 'evt_vector1',
    'x-kassa-event-type': 'payment_intent.paid',
    'x-kassa-timestamp': String(T),
    'x-kassa-signature': signature,
    ...extra,
  });

  it('the literal vector: node:crypto agrees with openssl, and the verifier accepts it', () => {
    expect(hmacHex(secret, `${T}.${rawBody}`)).toBe(OPENSSL_SIGNATURE);
    const result = verifyKassaWebhook({ rawBody, headers: headersWith(`sha256=${OPENSSL_SIGNATURE}`), secret, now: AT_T });
    expect(result).toEqual({ ok: true, event: JSON.parse(rawBody) });
  });

  it('header names in any casing (as another HTTP stack may hand them over)', () => {
    const headers = {
      'X-Kassa-Event-Id': 'evt_vector1',
      'X-Kassa-Timestamp': String(T),
      'X-Kassa-Signature': `sha256=${OPENSSL_SIGNATURE}`,
    };
    expect(verifyKassaWebhook({ rawBody, headers, secret, now: AT_T }).ok).toBe(true);
  });

  it('a tampered body fails', () => {
    const tampered = rawBody.replace('"25.00"', '"2500.00"');
    const result = verifyKassaWebhook({ rawBody: tampered, headers: headersWith(`sha256=${OPENSSL_SIGNATURE}`), secret, now: AT_T });
    expect(result).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('one changed byte of whitespace in the body fails (the raw body is signed, not the JSON value)', () => {
    const reformatted = JSON.stringify(JSON.parse(rawBody), null, 1);
    expect(verifyKassaWebhook({ rawBody: reformatted, headers: headersWith(`sha256=${OPENSSL_SIGNATURE}`), secret, now: AT_T }).ok).toBe(false);
  });

  it('the wrong secret fails', () => {
    const result = verifyKassaWebhook({ rawBody, headers: headersWith(`sha256=${OPENSSL_SIGNATURE}`), secret: 'whsec_some_other_secret', now: AT_T });
    expect(result).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('a timestamp changed after signing fails (it is part of the signed message)', () => {
    const headers = headersWith(`sha256=${OPENSSL_SIGNATURE}`, { 'x-kassa-timestamp': String(T + 1) });
    expect(verifyKassaWebhook({ rawBody, headers, secret, now: AT_T })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('a stale timestamp fails beyond the tolerance, passes inside it; a future one likewise', () => {
    const headers = headersWith(`sha256=${OPENSSL_SIGNATURE}`);
    const at = (offsetSeconds: number, toleranceSeconds?: number) =>
      verifyKassaWebhook({ rawBody, headers, secret, now: (T + offsetSeconds) * 1000, ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }) });
    expect(at(300).ok).toBe(true);
    const stale = at(301);
    expect(stale.ok).toBe(false);
    expect(!stale.ok && stale.reason).toMatch(/timestamp outside tolerance/);
    expect(at(-301).ok).toBe(false);
    expect(at(3600, 3600).ok).toBe(true);
    expect(at(3601, 3600).ok).toBe(false);
  });

  it('a rotated header where only the second entry matches passes; where none matches fails', () => {
    const oldSecret = 'whsec_the_old_one';
    const newSecret = 'whsec_the_new_one';
    const message = `${T}.${rawBody}`;
    const rotated = `sha256=${hmacHex(newSecret, message)},sha256=${hmacHex(oldSecret, message)}`;
    // A shop still on the old secret: only the second entry is theirs.
    expect(verifyKassaWebhook({ rawBody, headers: headersWith(rotated), secret: oldSecret, now: AT_T }).ok).toBe(true);
    expect(verifyKassaWebhook({ rawBody, headers: headersWith(rotated), secret: newSecret, now: AT_T }).ok).toBe(true);
    // Spaces after the comma are tolerated.
    expect(verifyKassaWebhook({ rawBody, headers: headersWith(rotated.replace(',', ', ')), secret: oldSecret, now: AT_T }).ok).toBe(true);
    expect(verifyKassaWebhook({ rawBody, headers: headersWith(rotated), secret: 'whsec_neither', now: AT_T })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('malformed signature headers fail with a reason, never throw', () => {
    const good = hmacHex(secret, `${T}.${rawBody}`);
    for (const signature of ['', good, `sha1=${good}`, `sha256=${good.slice(2)}`, `sha256=${good}00`, `sha256=${'z'.repeat(64)}`, 'sha256=']) {
      const result = verifyKassaWebhook({ rawBody, headers: headersWith(signature), secret, now: AT_T });
      expect(result.ok, signature).toBe(false);
    }
    expect(verifyKassaWebhook({ rawBody, headers: { 'x-kassa-signature': `sha256=${good}`, 'x-kassa-event-id': 'evt_vector1' }, secret, now: AT_T })).toEqual({
      ok: false,
      reason: 'missing X-Kassa-Timestamp',
    });
    const badTimestamp = headersWith(`sha256=${good}`, { 'x-kassa-timestamp': '17672256e2' });
    expect(verifyKassaWebhook({ rawBody, headers: badTimestamp, secret, now: AT_T }).ok).toBe(false);
  });

  it('X-Kassa-Event-Id must equal the body id (a header swapped onto another signed body is caught)', () => {
    const headers = headersWith(`sha256=${OPENSSL_SIGNATURE}`, { 'x-kassa-event-id': 'evt_other' });
    const result = verifyKassaWebhook({ rawBody, headers, secret, now: AT_T });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/X-Kassa-Event-Id/);
    const noId = { ...headersWith(`sha256=${OPENSSL_SIGNATURE}`) } as Record<string, string>;
    delete noId['x-kassa-event-id'];
    expect(verifyKassaWebhook({ rawBody, headers: noId, secret, now: AT_T }).ok).toBe(false);
  });

  it('a body that is not an event fails even when correctly signed', () => {
    const notEvent = '{"object":"payment_intent","id":"pi_1"}';
    const headers = headersWith(`sha256=${hmacHex(secret, `${T}.${notEvent}`)}`);
    expect(verifyKassaWebhook({ rawBody: notEvent, headers, secret, now: AT_T })).toEqual({ ok: false, reason: 'body is not an event object' });
  });

  it('non-ASCII bodies are signed as UTF-8', () => {
    const body = '{"id":"evt_u","object":"event","type":"test.webhook","created_at":"2026-01-01T00:00:00Z","livemode":false,"data":{"object":{"description":"Café ☕ 25 €"}}}';
    const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(`${T}.${body}`, 'utf8')).digest('hex');
    const headers = headersWith(`sha256=${signature}`, { 'x-kassa-event-id': 'evt_u', 'x-kassa-event-type': 'test.webhook' });
    expect(verifyKassaWebhook({ rawBody: body, headers, secret, now: AT_T }).ok).toBe(true);
  });
});

describe('verifyClaudePayWebhook (the seed 000 snippet a shop pasted)', () => {
  const secret = 'whsec_claude_pay_vector';
  const rawBody = '{"object":"payment_intent","id":"pi_vector1","status":"paid"}';
  // openssl: printf '%s' "1767225600.$rawBody" | openssl dgst -sha256 -hmac whsec_claude_pay_vector
  const OPENSSL_SIGNATURE = '33ed83ff00132292df452971c222bd064e8fda05f73b8524210f006462188996';
  const headers = (signature: string, timestamp = String(T)) => ({
    'x-claude-pay-event-id': 'evt_vector1',
    'x-claude-pay-event-type': 'payment_intent.paid',
    'x-claude-pay-timestamp': timestamp,
    'x-claude-pay-signature': signature,
  });

  // The snippet reads the clock itself, as a shop's does.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(AT_T);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the literal vector passes; node:crypto agrees with openssl', () => {
    expect(hmacHex(secret, `${T}.${rawBody}`)).toBe(OPENSSL_SIGNATURE);
    expect(verifyClaudePayWebhook(rawBody, headers(`sha256=${OPENSSL_SIGNATURE}`), secret)).toBe(true);
    expect(verifyClaudePayWebhook(Buffer.from(rawBody), headers(`sha256=${OPENSSL_SIGNATURE}`), secret)).toBe(true);
  });

  it('a tampered body, the wrong secret, a changed timestamp fail', () => {
    expect(verifyClaudePayWebhook(rawBody.replace('paid', 'pending'), headers(`sha256=${OPENSSL_SIGNATURE}`), secret)).toBe(false);
    expect(verifyClaudePayWebhook(rawBody, headers(`sha256=${OPENSSL_SIGNATURE}`), 'whsec_wrong')).toBe(false);
    expect(verifyClaudePayWebhook(rawBody, headers(`sha256=${OPENSSL_SIGNATURE}`, String(T - 1)), secret)).toBe(false);
  });

  it('a stale timestamp fails beyond the tolerance (default 300 s), passes inside it', () => {
    const signed = headers(`sha256=${OPENSSL_SIGNATURE}`);
    vi.setSystemTime((T + 300) * 1000);
    expect(verifyClaudePayWebhook(rawBody, signed, secret)).toBe(true);
    vi.setSystemTime((T + 301) * 1000);
    expect(verifyClaudePayWebhook(rawBody, signed, secret)).toBe(false);
    expect(verifyClaudePayWebhook(rawBody, signed, secret, 600)).toBe(true);
  });

  it('only the single-entry form: a rotated two-entry header does not pass this snippet', () => {
    const other = hmacHex('whsec_other', `${T}.${rawBody}`);
    expect(verifyClaudePayWebhook(rawBody, headers(`sha256=${other},sha256=${OPENSSL_SIGNATURE}`), secret)).toBe(false);
  });

  it('missing headers and a bare hex without the sha256= prefix fail', () => {
    expect(verifyClaudePayWebhook(rawBody, {}, secret)).toBe(false);
    expect(verifyClaudePayWebhook(rawBody, headers(OPENSSL_SIGNATURE), secret)).toBe(false);
  });
});
