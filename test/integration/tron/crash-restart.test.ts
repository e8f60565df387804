// A node killed with SIGKILL while it scans the Tron devnet loses nothing and credits nothing twice:
// transfers keep arriving while it is dead, and after a restart on the same home every transfer is
// one payment, every intent holds exactly what was sent to it, and each payment was announced once.
// The test owns the Tron devnet (it outlives the node) and pays straight from the faucet with TronWeb.
//
// The kill moments are random (seeded; set KASSA_TEST_SEED to replay a run). Mining is on demand,
// so whatever the timing, the final state is exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTronDevnet, type TronDevnet } from '../../../src-server/chains/devnet/tron/tron-devnet.ts';
import { tronDevnetPay } from '../../../src-server/chains/devnet/tron/tron-faucet.ts';
import { formatAmount, parseAmount } from '../../../src-server/money/amount.ts';
import { openNodeDb } from '../../helpers/devnet-control.ts';
import { apiClient, createApiKey, startNode, tempHome, type ApiClient, type StartNodeOptions, type TestNode } from '../../helpers/node.ts';
import { waitForTronScanned } from '../../helpers/tron-devnet-control.ts';

const DECIMALS = 6;
// ≈ 36 transfers: more than the at most 2 × (5 + 3) × KILLS the kill rounds can use up, so every downtime gets some.
const INTENTS = 20;
const KILLS = 2;
/** Blocks mined while the node is dead, before it is started again. */
const BLOCKS_WHILE_DOWN = 3;

const seed = Number(process.env.KASSA_TEST_SEED ?? Date.now() % 2 ** 31);

