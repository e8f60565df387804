// The shared fixture of the detection, RPC and memory benchmarks: one anvil (its own process),
// an RPC-counting proxy in front of it, one real node (child process) watching the devnet through
// the proxy with a webhook endpoint at a local receiver (its own process), and a number of open
// intents grown step by step (10 → 10,000 → 100,000), all created through the real API.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { type Address, encodeFunctionData, erc20Abi, type Hex, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startAnvil } from '../src-server/chains/devnet/anvil.ts';
import { type DevnetInfo, ensureDevnetDeployed } from '../src-server/chains/devnet/devnet.ts';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type TestNode } from '../test/helpers/node.ts';
import { type RpcProxy, startRpcProxy } from '../test/helpers/rpc-proxy.ts';
import { BENCH_DIR, BENCH_NODE_CONFIG, benchNodeEnv, rpc, sleep } from './lib.ts';

/** The watcher's poll interval in this fixture (the default is 1,000 ms; detection waits on average half of it). */
export const POLL_INTERVAL_MS = 100;

export interface ScaleFixture {
  node: TestNode;
  anvilUrl: string;
  proxy: RpcProxy;
  api: ApiClient;
  info: DevnetInfo;
  /** Open intents created so far (seeded + detection samples). */
  open(): number;
  /** Creates intents through the API (autocannon, 32 connections) until `total` are open. */
  growTo(total: number): Promise<{ seconds: number }>;
  /** One fresh intent paid by a transfer in a newly mined block: ms from the block being mined to payment_intent.paid at the receiver. */
  detectOne(): Promise<number>;
  close(): Promise<void>;
}

interface Receiver {
  url: string;
  waitPaid(id: string, timeoutMs: number): Promise<number>;
  stop(): void;
}

