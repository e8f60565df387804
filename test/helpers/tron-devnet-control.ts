// What the Tron integration tests share: the merchant API calls around a tron intent, the node's
// view of its `tron-devnet` watcher (/healthz), locally signed transfers a test can broadcast again
// (after a reorg dropped them), and a loopback proxy in front of a Tron devnet that counts requests
// by path and can play a failing provider. Tests wait on what the node reports, never on a sleep.
import { TronWeb } from 'tronweb';
import { TRON_DEVNET_FAUCET } from '../../src-server/chains/devnet/tron/tron-devnet-accounts.ts';
import { waitForScanned, watcherHealth, type WatcherHealth } from './devnet-control.ts';
import { type FailingProxy, type FailingProxyMode, startFailingProxy } from './failing-proxy.ts';
import { intentKit } from './intent-kit.ts';
import type { ApiClient } from './node.ts';

export { countsDelta } from './failing-proxy.ts';

/** The chain test-mode `tron` intents are watched on. */
export const TRON_CHAIN = 'tron-devnet';

/** The test-mode calls a shop (or a test) makes around tron intents. */
export const tronKit = (api: () => ApiClient) => intentKit(api, 'tron', { asset: 'USDT' });
export type TronKit = ReturnType<typeof tronKit>;

export const tronHealth = (merchantUrl: string): Promise<WatcherHealth> => watcherHealth(merchantUrl, TRON_CHAIN);

/** Waits until the node's Tron watcher has scanned block `block`. */
export const waitForTronScanned = (merchantUrl: string, block: number, timeoutMs = 20_000): Promise<void> =>
  waitForScanned(merchantUrl, block, TRON_CHAIN, timeoutMs);

/** The devnet's head number, asked over its java-tron HTTP API. */
export async function tronHeadNumber(url: string): Promise<number> {
  const res = await fetch(`${url}/wallet/getnowblock`, { method: 'POST', body: '{}' });
  const block = (await res.json()) as { block_header: { raw_data: { number?: number } } };
  return block.block_header.raw_data.number ?? 0;
}

/** A faucet transaction signed with TronWeb, not yet sent: a test can broadcast it more than once. */
export interface SignedTronTransfer {
  txid: string;
  signed: unknown;
}

/** A TRC-20 `transfer` (or a TRX transfer when `token` is null) from the devnet faucet, signed only. */
export async function signTronTransfer(input: { url: string; to: string; token: string | null; units: bigint }): Promise<SignedTronTransfer> {
  const tronWeb = new TronWeb({ fullHost: input.url, privateKey: TRON_DEVNET_FAUCET.privateKey });
  if (input.token === null) {
    const tx = await tronWeb.transactionBuilder.sendTrx(input.to, Number(input.units), TRON_DEVNET_FAUCET.address);
    const signed = await tronWeb.trx.sign(tx);
    return { txid: signed.txID, signed };
  }
  const built = await tronWeb.transactionBuilder.triggerSmartContract(
    input.token,
    'transfer(address,uint256)',
    { feeLimit: 100_000_000 },
    [
      { type: 'address', value: input.to },
      { type: 'uint256', value: input.units.toString() },
    ],
    TRON_DEVNET_FAUCET.address,
  );
  if (!built.result?.result) throw new Error(`the Tron devnet refused to build the transfer: ${JSON.stringify(built).slice(0, 300)}`);
  const signed = await tronWeb.trx.sign(built.transaction);
  return { txid: signed.txID, signed };
}

/** Broadcasts a signed transaction; resolves with the devnet's answer (`result: true` when pooled). */
export async function broadcastTron(url: string, transfer: SignedTronTransfer): Promise<{ result?: boolean; code?: string; message?: string }> {
  const tronWeb = new TronWeb({ fullHost: url });
  return (await tronWeb.trx.sendRawTransaction(transfer.signed as Parameters<typeof tronWeb.trx.sendRawTransaction>[0])) as { result?: boolean; code?: string; message?: string };
}

/** Every failing-proxy mode; http429 answers with TronGrid's body. */
export type TronProxyMode = FailingProxyMode;

/** Counts requests per path. */
export type TronProxy = FailingProxy<TronProxyMode>;

const RATE_LIMITED_BODY = JSON.stringify({ Error: 'The key exceeds the frequency limit(15), and the query server is suspended for 1s' });

/** A loopback HTTP proxy in front of a Tron devnet (any path, GET or POST). */
export function startTronProxy(options: { target: string }): Promise<TronProxy> {
  return startFailingProxy<TronProxyMode>({
    target: options.target,
    name: 'tron proxy',
    countKey: (_method, url) => url.pathname,
    malformedBody: '{"blockID":"00000000000',
    rateLimitedBody: RATE_LIMITED_BODY,
  });
}
