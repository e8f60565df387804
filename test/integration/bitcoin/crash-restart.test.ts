// A node killed with SIGKILL while it watches Bitcoin loses nothing and credits nothing twice, on both
// watcher backends. The devnet is the test's own and outlives the node: while the node is dead,
// payments are mined (one, two, several blocks deep) and others are left in the mempool; after a
// restart on the same home every transfer is one payment, the mempool ones are seen at 0-conf, and
// every intent holds exactly what was sent to it; one seen at 0-conf and replaced while the node was
// dead is reverted. The second kill lands at a random moment of a
// scan (seeded; set KASSA_TEST_SEED to replay); mining is on demand, so the end state is exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import { parseAmount } from '../../../src-server/money/amount.ts';
import { openNodeDb } from '../../helpers/devnet-control.ts';
import { apiClient, startNode, type ApiClient, type StartNodeOptions, type TestNode } from '../../helpers/node.ts';
import { coins, paymentRows, startUtxoNode, STRANGER_BTC_ADDRESS, UTXO_BACKENDS, utxoKit, waitForUtxoScanned } from '../../helpers/utxo-devnet-control.ts';

const seed = Number(process.env.KASSA_TEST_SEED ?? Date.now() % 2 ** 31);

/** mulberry32: a small seeded PRNG, so a failing kill moment can be replayed. */
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  intent: string;
  txid: string;
  vout: number;
  sats: bigint;
}

