// Litecoin test mode on both watcher backends, on the Litecoin devnet the node starts itself (scrypt
// proof of work, ltc1 addresses, mining on demand): `{"network":"litecoin","asset":"LTC","amount":"0.25"}`
// is seen at 0-conf and paid after its confirmations (configurable: 3 on the bitcoind node); under-
// and overpayment; dust below Litecoin's threshold (5,460 litoshi) is ignored; each intent has its
// own ltc1 address, which `kassa wallet addresses --scheme ltc` lists.
import { address as btcAddress } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createApiKey, runCli, startNode, tempHome, type ApiClient, type TestNode } from '../../helpers/node.ts';
import { UTXO_BACKENDS, utxoHealth, utxoKit } from '../../helpers/utxo-devnet-control.ts';

/** Litecoin mainnet's bech32 prefix and version bytes (Litecoin Core chainparams.cpp), for an independent address check. */
const LITECOIN = { messagePrefix: '\x19Litecoin Signed Message:\n', bech32: 'ltc', bip32: { public: 0x019da462, private: 0x019d9cfe }, pubKeyHash: 0x30, scriptHash: 0x32, wif: 0xb0 };

interface ListedScheme {
  scheme: string;
  account: string | null;
  watch_only: boolean;
  addresses: { index: number; address: string; purpose: string }[];
}

