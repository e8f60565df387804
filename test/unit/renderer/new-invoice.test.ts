// The new-invoice form's rules: it starts at the node's default, keeps a sensible asset when the
// network changes, and sends a trimmed body without empty optional fields.
import { describe, expect, it } from 'vitest';
import { assetAfterNetworkChange, assetsOf, createInvoiceBody, emptyForm, type InvoiceOptions } from '../../../src-renderer/src/lib/new-invoice.ts';

const options: InvoiceOptions = {
  mode: 'test',
  networks: [
    { id: 'devnet', name: 'Kassa devnet', assets: ['DEV', 'USDT', 'USDC'] },
    { id: 'base', name: 'Base', assets: ['ETH', 'USDC'] },
    { id: 'bitcoin', name: 'Bitcoin', assets: ['BTC'] },
  ],
  default: { network: 'devnet', asset: 'USDT' },
  wallet: true,
};

describe('emptyForm', () => {
  it('starts at the default network and asset, everything else empty', () => {
    expect(emptyForm(options)).toEqual({ network: 'devnet', asset: 'USDT', amount: '', description: '', customId: '', email: '' });
  });
  it('with nothing to offer (or not loaded) starts blank', () => {
    expect(emptyForm({ ...options, networks: [], default: null })).toMatchObject({ network: '', asset: '' });
    expect(emptyForm(undefined)).toMatchObject({ network: '', asset: '' });
  });
});

describe('assetAfterNetworkChange', () => {
  const cases: [network: string, current: string, expected: string][] = [
    ['devnet', 'USDC', 'USDC'], // the new network has it: kept
    ['base', 'USDC', 'USDC'],
    ['base', 'USDT', 'ETH'], // no USDT on Base: its first asset
    ['devnet', 'ETH', 'USDT'], // not there: USDT first
    ['bitcoin', 'USDT', 'BTC'],
    ['nowhere', 'USDT', ''], // a network the node does not offer has no assets
  ];
  for (const [network, current, expected] of cases) {
    it(`${current} → ${network}: ${expected || 'none'}`, () => {
      expect(assetAfterNetworkChange(options, network, current)).toBe(expected);
    });
  }
  it('assetsOf lists a network’s assets, none for an unknown one', () => {
    expect(assetsOf(options, 'base')).toEqual(['ETH', 'USDC']);
    expect(assetsOf(options, 'nowhere')).toEqual([]);
    expect(assetsOf(undefined, 'devnet')).toEqual([]);
  });
});

describe('createInvoiceBody', () => {
  it('trims and leaves empty optional fields out', () => {
    expect(createInvoiceBody('test', { network: 'devnet', asset: 'USDT', amount: ' 25.00 ', description: '  ', customId: '', email: ' ' })).toEqual({
      mode: 'test',
      network: 'devnet',
      asset: 'USDT',
      amount: '25.00',
    });
  });
  it('sends the optional fields that were filled in', () => {
    expect(createInvoiceBody('live', { network: 'bsc', asset: 'USDT', amount: '5', description: ' Two coffees ', customId: 'ORDER-1', email: 'buyer@example.com ' })).toEqual({
      mode: 'live',
      network: 'bsc',
      asset: 'USDT',
      amount: '5',
      description: 'Two coffees',
      custom_id: 'ORDER-1',
      customer_email: 'buyer@example.com',
    });
  });
  it('an empty amount is sent as it is, so the node names the field', () => {
    expect(createInvoiceBody('test', { network: 'devnet', asset: 'USDT', amount: '  ', description: '', customId: '', email: '' }).amount).toBe('');
  });
});
