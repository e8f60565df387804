// The embedded devnet across node restarts: its state persists (same chain, intents keep working),
// and when its state is lost the node recognises the new chain instead of stalling on the old cursor.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { apiClient, createApiKey, startNode, tempHome, type TestNode } from '../../helpers/node.ts';

let node: TestNode | undefined;
afterAll(async () => {
  await node?.stop();
});

async function payAndConfirm(api: ReturnType<typeof apiClient>, amount: string) {
  const intent = (await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount })).body.data;
  await api.post(`/api/v1/test-helpers/payment-intents/${intent.id}/pay`);
  await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 2 });
  return (await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data;
}

it('keeps working across a restart with the devnet state kept, and after the devnet state is lost', async () => {
  const home = tempHome();
  const key = await createApiKey(home);
  // A short reorg window, so the old chain's stored hashes all lie above the new chain's head.
  const config = { watcher: { reorgWindow: 8 } };
  node = await startNode({ home, blockTime: 0, config });
  let api = apiClient(node.merchantUrl, key);
  await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 60 });
  const first = await payAndConfirm(api, '1.00');
  expect(first.status).toBe('paid');
  const headBefore = (await api.get('/healthz')).body.networks[0].head;
  await node.stop(); // SIGTERM: anvil dumps its state

  node = await startNode({ home, blockTime: 0, config });
  api = apiClient(node.merchantUrl, key);
  expect((await api.get('/healthz')).body.networks[0].head).toBeGreaterThanOrEqual(headBefore);
  expect((await payAndConfirm(api, '2.00')).status).toBe('paid');
  expect((await api.get(`/api/v1/payment-intents/${first.id}`)).body.data.status).toBe('paid');
  await node.stop();

  rmSync(join(home, 'devnet'), { recursive: true, force: true }); // the chain starts over at block 0
  node = await startNode({ home, blockTime: 0, config });
  api = apiClient(node.merchantUrl, key);
  const health = (await api.get('/healthz')).body.networks[0];
  expect(health.head).toBeLessThan(headBefore);
  expect(health.lag).toBe(0);
  expect((await payAndConfirm(api, '3.00')).status).toBe('paid');
});