describe.each(UTXO_BACKENDS)('litecoin test mode (%s backend)', (backend) => {
  const confirmations = backend === 'bitcoind' ? 3 : 2;
  let node: TestNode;
  let api: ApiClient;
  const ltc = utxoKit(() => api, 'litecoin');

  beforeAll(async () => {
    const home = tempHome(`kassa-ltc-${backend}-`);
    node = await startNode({
      home,
      blockTime: 0,
      config: {
        devnet: {
          bitcoin: { enabled: false },
          tron: { enabled: false },
          litecoin: { blockTime: 0, backend, ...(backend === 'bitcoind' ? { confirmations } : {}) },
        },
      },
    });
    api = apiClient(node.merchantUrl, await createApiKey(home));
  });
  afterAll(async () => {
    await node?.stop();
  });

  it(`exact payment: 0-conf, confirming, paid after ${confirmations} blocks; events in order`, async () => {
    const health = await utxoHealth(node.merchantUrl, 'litecoin');
    expect(health.rpc[0]!.url).toMatch(backend === 'bitcoind' ? /\/rpc$/ : /:\d+$/);

    const intent = await ltc.create({ amount: '0.25' });
    expect(intent).toMatchObject({
      status: 'pending',
      network: 'litecoin',
      asset: 'LTC',
      decimals: 8,
      amount: '0.25',
      amount_due: '0.25',
      confirmations_required: confirmations,
      late_payment_policy: 'flag',
      token_contract: null,
    });
    expect(intent.receive_address).toMatch(/^ltc1q[02-9ac-hj-np-z]{38}$/);
    expect(intent.payment_uri).toBe(`litecoin:${intent.receive_address}?amount=0.25`);

    const { txid } = await ltc.pay(intent.id);
    const seen = await ltc.untilPayment(intent.id, txid);
    expect(seen).toMatchObject({ status: 'confirming', exception: null, amount_received: '0.25', amount_confirmed: '0' });
    expect(seen.payments).toEqual([expect.objectContaining({ txid, vout: 0, amount: '0.25', block_number: null, confirmations: 0, status: 'detected' })]);

    const { head: minedIn } = await ltc.mine(1);
    for (let n = 1; n < confirmations; n++) {
      const now = await ltc.get(intent.id);
      expect(now).toMatchObject({ status: 'confirming', amount_confirmed: '0' });
      expect(now.payments[0]).toMatchObject({ block_number: minedIn, confirmations: n });
      await ltc.mine(1);
    }
    const paid = await ltc.get(intent.id);
    expect(paid).toMatchObject({ status: 'paid', exception: null, amount_received: '0.25', amount_confirmed: '0.25' });
    expect(paid.payments).toEqual([expect.objectContaining({ txid, block_number: minedIn, confirmations, status: 'confirmed' })]);
    expect(await ltc.eventTypes(intent.id)).toEqual(['payment_intent.created', 'payment_intent.payment_detected', 'payment_intent.paid']);
  });

  it('underpayment then expiry: expired underpaid; overpayment: paid overpaid', async () => {
    const under = await ltc.create({ amount: '0.25' });
    const over = await ltc.create({ amount: '0.25' });
    const u = await ltc.pay(under.id, '0.1');
    const o = await ltc.pay(over.id, '0.30000001');
    await ltc.untilPayment(under.id, u.txid);
    expect(await ltc.untilPayment(over.id, o.txid)).toMatchObject({ status: 'confirming', exception: 'overpaid', amount_received: '0.30000001' });
    expect(await ltc.get(under.id)).toMatchObject({ status: 'pending', amount_received: '0.10', amount_due: '0.15' });
    await ltc.mine(confirmations);
    expect(await ltc.get(over.id)).toMatchObject({ status: 'paid', exception: 'overpaid', amount_received: '0.30000001', amount_confirmed: '0.30000001' });
    expect(await ltc.expire(under.id)).toMatchObject({ status: 'expired', exception: 'underpaid', amount_received: '0.10', amount_confirmed: '0.10' });
  });

  it("dust below Litecoin's threshold (5,460 litoshi) is ignored; the threshold itself counts", async () => {
    const dusted = await ltc.create({ amount: '0.25' });
    const atLimit = await ltc.create({ amount: '0.25' });
    const marker = await ltc.create({ amount: '0.01' });
    const dust = await ltc.pay(dusted.id, '0.00005459');
    const limit = await ltc.pay(atLimit.id, '0.0000546');
    const mark = await ltc.pay(marker.id);
    // The marker's detection means the scan saw the two transactions sent before it.
    await ltc.untilPayment(marker.id, mark.txid);
    expect((await ltc.untilPayment(atLimit.id, limit.txid)).payments).toEqual([expect.objectContaining({ txid: limit.txid, amount: '0.0000546', block_number: null })]);
    expect((await ltc.get(dusted.id)).payments).toEqual([]);
    await ltc.mine(confirmations);
    expect(await ltc.get(dusted.id)).toMatchObject({ status: 'pending', amount_received: '0', payments: [] });
    expect(await ltc.get(atLimit.id)).toMatchObject({ status: 'pending', amount_received: '0.0000546', amount_confirmed: '0.0000546' });
    expect(await ltc.get(marker.id)).toMatchObject({ status: 'paid' });
    expect(dust.txid).toMatch(/^[0-9a-f]{64}$/);
  });

  it('each intent has its own ltc1 address, and `kassa wallet addresses --scheme ltc --json` lists them', async () => {
    const intents = [await ltc.create(), await ltc.create(), await ltc.create()];
    const addresses = intents.map((i) => i.receive_address as string);
    expect(new Set(addresses).size).toBe(addresses.length);
    for (const address of addresses) {
      // Checked by bitcoinjs-lib against Litecoin's parameters: bech32 'ltc', witness v0, a 20-byte key hash.
      const decoded = btcAddress.fromBech32(address);
      expect(decoded).toMatchObject({ prefix: 'ltc', version: 0 });
      expect(decoded.data).toHaveLength(20);
      expect(Buffer.from(btcAddress.toOutputScript(address, LITECOIN)).toString('hex')).toMatch(/^0014[0-9a-f]{40}$/);
      expect(intents.find((i) => i.receive_address === address).address_mode).toBe('unique');
    }

    const { stdout } = await runCli(node.home, ['wallet', 'addresses', '--mode', 'test', '--scheme', 'ltc', '--limit', '100', '--json']);
    const listed = JSON.parse(stdout) as ListedScheme[];
    expect(listed).toHaveLength(1);
    expect(listed[0]!.scheme).toBe('ltc');
    const listedAddresses = listed[0]!.addresses.map((a) => a.address);
    for (const address of addresses) expect(listedAddresses).toContain(address);
    for (const address of listedAddresses) expect(address).toMatch(/^ltc1q/);
    const indexes = listed[0]!.addresses.map((a) => a.index);
    expect(new Set(indexes).size).toBe(indexes.length);

    // The bitcoin scheme is another account: none of these addresses there.
    const btc = JSON.parse((await runCli(node.home, ['wallet', 'addresses', '--mode', 'test', '--scheme', 'btc', '--limit', '100', '--json'])).stdout) as ListedScheme[];
    for (const address of addresses) expect(btc[0]!.addresses.map((a) => a.address)).not.toContain(address);
  });
});
