// The scan loop's UTXO path against an in-memory chain with a mempool (the chain is the external
// system faked here; storage, payment service and lifecycle are the real ones on in-memory SQLite):
// 0-conf detection, a mined payment keeping its identity, replaced/double-spent payments reverted,
// and confirmation by a finalized block.
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BlockRef, ChainAdapter, DetectedTransfer, PendingTransfer, ScanResult, TransactionState, WatchSet } from '../../../src-server/chains/types.ts';
import { createPaymentIntentsService, type PaymentIntentsService } from '../../../src-server/payments/payment-intents-service.ts';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createStorage, type Storage } from '../../../src-server/storage/index.ts';
import { createChainWatcher, type ChainWatcher } from '../../../src-server/watch/chain-watcher.ts';
import type { KeyStore } from '../../../src-server/wallet/key-store.ts';
import { createWalletService } from '../../../src-server/wallet/wallet-service.ts';
import { createEventsService, type EventsService } from '../../../src-server/webhooks/events-service.ts';

type Output = Omit<DetectedTransfer, 'blockNumber' | 'blockHash' | 'blockTime'> & { spends?: string[] };

class FakeUtxoChain implements ChainAdapter {
  readonly chain = 'btc-test';
  readonly family = 'bitcoin' as const;
  blocks: { ref: BlockRef; txs: Output[] }[] = [];
  mempool: Output[] = [];
  finalized: number | null = null;
  constructor() {
    this.mine(1);
  }
  /** Mines the mempool (or `only` of it) into one block, then empty blocks. */
  mine(n: number, only?: string[]) {
    for (let i = 0; i < n; i++) {
      const parent = this.blocks.at(-1)?.ref;
      const number = this.blocks.length;
      const txs = i === 0 ? this.mempool.filter((t) => !only || only.includes(t.txid)) : [];
      this.mempool = this.mempool.filter((t) => !txs.includes(t));
      this.blocks.push({ ref: { number, hash: `h${number}-${Math.random().toString(16).slice(2, 8)}`, parentHash: parent?.hash ?? '0', time: 1_700_000_000 + number * 600 }, txs });
    }
  }
  async getHeadNumber() {
    return this.blocks.length - 1;
  }
  async getBlock(n: number) {
    return this.blocks[n]?.ref ?? null;
  }
  async scanBlockRange(from: number, to: number, watch: WatchSet): Promise<ScanResult> {
    const slice = this.blocks.slice(from, to + 1);
    return {
      blocks: slice.map((b) => b.ref),
      transfers: slice.flatMap((b) => b.txs.filter((t) => watch.addresses.has(t.to)).map((t) => ({ ...t, blockNumber: b.ref.number, blockHash: b.ref.hash, blockTime: b.ref.time }))),
    };
  }
  async scanMempool(watch: WatchSet): Promise<PendingTransfer[]> {
    return this.mempool.filter((t) => watch.addresses.has(t.to)).map((t) => ({ ...t, tokenContract: null, replaceable: true, spends: t.spends ?? [] }));
  }
  async transactionStates(txids: readonly string[]): Promise<Map<string, TransactionState>> {
    const mined = new Set(this.blocks.flatMap((b) => b.txs.map((t) => t.txid)));
    return new Map(txids.map((id) => [id, mined.has(id) ? 'confirmed' : this.mempool.some((t) => t.txid === id) ? 'mempool' : 'missing']));
  }
  async getFinalizedNumber() {
    return this.finalized ?? 0;
  }
  rpcHealth() {
    return [];
  }
  rpcRequestCount() {
    return 0;
  }
}

const noKeyStore: KeyStore = { kind: 'none', dataKey: null, describe: () => 'none' };
const caller = { storeId: 'st_default', livemode: false };
let storage: Storage;
let events: EventsService;
let intents: PaymentIntentsService;
let chain: FakeUtxoChain;
let watcher: ChainWatcher;

beforeEach(async () => {
  storage = createStorage(openDatabase(':memory:'));
  storage.stores.ensure('st_default', 'Default', new Date().toISOString());
  const wallet = createWalletService({ storage, keyStore: noKeyStore });
  await wallet.ensureTestWallet();
  events = createEventsService(storage);
  intents = createPaymentIntentsService({
    storage,
    events,
    wallet,
    logger: pino({ level: 'silent' }),
    rateSources: [],
    devnet: () => null,
    testNetworks: () => new Map([['bitcoin', { chain: 'btc-test', tokens: {}, confirmations: 3 }]]),
    liveNetworks: () => new Map(),
    publicBaseUrl: () => 'http://127.0.0.1:8421',
  });
  chain = new FakeUtxoChain();
  watcher = createChainWatcher({ chain: 'btc-test', adapter: chain, storage, ledger: intents.ledger, logger: pino({ level: 'silent' }), pollIntervalMs: 1_000_000, maxBlockRange: 100, reorgWindow: 64, tokenContracts: () => [] });
  await watcher.syncNow();
});

const newIntent = (amount = '0.0005') => intents.create(caller, { network: 'bitcoin', asset: 'BTC', amount });
const output = (to: string, sats: bigint, txid: string, index = 0): Output => ({ txid, index, from: '', to, tokenContract: null, amount: sats });
const eventTypes = (id: string) => events.list(caller, { limit: 100, objectId: id }).data.map((e) => e.type).reverse();

