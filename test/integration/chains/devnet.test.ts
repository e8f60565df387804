// The devnet's setup against a real anvil: deterministic, idempotent deployment, a funded faucet,
// and payments that work with mining on demand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, type Address, type PublicClient } from 'viem';
import {
  DEVNET_DEPLOYER,
  DEVNET_FAUCET,
  DEVNET_FAUCET_TOKEN_SUPPLY,
  devnetMine,
  devnetPay,
  devnetPayMany,
  ensureDevnetDeployed,
  expectedDevnetTokenAddresses,
  testTokenAbi,
} from '../../../src-server/chains/devnet/devnet.ts';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';

let devnet: TestDevnet;
let client: PublicClient;

const balanceOf = (token: Address, owner: Address): Promise<bigint> =>
  client.readContract({ address: token, abi: testTokenAbi, functionName: 'balanceOf', args: [owner] });

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTime: 0 });
  client = createPublicClient({ transport: http(devnet.rpcUrl), cacheTime: 0 });
});

afterAll(async () => {
  await devnet?.stop();
});

describe('ensureDevnetDeployed', () => {
  it('deploys the four tokens at the deterministic addresses with the right decimals and symbols', async () => {
    expect(devnet.info.tokens).toEqual(expectedDevnetTokenAddresses());
    expect(devnet.info.chainId).toBe(31337);
    expect(devnet.info.faucet).toEqual(DEVNET_FAUCET);
    const expectations = [
      ['USDT', 6, 'USDT'],
      ['USDC', 6, 'USDC'],
      ['USDT18', 18, 'USDT'],
      ['USDC18', 18, 'USDC'],
    ] as const;
    for (const [key, decimals, symbol] of expectations) {
      const address = devnet.info.tokens[key];
      expect(await client.readContract({ address, abi: testTokenAbi, functionName: 'decimals' }), key).toBe(decimals);
      expect(await client.readContract({ address, abi: testTokenAbi, functionName: 'symbol' }), key).toBe(symbol);
    }
  });

  it('mints 10^12 whole tokens of each to the faucet, which also holds ~10,000 ETH', async () => {
    for (const [key, decimals] of [['USDT', 6n], ['USDC', 6n], ['USDT18', 18n], ['USDC18', 18n]] as const) {
      expect(await balanceOf(devnet.info.tokens[key], DEVNET_FAUCET.address), key).toBe(DEVNET_FAUCET_TOKEN_SUPPLY * 10n ** decimals);
    }
    expect(await client.getBalance({ address: DEVNET_FAUCET.address })).toBeGreaterThan(9_999n * 10n ** 18n);
  });

  it('is a no-op the second time: same addresses, no transaction, no block', async () => {
    const nonceBefore = await client.getTransactionCount({ address: DEVNET_DEPLOYER.address });
    const headBefore = await client.getBlockNumber();
    const again = await ensureDevnetDeployed(devnet.rpcUrl);
    expect(again).toEqual(devnet.info);
    expect(await client.getTransactionCount({ address: DEVNET_DEPLOYER.address })).toBe(nonceBefore);
    expect(await client.getBlockNumber()).toBe(headBefore);
    expect(nonceBefore).toBe(8); // 4 deployments + 4 faucet mints
  });
});

