// The UTXO adapter against the Kassa Bitcoin devnet (src-server/chains/devnet/bitcoin), when it is
// there: real signed transactions from its faucet, its Esplora and bitcoind RPC faces, BIP125
// replacement and double spends. Skipped while the devnet does not exist; it is imported by a
// computed path so this file does not bind to its types.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUtxoAdapter, type UtxoAdapter } from '../../../src-server/chains/bitcoin/utxo-adapter.ts';
import type { UtxoNetwork } from '../../../src-server/chains/bitcoin/networks.ts';
import type { WatchSet } from '../../../src-server/chains/types.ts';
import { deriveAddressFromSeed } from '../../../src-server/wallet/derive.ts';
import { mnemonicToSeed } from '../../../src-server/wallet/mnemonic.ts';

const DEVNET_MODULE = new URL('../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts', import.meta.url);
const devnetPresent = existsSync(fileURLToPath(DEVNET_MODULE));

/** The slice of the devnet's API this file uses. */
interface Devnet {
  url: string;
  rpcUrl: string;
  faucet: { address: string };
  mine(n: number): Promise<number>;
  pay(request: { to?: string; amountSats?: bigint; outputs?: Array<{ to: string; amountSats: bigint }>; replaceable?: boolean }): Promise<{ txid: string }>;
  replace(txid: string, request: { feeRateSatVb: number }): Promise<{ txid: string }>;
  doubleSpend(txid: string): Promise<{ txid: string }>;
  reorg(depth: number): Promise<void>;
  requestCounts(): Record<string, number>;
  resetCounts(): void;
  stop(): Promise<void>;
}

type StartDevnet = (options: { network: UtxoNetwork; initialBlocks?: number }) => Promise<Devnet>;

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const addresses: Record<UtxoNetwork, string[]> = { bitcoin: [], litecoin: [] };
let startBitcoinDevnet: StartDevnet | null = null;

beforeAll(async () => {
  const seed = await mnemonicToSeed(ABANDON);
  addresses.bitcoin = Array.from({ length: 4 }, (_, i) => deriveAddressFromSeed(seed, 'btc', i));
  addresses.litecoin = Array.from({ length: 4 }, (_, i) => deriveAddressFromSeed(seed, 'ltc', i));
  if (devnetPresent) startBitcoinDevnet = ((await import(DEVNET_MODULE.href)) as { startBitcoinDevnet: StartDevnet }).startBitcoinDevnet;
});

const running: Devnet[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

async function start(network: UtxoNetwork): Promise<{ devnet: Devnet; esplora: UtxoAdapter; bitcoind: UtxoAdapter }> {
  const devnet = await (startBitcoinDevnet as StartDevnet)({ network, initialBlocks: 101 });
  running.push(devnet);
  const adapter = (kind: 'esplora' | 'bitcoind') =>
    createUtxoAdapter({ chain: network, network, backend: { kind, urls: [kind === 'esplora' ? devnet.url : devnet.rpcUrl] } });
  return { devnet, esplora: adapter('esplora'), bitcoind: adapter('bitcoind') };
}

const watchOf = (list: Iterable<string>): WatchSet => ({ addresses: new Set(list), tokenContracts: new Set(), native: true });

describe.skipIf(!devnetPresent).each(['bitcoin', 'litecoin'] as const)('against the %s devnet', (network) => {
  it('detects a payment at 0-conf and in its block on both backends, identically, at 2 requests a block', async () => {
    const { devnet, esplora, bitcoind } = await start(network);
    const [a0, a1] = addresses[network] as [string, string];
    const watch = watchOf(addresses[network]);
    const paid = await devnet.pay({ outputs: [{ to: a0, amountSats: 50_000n }, { to: a1, amountSats: 60_000n }, { to: a0, amountSats: 70_000n }] });

    for (const adapter of [esplora, bitcoind]) {
      const pending = await adapter.scanMempool(watch);
      expect(pending.map((t) => [t.txid, t.index, t.to, t.amount, t.replaceable])).toEqual([
        [paid.txid, 0, a0, 50_000n, true],
        [paid.txid, 1, a1, 60_000n, true],
        [paid.txid, 2, a0, 70_000n, true],
      ]);
    }
    expect((await esplora.scanMempool(watch))[0]?.from).toBe(devnet.faucet.address);

    const height = await devnet.mine(1);
    devnet.resetCounts();
    const fromEsplora = await esplora.scanBlockRange(height - 1, height, watch);
    const fromBitcoind = await bitcoind.scanBlockRange(height - 1, height, watch);
    expect(fromEsplora).toEqual(fromBitcoind);
    expect(fromEsplora.transfers.map((t) => [t.txid, t.index, t.amount, t.blockNumber])).toEqual([
      [paid.txid, 0, 50_000n, height],
      [paid.txid, 1, 60_000n, height],
      [paid.txid, 2, 70_000n, height],
    ]);
    // What the devnet counted: 2 requests a block on each face.
    const counts = devnet.requestCounts();
    expect(counts['GET /block-height/:height']).toBe(2);
    expect(counts['GET /block/:hash/raw']).toBe(2);
    expect(counts['rpc getblockhash']).toBe(2);
    expect(counts['rpc getblock']).toBe(2);

    expect(await esplora.transactionStates([paid.txid])).toEqual(new Map([[paid.txid, 'confirmed']]));
    expect(await bitcoind.transactionStates([paid.txid])).toEqual(new Map([[paid.txid, 'confirmed']]));
    expect(await esplora.scanMempool(watch)).toEqual([]);
  });

  it('a BIP125 replacement leaves the original missing; a double spend leaves it missing once mined', async () => {
    const { devnet, esplora, bitcoind } = await start(network);
    const [a0] = addresses[network] as [string];
    const watch = watchOf(addresses[network]);
    const original = await devnet.pay({ to: a0, amountSats: 80_000n, replaceable: true });
    expect((await esplora.scanMempool(watch)).map((t) => t.txid)).toEqual([original.txid]);
    const replacement = await devnet.replace(original.txid, { feeRateSatVb: 20 });
    for (const adapter of [esplora, bitcoind]) {
      expect(Object.fromEntries(await adapter.transactionStates([original.txid, replacement.txid]))).toEqual({
        [original.txid]: 'missing',
        [replacement.txid]: 'mempool',
      });
      expect((await adapter.scanMempool(watch)).map((t) => t.txid)).toEqual([replacement.txid]);
    }

    await devnet.mine(1);
    const victim = await devnet.pay({ to: a0, amountSats: 90_000n });
    await devnet.doubleSpend(victim.txid);
    await devnet.mine(1);
    for (const adapter of [esplora, bitcoind]) {
      expect(await adapter.transactionStates([victim.txid])).toEqual(new Map([[victim.txid, 'missing']]));
    }
  });

  it('sees a reorg through the block-hash chain', async () => {
    const { devnet, esplora, bitcoind } = await start(network);
    const tip = await esplora.getHeadNumber();
    const before = await esplora.getBlock(tip);
    await devnet.reorg(2);
    expect(await esplora.getHeadNumber()).toBe(tip + 1);
    const after = await esplora.getBlock(tip);
    expect(after?.hash).not.toBe(before?.hash);
    expect(await bitcoind.getBlock(tip)).toEqual(after);
    expect((await esplora.getBlock(tip - 2))?.hash).toBe((await esplora.getBlock(tip - 1))?.parentHash);
  });
});
