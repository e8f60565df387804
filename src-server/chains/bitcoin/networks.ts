// Bitcoin and Litecoin network parameters, addresses and the dust thresholds the adapter applies.
//
// Canonical address form (WatchSet in, transfers out): the address string as derived — bech32
// in lowercase (`bc1…`, `ltc1…`), base58check legacy addresses exactly as written.
import { address as btcAddress, networks, type Network } from 'bitcoinjs-lib';

export type UtxoNetwork = 'bitcoin' | 'litecoin';

/**
 * Litecoin mainnet, which bitcoinjs-lib does not ship: bech32 `ltc`, P2PKH version 0x30 (`L…`),
 * P2SH version 0x32 (`M…`; the old 0x05 `3…` form is not accepted), WIF 0xb0, BIP32 `Ltub`/`Ltpv`.
 */
export const litecoinNetwork: Network = {
  messagePrefix: '\x19Litecoin Signed Message:\n',
  bech32: 'ltc',
  bip32: { public: 0x019da462, private: 0x019d9cfe },
  pubKeyHash: 0x30,
  scriptHash: 0x32,
  wif: 0xb0,
};

export function networkParams(network: UtxoNetwork): Network {
  return network === 'bitcoin' ? networks.bitcoin : litecoinNetwork;
}

/**
 * Outputs below these are ignored (never credited). Both are the networks' standard dust limit for
 * a P2PKH output, which wallets use as their smallest output:
 * - bitcoin 546 sat: Bitcoin Core's dust relay fee of 3 sat/vB × (34-byte output + 148-byte spend).
 *   Our receiving addresses are P2WPKH, whose own relay limit is 294 sat; 546 also drops the
 *   294–545 sat range that dust-tracking ("address poisoning") campaigns use, and a payment that
 *   small is worth less than the fee to spend it.
 * - litecoin 5,460 litoshi: Litecoin Core's DUST_RELAY_TX_FEE is 30,000 lit/kvB, ten times
 *   Bitcoin's, so the same P2PKH arithmetic gives 5,460 (P2WPKH: 2,940).
 */
export const DEFAULT_DUST_THRESHOLD_SATS: Readonly<Record<UtxoNetwork, bigint>> = {
  bitcoin: 546n,
  litecoin: 5_460n,
};

/**
 * The canonical form of an address on `network`, or null when it is not a valid address there
 * (bad checksum, other network, mixed-case bech32, unknown witness version).
 */
export function canonicalUtxoAddress(address: string, network: UtxoNetwork): string | null {
  const params = networkParams(network);
  let script: Uint8Array;
  try {
    script = btcAddress.toOutputScript(address, params);
  } catch {
    return null;
  }
  // Bech32 is case-insensitive but never mixed-case (BIP173); its canonical form is lowercase.
  const bech32Prefix = `${params.bech32}1`;
  if (address.toLowerCase().startsWith(bech32Prefix)) {
    if (address !== address.toLowerCase() && address !== address.toUpperCase()) return null;
    return address.toLowerCase();
  }
  return script.length > 0 ? address : null;
}

/** The scriptPubKey an address pays to, hex; null when it is not an address on `network`. */
export function outputScriptHex(address: string, network: UtxoNetwork): string | null {
  try {
    return Buffer.from(btcAddress.toOutputScript(address, networkParams(network))).toString('hex');
  } catch {
    return null;
  }
}

/** The address a scriptPubKey (hex) pays to, in canonical form; null for scripts without one. */
export function addressOfOutputScript(scriptHex: string, network: UtxoNetwork): string | null {
  try {
    return btcAddress.fromOutputScript(Buffer.from(scriptHex, 'hex'), networkParams(network));
  } catch {
    return null;
  }
}
