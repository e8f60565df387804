// Live mode end to end without the internet: an anvil that calls itself Ethereum mainnet (chain id
// 1) with our test token's code placed at the real USDT contract address. The node runs with no
// devnet at all, a live wallet sealed by a passphrase key store, a live key, and networks.ethereum
// enabled — the exact live code path (wallet, addresses, registry contract, watcher, confirmations).
import { encodeFunctionData } from 'viem';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devnetMine, devnetPay, testTokenAbi } from '../../../src-server/chains/devnet/devnet.ts';
import { MAINNET_USDT, startMainnetLikeChain, type TestDevnet } from '../../helpers/anvil.ts';
import { rpcCall } from '../../helpers/devnet-control.ts';
import { apiClient, createApiKey, runCli, startNode, tempHome, type TestNode } from '../../helpers/node.ts';

const liveEnv = { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'correct horse battery staple' };

let chain: TestDevnet;
let node: TestNode;
let home: string;

beforeAll(async () => {
  chain = await startMainnetLikeChain();

  home = tempHome();
  const created = await runCli(home, ['wallet', 'create'], liveEnv);
  expect(created.stdout.split('\n').filter((l) => /^\s*\d+\. [a-z]+$/.test(l))).toHaveLength(24);
  node = await startNode({
    home,
    noDevnet: true,
    env: liveEnv,
    config: { networks: { ethereum: { enabled: true, rpcUrls: [chain.rpcUrl], confirmations: 3 } } },
  });
}, 120_000);

afterAll(async () => {
  await node?.stop();
  await chain?.stop();
});

it('turns a USDT transfer at the real mainnet contract into a paid live intent', async () => {
  const api = apiClient(node.merchantUrl, await createApiKey(home, 'live'));
  const created = await api.post('/api/v1/payment-intents', { method: 'erc20', asset: 'USDT', amount: '12.50', custom_id: 'LIVE-1' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const intent = created.body.data;
  expect(intent).toMatchObject({ livemode: true, network: 'ethereum', confirmations_required: 3, decimals: 6, token_contract: MAINNET_USDT });
  expect(intent.payment_uri).toBe(`ethereum:${MAINNET_USDT}@1/transfer?address=${intent.receive_address}&uint256=12500000`);

  // The customer pays from their own wallet (the faucet account here).
  const faucetBalance = (await rpcCall(chain.rpcUrl, 'eth_call', [{ to: MAINNET_USDT, data: encodeFunctionData({ abi: testTokenAbi, functionName: 'balanceOf', args: [chain.info.faucet.address] }) }, 'latest'])) as string;
  expect(BigInt(faucetBalance)).toBeGreaterThan(0n);
  await devnetPay({ rpcUrl: chain.rpcUrl, from: chain.info.faucet, to: intent.receive_address, token: MAINNET_USDT, amount: 12_500_000n });
  await devnetMine(chain.rpcUrl, 1);
  const poll = async () => (await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data;
  await expect.poll(async () => (await poll()).status, { timeout: 15_000, interval: 100 }).toBe('confirming');
  await devnetMine(chain.rpcUrl, 2);
  await expect.poll(async () => (await poll()).status, { timeout: 15_000, interval: 100 }).toBe('paid');
  expect(await poll()).toMatchObject({ amount_received: '12.50', amount_confirmed: '12.50' });

  // Live keys have no test helpers.
  expect((await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/pay`)).status).toBe(404);
});

it('refuses test-mode intents when the node runs without a devnet, naming why', async () => {
  const api = apiClient(node.merchantUrl, await createApiKey(home, 'test'));
  const res = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '1.00' });
  expect(res.status).toBe(422);
  expect(res.body.error).toMatchObject({ code: 'devnet_unavailable', param: 'network' });
});

it('refuses a live intent on a network this node does not watch', async () => {
  const api = apiClient(node.merchantUrl, await createApiKey(home, 'live'));
  const res = await api.post('/api/v1/payment-intents', { network: 'bsc', asset: 'USDT', amount: '1.00' });
  expect(res.status).toBe(422);
  expect(res.body.error).toMatchObject({ code: 'network_disabled', param: 'network' });
  expect(res.body.error.message).toContain('networks.bsc.enabled');
});
