// Balances on the Bitcoin and Litecoin devnets: GET /address/:address and scantxoutset answer as
// the recorded Esplora and Bitcoin Core responses do, hold what was paid (confirmed and, on
// Esplora, in the mempool), and the UTXO adapter reads them over both backends at the request
// cost each protocol allows.
import { readFileSync } from 'node:fs';
import { payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUtxoAdapter } from '../../../src-server/chains/bitcoin/utxo-adapter.ts';
import { ECPair } from '../../../src-server/chains/devnet/bitcoin/bitcoin-crypto.ts';
import { chainParams } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet-params.ts';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import { descriptorChecksum } from '../../../src-server/chains/devnet/bitcoin/bitcoin-script.ts';
import { expectShape } from '../../helpers/json-shape.ts';

const fixture = (name: string): unknown => (JSON.parse(readFileSync(new URL(`../../fixtures/bitcoin/${name}`, import.meta.url), 'utf8')) as { response: unknown }).response;

function newAddress(devnet: BitcoinDevnet): string {
  const params = chainParams(devnet.network, devnet.addressFormat);
  return payments.p2wpkh({ pubkey: ECPair.makeRandom().publicKey, network: params.addressNetwork }).address as string;
}

interface RpcReply {
  result: unknown;
  error: { code: number; message: string } | null;
}

async function rpc(devnet: BitcoinDevnet, method: string, params: unknown[]): Promise<{ status: number; text: string; reply: RpcReply }> {
  const response = await fetch(devnet.rpcUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ jsonrpc: '1.0', id: 1, method, params }) });
  const text = await response.text();
  return { status: response.status, text, reply: JSON.parse(text) as RpcReply };
}

async function scan(devnet: BitcoinDevnet, descriptors: unknown[]): Promise<{ text: string; result: Record<string, unknown> }> {
  const { text, reply } = await rpc(devnet, 'scantxoutset', ['start', descriptors]);
  expect(reply.error).toBeNull();
  return { text, result: reply.result as Record<string, unknown> };
}

