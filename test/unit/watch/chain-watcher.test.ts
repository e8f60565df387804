// The scan loop against an in-memory chain (the chain is the external system faked here; the
// storage, payment service and lifecycle are the real ones on an in-memory SQLite database).
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BlockRef, ChainAdapter, DetectedTransfer, ScanResult, WatchSet } from '../../../src-server/chains/types.ts';
import { createPaymentIntentsService, type PaymentIntentsService } from '../../../src-server/payments/payment-intents-service.ts';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createStorage, type Storage } from '../../../src-server/storage/index.ts';
import { createChainWatcher, type ChainWatcher } from '../../../src-server/watch/chain-watcher.ts';
import type { KeyStore } from '../../../src-server/wallet/key-store.ts';
import { createWalletService } from '../../../src-server/wallet/wallet-service.ts';
import { createEventsService } from '../../../src-server/webhooks/events-service.ts';

const TOKEN = '0x00000000000000000000000000000000000000aa';

/** A chain in memory: blocks with transfers; `reorg` replaces the tail with a fork. */
class FakeChain implements ChainAdapter {
  readonly chain = 'devnet';
  readonly family = 'evm' as const;
  blocks: { ref: BlockRef; transfers: Omit<DetectedTransfer, 'blockNumber' | 'blockHash' | 'blockTime'>[] }[] = [];
  calls = 0;
  failNextScan = false;
  private salt = 0;

  constructor() {
    this.mine(1);
  }
  private makeBlock(number: number, parentHash: string) {
    return { number, hash: `0x${number.toString(16)}-${this.salt}-${Math.random().toString(16).slice(2, 8)}`, parentHash, time: 1_700_000_000 + number };
  }
  mine(n: number, transfers: Omit<DetectedTransfer, 'blockNumber' | 'blockHash' | 'blockTime'>[] = []) {
    for (let i = 0; i < n; i++) {
      const parent = this.blocks.at(-1)?.ref;
      const ref = this.makeBlock(this.blocks.length, parent?.hash ?? '0x0');
      this.blocks.push({ ref, transfers: i === 0 ? transfers : [] });
    }
  }
  /** Drops the last `depth` blocks and mines `depth + extra` fresh (empty) ones. */
  reorg(depth: number, extra = 1) {
    this.salt++;
    this.blocks.splice(this.blocks.length - depth, depth);
    this.mine(depth + extra);
  }
  async getHeadNumber() {
    this.calls++;
    return this.blocks.length - 1;
  }
  async getBlock(n: number) {
    this.calls++;
    return this.blocks[n]?.ref ?? null;
  }
  async scanBlockRange(from: number, to: number, watch: WatchSet): Promise<ScanResult> {
    this.calls++;
    if (this.failNextScan) {
      this.failNextScan = false;
      throw new Error('connection reset');
    }
    const slice = this.blocks.slice(from, to + 1);
    return {
      blocks: slice.map((b) => b.ref),
      transfers: slice.flatMap((b) =>
        b.transfers
          .filter((t) => watch.addresses.has(t.to))
          .map((t) => ({ ...t, blockNumber: b.ref.number, blockHash: b.ref.hash, blockTime: b.ref.time })),
      ),
    };
  }
  rpcHealth() {
    return [];
  }
  rpcRequestCount() {
    return this.calls;
  }
}

const noKeyStore: KeyStore = { kind: 'none', dataKey: null, describe: () => 'none' };

let storage: Storage;
let intents: PaymentIntentsService;
let chain: FakeChain;
let watcher: ChainWatcher;

async function setup(maxBlockRange = 100) {
  storage = createStorage(openDatabase(':memory:'));
  storage.stores.ensure('st_default', 'Default', new Date().toISOString());
  const wallet = createWalletService({ storage, keyStore: noKeyStore });
  await wallet.ensureTestWallet();
  const events = createEventsService(storage);
  intents = createPaymentIntentsService({
    storage,
    events,
    wallet,
    logger: pino({ level: 'silent' }),
    rateSources: [],
    devnet: () => ({ chainId: 31337, tokens: { USDT: TOKEN, USDC: TOKEN, USDT18: TOKEN, USDC18: TOKEN }, confirmations: 2 }),
    liveNetworks: () => new Map(),
    publicBaseUrl: () => 'http://127.0.0.1:8421',
  });
  chain = new FakeChain();
  watcher = createChainWatcher({
    chain: 'devnet',
    adapter: chain,
    storage,
    ledger: intents.ledger,
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 1_000_000,
    maxBlockRange,
    reorgWindow: 64,
    tokenContracts: () => [TOKEN],
  });
}

const caller = { storeId: 'st_default', livemode: false };
function newIntent(amount = '10.00') {
  return intents.create(caller, { network: 'devnet', asset: 'USDT', amount });
}
function transferTo(address: string, amount: bigint, txid: string, index = 0) {
  return { txid, index, from: '0x1111111111111111111111111111111111111111', to: address.toLowerCase(), tokenContract: TOKEN, amount };
}

beforeEach(async () => {
  await setup();
});

