import { describe, expect, it } from 'vitest';
import { getContractAddress } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { buildAnvilArgs } from '../../../src-server/chains/devnet/anvil.ts';
import {
  DEVNET_DEPLOYER,
  DEVNET_FAUCET,
  DEVNET_TOKEN_SPECS,
  expectedDevnetTokenAddresses,
} from '../../../src-server/chains/devnet/devnet.ts';

const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

describe('devnet accounts', () => {
  it.each([
    { name: 'faucet', account: DEVNET_FAUCET, index: 0 },
    { name: 'deployer', account: DEVNET_DEPLOYER, index: 9 },
  ])('$name is anvil dev account $index', ({ account, index }) => {
    expect(privateKeyToAccount(account.privateKey).address).toBe(account.address);
    expect(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index }).address).toBe(account.address);
  });
});

describe('devnet token addresses', () => {
  it('are the deployer nonces 0..3 in spec order', () => {
    const tokens = expectedDevnetTokenAddresses();
    DEVNET_TOKEN_SPECS.forEach((spec, nonce) => {
      expect(tokens[spec.key]).toBe(getContractAddress({ from: DEVNET_DEPLOYER.address, nonce: BigInt(nonce) }));
    });
    // Pinned: other code and docs may quote these; changing them is a breaking change.
    expect(tokens).toEqual({
      USDT: '0x700b6A60ce7EaaEA56F065753d8dcB9653dbAD35',
      USDC: '0xA15BB66138824a1c7167f5E85b957d04Dd34E468',
      USDT18: '0xb19b36b1456E65E3A6D514D3F715f204BD59f431',
      USDC18: '0x8ce361602B935680E8DeC218b820ff5056BeB7af',
    });
  });

  it('have the decimals of their live counterparts', () => {
    expect(Object.fromEntries(DEVNET_TOKEN_SPECS.map((s) => [s.key, s.decimals]))).toEqual({
      USDT: 6,
      USDC: 6,
      USDT18: 18,
      USDC18: 18,
    });
  });
});

describe('buildAnvilArgs', () => {
  it.each([
    { options: { blockTime: 0 }, includes: ['--no-mining', '--host', '127.0.0.1', '--port', '0', '--chain-id', '31337'], excludes: ['--block-time', '--state'] },
    { options: { blockTime: 2, port: 9545, chainId: 1337 }, includes: ['--block-time', '2', '9545', '1337'], excludes: ['--no-mining'] },
    { options: { blockTime: 1, statePath: '/tmp/s.json' }, includes: ['--state', '/tmp/s.json', '--state-interval'], excludes: ['--no-mining'] },
  ])('$options', ({ options, includes, excludes }) => {
    const args = buildAnvilArgs(options);
    for (const arg of includes) expect(args).toContain(arg);
    for (const arg of excludes) expect(args).not.toContain(arg);
    expect(args[args.indexOf('--host') + 1]).toBe('127.0.0.1');
  });

  it.each([-1, 0.5, Number.NaN])('rejects blockTime %s', (blockTime) => {
    expect(() => buildAnvilArgs({ blockTime })).toThrow(RangeError);
  });
});
