// Tron receive addresses as a shop and its operator see them: every tron intent gets its own valid
// base58check `T…` address from the test wallet's Tron account, and `kassa wallet addresses
// --scheme tron` lists exactly those. Also: test mode works from the node's first second, while
// the on-demand Tron devnet is still at its genesis block.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TronWeb } from 'tronweb';
import { apiClient, createApiKey, runCli, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { tronHeadNumber, tronKit } from '../../helpers/tron-devnet-control.ts';

let node: TestNode;
let api: ApiClient;
const tron = tronKit(() => api);

beforeAll(async () => {
  const home = tempHome('kassa-tron-addr-');
  node = await startNode({ home, blockTime: 0 });
  api = apiClient(node.merchantUrl, await createApiKey(home));
});
afterAll(async () => {
  await node?.stop();
});

interface ListedScheme {
  scheme: string;
  account: string | null;
  watch_only: boolean;
  addresses: { index: number; address: string; purpose: string }[];
}

describe('Tron receive addresses', () => {
  it('a TRX payment right after start, before anything was mined, goes through', async () => {
    // A fresh devnet starts at block 1: TronWeb cannot build on genesis, whose header has no number.
    const devnetUrl: string = (await api.get('/healthz')).body.test_devnets.tron.url;
    expect(await tronHeadNumber(devnetUrl)).toBe(1);
    const intent = await tron.create({ asset: 'TRX', amount: '2' });
    const res = await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/pay`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await tron.mine(2);
    expect(await tron.get(intent.id)).toMatchObject({ status: 'paid', amount_received: '2.00' });
  });

  it('each intent gets its own valid T-address, and `kassa wallet addresses --scheme tron` lists them', async () => {
    const intents = [await tron.create({ amount: '1.00' }), await tron.create({ amount: '1.00' }), await tron.create({ asset: 'TRX', amount: '1' })];
    const addresses = intents.map((i) => i.receive_address as string);
    expect(new Set(addresses).size).toBe(intents.length);
    for (const address of addresses) {
      expect(address).toMatch(/^T[1-9A-HJ-NP-Za-km-z]{33}$/);
      // Checked by TronWeb (base58check, version byte 0x41), not by our own address module.
      expect(TronWeb.isAddress(address), address).toBe(true);
      const hex = TronWeb.address.toHex(address);
      expect(hex).toMatch(/^41[0-9a-f]{40}$/);
      expect(TronWeb.address.fromHex(hex)).toBe(address);
    }
    for (const intent of intents) expect(intent.address_mode).toBe('unique');

    const { stdout } = await runCli(node.home, ['wallet', 'addresses', '--mode', 'test', '--scheme', 'tron', '--limit', '100', '--json']);
    const listed = JSON.parse(stdout) as ListedScheme[];
    expect(listed).toHaveLength(1);
    // Without a key store the test wallet keeps its public keys only (watch-only); addresses are the same.
    expect(listed[0]!.scheme).toBe('tron');
    expect(listed[0]!.account).toMatch(/^[xt]pub/);
    const listedAddresses = listed[0]!.addresses.map((a) => a.address);
    for (const address of addresses) expect(listedAddresses).toContain(address);
    // One derivation index per address, never reused.
    const indexes = listed[0]!.addresses.map((a) => a.index);
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(new Set(listedAddresses).size).toBe(listedAddresses.length);

    // None of them is an EVM address, and the EVM scheme does not list them.
    const evm = JSON.parse((await runCli(node.home, ['wallet', 'addresses', '--mode', 'test', '--scheme', 'evm', '--limit', '100', '--json'])).stdout) as ListedScheme[];
    for (const address of addresses) expect(evm[0]!.addresses.map((a) => a.address)).not.toContain(address);
  });
});
