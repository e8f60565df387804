// The wizard's RPC connectivity check: one small read per URL (chain id and head), 5 s each,
// credentials redacted in the answer. A URL of another chain is reported, not trusted.
import { redactRpcUrl } from '../../chains/evm/rpc-failover.ts';
import type { NetworkInfo } from '../../money/assets.ts';

export const RPC_CHECK_TIMEOUT_MS = 5000;

export interface RpcCheckResult {
  url: string;
  ok: boolean;
  chain_id: number | null;
  head: number | null;
  latency_ms: number | null;
  error: string | null;
}

/** Index of the first URL that is not absolute http(s), or -1. */
export function firstNonHttpUrl(urls: readonly string[]): number {
  return urls.findIndex((raw) => {
    try {
      const u = new URL(raw);
      return u.protocol !== 'http:' && u.protocol !== 'https:';
    } catch {
      return true;
    }
  });
}

/** ok only with a head, and (EVM) with the chain id the network has. */
export function judgeRpcAnswer(network: Pick<NetworkInfo, 'id' | 'name' | 'chainId' | 'family'>, answer: { chainId: number | null; head: number | null }): string | null {
  if (answer.head === null) return 'no block height in the answer';
  if (network.family === 'evm' && network.chainId !== null) {
    if (answer.chainId === null) return 'no chain id in the answer';
    if (answer.chainId !== network.chainId) return `chain id ${answer.chainId} is not ${network.name} (expected ${network.chainId}): this URL serves another chain`;
  }
  return null;
}

function asInt(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const n = /^0x[0-9a-f]+$/i.test(value) ? Number.parseInt(value, 16) : /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
}

type Fetch = typeof fetch;

/** fetch refuses credentials in a URL: they travel as Basic auth, as the adapters send them. */
export function splitCredentials(raw: string): { url: string; headers: Record<string, string> } {
  const url = new URL(raw);
  if (!url.username && !url.password) return { url: raw, headers: {} };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url: url.toString(), headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}` } };
}

async function jsonRpc(doFetch: Fetch, target: { url: string; headers: Record<string, string> }, method: string, signal: AbortSignal, version: '1.0' | '2.0' = '2.0'): Promise<unknown> {
  const res = await doFetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...target.headers },
    body: JSON.stringify({ jsonrpc: version, id: 1, method, params: [] }),
    signal,
    redirect: 'error',
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { result?: unknown; error?: { message?: string } | null };
  if (body.error) throw new Error(`${method}: ${String(body.error.message ?? 'error').slice(0, 200)}`);
  return body.result;
}

async function probe(doFetch: Fetch, network: NetworkInfo, raw: string, backend: 'esplora' | 'bitcoind' | undefined, signal: AbortSignal): Promise<{ chainId: number | null; head: number | null }> {
  const target = splitCredentials(raw);
  const base = target.url.replace(/\/+$/, '');
  if (network.family === 'evm') {
    const [chainId, head] = await Promise.all([jsonRpc(doFetch, target, 'eth_chainId', signal), jsonRpc(doFetch, target, 'eth_blockNumber', signal)]);
    return { chainId: asInt(chainId), head: asInt(head) };
  }
  if (network.family === 'tron') {
    const res = await doFetch(`${base}/wallet/getnowblock`, { method: 'POST', headers: { 'content-type': 'application/json', ...target.headers }, body: '{}', signal, redirect: 'error' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { block_header?: { raw_data?: { number?: unknown } } };
    return { chainId: null, head: asInt(body.block_header?.raw_data?.number ?? null) };
  }
  if (backend !== 'bitcoind') {
    const res = await doFetch(`${base}/blocks/tip/height`, { headers: target.headers, signal, redirect: 'error' });
    if (res.ok) {
      const head = asInt(await res.text());
      if (head !== null || backend === 'esplora') return { chainId: null, head };
    } else if (backend === 'esplora') {
      throw new Error(`HTTP ${res.status} from /blocks/tip/height (an Esplora REST API was expected)`);
    }
  }
  // Not Esplora: a bitcoind-compatible JSON-RPC endpoint.
  return { chainId: null, head: asInt(await jsonRpc(doFetch, target, 'getblockcount', signal, '1.0')) };
}

function describeFailure(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${RPC_CHECK_TIMEOUT_MS / 1000} s`;
  const cause = e.cause?.code ?? e.cause?.message;
  return (cause ? `${e.message} (${cause})` : e.message).slice(0, 300);
}

function redactSecrets(message: string, raw: string, shown: string): string {
  let out = message.split(raw).join(shown);
  try {
    const u = new URL(raw);
    for (const secret of [u.username, u.password, u.search.slice(1), ...u.pathname.split('/').filter((p) => p.length >= 16)]) {
      if (secret) out = out.split(secret).join('***');
    }
  } catch {
    /* not a URL: nothing more to hide */
  }
  return out;
}

/** Checks each URL at the same time; never throws. */
export async function checkRpcUrls(input: {
  network: NetworkInfo;
  urls: readonly string[];
  backend?: 'esplora' | 'bitcoind' | undefined;
  fetch?: Fetch | undefined;
  timeoutMs?: number;
}): Promise<RpcCheckResult[]> {
  const doFetch = input.fetch ?? fetch;
  return Promise.all(
    input.urls.map(async (url): Promise<RpcCheckResult> => {
      const started = performance.now();
      const shown = redactRpcUrl(url);
      try {
        const answer = await probe(doFetch, input.network, url, input.backend, AbortSignal.timeout(input.timeoutMs ?? RPC_CHECK_TIMEOUT_MS));
        const latency = Math.round(performance.now() - started);
        const problem = judgeRpcAnswer(input.network, answer);
        return { url: shown, ok: problem === null, chain_id: answer.chainId, head: answer.head, latency_ms: latency, error: problem };
      } catch (err) {
        // Messages may quote the URL; its secret parts never go back.
        const message = redactSecrets(describeFailure(err), url, shown);
        return { url: shown, ok: false, chain_id: null, head: null, latency_ms: null, error: message };
      }
    }),
  );
}
