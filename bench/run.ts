// Benchmarks that print ratios measured side by side in one run (never a lone absolute time).
//   npm run bench            every benchmark
//   npm run bench -- create  intents created per second, Kassa vs bare express
//   npm run bench -- rpc     RPC calls per scanned block with 10 vs 5,000 open intents
//   npm run bench -- webhooks  webhook deliveries per second, Kassa's dispatcher vs a bare HTTP client
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { apiClient, createApiKey, ROOT, startNode, tempHome } from '../test/helpers/node.ts';
import { startTestDevnet } from '../test/helpers/anvil.ts';
import { startRpcProxy } from '../test/helpers/rpc-proxy.ts';
import { benchWebhooks } from './webhooks.ts';

const which = process.argv[2] ?? 'all';

async function load(url: string, headers: Record<string, string>, total: number, concurrency: number, body: (i: number) => unknown) {
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body(i)) });
        await res.arrayBuffer();
        if (res.status !== 201) failures++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: total / seconds, failures };
}

async function startBareExpress(): Promise<{ url: string; stop: () => void }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bench', 'bare-express.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => {
    proc.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => proc.kill('SIGTERM') };
}

async function benchCreate() {
  const home = tempHome('kassa-bench-');
  const node = await startNode({ home, blockTime: 0, env: { KASSA_LOG_LEVEL: 'warn' } });
  const key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
  const bare = await startBareExpress();
  const total = 3000;
  const concurrency = 16;
  const body = (i: number) => ({ network: 'devnet', asset: 'USDT', amount: '25.00', custom_id: `bench-${Date.now()}-${i}` });
  // Warm both up, then measure alternately so machine noise hits both alike.
  await load(`${node.merchantUrl}/api/v1/payment-intents`, { authorization: `Bearer ${key}` }, 300, concurrency, body);
  await load(`${bare.url}/api/v1/payment-intents`, {}, 300, concurrency, body);
  const kassa = await load(`${node.merchantUrl}/api/v1/payment-intents`, { authorization: `Bearer ${key}` }, total, concurrency, body);
  const baseline = await load(`${bare.url}/api/v1/payment-intents`, {}, total, concurrency, body);
  bare.stop();
  await node.stop();
  console.log(`\ncreate payment intents: ${total} POSTs, concurrency ${concurrency}`);
  console.log(`  kassa (auth, zod, address derivation, SQLite FULL sync, event row): ${kassa.perSecond.toFixed(0)} intents/s (${kassa.failures} failures)`);
  console.log(`  bare express (JSON parse + echo):                                   ${baseline.perSecond.toFixed(0)} req/s`);
  console.log(`  ratio kassa / bare express: ${(kassa.perSecond / baseline.perSecond).toFixed(3)}`);
}

async function benchRpc() {
  const devnet = await startTestDevnet({ blockTime: 0 });
  const proxy = await startRpcProxy({ target: devnet.rpcUrl });
  const home = tempHome('kassa-bench-');
  const node = await startNode({ home, devnetRpc: proxy.url, env: { KASSA_LOG_LEVEL: 'warn', KASSA_POLL_INTERVAL_MS: '60000' } });
  const key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
  const api = apiClient(node.merchantUrl, key);
  const blocks = 50;

  async function measure(openIntents: number) {
    // The mine helper mines through the node, then runs one watcher tick over the new blocks; a
    // long poll interval keeps the periodic tick out of the way, so the count covers one scan.
    proxy.reset();
    const mined = await api.post('/api/v1/test-helpers/devnet/mine', { blocks });
    if (mined.status !== 200) throw new Error(`mine failed: ${JSON.stringify(mined.body)}`);
    const counts = proxy.counts();
    const scanCalls = (counts.eth_getLogs ?? 0) + (counts.eth_getBlockByNumber ?? 0);
    return { openIntents, counts, scanPerBlock: scanCalls / blocks };
  }

  const create = async (n: number, offset: number) => {
    for (let i = 0; i < n; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '1.00', custom_id: `rpc-${offset + i + j}` })));
    }
  };
  await create(10, 0);
  await measure(10); // warm-up
  const small = await measure(10);
  await create(4990, 10);
  const large = await measure(5000);
  await node.stop();
  await proxy.close();
  await devnet.stop();
  console.log(`\nRPC calls for one watcher tick over ${blocks} new blocks (counted at a proxy between the node and anvil; anvil_mine is the helper's own call):`);
  for (const r of [small, large]) {
    console.log(`  ${String(r.openIntents).padStart(5)} open intents: ${r.scanPerBlock.toFixed(3)} scan calls/block  (by method: ${JSON.stringify(r.counts)})`);
  }
  console.log(`  ratio 5,000 / 10 intents (scan calls per block): ${(large.scanPerBlock / small.scanPerBlock).toFixed(3)}`);
}

if (which === 'all' || which === 'create') await benchCreate();
if (which === 'all' || which === 'rpc') await benchRpc();
if (which === 'all' || which === 'webhooks') await benchWebhooks();
process.exit(0);
