// Tron failover, the slow case: a primary URL that accepts requests and never answers. The adapter
// waits out its per-request timeout (15 s) once, passes the URL over for its cool-down, and scans
// through the fallback. Its own file so it runs beside the other failover cases, not after them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTronDevnet, type TronDevnet } from '../../../src-server/chains/devnet/tron/tron-devnet.ts';
import { tronDevnetPay } from '../../../src-server/chains/devnet/tron/tron-faucet.ts';
import { apiClient, createApiKey, eventually, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { startTronProxy, type TronProxy, tronHealth, tronKit } from '../../helpers/tron-devnet-control.ts';

let devnet: TronDevnet;
let primary: TronProxy;
let node: TestNode;
let api: ApiClient;

beforeAll(async () => {
  devnet = await startTronDevnet({ blockTimeMs: 0 });
  await devnet.mine(1);
  primary = await startTronProxy({ target: devnet.url });
  const home = tempHome('kassa-tron-hang-');
  node = await startNode({ home, blockTime: 0, config: { devnet: { tron: { rpcUrl: primary.url, fallbackRpcUrls: [devnet.url] } } } });
  api = apiClient(node.merchantUrl, await createApiKey(home));
});
afterAll(async () => {
  await node?.stop();
  await primary?.close();
  await devnet?.stop();
});

it('a primary that hangs: after the request timeout the fallback answers and the intent still gets paid', async () => {
  const intent = await tronKit(() => api).create({ amount: '6.00' });
  primary.setMode('hang');
  primary.reset();
  const txid = await tronDevnetPay({ url: devnet.url, to: intent.receive_address, token: intent.token_contract, units: 6_000_000n });
  await devnet.mine(2);
  const paid = await eventually(
    async () => {
      const seen = (await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data;
      return seen.status === 'paid' ? seen : null;
    },
    'intent paid through the fallback',
    45_000,
  );
  expect(paid).toMatchObject({ amount_received: '6.00', amount_confirmed: '6.00' });
  expect(paid.payments).toEqual([expect.objectContaining({ txid, status: 'confirmed' })]);

  const health = await tronHealth(node.merchantUrl);
  expect(health.rpc[0]).toMatchObject({ url: primary.url, ok: false });
  expect(health.rpc[0]!.last_error).toMatch(/timed out/);
  expect(health.rpc[1]).toMatchObject({ url: devnet.url, ok: true, failures: 0 });
  // Passed over after one timeout, not asked again on every poll while it cools down.
  expect(primary.total()).toBeLessThanOrEqual(2);
}, 60_000);
