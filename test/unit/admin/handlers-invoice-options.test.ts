// What the dashboard's new-invoice form offers per mode: the devnet first in test mode, only the
// enabled networks in live mode, test devnets of other families with the tokens they carry, and
// a default that prefers USDT.
import { describe, expect, it } from 'vitest';
import { invoiceOptions } from '../../../src-server/admin/handlers/invoice-options.ts';
import type { OptionAvailability } from '../../../src-server/payments/checkout-rules.ts';

const none = new Map<string, { tokens: Record<string, string> }>();
const tronAndBitcoin = new Map<string, { tokens: Record<string, string> }>([
  ['tron', { tokens: { USDT: 'TXYZ' } }],
  ['bitcoin', { tokens: {} }],
]);

function availability(over: Partial<OptionAvailability>): OptionAvailability {
  return { livemode: false, liveNetworks: new Set(), evmDevnet: true, testNetworks: none, ...over };
}

describe('invoiceOptions', () => {
  const cases: { name: string; a: OptionAvailability; networks: [string, string[]][]; default: { network: string; asset: string } | null }[] = [
    {
      name: 'test mode with every devnet: the devnet first, then the registry order',
      a: availability({ testNetworks: tronAndBitcoin }),
      networks: [
        ['devnet', ['DEV', 'USDT', 'USDC']],
        ['ethereum', ['ETH', 'USDT', 'USDC']],
        ['bsc', ['BNB', 'USDT', 'USDC']],
        ['polygon', ['POL', 'USDT', 'USDC']],
        ['base', ['ETH', 'USDC']],
        ['arbitrum', ['ETH', 'USDT', 'USDC']],
        ['tron', ['TRX', 'USDT']],
        ['bitcoin', ['BTC']],
      ],
      default: { network: 'devnet', asset: 'USDT' },
    },
    {
      name: 'test mode without the EVM devnet: only the other families’ devnets',
      a: availability({ evmDevnet: false, testNetworks: tronAndBitcoin }),
      networks: [
        ['tron', ['TRX', 'USDT']],
        ['bitcoin', ['BTC']],
      ],
      default: { network: 'tron', asset: 'USDT' },
    },
    {
      name: 'test mode with no devnet at all: nothing to offer',
      a: availability({ evmDevnet: false }),
      networks: [],
      default: null,
    },
    {
      name: 'live mode: the enabled networks only, never the devnet',
      a: availability({ livemode: true, liveNetworks: new Set(['bsc', 'devnet']) }),
      networks: [['bsc', ['BNB', 'USDT', 'USDC']]],
      default: { network: 'bsc', asset: 'USDT' },
    },
    {
      name: 'live mode without USDT anywhere: the first asset of the first network',
      a: availability({ livemode: true, liveNetworks: new Set(['litecoin', 'bitcoin']) }),
      networks: [
        ['bitcoin', ['BTC']],
        ['litecoin', ['LTC']],
      ],
      default: { network: 'bitcoin', asset: 'BTC' },
    },
    {
      name: 'live mode with USDT on a later network: that network is the default',
      a: availability({ livemode: true, liveNetworks: new Set(['base', 'tron']) }),
      networks: [
        ['base', ['ETH', 'USDC']],
        ['tron', ['TRX', 'USDT']],
      ],
      default: { network: 'tron', asset: 'USDT' },
    },
    {
      name: 'live mode with nothing enabled',
      a: availability({ livemode: true }),
      networks: [],
      default: null,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const out = invoiceOptions(c.a);
      expect(out.networks.map((n) => [n.id, n.assets])).toEqual(c.networks);
      expect(out.default).toEqual(c.default);
      for (const n of out.networks) expect(n.name.length).toBeGreaterThan(0);
    });
  }
});