describe('mempool (0-conf)', () => {
  it('detects a payment waiting in the mempool, then confirms the same payment once mined', async () => {
    const intent = newIntent();
    expect(intent.receive_address).toMatch(/^bc1q/);
    chain.mempool.push(output(intent.receive_address, 50_000n, 'tx1'));
    await watcher.syncNow();
    const seen = intents.get(caller, intent.id);
    expect(seen).toMatchObject({ status: 'confirming', amount_received: '0.0005', amount_confirmed: '0' });
    expect(seen.payments).toEqual([expect.objectContaining({ txid: 'tx1', vout: 0, block_number: null, block_hash: null, confirmations: 0, status: 'detected' })]);
    expect(eventTypes(intent.id)).toEqual(['payment_intent.created', 'payment_intent.payment_detected']);

    chain.mine(1);
    await watcher.syncNow();
    const mined = intents.get(caller, intent.id);
    expect(mined.payments).toHaveLength(1);
    expect(mined.payments[0]).toMatchObject({ id: seen.payments[0]!.id, block_number: 1, confirmations: 1, status: 'detected' });
    chain.mine(2);
    await watcher.syncNow();
    expect(intents.get(caller, intent.id)).toMatchObject({ status: 'paid', amount_confirmed: '0.0005' });
    expect(eventTypes(intent.id)).toEqual(['payment_intent.created', 'payment_intent.payment_detected', 'payment_intent.paid']);
  });

  it('a replaced (RBF) or double-spent payment leaves the mempool unmined: reverted, and the intent waits again', async () => {
    const intent = newIntent();
    chain.mempool.push(output(intent.receive_address, 50_000n, 'tx-original'));
    await watcher.syncNow();
    expect(intents.get(caller, intent.id).status).toBe('confirming');
    // The payer replaces it with a transaction paying someone else.
    chain.mempool = [output('bc1qsomeoneelse', 50_000n, 'tx-replacement')];
    chain.mine(1);
    await watcher.syncNow();
    // One 'missing' could be a lagging endpoint: the payment stands until the next scan agrees.
    expect(intents.get(caller, intent.id).status).toBe('confirming');
    await watcher.syncNow();
    const after = intents.get(caller, intent.id);
    expect(after).toMatchObject({ status: 'pending', amount_received: '0' });
    expect(after.payments).toEqual([expect.objectContaining({ txid: 'tx-original', status: 'reverted' })]);
    const reverted = events.list(caller, { limit: 10, type: 'payment.reverted' }).data;
    expect(reverted.map((e) => e.data.object.txid)).toEqual(['tx-original']);
  });

  it('a fee bump to the same payee swaps the payment at once: the money is never counted twice', async () => {
    const intent = newIntent();
    chain.mempool.push({ ...output(intent.receive_address, 50_000n, 'tx-low-fee'), spends: ['f00d:0'] });
    await watcher.syncNow();
    const first = intents.get(caller, intent.id);
    expect(first).toMatchObject({ status: 'confirming', amount_received: '0.0005' });
    chain.mempool = [{ ...output(intent.receive_address, 50_000n, 'tx-high-fee'), spends: ['f00d:0'] }];
    await watcher.syncNow();
    const swapped = intents.get(caller, intent.id);
    expect(swapped).toMatchObject({ status: 'confirming', amount_received: '0.0005', exception: null });
    expect(swapped.payments.map((p) => [p.txid, p.status]).sort()).toEqual([['tx-high-fee', 'detected'], ['tx-low-fee', 'reverted']]);
    // No event ever showed the doubled amount.
    const amounts = events.list(caller, { limit: 100, objectId: intent.id }).data.map((e) => e.data.object.amount_received);
    expect(amounts).not.toContain('0.001');
    chain.mine(3);
    await watcher.syncNow();
    expect(intents.get(caller, intent.id)).toMatchObject({ status: 'paid', amount_received: '0.0005', exception: null });
  });

  it('several outputs to the intent in one transaction all count, each once', async () => {
    const intent = newIntent('0.0005');
    chain.mempool.push(output(intent.receive_address, 20_000n, 'tx-multi', 0), output(intent.receive_address, 30_000n, 'tx-multi', 1));
    await watcher.syncNow();
    await watcher.syncNow();
    chain.mine(3);
    await watcher.syncNow();
    const got = intents.get(caller, intent.id);
    expect(got).toMatchObject({ status: 'paid', amount_received: '0.0005', amount_confirmed: '0.0005' });
    expect(got.payments.map((p) => p.vout).sort()).toEqual([0, 1]);
  });
});

describe('finalized blocks', () => {
  it('a payment at or below the chain\'s finalized block is confirmed whatever its count', async () => {
    const intent = newIntent();
    chain.mempool.push(output(intent.receive_address, 50_000n, 'tx-final'));
    chain.mine(1);
    await watcher.syncNow();
    expect(intents.get(caller, intent.id).status).toBe('confirming'); // 1 of 3 confirmations
    chain.finalized = 2;
    await watcher.syncNow();
    expect(intents.get(caller, intent.id)).toMatchObject({ status: 'paid' });
  });
});
