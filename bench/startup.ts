// Time from starting the node (`node src-server/cli.ts serve`, an existing home, the devnet
// already running elsewhere) to GET /healthz answering 200, against the same for a bare express
// process that only listens: both spawned and polled the same way, alternately.
import { spawn } from 'node:child_process';
import { startAnvil } from '../src-server/chains/devnet/anvil.ts';
import { ensureDevnetDeployed } from '../src-server/chains/devnet/devnet.ts';
import { startNode, tempHome } from '../test/helpers/node.ts';
import { BENCH_DIR, BENCH_NODE_CONFIG, type BenchOptions, type BenchRow, benchNodeEnv, fixed, median, sleep } from './lib.ts';

export const TARGET_STARTUP_MS = 1500;

async function healthzOkAfter(url: string, since: number): Promise<number> {
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
}

async function kassaStart(home: string, devnetRpc: string): Promise<number> {
  const t0 = performance.now();
  const node = await startNode({ home, devnetRpc, config: BENCH_NODE_CONFIG, env: benchNodeEnv() });
  const ms = await healthzOkAfter(node.merchantUrl, t0);
  await node.stop();
  return ms;
}

/** A bare express process: spawn → its port printed → GET /healthz 200 (bare-express.ts answers it). */
async function bareStart(): Promise<number> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [`${BENCH_DIR}/bare-express.ts`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
  });
  const ms = await healthzOkAfter(`http://127.0.0.1:${port}`, t0);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
  return ms;
}

export async function benchStartup(opts: BenchOptions): Promise<BenchRow[]> {
  const anvil = await startAnvil({ blockTime: 0 });
  try {
    await ensureDevnetDeployed(anvil.rpcUrl);
    const home = tempHome('kassa-bench-startup-');
    const first = await kassaStart(home, anvil.rpcUrl); // creates the database and the test wallet
    const runs = opts.quick ? 3 : 5;
    const kassa: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      kassa.push(await kassaStart(home, anvil.rpcUrl));
      bare.push(await bareStart());
    }
    const k = median(kassa);
    const b = median(bare);
    console.log(`startup: kassa ${fixed(k)} ms (runs ${kassa.map((x) => fixed(x)).join(', ')}; first start on a new home ${fixed(first)} ms), bare express ${fixed(b)} ms`);
    return [
      {
        bench: 'startup',
        figure: 'start → GET /healthz 200 (existing home, devnet running), median',
        ours: `${fixed(k)} ms`,
        baseline: `bare express ${fixed(b)} ms; target <= ${TARGET_STARTUP_MS} ms`,
        ratio: fixed(k / b, 2),
        pass: k <= TARGET_STARTUP_MS,
        values: { kassa_ms: kassa, bare_ms: bare, first_start_new_home_ms: first },
      },
    ];
  } finally {
    await anvil.stop();
  }
}
