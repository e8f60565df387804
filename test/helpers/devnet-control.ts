// Drives an anvil the test owns, bypassing the node: raw JSON-RPC, locally signed token transfers
// (so a test can keep the raw transaction and send it again), and read-only looks into a node's
// database and /healthz, so tests can wait for "scanned up to block N" instead of sleeping.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { type Address, createPublicClient, encodeFunctionData, erc20Abi, type Hex, http, keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { expect } from 'vitest';
import type { DevnetAccount } from '../../src-server/chains/devnet/devnet.ts';
import { eventually } from './node.ts';

let rpcId = 0;

/** One JSON-RPC call; a JSON-RPC error becomes a thrown Error naming the method. */
export async function rpcCall<T = unknown>(rpcUrl: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method} failed: ${body.error.message}`);
  return body.result as T;
}

export async function headNumber(rpcUrl: string): Promise<number> {
  return Number.parseInt(await rpcCall<string>(rpcUrl, 'eth_blockNumber'), 16);
}

export interface RpcBlockHeader {
  number: string;
  hash: string;
  timestamp: string;
  transactions: string[];
}

export async function blockByNumber(rpcUrl: string, number: number | 'latest'): Promise<RpcBlockHeader | null> {
  const tag = number === 'latest' ? 'latest' : `0x${number.toString(16)}`;
  return rpcCall<RpcBlockHeader | null>(rpcUrl, 'eth_getBlockByNumber', [tag, false]);
}

/**
 * Mines `blocks` blocks whose timestamps start `secondsForward` after the current head's, so
 * blocks replacing reorged-out ones cannot come out identical to them.
 */
export async function mineForward(rpcUrl: string, blocks: number, secondsForward: number): Promise<void> {
  const latest = await blockByNumber(rpcUrl, 'latest');
  await rpcCall(rpcUrl, 'evm_setNextBlockTimestamp', [Number.parseInt(latest!.timestamp, 16) + secondsForward]);
  await rpcCall(rpcUrl, 'anvil_mine', [`0x${blocks.toString(16)}`]);
}

export interface SignedTransfer {
  raw: Hex;
  txid: Hex;
}

/** An ERC-20 `transfer` signed locally with the sender's key; nothing is sent. */
export async function signTokenTransfer(req: { rpcUrl: string; from: DevnetAccount; token: Address; to: Address; amount: bigint }): Promise<SignedTransfer> {
  const client = createPublicClient({ transport: http(req.rpcUrl, { retryCount: 0 }), cacheTime: 0 });
  const account = privateKeyToAccount(req.from.privateKey);
  const [chainId, nonce, fees] = await Promise.all([
    client.getChainId(),
    client.getTransactionCount({ address: account.address, blockTag: 'pending' }),
    client.estimateFeesPerGas(),
  ]);
  const raw = await account.signTransaction({
    type: 'eip1559',
    chainId,
    nonce,
    to: req.token,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [req.to, req.amount] }),
    value: 0n,
    gas: 120_000n,
    // Headroom so the same raw transaction stays valid when it is sent again after a reorg.
    maxFeePerGas: fees.maxFeePerGas * 4n,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
  return { raw, txid: keccak256(raw) };
}

export async function sendRawTransaction(rpcUrl: string, raw: Hex): Promise<Hex> {
  return rpcCall<Hex>(rpcUrl, 'eth_sendRawTransaction', [raw]);
}

/** The node's database, read-only (WAL: safe beside the running node). Close it when done. */
export function openNodeDb(home: string): Database.Database {
  return new Database(join(home, 'kassa.db'), { readonly: true, fileMustExist: true });
}

export interface HealthNetwork {
  chain: string;
  head: number | null;
  next_block: number | null;
  last_error: string | null;
  rpc: { url: string; ok: boolean; requests: number; failures: number; last_error: string | null }[];
}

export async function healthOf(merchantUrl: string): Promise<{ status: string; networks: HealthNetwork[] }> {
  const res = await fetch(`${merchantUrl}/healthz`);
  return (await res.json()) as { status: string; networks: HealthNetwork[] };
}

export type WatcherHealth = HealthNetwork & { watched_addresses: number; healthy: boolean };

/** The node's `chain` watcher as /healthz lists it (a failed expectation when it is not listed). */
export async function watcherHealth(merchantUrl: string, chain: string): Promise<WatcherHealth> {
  const found = (await healthOf(merchantUrl)).networks.find((n) => n.chain === chain);
  expect(found, `/healthz lists ${chain}`).toBeDefined();
  return found as WatcherHealth;
}

/** Waits until the node's `chain` watcher has scanned block `block` (its cursor is past it). */
export async function waitForScanned(merchantUrl: string, block: number, chain = 'devnet', timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () => {
      const network = (await healthOf(merchantUrl)).networks.find((n) => n.chain === chain);
      return network?.next_block != null && network.next_block > block;
    },
    `${chain} scanned through block ${block}`,
    timeoutMs,
  );
}
