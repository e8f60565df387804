// A node killed with SIGKILL cannot stop the anvil it started. That anvil must not outlive the next
// start: two anvils on one state file overwrite each other's chain state.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, createApiKey, startNode, tempHome, type TestNode } from '../../helpers/node.ts';

const home = tempHome('kassa-orphan-');
let node: TestNode | null = null;
afterAll(async () => {
  await node?.stop();
  rmSync(home, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const anvilPid = () => Number(readFileSync(join(home, 'devnet', 'anvil.pid'), 'utf8'));

describe('the devnet anvil of a killed node', () => {
  it('is stopped by the next start, which then runs on the same chain state', async () => {
    node = await startNode({ home, blockTime: 0 });
    const key = await createApiKey(home, 'test');
    const first = apiClient(node.merchantUrl, key);
    const intent = await first.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '3.00' });
    expect(intent.status).toBe(201);
    const orphan = anvilPid();
    expect(alive(orphan)).toBe(true);

    await node.kill();
    // SIGKILL runs no cleanup in the node: its anvil is still there.
    expect(alive(orphan)).toBe(true);

    node = await startNode({ home, blockTime: 0 });
    expect(alive(orphan)).toBe(false);
    expect(anvilPid()).not.toBe(orphan);
    expect(alive(anvilPid())).toBe(true);

    // The restarted devnet kept the chain (state dumped by the old anvil on SIGTERM): paying works.
    const api = apiClient(node.merchantUrl, key);
    const id = (intent.body as { data: { id: string } }).data.id;
    expect((await api.post(`/api/v1/test-helpers/payment-intents/${id}/pay`, {})).status).toBe(200);
    expect((await api.post('/api/v1/test-helpers/devnet/mine', { blocks: 2 })).status).toBe(200);
    const deadline = Date.now() + 30_000;
    let status = '';
    while (Date.now() < deadline) {
      status = ((await api.get(`/api/v1/payment-intents/${id}`)).body as { data: { status: string } }).data.status;
      if (status === 'paid') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe('paid');
  });
});
