// Chain parameters of the Bitcoin devnet: regtest's consensus (genesis, 150-block halvings,
// 100-block coinbase maturity, minimum difficulty) and the relay policy of the node it imitates,
// per network. Addresses can be regtest's (bcrt1…/rltc1…) or mainnet's (bc1…/ltc1…): Kassa's wallet
// derives mainnet addresses, and test mode must be able to pay them.
import type { Network } from 'bitcoinjs-lib';

export type BitcoinDevnetNetwork = 'bitcoin' | 'litecoin';
export type BitcoinDevnetAddressFormat = 'mainnet' | 'regtest';

export interface GenesisSpec {
  /** The text in the genesis coinbase. */
  headline: string;
  /** Uncompressed key the genesis reward pays (P2PK); that output is never spendable. */
  outputPubkeyHex: string;
  time: number;
  nonce: number;
  bits: number;
  /** Block hash, checked when the chain starts. */
  hash: string;
}

export interface RelayPolicy {
  /** -minrelaytxfee, sat per 1000 vbytes */
  minRelayFeeSatPerKvB: bigint;
  /** -incrementalrelayfee, sat per 1000 vbytes (BIP125 rule 4) */
  incrementalRelayFeeSatPerKvB: bigint;
  /** -dustrelayfee, sat per 1000 bytes */
  dustRelayFeeSatPerKvB: bigint;
  /** MIN_STANDARD_TX_NONWITNESS_SIZE */
  minStandardTxNonWitnessSize: number;
  /** TX_MAX_STANDARD_VERSION */
  maxStandardTxVersion: number;
  /** MAX_STANDARD_TX_WEIGHT */
  maxStandardTxWeight: number;
  /** MAX_STANDARD_SCRIPTSIG_SIZE */
  maxStandardScriptSigSize: number;
  /** -datacarriersize (OP_RETURN script bytes) */
  maxDataCarrierBytes: number;
  /** -limitancestorcount / -limitdescendantcount */
  ancestorLimit: number;
  descendantLimit: number;
  /** MAX_REPLACEMENT_CANDIDATES (BIP125 rule 5) */
  maxReplacementCandidates: number;
  /** sendrawtransaction's default maxfeerate, sat per 1000 vbytes (0.10 coin/kvB) */
  defaultMaxFeeRateSatPerKvB: bigint;
}

export interface UtxoChainParams {
  network: BitcoinDevnetNetwork;
  addressFormat: BitcoinDevnetAddressFormat;
  /** bitcoind's `chain` field: the rules are regtest's whatever the address format. */
  chainName: 'regtest';
  currencyUnit: 'BTC' | 'LTC';
  /** The node whose RPC shapes and reject messages the devnet reproduces. */
  nodeVersion: string;
  /** bitcoinjs network for addresses and WIF in the selected format. */
  addressNetwork: Network;
  /** The same coin's other format; pay() accepts both, the explorer API only the selected one. */
  otherAddressNetwork: Network;
  genesis: GenesisSpec;
  /** sha256d(header) for Bitcoin; Litecoin's proof of work is scrypt(N=1024, r=1, p=1) of the header. */
  powHash: 'sha256d' | 'scrypt';
  powBits: number;
  subsidyHalvingInterval: number;
  initialSubsidySats: bigint;
  coinbaseMaturity: number;
  policy: RelayPolicy;
  /** Node-specific RPC texts. */
  messages: { alreadyInChain: string };
}

const BITCOIN_MAINNET: Network = {
  messagePrefix: '\x18Bitcoin Signed Message:\n',
  bech32: 'bc',
  bip32: { public: 0x0488b21e, private: 0x0488ade4 },
  pubKeyHash: 0x00,
  scriptHash: 0x05,
  wif: 0x80,
};

const BITCOIN_REGTEST: Network = {
  messagePrefix: '\x18Bitcoin Signed Message:\n',
  bech32: 'bcrt',
  bip32: { public: 0x043587cf, private: 0x04358394 },
  pubKeyHash: 0x6f,
  scriptHash: 0xc4,
  wif: 0xef,
};

const LITECOIN_MAINNET: Network = {
  messagePrefix: '\x19Litecoin Signed Message:\n',
  bech32: 'ltc',
  bip32: { public: 0x0488b21e, private: 0x0488ade4 },
  pubKeyHash: 0x30,
  scriptHash: 0x32,
  wif: 0xb0,
};