describe.each(UTXO_BACKENDS)('crash and restart on Bitcoin (%s backend)', (backend) => {
  const random = seededRandom(seed + (backend === 'esplora' ? 0 : 1));
  let devnet: BitcoinDevnet;
  let startOptions: StartNodeOptions;
  let apiKey: string;
  let node: TestNode | null = null;
  let api: ApiClient;
  const btc = utxoKit(() => api, 'bitcoin');

  const restart = async () => {
    node = await startNode(startOptions);
    api = apiClient(node.merchantUrl, apiKey); // new ports; the key lives in the database
  };

  beforeAll(async () => {
    devnet = await startBitcoinDevnet({ network: 'bitcoin', blockTimeMs: 0 });
    // Fast polling: more scan and commit points for a kill to fall between.
    const started = await startUtxoNode(devnet, { backend, env: { KASSA_POLL_INTERVAL_MS: '50' } });
    ({ node, api, apiKey, startOptions } = started);
  });
  afterAll(async () => {
    await node?.stop();
    await devnet?.stop();
  });

  it('payments made while the node is dead, mined and unmined, are each credited once after restart', async () => {
    const context = `seed ${seed}`;
    const intents = [];
    for (let i = 0; i < 9; i++) intents.push(await btc.create({ amount: '0.0005' }));
    const [i0, i1, i2, i3, i4, i5, i6, i7, i8] = intents.map((x) => ({ id: x.id as string, to: x.receive_address as string }));
    const sent: Sent[] = [];
    const pay = async (intent: { id: string; to: string }, sats: bigint) => {
      const tx = await devnet.pay({ to: intent.to, amountSats: sats });
      sent.push({ intent: intent.id, txid: tx.txid, vout: 0, sats });
      return tx.txid;
    };

    // While the node runs: a full payment and a partial one, both seen at 0-conf.
    const t0 = await pay(i0!, 50_000n);
    const t1 = await pay(i1!, 20_000n);
    // And one that will be replaced (RBF, to someone else) while the node is dead: not counted in `sent`.
    const doomed = await devnet.pay({ to: i8!.to, amountSats: 50_000n, replaceable: true });
    await btc.untilPayment(i0!.id, t0);
    await btc.untilPayment(i1!.id, t1);
    await btc.untilPayment(i8!.id, doomed.txid);
    // One more, and the kill right behind it: somewhere in a poll (50 ms), maybe mid-scan or mid-commit.
    await pay(i6!, 50_000n);
    await sleep(Math.floor(random() * 120));
    await node!.kill();

    // While it is dead: payments mined one and three blocks deep, two outputs in one transaction,
    // an overpayment, payments left in the mempool, and the replacement of a payment seen at 0-conf.
    await devnet.replace(doomed.txid, { to: STRANGER_BTC_ADDRESS, feeRateSatVb: 10 });
    await pay(i2!, 50_000n);
    const split = await devnet.pay({
      outputs: [
        { to: i4!.to, amountSats: 30_000n },
        { to: i4!.to, amountSats: 20_000n },
      ],
    });
    sent.push({ intent: i4!.id, txid: split.txid, vout: 0, sats: 30_000n }, { intent: i4!.id, txid: split.txid, vout: 1, sats: 20_000n });
    await devnet.mine(2);
    await pay(i5!, 61_000n);
    await devnet.mine(1);
    const t1rest = await pay(i1!, 30_000n);
    const t3 = await pay(i3!, 50_000n);

    await restart();
    // The mempool ones at 0-conf, with no block; the mined ones with theirs.
    const i3seen = await btc.untilPayment(i3!.id, t3);
    expect(i3seen.payments, context).toEqual([expect.objectContaining({ txid: t3, block_number: null, confirmations: 0 })]);
    expect(i3seen, context).toMatchObject({ status: 'confirming', amount_received: '0.0005' });
    const i1seen = await btc.untilPayment(i1!.id, t1rest);
    expect(i1seen, context).toMatchObject({ status: 'confirming', amount_received: '0.0005', amount_confirmed: '0.0002' });
    expect(await btc.get(i0!.id), context).toMatchObject({ status: 'paid', amount_confirmed: '0.0005' });
    expect(await btc.get(i5!.id), context).toMatchObject({ status: 'confirming', exception: 'overpaid', amount_received: '0.00061' });
    expect(await btc.get(i4!.id), context).toMatchObject({ status: 'paid', amount_received: '0.0005', amount_confirmed: '0.0005' });
    // The payment replaced while the node was dead: reverted after restart (its transaction is nowhere).
    const i8seen = await btc.until(i8!.id, (i) => i.payments[0]?.status === 'reverted', 'the payment replaced while the node was dead reverted');
    expect(i8seen, context).toMatchObject({ status: 'pending', amount_received: '0' });
    expect(i8seen.payments, context).toEqual([expect.objectContaining({ txid: doomed.txid, status: 'reverted', block_number: null })]);

    // Second kill: blocks arrive and the node dies at a random moment of scanning them.
    await devnet.mine(1);
    await sleep(Math.floor(random() * 150));
    await node!.kill();
    await devnet.mine(1);
    await restart();

    await btc.mine(2);
    const tip = await devnet.mine(1);
    await waitForUtxoScanned(node!.merchantUrl, tip);

    for (const intent of [i0, i1, i2, i3, i4, i5, i6, i7]) {
      const seen = await btc.get(intent!.id);
      const mine = sent.filter((s) => s.intent === intent!.id);
      const expected = mine.reduce((sum, s) => sum + s.sats, 0n);
      const what = `${context}; intent ${intent!.id}`;
      expect(parseAmount(seen.amount_received, 8), what).toBe(expected);
      expect(parseAmount(seen.amount_confirmed, 8), what).toBe(expected);
      expect(seen.payments.map((p: { txid: string; vout: number }) => `${p.txid}:${p.vout}`).sort(), what).toEqual(mine.map((s) => `${s.txid}:${s.vout}`).sort());
      expect(seen.payments.every((p: { status: string }) => p.status === 'confirmed'), what).toBe(true);
      if (expected === 0n) expect(seen, what).toMatchObject({ status: 'pending', exception: null });
      else expect(seen, what).toMatchObject({ status: 'paid', exception: expected > 50_000n ? 'overpaid' : null, amount_received: coins(expected) });
    }

    // The database: one row per (txid, vout), every one as sent; one announcement per payment, one paid per intent.
    const all = paymentRows(node!.home);
    expect(all.filter((r) => r.status === 'reverted'), context).toEqual([expect.objectContaining({ intent_id: i8!.id, txid: doomed.txid })]);
    const rows = all.filter((r) => r.status !== 'reverted');
    expect(rows.length, context).toBe(sent.length);
    for (const s of sent) {
      expect(rows.find((r) => r.txid === s.txid && r.output_index === s.vout), `${context}; ${s.txid}:${s.vout}`).toMatchObject({ intent_id: s.intent, amount: s.sats.toString(), status: 'confirmed' });
    }
    const db = openNodeDb(node!.home);
    try {
      const events = db.prepare(`SELECT type, object_id FROM events WHERE object_type = 'payment_intent' ORDER BY seq`).all() as { type: string; object_id: string }[];
      for (const intent of intents.filter((x) => x.id !== i8!.id)) {
        const about = events.filter((e) => e.object_id === intent.id);
        const payments = rows.filter((r) => r.intent_id === intent.id).length;
        expect(about.filter((e) => e.type === 'payment_intent.payment_detected').length, `${context}; ${intent.id}`).toBe(payments);
        expect(about.filter((e) => e.type === 'payment_intent.paid').length, `${context}; ${intent.id}`).toBe(payments > 0 ? 1 : 0);
        expect(about.filter((e) => e.type === 'payment_intent.created').length).toBe(1);
      }
      expect(db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'payment.reverted'`).get(), context).toEqual({ n: 1 });
      const i8events = events.filter((e) => e.object_id === i8!.id).map((e) => e.type);
      expect(i8events, context).toEqual(['payment_intent.created', 'payment_intent.payment_detected']);
    } finally {
      db.close();
    }
  });
});
