// Bitcoin's own shapes of a payment, on both watcher backends: several outputs of ONE transaction
// paying one intent (each output its own payment, keyed by txid and vout, each credited once, at
// 0-conf and again when mined), one transaction paying several intents, and dust — outputs below the
// threshold (546 sat on bitcoin) are never credited, at 0-conf or in a block. Payments are built with
// the devnet's faucet wallet (real signed transactions) straight into its mempool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import type { ApiClient, TestNode } from '../../helpers/node.ts';
import { paymentKeys, paymentRows, startUtxoNode, STRANGER_BTC_ADDRESS, UTXO_BACKENDS, utxoKit } from '../../helpers/utxo-devnet-control.ts';

/** The adapter's bitcoin dust threshold (src-server/chains/bitcoin/networks.ts): 545 sat is dust, 546 is not. */
const DUST_LIMIT_SATS = 546n;

describe.each(UTXO_BACKENDS)('bitcoin outputs and dust (%s backend)', (backend) => {
  let devnet: BitcoinDevnet;
  let node: TestNode;
  let api: ApiClient;
  const btc = utxoKit(() => api, 'bitcoin');

  beforeAll(async () => {
    devnet = await startBitcoinDevnet({ network: 'bitcoin', blockTimeMs: 0 });
    ({ node, api } = await startUtxoNode(devnet, { backend }));
  });
  afterAll(async () => {
    await node?.stop();
    await devnet?.stop();
  });

  it('three outputs to the intent in one transaction: three payments (one per vout), all counted, each once', async () => {
    const intent = await btc.create({ amount: '0.0005' });
    const to = intent.receive_address as string;
    // A stranger's output sits between ours: vouts 0, 2 and 3 are the intent's (then the faucet's change).
    const sent = await devnet.pay({
      outputs: [
        { to, amountSats: 20_000n },
        { to: STRANGER_BTC_ADDRESS, amountSats: 70_000n },
        { to, amountSats: 17_000n },
        { to, amountSats: 13_000n },
      ],
    });
    const seen = await btc.until(intent.id, (i) => i.payments.length === 3, 'three payments at 0-conf');
    expect(seen).toMatchObject({ status: 'confirming', exception: null, amount_received: '0.0005', amount_confirmed: '0', amount_due: '0' });
    expect(paymentKeys(seen)).toEqual(
      [
        [sent.txid, 0, '0.0002', 'detected'],
        [sent.txid, 2, '0.00017', 'detected'],
        [sent.txid, 3, '0.00013', 'detected'],
      ].sort(),
    );
    for (const p of seen.payments) expect(p).toMatchObject({ block_number: null, confirmations: 0 });
    // One payment_detected per payment; each carries the intent as it is, with all three counted once.
    const detected = (await btc.events(intent.id)).filter((e) => e.type === 'payment_intent.payment_detected');
    expect(detected).toHaveLength(3);
    for (const event of detected) expect(event.data.object).toMatchObject({ amount_received: '0.0005', status: 'confirming' });

    const { head } = await btc.mine(2);
    const paid = await btc.get(intent.id);
    expect(paid).toMatchObject({ status: 'paid', exception: null, amount_received: '0.0005', amount_confirmed: '0.0005' });
    expect(paymentKeys(paid)).toEqual(
      [
        [sent.txid, 0, '0.0002', 'confirmed'],
        [sent.txid, 2, '0.00017', 'confirmed'],
        [sent.txid, 3, '0.00013', 'confirmed'],
      ].sort(),
    );
    for (const p of paid.payments) expect(p).toMatchObject({ block_number: head - 1, confirmations: 2 });
    // Mined, then rescanned by later blocks: still three rows, keyed by (txid, vout).
    await btc.mine(2);
    const rows = paymentRows(node.home).filter((r) => r.txid === sent.txid);
    expect(rows.map((r) => [r.output_index, r.amount, r.status])).toEqual([
      [0, '20000', 'confirmed'],
      [2, '17000', 'confirmed'],
      [3, '13000', 'confirmed'],
    ]);
    expect((await btc.get(intent.id)).amount_received).toBe('0.0005');
    expect((await btc.eventTypes(intent.id)).filter((t) => t === 'payment_intent.paid')).toHaveLength(1);
  });

  it('one transaction paying two intents: each intent gets its own output, exactly', async () => {
    const a = await btc.create({ amount: '0.0005' });
    const b = await btc.create({ amount: '0.0003' });
    const sent = await devnet.pay({
      outputs: [
        { to: b.receive_address, amountSats: 30_000n },
        { to: a.receive_address, amountSats: 50_000n },
      ],
    });
    const seenA = await btc.untilPayment(a.id, sent.txid);
    const seenB = await btc.untilPayment(b.id, sent.txid);
    expect(paymentKeys(seenA)).toEqual([[sent.txid, 1, '0.0005', 'detected']]);
    expect(paymentKeys(seenB)).toEqual([[sent.txid, 0, '0.0003', 'detected']]);
    await btc.mine(2);
    expect(await btc.get(a.id)).toMatchObject({ status: 'paid', exception: null, amount_received: '0.0005' });
    expect(await btc.get(b.id)).toMatchObject({ status: 'paid', exception: null, amount_received: '0.0003' });
  });

  it('dust below the threshold is ignored at 0-conf and in blocks; the threshold itself counts', async () => {
    const dusted = await btc.create({ amount: '0.0005' });
    const marker = await btc.create({ amount: '0.0001' });
    // One transaction: 300 sat and 545 sat (dust) to one intent, 546 sat (the limit) to it too, and a
    // full payment to another intent whose detection proves the mempool scan saw this transaction.
    const sent = await devnet.pay({
      outputs: [
        { to: dusted.receive_address, amountSats: 300n },
        { to: dusted.receive_address, amountSats: DUST_LIMIT_SATS - 1n },
        { to: dusted.receive_address, amountSats: DUST_LIMIT_SATS },
        { to: marker.receive_address, amountSats: 10_000n },
      ],
    });
    await btc.untilPayment(marker.id, sent.txid);
    const atZeroConf = await btc.get(dusted.id);
    expect(paymentKeys(atZeroConf)).toEqual([[sent.txid, 2, '0.00000546', 'detected']]);
    expect(atZeroConf).toMatchObject({ status: 'pending', amount_received: '0.00000546' });

    // A transaction that is only dust to the intent: nothing at all, in the mempool or once mined.
    const onlyDust = await btc.create({ amount: '0.0005' });
    const dust = await devnet.pay({ to: onlyDust.receive_address, amountSats: 300n });
    const marker2 = await btc.create({ amount: '0.0001' });
    const markerTx = await devnet.pay({ to: marker2.receive_address, amountSats: 10_000n });
    await btc.untilPayment(marker2.id, markerTx.txid);
    expect((await btc.get(onlyDust.id)).payments).toEqual([]);

    await btc.mine(3);
    expect(await btc.get(onlyDust.id)).toMatchObject({ status: 'pending', amount_received: '0', payments: [] });
    const mined = await btc.get(dusted.id);
    expect(mined).toMatchObject({ status: 'pending', amount_received: '0.00000546', amount_confirmed: '0.00000546' });
    expect(paymentKeys(mined)).toEqual([[sent.txid, 2, '0.00000546', 'confirmed']]);
    expect(paymentRows(node.home).filter((r) => r.txid === dust.txid)).toEqual([]);
    expect(await btc.eventTypes(onlyDust.id)).toEqual(['payment_intent.created']);

    // Underpaid by dust on expiry: only what counted is shown.
    expect(await btc.expire(onlyDust.id)).toMatchObject({ status: 'expired', exception: null, amount_received: '0' });
  });
});
