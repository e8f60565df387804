// The Tron devnet's fixed furniture. Every key here is PUBLIC, like anvil's dev accounts: they are
// the Tron path (m/44'/195'/0'/0/i) of anvil's well-known mnemonic "test test … junk". Never send
// real funds to them; anyone can sign for them.
import { hexToBase58, keccak256, sha256, toHex, fromHex } from './tron-crypto.ts';

export interface TronDevnetKey {
  /** base58check `T…` */
  address: string;
  /** 41-prefixed hex */
  hexAddress: string;
  /** 32-byte hex, no 0x */
  privateKey: string;
}

export const TRON_DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';

/** m/44'/195'/0'/0/0: holds the genesis TRX and the whole USDT supply; pays tests and test-mode payments. */
export const TRON_DEVNET_FAUCET: TronDevnetKey = {
  address: 'TWer2Ygk5TEheHp3TPuYeqxmB6SsGZmaL6',
  hexAddress: '41e2e1a54926527fbb4e4420de4c6bab82beaee24d',
  privateKey: '15f0bbb1774be40b7a8d7965d637f324bda2f711fc5726a3dcc19585c6950954',
};

/** m/44'/195'/0'/0/1: the super representative that produces (and signs) every canonical block. */
export const TRON_DEVNET_WITNESS: TronDevnetKey = {
  address: 'TPjjvMwjPoDC32V2dGDYTkLH4E5LAtBZ6C',
  hexAddress: '419705bf55c3dcc6d277ebb8fe2a68762268822ba2',
  privateKey: '9b6ac6a6faf1dc64240f654475a7e668141e4205262367feb7269ef332113929',
};

/** m/44'/195'/0'/0/2: produces the competing branch in reorg(), so replaced blocks get another witness. */
export const TRON_DEVNET_FORK_WITNESS: TronDevnetKey = {
  address: 'TB7mhtkvfhsRBRhe5FuRa4tFXSEyGDe4eA',
  hexAddress: '410c96c0e10bb5e7e7edacf82ad00e3d60790351da',
  privateKey: '0c88a7fee5bfbe5a354c225bfa8a9d09557466cdf56f887cc2d000e7354f9453',
};

/** Genesis TRX of the faucet, in sun (1 TRX = 10^6 sun): one billion TRX, still a safe JSON integer. */
export const TRON_DEVNET_FAUCET_TRX_SUN = 1_000_000_000n * 1_000_000n;

export interface TronDevnetTokenSpec {
  symbol: string;
  name: string;
  decimals: number;
  /** Minted to the faucet at genesis, in base units. */
  genesisSupply: bigint;
}

export const TRON_DEVNET_USDT_SPEC: TronDevnetTokenSpec = {
  symbol: 'USDT',
  name: 'Tether USD (Kassa devnet)',
  decimals: 6,
  genesisSupply: 10n ** 12n * 10n ** 6n,
};

/** The (fictional) deployment transaction behind the USDT contract; fixed so the address never moves. */
export const TRON_DEVNET_USDT_DEPLOY_TXID = toHex(sha256(new TextEncoder().encode('Kassa Tron devnet: USDT TestToken deployment')));

/** java-tron's contract address rule: 0x41 ++ last 20 bytes of keccak256(deploy txID ‖ owner address). */
export function tronContractAddress(deployTxId: string, ownerHexAddress: string): string {
  const digest = keccak256(Uint8Array.from([...fromHex(deployTxId), ...fromHex(ownerHexAddress)]));
  return '41' + toHex(digest.subarray(12));
}

export const TRON_DEVNET_USDT_HEX = tronContractAddress(TRON_DEVNET_USDT_DEPLOY_TXID, TRON_DEVNET_FAUCET.hexAddress);
export const TRON_DEVNET_USDT = hexToBase58(TRON_DEVNET_USDT_HEX);