describe('chain watcher', () => {
  it('starts at the head on first run and credits a transfer in a later block', async () => {
    await watcher.syncNow();
    expect(watcher.status().lastError).toBeNull();
    expect(storage.chains.getCursor('devnet')).toBe(1);
    const intent = newIntent('10.00');
    chain.mine(1, [transferTo(intent.receive_address, 10_000_000n, '0xa1')]);
    await watcher.syncNow();
    expect(intents.get(caller, intent.id)).toMatchObject({ status: 'confirming', amount_received: '10.00' });
    chain.mine(1);
    await watcher.syncNow();
    expect(intents.get(caller, intent.id)).toMatchObject({ status: 'paid' });
  });

  it('catches up after downtime in ranges of maxBlockRange, missing nothing', async () => {
    await setup(7);
    await watcher.syncNow();
    const a = newIntent('1.00');
    const b = newIntent('2.00');
    chain.mine(10, [transferTo(a.receive_address, 1_000_000n, '0xb1')]);
    chain.mine(15, [transferTo(b.receive_address, 2_000_000n, '0xb2')]);
    chain.mine(20);
    const head = chain.blocks.length - 1;
    await watcher.syncNow();
    expect(storage.chains.getCursor('devnet')).toBe(head + 1);
    expect(intents.get(caller, a.id).status).toBe('paid');
    expect(intents.get(caller, b.id).status).toBe('paid');
  });

  it('does not move the cursor when a scan fails, and credits once on the retry', async () => {
    await watcher.syncNow();
    const intent = newIntent('5.00');
    const before = storage.chains.getCursor('devnet');
    chain.mine(1, [transferTo(intent.receive_address, 5_000_000n, '0xc1')]);
    chain.failNextScan = true;
    await watcher.syncNow();
    expect(storage.chains.getCursor('devnet')).toBe(before);
    expect(watcher.status().lastError).toContain('connection reset');
    await watcher.syncNow();
    await watcher.syncNow();
    const seen = intents.get(caller, intent.id);
    expect(seen.payments).toHaveLength(1);
    expect(seen.amount_received).toBe('5.00');
    expect(watcher.status().lastError).toBeNull();
  });

  it('rolls back a reorged payment to reverted and credits the re-mined one once', async () => {
    await watcher.syncNow();
    const intent = newIntent('3.00');
    chain.mine(1, [transferTo(intent.receive_address, 3_000_000n, '0xd1', 0)]);
    chain.mine(1);
    await watcher.syncNow();
    expect(intents.get(caller, intent.id).status).toBe('paid');

    chain.reorg(2, 1); // the block with the payment is gone
    await watcher.syncNow();
    let seen = intents.get(caller, intent.id);
    expect(seen.status).toBe('pending');
    expect(seen.amount_received).toBe('0');
    expect(seen.payments[0]).toMatchObject({ status: 'reverted' });
    const reverted = storage.events.listForObject(seen.payments[0]!.id).map((e) => e.type);
    expect(reverted).toEqual(['payment.reverted']);

    // The same transaction mined again, at another log index.
    chain.mine(1, [transferTo(intent.receive_address, 3_000_000n, '0xd1', 4)]);
    chain.mine(1);
    await watcher.syncNow();
    seen = intents.get(caller, intent.id);
    expect(seen).toMatchObject({ status: 'paid', amount_received: '3.00' });
    expect(seen.payments).toHaveLength(1);
    expect(seen.payments[0]).toMatchObject({ status: 'confirmed', log_index: 4 });
    const types = storage.events.listForObject(intent.id).map((e) => e.type);
    expect(types).toEqual([
      'payment_intent.created',
      'payment_intent.payment_detected',
      'payment_intent.paid',
      'payment_intent.payment_detected',
      'payment_intent.paid',
    ]);
  });

  it('detects a reorg deeper than one block by walking back the stored hashes', async () => {
    await watcher.syncNow();
    const intent = newIntent('1.00');
    chain.mine(1, [transferTo(intent.receive_address, 1_000_000n, '0xe1')]);
    chain.mine(5);
    await watcher.syncNow();
    const forkFrom = chain.blocks.length - 6; // the payment's block
    chain.reorg(6, 2);
    await watcher.syncNow();
    expect(intents.get(caller, intent.id).payments[0]).toMatchObject({ status: 'reverted' });
    expect(storage.chains.getBlock('devnet', forkFrom)!.hash).toBe(chain.blocks[forkFrom]!.ref.hash);
  });

  it('makes the same number of chain calls per tick for 10 and 500 watched intents', async () => {
    await watcher.syncNow();
    const count = async (n: number) => {
      for (let i = 0; i < n; i++) newIntent('1.00');
      chain.mine(10);
      const before = chain.calls;
      await watcher.syncNow();
      return chain.calls - before;
    };
    expect(await count(10)).toBe(await count(490));
  });

  it('ignores transfers of another token to an intent address (left for the operator)', async () => {
    await watcher.syncNow();
    const intent = newIntent('1.00');
    chain.mine(1, [{ ...transferTo(intent.receive_address, 1_000_000n, '0xf1'), tokenContract: '0x00000000000000000000000000000000000000bb' }]);
    await watcher.syncNow();
    expect(intents.get(caller, intent.id)).toMatchObject({ status: 'pending', amount_received: '0' });
    expect(storage.payments.listUnattributed(10)).toMatchObject([{ txid: '0xf1', reason: 'asset_mismatch', amount: '1000000', status: 'seen', livemode: 0 }]);
    // If its block is reorged away, the record says so.
    chain.reorg(1, 1);
    await watcher.syncNow();
    expect(storage.payments.listUnattributed(10)).toMatchObject([{ txid: '0xf1', status: 'reverted' }]);
  });
});
