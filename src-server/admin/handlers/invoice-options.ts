// Which networks and assets the dashboard's new-invoice form offers in a mode: the same
// availability rule checkout sessions use, with the devnet itself offered (and first) in test mode.
import { listNetworks } from '../../money/assets.ts';
import { candidateOptions, type OptionAvailability } from '../../payments/checkout-rules.ts';
import type { AdminOutput } from '../contract.ts';

type InvoiceOptions = Omit<AdminOutput<'GET /invoice-options'>, 'mode' | 'wallet'>;

const PREFERRED_ASSET = 'USDT';

export function invoiceOptions(a: OptionAvailability): InvoiceOptions {
  // Naming every network makes the devnet count as asked for: the merchant may pick it by name.
  const every = listNetworks().map((network) => ({ network, asset: null }));
  const byNetwork = new Map<string, { id: string; name: string; assets: string[] }>();
  for (const { network, asset } of candidateOptions(a, every)) {
    const entry = byNetwork.get(network.id) ?? { id: network.id, name: network.name, assets: [] };
    entry.assets.push(asset.symbol);
    byNetwork.set(network.id, entry);
  }
  const networks = [...byNetwork.values()];
  // In test mode the devnet leads: it is what test payments really run on.
  networks.sort((x, y) => Number(y.id === 'devnet') - Number(x.id === 'devnet'));
  const first = networks.find((n) => n.assets.includes(PREFERRED_ASSET)) ?? networks[0];
  return {
    networks,
    default: first ? { network: first.id, asset: first.assets.includes(PREFERRED_ASSET) ? PREFERRED_ASSET : first.assets[0]! } : null,
  };
}
