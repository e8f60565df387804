import { describe, expect, it } from 'vitest';
import { format, LANGUAGES, MESSAGES, pickLanguage } from '../../../src-server/checkout/i18n.ts';
import { amountToSend, confirmationsSoFar, detailText, esc, statusText } from '../../../src-server/checkout/render.ts';
import type { PublicIntentView } from '../../../src-server/checkout/public-views.ts';
import { safeHttpUrl } from '../../../src-server/checkout/public-views.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('messages', () => {
  it('every language has every string, non-empty, with the same placeholders as English', () => {
    const keys = Object.keys(MESSAGES.en).sort();
    expect(LANGUAGES).toEqual(['en', 'es', 'pt', 'ru', 'tr', 'zh', 'vi']);
    for (const lang of LANGUAGES) {
      expect(Object.keys(MESSAGES[lang]).sort(), lang).toEqual(keys);
      for (const key of keys as (keyof typeof MESSAGES.en)[]) {
        const text = MESSAGES[lang][key];
        expect(text.trim().length, `${lang}.${key}`).toBeGreaterThan(0);
        expect(placeholders(text), `${lang}.${key}`).toEqual(placeholders(MESSAGES.en[key]));
        // A translation, not the English text left in place ("Status" is also Portuguese).
        if (lang !== 'en' && !(lang === 'pt' && key === 'status')) expect(text, `${lang}.${key} untranslated`).not.toBe(MESSAGES.en[key]);
      }
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('{n} of {m}', { n: 1, m: 2 })).toBe('1 of 2');
    expect(format('{x} and {y}', { x: 'a' })).toBe('a and {y}');
  });
});

describe('pickLanguage', () => {
  it.each([
    [undefined, undefined, 'en'],
    ['pt-BR,pt;q=0.9,en;q=0.8', undefined, 'pt'],
    ['de-DE,de;q=0.9,ru;q=0.8,en;q=0.7', undefined, 'ru'],
    ['en;q=0.5,tr;q=0.9', undefined, 'tr'],
    ['zh-Hans-CN,zh;q=0.9', undefined, 'zh'],
    ['vi-VN', undefined, 'vi'],
    ['fr-FR,de', undefined, 'en'],
    ['es;q=0,en', undefined, 'en'],
    ['es', 'ru', 'ru'],
    ['es', 'xx', 'es'],
    ['es', ['ru'], 'es'],
    ['*', undefined, 'en'],
    [`${'x,'.repeat(5000)}es`, undefined, 'en'],
  ])('%s (lang=%s) → %s', (accept, override, expected) => {
    expect(pickLanguage(accept as string | undefined, override)).toBe(expected);
  });
});

describe('rendering helpers', () => {
  it('escapes text and attribute values', () => {
    expect(esc(`<img src=x onerror="alert('1')">&\``)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;');
    expect(esc(null)).toBe('');
  });

  it('lets only http(s) URLs out as links', () => {
    expect(safeHttpUrl('https://shop.example/ok?a=1')).toBe('https://shop.example/ok?a=1');
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('data:text/html,hi')).toBeNull();
    expect(safeHttpUrl('not a url')).toBeNull();
    expect(safeHttpUrl(null)).toBeNull();
  });

  const base: PublicIntentView = {
    object: 'payment_intent', id: 'pi_x', livemode: false, status: 'pending', exception: null, network: 'bsc', network_name: 'BNB Smart Chain',
    asset: 'USDT', token_contract: null, amount: '25.00', currency: 'USDT', pay_amount: '25.00', amount_received: '0', amount_confirmed: '0',
    amount_remaining: '25.00', receive_address: '0xabc', payment_uri: 'ethereum:…', confirmations_required: 3, payments: [], description: null,
    success_url: null, cancel_url: null, expires_at: '2030-01-01T00:00:00Z', paid_at: null,
  };

  it('says what is going on, in the customer language', () => {
    const en = MESSAGES.en;
    expect(statusText(base, en)).toBe('Waiting for your payment');
    const confirming = { ...base, status: 'confirming', amount_received: '25.00', amount_remaining: '0', payments: [{ txid: 't1', amount: '20.00', confirmations: 2, status: 'detected' }, { txid: 't2', amount: '5.00', confirmations: 1, status: 'detected' }] };
    expect(confirmationsSoFar(confirming)).toBe(1);
    expect(statusText(confirming, en)).toBe('Payment received, confirming (1 of 3 confirmations)');
    expect(statusText(confirming, MESSAGES.ru)).toBe('Платёж получен, подтверждается (1 из 3 подтверждений)');
    expect(amountToSend(confirming)).toBe('25.00');
    expect(confirmationsSoFar({ ...confirming, payments: [{ txid: 't', amount: '25.00', confirmations: 9, status: 'confirmed' }] })).toBe(3);
  });

  it('asks for the remainder when underpaid', () => {
    const underpaid = { ...base, amount_received: '20.00', amount_remaining: '5.00', payments: [{ txid: 't', amount: '20.00', confirmations: 1, status: 'detected' }] };
    expect(amountToSend(underpaid)).toBe('5.00');
    expect(detailText(underpaid, MESSAGES.en)).toBe('We received 20.00 USDT. Please send the remaining 5.00 USDT to the same address.');
    expect(detailText({ ...underpaid, status: 'expired' }, MESSAGES.en)).toContain('Contact the shop about the 20.00 USDT');
    expect(detailText(base, MESSAGES.en)).toBe('');
  });
});
