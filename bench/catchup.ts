// Catch-up after an outage: the node is stopped, the devnet mines N blocks (one of them pays an
// open intent), the node starts again and scans them all. Blocks scanned per second, against a
// bare JSON-RPC client making the same requests a scan needs (eth_getLogs per 500-block range,
// eth_getBlockByNumber per block, 8 in flight) to the same anvil.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeFunctionData, erc20Abi, type Address, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startAnvil } from '../src-server/chains/devnet/anvil.ts';
import { ensureDevnetDeployed } from '../src-server/chains/devnet/devnet.ts';
import { TRANSFER_TOPIC } from '../src-server/chains/evm/transfer-logs.ts';
import { mapWithConcurrency } from '../src-server/util/concurrency.ts';
import { apiClient, createApiKey, startNode, tempHome } from '../test/helpers/node.ts';
import { BENCH_NODE_CONFIG, type BenchOptions, type BenchRow, benchNodeEnv, fixed, headOf, health, rpc, until } from './lib.ts';

const RANGE = 500;

/**
 * A loopback proxy to anvil that timestamps the scan: from the first request for a block above
 * `after` to the last answer of one. The node scans while it is still starting (its watcher starts
 * before its listener), so only the chain traffic tells when the catch-up began and ended.
 */
async function startTimingProxy(target: string, after: number) {
  let first: number | null = null;
  let last: number | null = null;
  const scanning = (body: string) => {
    try {
      const call = JSON.parse(body) as { method?: string; params?: unknown[] };
      const hex = call.method === 'eth_getBlockByNumber' ? call.params?.[0] : call.method === 'eth_getLogs' ? (call.params?.[0] as { toBlock?: string })?.toBlock : null;
      return typeof hex === 'string' && hex.startsWith('0x') && Number.parseInt(hex, 16) > after;
    } catch {
      return false;
    }
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const isScan = scanning(body);
    if (isScan && first === null) first = performance.now();
    const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await upstream.text();
    if (isScan) last = performance.now();
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seconds: () => (first === null || last === null ? Number.NaN : (last - first) / 1000),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function bareScan(url: string, from: number, to: number, token: string): Promise<number> {
  const t0 = performance.now();
  for (let start = from; start <= to; start += RANGE) {
    const end = Math.min(to, start + RANGE - 1);
    const numbers = Array.from({ length: end - start + 1 }, (_, i) => start + i);
    await Promise.all([
      rpc(url, 'eth_getLogs', [{ fromBlock: `0x${start.toString(16)}`, toBlock: `0x${end.toString(16)}`, address: [token], topics: [TRANSFER_TOPIC] }]),
      mapWithConcurrency(numbers, 8, (n) => rpc(url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false])),
    ]);
  }
  return (to - from + 1) / ((performance.now() - t0) / 1000);
}

export async function benchCatchup(opts: BenchOptions): Promise<BenchRow[]> {
  const blocks = opts.quick ? 2000 : 5000;
  const anvil = await startAnvil({ blockTime: 0 });
  try {
    const info = await ensureDevnetDeployed(anvil.rpcUrl);
    const home = tempHome('kassa-bench-catchup-');
    const env = benchNodeEnv({ KASSA_POLL_INTERVAL_MS: '100' });
    let node = await startNode({ home, devnetRpc: anvil.rpcUrl, config: BENCH_NODE_CONFIG, env });
    const key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
    let api = apiClient(node.merchantUrl, key);
    const intents: { id: string; receive_address: Address; pay_amount: string; decimals: number }[] = [];
    for (let i = 0; i < 10; i++) intents.push((await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '5.00', expires_in: 86_400 })).body.data);
    const startHead = await headOf(anvil.rpcUrl);
    await until(async () => ((await health(node.merchantUrl)).body.networks?.find((n) => n.chain === 'devnet')?.next_block ?? 0) > startHead, 'the first scan');
    await node.stop();

    // The outage: a payment, then `blocks` blocks.
    const faucet = privateKeyToAccount(info.faucet.privateKey);
    const nonce = Number.parseInt(await rpc<string>(anvil.rpcUrl, 'eth_getTransactionCount', [faucet.address, 'pending']), 16);
    const gasPrice = BigInt(await rpc<string>(anvil.rpcUrl, 'eth_gasPrice'));
    const paid = intents[0]!;
    const raw = await faucet.signTransaction({ type: 'eip1559', chainId: info.chainId, nonce, to: info.tokens.USDT, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [paid.receive_address, parseUnits(paid.pay_amount, paid.decimals)] }), value: 0n, gas: 120_000n, maxFeePerGas: gasPrice * 4n, maxPriorityFeePerGas: 1n });
    await rpc(anvil.rpcUrl, 'eth_sendRawTransaction', [raw]);
    await rpc(anvil.rpcUrl, 'anvil_mine', [`0x${blocks.toString(16)}`]);
    const head = await headOf(anvil.rpcUrl);

    const timing = await startTimingProxy(anvil.rpcUrl, startHead);
    node = await startNode({ home, devnetRpc: timing.url, config: BENCH_NODE_CONFIG, env });
    await until(async () => ((await health(node.merchantUrl)).body.networks?.find((n) => n.chain === 'devnet')?.next_block ?? 0) > head, `catch-up to block ${head}`, 300_000, 10);
    const seconds = timing.seconds();
    api = apiClient(node.merchantUrl, key);
    const status = (await api.get(`/api/v1/payment-intents/${paid.id}`)).body.data.status as string;
    await node.stop();
    await timing.close();
    if (status !== 'paid') throw new Error(`catch-up: the intent paid during the outage is ${status}, not paid`);
    const kassa = (head - startHead) / seconds;

    // The bare client goes through the same kind of proxy hop as the node did.
    const hop = await startTimingProxy(anvil.rpcUrl, Number.MAX_SAFE_INTEGER);
    const bare = await bareScan(hop.url, startHead + 1, head, info.tokens.USDT);
    await hop.close();
    console.log(`catch-up: ${head - startHead} blocks in ${seconds.toFixed(2)} s = ${fixed(kassa)} blocks/s (the outage's payment credited and paid); bare RPC client ${fixed(bare)} blocks/s`);
    return [
      {
        bench: 'catchup',
        figure: `catch-up after an outage: blocks scanned per second (${(head - startHead).toLocaleString('en')} blocks, 10 open intents)`,
        ours: `${fixed(kassa)} blocks/s`,
        baseline: `bare RPC client, same requests: ${fixed(bare)} blocks/s`,
        ratio: fixed(kassa / bare, 2),
        pass: null,
        values: { blocks: head - startHead, seconds, kassa_blocks_per_s: kassa, bare_blocks_per_s: bare },
      },
    ];
  } finally {
    await anvil.stop();
  }
}