async function addressStats(devnet: BitcoinDevnet, address: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${devnet.url}/address/${address}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('Bitcoin devnet balances', () => {
  let devnet: BitcoinDevnet;
  let paid: string;
  let twice: string;
  let pendingOnly: string;

  beforeAll(async () => {
    devnet = await startBitcoinDevnet();
    paid = newAddress(devnet);
    twice = newAddress(devnet);
    pendingOnly = newAddress(devnet);
    await devnet.pay({ to: paid, amountSats: 125_000n });
    await devnet.pay({ to: twice, amountSats: 10_000n });
    await devnet.pay({ to: twice, amountSats: 20_001n });
    await devnet.mine(1);
    await devnet.pay({ to: pendingOnly, amountSats: 7_000n });
  });
  afterAll(async () => devnet?.stop());

  it('GET /address/:address has the recorded shape; funded − spent is what was paid, mempool apart', async () => {
    const confirmed = await addressStats(devnet, twice);
    expectShape(confirmed, fixture('esplora-address.json'));
    expect(confirmed).toMatchObject({
      address: twice,
      chain_stats: { funded_txo_count: 2, funded_txo_sum: 30_001, spent_txo_count: 0, spent_txo_sum: 0, tx_count: 2 },
      mempool_stats: { funded_txo_sum: 0, tx_count: 0 },
    });
    const pending = await addressStats(devnet, pendingOnly);
    expectShape(pending, fixture('esplora-address.json'));
    expect(pending).toMatchObject({ chain_stats: { funded_txo_sum: 0 }, mempool_stats: { funded_txo_count: 1, funded_txo_sum: 7_000, tx_count: 1 } });
  });

  it('scantxoutset has the recorded shape (Bitcoin Core 27) and finds the confirmed outputs only', async () => {
    const { text, result } = await scan(devnet, [`addr(${twice})`, `addr(${paid})`, `addr(${pendingOnly})`]);
    expectShape(result, fixture('rpc-scantxoutset.json'));
    // Amounts as bitcoind writes them: eight decimals.
    expect(text).toContain('"total_amount":0.00155001');
    const unspents = result.unspents as { scriptPubKey: string; desc: string; amount: number; coinbase: boolean; height: number }[];
    expect(unspents).toHaveLength(3);
    const byDesc = unspents.map((u) => u.desc.split('#')[0]).sort();
    expect(byDesc).toEqual([`addr(${paid})`, `addr(${twice})`, `addr(${twice})`].sort());
    for (const unspent of unspents) {
      const [body, checksum] = unspent.desc.split('#') as [string, string];
      expect(checksum).toBe(descriptorChecksum(body));
      expect(unspent.coinbase).toBe(false);
      expect(unspent.height).toBe(result.height);
    }
    expect(result.success).toBe(true);
    expect(result.txouts as number).toBeGreaterThan(3);
  });

  it('takes descriptors as bitcoind does: objects, checksums, raw(); refuses the rest with its codes', async () => {
    const body = `addr(${paid})`;
    expect((await scan(devnet, [{ desc: `${body}#${descriptorChecksum(body)}` }])).result.total_amount).toBe(0.00125);
    const script = payments.p2wpkh({ address: paid, network: chainParams('bitcoin', devnet.addressFormat).addressNetwork }).output as Uint8Array;
    expect((await scan(devnet, [`raw(${Buffer.from(script).toString('hex')})`])).result.total_amount).toBe(0.00125);
    const refusals: [unknown[], number, RegExp][] = [
      [['start', [`${body}#aaaaaaaa`]], -5, /^Provided checksum 'aaaaaaaa' does not match computed checksum '/],
      [['start', [`${body}#abc`]], -5, /^Expected 8 character checksum, not 3 characters$/],
      [['start', ['addr(bc1qnotanaddress)']], -5, /^Address is not valid$/],
      [['start', ['nonsense(1)']], -5, /^'nonsense' is not a valid descriptor function$/],
      [['start', [{ desc: body, range: 10 }]], -8, /^Range should not be specified for an un-ranged descriptor$/],
      [['start', [7]], -8, /^Scan object needs to be either a string or an object$/],
      [['start'], -1, /^scanobjects argument is required for the start action$/],
      [['frobnicate'], -8, /^Invalid action 'frobnicate'$/],
    ];
    for (const [params, code, message] of refusals) {
      const { status, reply } = await rpc(devnet, 'scantxoutset', params);
      expect(reply.error?.code, JSON.stringify(params)).toBe(code);
      expect(reply.error?.message).toMatch(message);
      expect(status).toBe(500);
    }
    // Answered at once, so no scan is ever in progress.
    expect((await rpc(devnet, 'scantxoutset', ['status'])).reply.result).toBeNull();
    expect((await rpc(devnet, 'scantxoutset', ['abort'])).reply.result).toBe(false);
  });

  it('the adapter reads them: Esplora one request per address (with the mempool), bitcoind one scan for all (confirmed)', async () => {
    const empty = newAddress(devnet);
    const addresses = [paid, twice, pendingOnly, empty];
    const esplora = createUtxoAdapter({ chain: 'bitcoin-devnet', network: 'bitcoin', backend: { kind: 'esplora', urls: [devnet.url] } });
    const bitcoind = createUtxoAdapter({ chain: 'bitcoin-devnet', network: 'bitcoin', backend: { kind: 'bitcoind', urls: [devnet.rpcUrl] } });

    const viaEsplora = await esplora.getBalances(addresses, []);
    expect(esplora.requestCountsByRoute()).toEqual({ '/address/:address': 4 });
    const viaBitcoind = await bitcoind.getBalances(addresses, []);
    expect(bitcoind.requestCountsByRoute()).toEqual({ scantxoutset: 1 });

    const amounts = (m: Map<string, { native: { ok: boolean; amount?: bigint } }>) => addresses.map((a) => m.get(a)?.native);
    expect(amounts(viaEsplora)).toEqual([
      { ok: true, amount: 125_000n },
      { ok: true, amount: 30_001n },
      { ok: true, amount: 7_000n },
      { ok: true, amount: 0n },
    ]);
    expect(amounts(viaBitcoind)).toEqual([
      { ok: true, amount: 125_000n },
      { ok: true, amount: 30_001n },
      { ok: true, amount: 0n },
      { ok: true, amount: 0n },
    ]);
    // Not an address of this network: that address's read fails, the others do not.
    const mixed = await bitcoind.getBalances([paid, 'ltc1qnotours'], []);
    expect(mixed.get('ltc1qnotours')?.native).toMatchObject({ ok: false, error: expect.stringContaining('not a bitcoin address') });
    expect(mixed.get(paid)?.native).toEqual({ ok: true, amount: 125_000n });
  });
});

describe('Litecoin devnet balances', () => {
  let devnet: BitcoinDevnet;
  beforeAll(async () => {
    devnet = await startBitcoinDevnet({ network: 'litecoin' });
  });
  afterAll(async () => devnet?.stop());

  it('scantxoutset answers as Litecoin Core 0.21 (no coinbase field) and both backends agree', async () => {
    const to = newAddress(devnet);
    expect(to.startsWith('ltc1')).toBe(true);
    await devnet.pay({ to, amountSats: 1_234_567n });
    await devnet.mine(1);
    const { result } = await scan(devnet, [`addr(${to})`]);
    expect(Object.keys((result.unspents as object[])[0] as object)).toEqual(['txid', 'vout', 'scriptPubKey', 'desc', 'amount', 'height']);
    for (const backend of [{ kind: 'esplora' as const, urls: [devnet.url] }, { kind: 'bitcoind' as const, urls: [devnet.rpcUrl] }]) {
      const adapter = createUtxoAdapter({ chain: 'litecoin-devnet', network: 'litecoin', backend });
      expect((await adapter.getBalances([to], [])).get(to)?.native).toEqual({ ok: true, amount: 1_234_567n });
    }
  });
});