async function startPaidReceiver(): Promise<Receiver> {
  const proc: ChildProcess = spawn(process.execPath, [join(BENCH_DIR, 'paid-receiver.ts')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const arrived = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const port = await new Promise<number>((resolve) => {
    proc.on('message', (msg: { type: string; id?: string; at?: number; port?: number }) => {
      if (msg.type === 'listening') resolve(msg.port!);
      if (msg.type === 'paid' && msg.id) {
        const waiter = waiters.get(msg.id);
        if (waiter) waiter(msg.at!);
        else arrived.set(msg.id, msg.at!);
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    waitPaid(id, timeoutMs) {
      const already = arrived.get(id);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no payment_intent.paid for ${id} within ${timeoutMs} ms`)), timeoutMs);
        waiters.set(id, (at) => {
          clearTimeout(timer);
          waiters.delete(id);
          resolve(at);
        });
      });
    },
    stop: () => void proc.kill('SIGTERM'),
  };
}

export async function startScaleFixture(): Promise<ScaleFixture> {
  const anvil = await startAnvil({ blockTime: 0 });
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => anvil.stop()];
  try {
    const info = await ensureDevnetDeployed(anvil.rpcUrl);
    const proxy = await startRpcProxy({ target: anvil.rpcUrl });
    cleanups.unshift(() => proxy.close());
    const receiver = await startPaidReceiver();
    cleanups.unshift(() => receiver.stop());
    const home = tempHome('kassa-bench-scale-');
    // Confirmations 1: the block that carries the transfer is the one that makes the intent paid.
    const node = await startNode({
      home,
      devnetRpc: proxy.url,
      config: { ...BENCH_NODE_CONFIG, devnet: { ...BENCH_NODE_CONFIG.devnet, confirmations: 1 } },
      // A key store for the webhook signing secret (passphrase file; the bench has no OS keychain).
      env: benchNodeEnv({ KASSA_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS), KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'bench-passphrase' }),
    });
    cleanups.unshift(() => node.stop());
    const key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
    const api = apiClient(node.merchantUrl, key);
    const endpoint = await api.post('/api/v1/webhook-endpoints', { url: receiver.url, events: ['payment_intent.paid'] });
    if (endpoint.status !== 201) throw new Error(`webhook endpoint: ${endpoint.status} ${JSON.stringify(endpoint.body)}`);

    const faucet = privateKeyToAccount(info.faucet.privateKey);
    let nonce = Number.parseInt(await rpc<string>(anvil.rpcUrl, 'eth_getTransactionCount', [faucet.address, 'pending']), 16);
    const gasPrice = BigInt(await rpc<string>(anvil.rpcUrl, 'eth_gasPrice'));
    let open = 0;

    async function transfer(to: Address, amount: bigint): Promise<Hex> {
      const raw = await faucet.signTransaction({
        type: 'eip1559',
        chainId: info.chainId,
        nonce: nonce++,
        to: info.tokens.USDT,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
        value: 0n,
        gas: 120_000n,
        maxFeePerGas: gasPrice * 4n,
        maxPriorityFeePerGas: 1n,
      });
      return rpc<Hex>(anvil.rpcUrl, 'eth_sendRawTransaction', [raw]);
    }

    return {
      node,
      anvilUrl: anvil.rpcUrl,
      proxy,
      api,
      info,
      open: () => open,
      async growTo(total) {
        const amount = total - open;
        if (amount <= 0) return { seconds: 0 };
        const started = performance.now();
        const result = await new Promise<autocannon.Result>((resolve, reject) =>
          autocannon(
            {
              url: `${node.merchantUrl}/api/v1/payment-intents`,
              method: 'POST',
              connections: Math.min(32, amount),
              amount,
              timeout: 60,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
              body: JSON.stringify({ network: 'devnet', asset: 'USDT', amount: '10.00', custom_id: 'seed-[<id>]', expires_in: 86_400 }),
              idReplacement: true,
            },
            (err, res) => (err ? reject(err) : resolve(res)),
          ),
        );
        if (result.non2xx || result.errors || result.requests.total < amount) {
          throw new Error(`seeding: ${result.non2xx} non-2xx, ${result.errors} errors of ${amount}`);
        }
        open += amount;
        return { seconds: (performance.now() - started) / 1000 };
      },
      async detectOne() {
        const created = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '25.00', expires_in: 86_400 });
        if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
        open++;
        const intent = created.body.data as { id: string; receive_address: Address; pay_amount: string; decimals: number };
        await transfer(intent.receive_address, parseUnits(intent.pay_amount, intent.decimals));
        // Mine at a random point of the watcher's poll cycle, as a real chain does.
        await sleep(Math.random() * POLL_INTERVAL_MS);
        const paid = receiver.waitPaid(intent.id, 30_000);
        await rpc(anvil.rpcUrl, 'evm_mine');
        const minedAt = performance.timeOrigin + performance.now();
        return (await paid) - minedAt;
      },
      async close() {
        for (const fn of cleanups) {
          try {
            await fn();
          } catch {
            // best effort: the rest still has to stop
          }
        }
      },
    };
  } catch (error) {
    for (const fn of cleanups) await Promise.resolve(fn()).catch(() => {});
    throw error;
  }
}

/** Runs the requested parts of detection / rpc / memory over one fixture, growing the open intents step by step. */
export async function benchScale(opts: { quick: boolean }, parts: ReadonlySet<'detection' | 'rpc' | 'memory'>): Promise<import('./lib.ts').BenchRow[]> {
  const { measureDetection, detectionRows } = await import('./detection.ts');
  const { countRpc, rpcRows } = await import('./rpc.ts');
  const { measureMemory, memoryRows } = await import('./memory.ts');
  const sizes = opts.quick ? [10, 1_000, 10_000] : [10, 10_000, 100_000];
  const samples = opts.quick ? 15 : 30;
  const fx = await startScaleFixture();
  try {
    const idle = await measureMemory(fx);
    const detections = [];
    const rpcs = [];
    for (const size of sizes) {
      const { seconds } = await fx.growTo(size);
      if (seconds > 0) console.log(`seeded ${size.toLocaleString('en')} open intents through the API (${(size / seconds).toFixed(0)}/s incl. the watcher's work)`);
      if (parts.has('detection')) detections.push(await measureDetection(fx, samples));
      if (parts.has('rpc')) rpcs.push(await countRpc(fx));
    }
    const loaded = await measureMemory(fx);
    const rows = [];
    if (parts.has('detection')) rows.push(...detectionRows(detections));
    if (parts.has('rpc')) rows.push(...rpcRows(rpcs[0]!, rpcs[rpcs.length - 1]!));
    if (parts.has('memory')) rows.push(...memoryRows(idle, loaded));
    return rows;
  } finally {
    await fx.close();
  }
}
