// scanBlockRange against a real anvil: what it finds, what it ignores, and the block headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, type Address, type PublicClient } from 'viem';
import { devnetMine, devnetPay, devnetPayMany } from '../../../src-server/chains/devnet/devnet.ts';
import { createEvmAdapter, ScanRangeError } from '../../../src-server/chains/evm/evm-adapter.ts';
import type { ChainAdapter, WatchSet } from '../../../src-server/chains/types.ts';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';

let devnet: TestDevnet;
let adapter: ChainAdapter;
let client: PublicClient;

const watched = (n: number): Address => `0x${(0xcafe0000 + n).toString(16).padStart(40, '0')}`;
const unwatched: Address = '0x000000000000000000000000000000000000dead';

const watchSet = (addresses: readonly string[], options: { native?: boolean; tokens?: readonly string[] } = {}): WatchSet => ({
  addresses: new Set(addresses.map((a) => a.toLowerCase())),
  tokenContracts: new Set((options.tokens ?? [devnet.info.tokens.USDT, devnet.info.tokens.USDC18]).map((a) => a.toLowerCase())),
  native: options.native ?? false,
});

async function payAndMine(payments: Parameters<typeof devnetPay>[0][]): Promise<{ txids: string[]; block: number }> {
  const results = [];
  for (const payment of payments) results.push(await devnetPay(payment));
  await devnetMine(devnet.rpcUrl, 1);
  return { txids: results.map((r) => r.txid), block: Number(await client.getBlockNumber()) };
}

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTime: 0 });
  adapter = createEvmAdapter({ chain: 'devnet', rpcUrls: [devnet.rpcUrl], chainId: 31337 });
  client = createPublicClient({ transport: http(devnet.rpcUrl), cacheTime: 0 });
});

afterAll(async () => {
  await devnet?.stop();
});

