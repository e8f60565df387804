// The invoice table's filters: URL round trip, the API query, and which live updates a filtered
// first page takes in (new rows first, known rows replaced in place).
import { describe, expect, it } from 'vitest';
import type { PaymentIntentView } from '../../../src-server/admin/contract.ts';
import { apiQueryOf, applyInvoiceUpdate, dayBound, filtersFromSearch, matchesFilters, searchFromFilters } from '../../../src-renderer/src/lib/invoice-filters.ts';

function invoice(over: Partial<PaymentIntentView> = {}): PaymentIntentView {
  return {
    object: 'payment_intent',
    id: 'pi_abc123',
    livemode: false,
    store_id: 'st_default',
    status: 'pending',
    exception: null,
    network: 'bsc',
    asset: 'USDT',
    amount: '25.00',
    currency: 'USDT',
    pay_amount: '25.00',
    amount_received: '0',
    amount_confirmed: '0',
    amount_due: '25.00',
    decimals: 18,
    token_contract: null,
    rate: null,
    receive_address: '0x5aE1b3C4d5E6f708192a3b4c5d6e7f8091a2b3c4',
    address_mode: 'unique',
    payment_uri: 'ethereum:…',
    checkout_url: 'http://127.0.0.1:8421/checkout/pi_abc123',
    checkout_session: null,
    confirmations_required: 2,
    late_payment_policy: 'accept',
    custom_id: 'ORDER-1042',
    customer_email: 'Buyer@Example.com',
    description: null,
    metadata: {},
    success_url: null,
    cancel_url: null,
    payments: [],
    created_at: '2026-05-29T12:04:56.000Z',
    expires_at: '2026-05-29T12:34:56.000Z',
    monitor_until: '2026-06-05T12:34:56.000Z',
    paid_at: null,
    canceled_at: null,
    ...over,
  };
}

const payment = (txid: string) => ({
  object: 'payment' as const,
  id: 'pay_1',
  payment_intent: 'pi_abc123',
  txid,
  log_index: 0,
  vout: null,
  from: '0x12',
  amount: '25.00',
  block_number: 1,
  block_hash: null,
  confirmations: 1,
  status: 'detected' as const,
  detected_at: '2026-05-29T12:05:10.000Z',
  confirmed_at: null,
  reverted_at: null,
});

describe('URL round trip', () => {
  it('keeps only known, non-empty filters', () => {
    const f = filtersFromSearch(new URLSearchParams('status=paid&network=&q=%20ORDER%20&bogus=1'));
    expect(f).toEqual({ status: 'paid', q: 'ORDER' });
    expect(searchFromFilters(f, { after: 'pi_9' })).toBe('?status=paid&q=ORDER&after=pi_9');
    expect(searchFromFilters({})).toBe('');
  });
});

describe('apiQueryOf', () => {
  it('turns local days into instants at both ends of the day', () => {
    const q = apiQueryOf({ from: '2026-05-01', to: '2026-05-31', asset: 'USDT' }, 'live');
    expect(q.mode).toBe('live');
    expect(q.asset).toBe('USDT');
    expect(new Date(q.created_gte!).getDate()).toBe(1);
    expect(new Date(q.created_gte!).getHours()).toBe(0);
    expect(new Date(q.created_lte!).getDate()).toBe(31);
    expect(new Date(q.created_lte!).getMinutes()).toBe(59);
    expect(dayBound('31/05/2026', false)).toBeUndefined();
  });
});

describe('matchesFilters', () => {
  it.each([
    [{}, true],
    [{ status: 'pending' }, true],
    [{ status: 'paid' }, false],
    [{ network: 'tron' }, false],
    [{ asset: 'usdt' }, true],
    [{ exception: 'underpaid' }, false],
    [{ q: 'pi_abc' }, true],
    [{ q: 'order-10' }, true],
    [{ q: 'buyer@example.com' }, true],
    [{ q: '0x5ae1b3' }, true],
    [{ q: '0xdead' }, false],
    [{ from: '2026-06-01' }, false],
    [{ to: '2026-05-01' }, false],
  ])('%j → %s', (filters, expected) => expect(matchesFilters(invoice(), filters)).toBe(expected));

  it('finds an invoice by the txid of one of its payments', () => {
    expect(matchesFilters(invoice({ payments: [payment('0x9f00aa')] }), { q: '0x9f00' })).toBe(true);
  });
});

describe('applyInvoiceUpdate', () => {
  const a = invoice({ id: 'pi_a' });
  const b = invoice({ id: 'pi_b' });
  it('replaces a known row where it stands, even when it no longer matches', () => {
    const paid = invoice({ id: 'pi_b', status: 'paid' });
    expect(applyInvoiceUpdate([a, b], paid, { status: 'pending' }, true)).toEqual([a, paid]);
  });
  it('puts a new matching invoice first, on the first page only', () => {
    const c = invoice({ id: 'pi_c' });
    expect(applyInvoiceUpdate([a, b], c, {}, true)).toEqual([c, a, b]);
    const rows = [a, b];
    expect(applyInvoiceUpdate(rows, c, {}, false)).toBe(rows);
    expect(applyInvoiceUpdate(rows, c, { status: 'paid' }, true)).toBe(rows);
  });
});
