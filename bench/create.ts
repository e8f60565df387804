// Payment-intent creation through the real API (auth, zod, address derivation, SQLite commit,
// event row) against a bare express handler that parses the JSON and answers 201, both driven by
// the same load generator (autocannon) at the same concurrency, alternately in one run.
import autocannon from 'autocannon';
import { createApiKey, startNode, tempHome } from '../test/helpers/node.ts';
import { BENCH_NODE_CONFIG, type BenchOptions, type BenchRow, benchNodeEnv, fixed, median, startListeningChild } from './lib.ts';

const CONNECTIONS = 32;
const TARGET_RATIO = 0.4;
const TARGET_P99_MS = 20;

interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

function load(url: string, headers: Record<string, string>, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/api/v1/payment-intents`,
        method: 'POST',
        connections: CONNECTIONS,
        duration: seconds,
        headers: { 'content-type': 'application/json', ...headers },
        // [<id>] becomes a fresh id per request: every intent has its own custom_id.
        body: JSON.stringify({ network: 'devnet', asset: 'USDT', amount: '25.00', custom_id: 'bench-[<id>]', description: 'Order #10042', metadata: { cart: 'c_1' } }),
        idReplacement: true,
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({
          perSecond: result.requests.total / (result.duration || seconds),
          p50: result.latency.p50,
          p99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
          total: result.requests.total,
        });
      },
    );
  });
}

export async function benchCreate(opts: BenchOptions): Promise<BenchRow[]> {
  const home = tempHome('kassa-bench-create-');
  const node = await startNode({ home, blockTime: 0, config: BENCH_NODE_CONFIG, env: benchNodeEnv({ KASSA_POLL_INTERVAL_MS: '1000' }) });
  const key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
  const bare = await startListeningChild('bare-express.ts');
  const auth = { authorization: `Bearer ${key}` };
  const seconds = opts.quick ? 4 : 8;
  const rounds = opts.quick ? 1 : 3;
  try {
    // Warm both up (JIT, SQLite page cache), then alternate so machine noise falls on both alike.
    await load(node.merchantUrl, auth, 2);
    await load(bare.url, {}, 2);
    const kassa: LoadResult[] = [];
    const baseline: LoadResult[] = [];
    for (let i = 0; i < rounds; i++) {
      kassa.push(await load(node.merchantUrl, auth, seconds));
      baseline.push(await load(bare.url, {}, seconds));
    }
    const bad = kassa.reduce((n, r) => n + r.non2xx + r.errors, 0);
    if (bad > 0) throw new Error(`create: ${bad} requests failed or did not answer 201`);
    const k = median(kassa.map((r) => r.perSecond));
    const b = median(baseline.map((r) => r.perSecond));
    const p99 = Math.max(...kassa.map((r) => r.p99));
    const p50 = median(kassa.map((r) => r.p50));
    const created = kassa.reduce((n, r) => n + r.total, 0);
    console.log(`create: kassa ${fixed(k)}/s (p50 ${p50} ms, p99 ${p99} ms; runs ${kassa.map((r) => fixed(r.perSecond)).join(', ')}), bare express ${fixed(b)}/s (p99 ${Math.max(...baseline.map((r) => r.p99))} ms), ${created} intents created`);
    return [
      {
        bench: 'create',
        figure: `payment intents created per second, ${CONNECTIONS} connections (autocannon)`,
        ours: `${fixed(k)}/s`,
        baseline: `bare express ${fixed(b)}/s; target ratio >= ${TARGET_RATIO}`,
        ratio: fixed(k / b, 2),
        pass: k / b >= TARGET_RATIO,
        values: { kassa_per_s: kassa.map((r) => r.perSecond), bare_per_s: baseline.map((r) => r.perSecond), connections: CONNECTIONS, seconds },
      },
      {
        bench: 'create',
        figure: `payment-intent creation latency p99 (p50), ${CONNECTIONS} connections`,
        ours: `${p99} ms (${p50} ms)`,
        baseline: `target <= ${TARGET_P99_MS} ms; bare express p99 ${Math.max(...baseline.map((r) => r.p99))} ms`,
        ratio: fixed(p99 / TARGET_P99_MS, 2),
        pass: p99 <= TARGET_P99_MS,
        values: { p99_ms: kassa.map((r) => r.p99), p50_ms: kassa.map((r) => r.p50), bare_p99_ms: baseline.map((r) => r.p99) },
      },
    ];
  } finally {
    await bare.stop();
    await node.stop();
  }
}