describe('devnetPay / devnetMine on an on-demand devnet', () => {
  it('returns at once without mining; devnetMine includes the transaction', async () => {
    const to = '0x00000000000000000000000000000000000a11ce' as Address;
    const headBefore = await client.getBlockNumber();
    const { txid } = await devnetPay({ rpcUrl: devnet.rpcUrl, from: DEVNET_FAUCET, to, token: devnet.info.tokens.USDT, amount: 25_000_000n });
    expect(txid).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await client.getBlockNumber()).toBe(headBefore);
    await expect(client.getTransactionReceipt({ hash: txid })).rejects.toThrow(/could not be found/);
    await devnetMine(devnet.rpcUrl, 1);
    const receipt = await client.getTransactionReceipt({ hash: txid });
    expect(receipt.status).toBe('success');
    expect(receipt.blockNumber).toBe(headBefore + 1n);
    expect(await balanceOf(devnet.info.tokens.USDT, to)).toBe(25_000_000n);
  });

  it('serialises concurrent payments from the faucet: no nonce collisions', async () => {
    const recipients = Array.from({ length: 12 }, (_, i) => `0x${(0xb0b00 + i).toString(16).padStart(40, '0')}` as Address);
    const results = await Promise.all(
      recipients.map((to, i) =>
        devnetPay({
          rpcUrl: devnet.rpcUrl,
          from: DEVNET_FAUCET,
          to,
          token: i % 3 === 2 ? null : devnet.info.tokens.USDC18,
          amount: BigInt(i + 1) * 10n ** 18n,
        }),
      ),
    );
    expect(new Set(results.map((r) => r.txid)).size).toBe(recipients.length);
    await devnetMine(devnet.rpcUrl, 1);
    for (const [i, { txid }] of results.entries()) {
      expect((await client.getTransactionReceipt({ hash: txid })).status).toBe('success');
      const amount = BigInt(i + 1) * 10n ** 18n;
      if (i % 3 === 2) expect(await client.getBalance({ address: recipients[i] as Address })).toBe(amount);
      else expect(await balanceOf(devnet.info.tokens.USDC18, recipients[i] as Address)).toBe(amount);
    }
  });

  it('pays several addresses in one transaction with devnetPayMany', async () => {
    const payments = [
      { to: '0x00000000000000000000000000000000000c0001' as Address, amount: 1n },
      { to: '0x00000000000000000000000000000000000c0002' as Address, amount: 2n },
    ];
    const { txid } = await devnetPayMany({ rpcUrl: devnet.rpcUrl, from: DEVNET_FAUCET, token: devnet.info.tokens.USDT, payments });
    await devnetMine(devnet.rpcUrl, 1);
    const receipt = await client.getTransactionReceipt({ hash: txid });
    expect(receipt.logs).toHaveLength(2);
  });

  it('fails loudly when the faucet cannot cover a payment', async () => {
    await expect(
      devnetPay({
        rpcUrl: devnet.rpcUrl,
        from: DEVNET_FAUCET,
        to: '0x00000000000000000000000000000000000a11ce',
        token: devnet.info.tokens.USDT,
        amount: 10n ** 40n,
      }),
    ).rejects.toThrow(/exceeds balance/);
  });

  it('mines several blocks at once', async () => {
    const before = await client.getBlockNumber();
    await devnetMine(devnet.rpcUrl, 5);
    expect(await client.getBlockNumber()).toBe(before + 5n);
  });
});

describe('on an interval-mining devnet (test mode)', () => {
  it('deploys, and concurrent payments get mined without devnetMine', async () => {
    const interval = await startTestDevnet({ blockTime: 1 });
    try {
      expect(interval.info.tokens).toEqual(expectedDevnetTokenAddresses());
      const intervalClient = createPublicClient({ transport: http(interval.rpcUrl), cacheTime: 0 });
      const to = '0x0000000000000000000000000000000000000d0d' as Address;
      const payments = await Promise.all(
        [1n, 2n, 3n].map((n) =>
          devnetPay({ rpcUrl: interval.rpcUrl, from: interval.info.faucet, to, token: interval.info.tokens.USDT, amount: n }),
        ),
      );
      for (const { txid } of payments) {
        const receipt = await intervalClient.waitForTransactionReceipt({ hash: txid, pollingInterval: 100, timeout: 10_000 });
        expect(receipt.status).toBe('success');
      }
      expect(
        await intervalClient.readContract({ address: interval.info.tokens.USDT, abi: testTokenAbi, functionName: 'balanceOf', args: [to] }),
      ).toBe(6n);
    } finally {
      await interval.stop();
    }
  });
});
