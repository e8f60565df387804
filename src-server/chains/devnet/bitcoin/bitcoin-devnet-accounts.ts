// The Bitcoin devnet's faucet key. It is PUBLIC, like anvil's dev accounts: the BIP84 regtest path
// m/84'/1'/0'/0/0 of anvil's well-known mnemonic "test test … junk". Anyone can sign for it; never
// send real coins to its mainnet-format address. The same key serves the Bitcoin and Litecoin devnets.
import { payments } from 'bitcoinjs-lib';
import { ECPair, fromHex } from './bitcoin-crypto.ts';
import type { UtxoChainParams } from './bitcoin-devnet-params.ts';

export const BITCOIN_DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';
export const BITCOIN_DEVNET_FAUCET_PATH = "m/84'/1'/0'/0/0";
export const BITCOIN_DEVNET_FAUCET_PRIVATE_KEY = 'b5c8b4acf7b66682afbc5eef20c3b12998ba3c14a97047c9187454377f1a7856';
export const BITCOIN_DEVNET_FAUCET_PUBLIC_KEY = '03f3d474c86c9be5b82e251cc3cc438d3cc361527b4b9799516c4bd513caf9e5f6';

export interface FaucetAccount {
  /** P2WPKH address in the devnet's address format. */
  address: string;
  /** The private key in WIF for the devnet's address format (mainnet or regtest version byte). */
  wif: string;
  /** The P2WPKH output script every coinbase and every change output pays. */
  script: Uint8Array;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export function faucetAccount(params: UtxoChainParams): FaucetAccount {
  const privateKey = fromHex(BITCOIN_DEVNET_FAUCET_PRIVATE_KEY);
  const pair = ECPair.fromPrivateKey(privateKey, { network: params.addressNetwork });
  const payment = payments.p2wpkh({ pubkey: pair.publicKey, network: params.addressNetwork });
  if (!payment.address || !payment.output) throw new Error('faucet: P2WPKH derivation failed');
  return { address: payment.address, wif: pair.toWIF(), script: payment.output, publicKey: pair.publicKey, privateKey };
}