const LITECOIN_REGTEST: Network = {
  messagePrefix: '\x19Litecoin Signed Message:\n',
  bech32: 'rltc',
  bip32: { public: 0x043587cf, private: 0x04358394 },
  pubKeyHash: 0x6f,
  scriptHash: 0x3a,
  wif: 0xef,
};

/** Regtest's proof-of-work limit: about one hash in two meets it. */
const REGTEST_POW_BITS = 0x207fffff;

const SHARED_POLICY = {
  minRelayFeeSatPerKvB: 1_000n,
  incrementalRelayFeeSatPerKvB: 1_000n,
  maxStandardTxVersion: 2,
  maxStandardTxWeight: 400_000,
  maxStandardScriptSigSize: 1_650,
  maxDataCarrierBytes: 83,
  ancestorLimit: 25,
  descendantLimit: 25,
  maxReplacementCandidates: 100,
  defaultMaxFeeRateSatPerKvB: 10_000_000n,
} as const;

export function chainParams(network: BitcoinDevnetNetwork, addressFormat: BitcoinDevnetAddressFormat): UtxoChainParams {
  if (network === 'bitcoin') {
    return {
      network,
      addressFormat,
      chainName: 'regtest',
      currencyUnit: 'BTC',
      // Bitcoin Core 27: opt-in RBF by default (28 made full RBF the default; see fullRbf).
      nodeVersion: 'Bitcoin Core 27.x',
      addressNetwork: addressFormat === 'mainnet' ? BITCOIN_MAINNET : BITCOIN_REGTEST,
      otherAddressNetwork: addressFormat === 'mainnet' ? BITCOIN_REGTEST : BITCOIN_MAINNET,
      genesis: {
        headline: 'The Times 03/Jan/2009 Chancellor on brink of second bailout for banks',
        outputPubkeyHex:
          '04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f',
        time: 1_296_688_602,
        nonce: 2,
        bits: REGTEST_POW_BITS,
        hash: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
      },
      powHash: 'sha256d',
      powBits: REGTEST_POW_BITS,
      subsidyHalvingInterval: 150,
      initialSubsidySats: 5_000_000_000n,
      coinbaseMaturity: 100,
      policy: { ...SHARED_POLICY, dustRelayFeeSatPerKvB: 3_000n, minStandardTxNonWitnessSize: 65 },
      messages: { alreadyInChain: 'Transaction already in block chain' },
    };
  }
  return {
    network,
    addressFormat,
    chainName: 'regtest',
    currencyUnit: 'LTC',
    nodeVersion: 'Litecoin Core 0.21.x',
    addressNetwork: addressFormat === 'mainnet' ? LITECOIN_MAINNET : LITECOIN_REGTEST,
    otherAddressNetwork: addressFormat === 'mainnet' ? LITECOIN_REGTEST : LITECOIN_MAINNET,
    genesis: {
      headline: 'NY Times 05/Oct/2011 Steve Jobs, Apple’s Visionary, Dies at 56',
      outputPubkeyHex:
        '040184710fa689ad5023690c80f3a49c8f13f8d45b8c857fbcbc8bc4a8e4d3eb4b10f4d4604fa08dce601aaf0f470216fe1b51850b4acf21b179c45070ac7b03a9',
      time: 1_296_688_602,
      nonce: 0,
      bits: REGTEST_POW_BITS,
      hash: '530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9',
    },
    powHash: 'scrypt',
    powBits: REGTEST_POW_BITS,
    subsidyHalvingInterval: 150,
    initialSubsidySats: 5_000_000_000n,
    coinbaseMaturity: 100,
    // Litecoin Core's policy.h: dust at 10x Bitcoin's rate, and an 82-byte minimum non-witness size.
    policy: { ...SHARED_POLICY, dustRelayFeeSatPerKvB: 30_000n, minStandardTxNonWitnessSize: 82 },
    messages: { alreadyInChain: 'Transaction already in block chain' },
  };
}

/** GetBlockSubsidy: the initial reward halved every `subsidyHalvingInterval` blocks, zero after 64 halvings. */
export function blockSubsidy(params: UtxoChainParams, height: number): bigint {
  const halvings = Math.floor(height / params.subsidyHalvingInterval);
  if (halvings >= 64) return 0n;
  return params.initialSubsidySats >> BigInt(halvings);
}