describe('scanBlockRange', () => {
  it('finds a USDT transfer to a watched address with amount, log index, from, block hash and time', async () => {
    const to = watched(1);
    const { txids, block } = await payAndMine([
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token: devnet.info.tokens.USDT, amount: 25_000_000n },
    ]);
    const receipt = await client.getTransactionReceipt({ hash: txids[0] as `0x${string}` });
    const header = await client.getBlock({ blockNumber: BigInt(block) });

    const result = await adapter.scanBlockRange(block, block, watchSet([to]));
    expect(result.transfers).toEqual([
      {
        txid: txids[0],
        index: receipt.logs[0]?.logIndex,
        from: devnet.info.faucet.address.toLowerCase(),
        to: to.toLowerCase(),
        tokenContract: devnet.info.tokens.USDT.toLowerCase(),
        amount: 25_000_000n,
        blockNumber: block,
        blockHash: header.hash,
        blockTime: Number(header.timestamp),
      },
    ]);
    expect(result.blocks).toEqual([{ number: block, hash: header.hash, parentHash: header.parentHash, time: Number(header.timestamp) }]);
  });

  it('ignores transfers to unwatched addresses and of unwatched tokens', async () => {
    const to = watched(2);
    const { block } = await payAndMine([
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to: unwatched, token: devnet.info.tokens.USDT, amount: 1_000_000n },
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token: devnet.info.tokens.USDC, amount: 2_000_000n }, // USDC not watched
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token: devnet.info.tokens.USDT, amount: 3_000_000n },
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token: null, amount: 4n }, // native not watched here
    ]);
    const result = await adapter.scanBlockRange(block, block, watchSet([to]));
    expect(result.transfers.map((t) => [t.to, t.tokenContract, t.amount])).toEqual([
      [to.toLowerCase(), devnet.info.tokens.USDT.toLowerCase(), 3_000_000n],
    ]);
  });

  it('finds native transfers (index -1) when native is watched, and 18-decimal token amounts exactly', async () => {
    const to = watched(3);
    const oneAndABit = 1_000_000_000_000_000_001n;
    const { txids, block } = await payAndMine([
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token: null, amount: oneAndABit },
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to: unwatched, token: null, amount: 5n },
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token: devnet.info.tokens.USDC18, amount: 123_456_789_000_000_000_000_000n },
    ]);
    const result = await adapter.scanBlockRange(block, block, watchSet([to], { native: true }));
    expect(result.transfers).toHaveLength(2);
    const [native, token] = result.transfers;
    expect(native).toMatchObject({ txid: txids[0], index: -1, tokenContract: null, amount: oneAndABit, from: devnet.info.faucet.address.toLowerCase() });
    expect(token).toMatchObject({ txid: txids[2], tokenContract: devnet.info.tokens.USDC18.toLowerCase(), amount: 123_456_789_000_000_000_000_000n });
  });

  it('reports every transfer of a transaction that pays several watched addresses', async () => {
    const { txid } = await devnetPayMany({
      rpcUrl: devnet.rpcUrl,
      from: devnet.info.faucet,
      token: devnet.info.tokens.USDT,
      payments: [
        { to: watched(4), amount: 40n },
        { to: unwatched, amount: 1n },
        { to: watched(5), amount: 50n },
        { to: watched(4), amount: 41n },
      ],
    });
    await devnetMine(devnet.rpcUrl, 1);
    const block = Number(await client.getBlockNumber());
    const result = await adapter.scanBlockRange(block, block, watchSet([watched(4), watched(5)]));
    expect(result.transfers.map((t) => [t.txid, t.to, t.amount])).toEqual([
      [txid, watched(4).toLowerCase(), 40n],
      [txid, watched(5).toLowerCase(), 50n],
      [txid, watched(4).toLowerCase(), 41n],
    ]);
    const indexes = result.transfers.map((t) => t.index);
    expect(new Set(indexes).size).toBe(3);
    expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
  });

  it('sorts transfers of a multi-block range by (block, index) and returns every header, chained', async () => {
    const to = watched(6);
    const first = await payAndMine([{ rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token: devnet.info.tokens.USDT, amount: 1n }]);
    await devnetMine(devnet.rpcUrl, 3);
    const last = await payAndMine([
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token: null, amount: 2n },
      { rpcUrl: devnet.rpcUrl, from: devnet.info.faucet, to, token: devnet.info.tokens.USDT, amount: 3n },
    ]);
    const result = await adapter.scanBlockRange(first.block, last.block, watchSet([to], { native: true }));
    expect(result.transfers.map((t) => [t.blockNumber, t.amount])).toEqual([
      [first.block, 1n],
      [last.block, 2n],
      [last.block, 3n],
    ]);
    expect(result.blocks.map((b) => b.number)).toEqual(Array.from({ length: last.block - first.block + 1 }, (_, i) => first.block + i));
    for (let i = 1; i < result.blocks.length; i++) {
      expect(result.blocks[i]?.parentHash).toBe(result.blocks[i - 1]?.hash);
    }
  });

  it('returns block headers even for an empty watch set', async () => {
    const head = await adapter.getHeadNumber();
    const result = await adapter.scanBlockRange(head - 2, head, { addresses: new Set(), tokenContracts: new Set(), native: true });
    expect(result.transfers).toEqual([]);
    expect(result.blocks.map((b) => b.number)).toEqual([head - 2, head - 1, head]);
  });

  it('refuses ranges that are inverted or beyond the head', async () => {
    const head = await adapter.getHeadNumber();
    await expect(adapter.scanBlockRange(5, 4, watchSet([watched(1)]))).rejects.toThrow(ScanRangeError);
    await expect(adapter.scanBlockRange(head, head + 1, watchSet([watched(1)]))).rejects.toThrow(/does not exist yet/);
  });
});

describe('getHeadNumber / getBlock', () => {
  it('follows the head without caching, and getBlock is null beyond it', async () => {
    const head = await adapter.getHeadNumber();
    await devnetMine(devnet.rpcUrl, 1);
    expect(await adapter.getHeadNumber()).toBe(head + 1);
    const block = await adapter.getBlock(head + 1);
    const expected = await client.getBlock({ blockNumber: BigInt(head + 1) });
    expect(block).toEqual({ number: head + 1, hash: expected.hash, parentHash: expected.parentHash, time: Number(expected.timestamp) });
    expect(await adapter.getBlock(head + 100)).toBeNull();
  });
});