/** mulberry32: a small seeded PRNG, so a failing interleaving can be replayed. */
function seededRandom(s: number): () => number {
  let state = s >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seededRandom(seed);
const randomInt = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PlannedIntent {
  id: string;
  address: string;
  /** null for TRX. */
  token: string | null;
  amount: bigint;
  /** The transfers this intent will receive, in base units. */
  parts: bigint[];
}
interface SentTransfer {
  intentId: string;
  txid: string;
  amount: bigint;
  /** The kill round during whose downtime it was sent; null while a node was running. */
  sentWhileDownInRound: number | null;
}

let devnet: TronDevnet;
let home: string;
let apiKey: string;
let api: ApiClient;
let node: TestNode | null = null;

const nodeOptions = (): StartNodeOptions => ({
  home,
  blockTime: 0,
  // Small ranges and fast polling: many commit points for a kill to fall between.
  config: { devnet: { tron: { rpcUrl: devnet.url } }, watcher: { maxBlockRange: 2 } },
  env: { KASSA_POLL_INTERVAL_MS: '50' },
});

beforeAll(async () => {
  devnet = await startTronDevnet({ blockTimeMs: 0 });
  // TronWeb builds a TRX transfer on the head block's number, which genesis omits (see addresses.test.ts).
  await devnet.mine(1);
  home = tempHome('kassa-tron-crash-');
  node = await startNode(nodeOptions());
  apiKey = await createApiKey(home);
  api = apiClient(node.merchantUrl, apiKey);
});
afterAll(async () => {
  await node?.stop();
  await devnet?.stop();
});

/** Amounts with cents, and a mix of exact, split, over- and underpayments. */
function planPayments(index: number, amount: bigint): bigint[] {
  const cents = (units: bigint) => (units / 10_000n) * 10_000n;
  switch (index % 5) {
    case 0:
      return [amount];
    case 1: {
      const first = cents((amount * 4n) / 10n);
      return [first, amount - first];
    }
    case 2:
      return [amount + 1_230_000n];
    case 3:
      return [cents((amount * 3n) / 10n), cents((amount * 2n) / 10n)]; // half: stays pending
    default: {
      const third = cents(amount / 3n);
      return [third, third, amount - 2n * third];
    }
  }
}

describe('crash and restart on Tron (SIGKILL while payments are being scanned)', () => {
  it(`credits every transfer exactly once across ${KILLS} kills`, async () => {
    const intents: PlannedIntent[] = [];
    for (let i = 0; i < INTENTS; i++) {
      const asset = i % 4 === 3 ? 'TRX' : 'USDT';
      const amount = BigInt(5 + 3 * i) * 1_000_000n + BigInt((i * 37) % 100) * 10_000n;
      const res = await api.post('/api/v1/payment-intents', { network: 'tron', asset, amount: formatAmount(amount, DECIMALS) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const data = res.body.data;
      intents.push({ id: data.id, address: data.receive_address, token: data.token_contract, amount, parts: planPayments(i, amount) });
    }
    // Every planned transfer, shuffled, then packed one or two to a block.
    const queue = intents.flatMap((intent) => intent.parts.map((amount) => ({ intent, amount })));
    for (let i = queue.length - 1; i > 0; i--) {
      const j = randomInt(0, i);
      [queue[i], queue[j]] = [queue[j]!, queue[i]!];
    }

    const sent: SentTransfer[] = [];
    let blocksMined = 0;
    let head = 0;
    let downInRound: number | null = null;
    let controllerDone = false;
    let payerError: unknown = null;
    // Holds the payer while a node starts, so the plan lasts through every round.
    const gate = { closed: false, waiters: [] as (() => void)[] };
    const openGate = () => {
      gate.closed = false;
      for (const wake of gate.waiters.splice(0)) wake();
    };

    // The payer: straight to the devnet from the faucet, one block at a time, whether the node lives or not.
    const payer = (async () => {
      while (queue.length > 0 || !controllerDone) {
        while (gate.closed) await new Promise<void>((resolve) => gate.waiters.push(resolve));
        const batch = queue.splice(0, random() < 0.3 ? 2 : 1);
        for (const { intent, amount } of batch) {
          const txid = await tronDevnetPay({ url: devnet.url, to: intent.address, token: intent.token, units: amount });
          sent.push({ intentId: intent.id, txid, amount, sentWhileDownInRound: downInRound });
        }
        head = await devnet.mine(1);
        blocksMined++;
        await sleep(randomInt(10, 40));
      }
    })().catch((error: unknown) => {
      payerError = error;
    });
    const untilBlocks = async (n: number) => {
      while (blocksMined < n) {
        if (payerError) throw payerError;
        await sleep(5);
      }
    };

    const killLog: string[] = [];
    try {
      let mark = 0;
      for (let round = 1; round <= KILLS; round++) {
        await untilBlocks(mark + randomInt(2, 5));
        await sleep(randomInt(0, 60)); // somewhere inside a poll (50 ms), a scan or a commit
        await node!.kill();
        downInRound = round;
        const killedAt = blocksMined;
        killLog.push(`kill ${round} after block ${killedAt} of the run, ${sent.length} transfers sent`);
        await untilBlocks(killedAt + BLOCKS_WHILE_DOWN);
        gate.closed = true;
        const sentWhileDown = sent.filter((t) => t.sentWhileDownInRound === round).length;
        node = await startNode(nodeOptions());
        api = apiClient(node.merchantUrl, apiKey); // new ports; the key lives in the database
        downInRound = null;
        openGate();
        killLog.push(`restart ${round} after block ${blocksMined}, ${sentWhileDown} transfers sent while it was dead`);
        mark = blocksMined;
      }
    } finally {
      controllerDone = true;
      openGate();
      await payer;
    }
    const context = `seed ${seed}; ${killLog.join('; ')}`;
    expect(payerError, context).toBeNull();
    expect(queue, context).toHaveLength(0);
    // The run must have exercised the case under test: transfers mined while no node ran, every round.
    for (let round = 1; round <= KILLS; round++) {
      expect(sent.filter((t) => t.sentWhileDownInRound === round).length, `${context}; round ${round}`).toBeGreaterThan(0);
    }

    // Two more blocks confirm the last transfers; then wait until the restarted node scanned them.
    head = await devnet.mine(2);
    await waitForTronScanned(node!.merchantUrl, head);

    const sentTo = (intentId: string) => sent.filter((t) => t.intentId === intentId);
    for (const intent of intents) {
      const seen = (await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data;
      const expected = sentTo(intent.id).reduce((sum, t) => sum + t.amount, 0n);
      const what = `${context}; intent ${intent.id} (${intent.token === null ? 'TRX' : 'USDT'}, due ${formatAmount(intent.amount, DECIMALS)})`;
      expect(parseAmount(seen.amount_received, DECIMALS), what).toBe(expected);
      expect(parseAmount(seen.amount_confirmed, DECIMALS), what).toBe(expected);
      expect(seen.payments.map((p: { txid: string }) => p.txid).sort(), what).toEqual(sentTo(intent.id).map((t) => t.txid).sort());
      expect(seen.payments.every((p: { status: string }) => p.status === 'confirmed'), what).toBe(true);
      if (expected >= intent.amount) {
        expect(seen, what).toMatchObject({ status: 'paid', exception: expected > intent.amount ? 'overpaid' : null });
      } else {
        expect(seen, what).toMatchObject({ status: 'pending', exception: null });
      }
    }

    const db = openNodeDb(home);
    try {
      const payments = db.prepare(`SELECT id, intent_id, txid, amount, status FROM payments WHERE chain = 'tron-devnet'`).all() as { id: string; intent_id: string; txid: string; amount: string; status: string }[];
      expect(payments.length, context).toBe(sent.length);
      expect(db.prepare('SELECT txid FROM payments GROUP BY chain, txid, output_index HAVING COUNT(*) > 1').all(), context).toEqual([]);
      const byTxid = new Map(payments.map((p) => [p.txid, p]));
      for (const t of sent) {
        expect(byTxid.get(t.txid), `${context}; ${t.txid}`).toMatchObject({ intent_id: t.intentId, amount: t.amount.toString(), status: 'confirmed' });
      }

      const events = db
        .prepare(`SELECT type, object_id, data FROM events WHERE object_type = 'payment_intent' ORDER BY seq`)
        .all() as { type: string; object_id: string; data: string }[];
      for (const intent of intents) {
        const mine = events.filter((e) => e.object_id === intent.id);
        const detected = mine.filter((e) => e.type === 'payment_intent.payment_detected');
        const ids = payments.filter((p) => p.intent_id === intent.id).map((p) => p.id);
        const what = `${context}; intent ${intent.id}`;
        // One payment_detected per payment (the event carries the intent, so count per intent) ...
        expect(detected.length, what).toBe(ids.length);
        // ... and every payment is in the intent those events announced.
        const announced = new Set(detected.flatMap((e) => (JSON.parse(e.data) as { payments: { id: string }[] }).payments.map((p) => p.id)));
        for (const id of ids) expect(announced.has(id), `${what}; payment ${id}`).toBe(true);
        const fullyPaid = sentTo(intent.id).reduce((sum, t) => sum + t.amount, 0n) >= intent.amount;
        expect(mine.filter((e) => e.type === 'payment_intent.paid').length, what).toBe(fullyPaid ? 1 : 0);
        expect(mine.filter((e) => e.type === 'payment_intent.created').length, what).toBe(1);
      }
    } finally {
      db.close();
    }
  });
});
