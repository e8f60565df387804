// The Bitcoin devnet against recorded Esplora and bitcoind responses and against bitcoinjs-lib:
// shapes match the recordings, the formatters reproduce recorded transactions byte for byte, raw
// blocks parse with valid merkle roots and proof of work, payments flow mempool → block, BIP125
// replacement, double spends and reorgs behave as a node would, Litecoin mode uses its own
// addresses, interval mining runs, and faults answer as a flaky provider would.
import { readFileSync } from 'node:fs';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { Block, Psbt, Transaction, script as bitcoinScript, crypto as bitcoinCrypto, initEccLib, payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainTx, Coin } from '../../../src-server/chains/devnet/bitcoin/bitcoin-chain.ts';
import { ECPair, ecc, fromHex, sha256d, toHex } from '../../../src-server/chains/devnet/bitcoin/bitcoin-crypto.ts';
import {
  BITCOIN_DEVNET_FAUCET_PATH,
  BITCOIN_DEVNET_FAUCET_PRIVATE_KEY,
  BITCOIN_DEVNET_MNEMONIC,
} from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet-accounts.ts';
import { chainParams } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet-params.ts';
import { type BitcoinDevnet, startBitcoinDevnet } from '../../../src-server/chains/devnet/bitcoin/bitcoin-devnet.ts';
import { esploraTransactionJson } from '../../../src-server/chains/devnet/bitcoin/bitcoin-esplora-api.ts';
import { writeJson } from '../../../src-server/chains/devnet/bitcoin/bitcoin-json.ts';
import { transactionJson } from '../../../src-server/chains/devnet/bitcoin/bitcoin-rpc-api.ts';
import { expectShape } from '../../helpers/json-shape.ts';

// ---- recorded responses ----

const FIXTURES = new URL('../../fixtures/bitcoin/', import.meta.url);
const fixtureText = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');
const fixture = (name: string): unknown => (JSON.parse(fixtureText(name)) as { response: unknown }).response;

// ---- clients ----

async function get(devnet: BitcoinDevnet, path: string): Promise<Response> {
  return fetch(`${devnet.url}${path}`);
}

async function getJson<T = unknown>(devnet: BitcoinDevnet, path: string): Promise<T> {
  const response = await get(devnet, path);
  expect(response.status, `GET ${path}`).toBe(200);
  return (await response.json()) as T;
}

async function getText(devnet: BitcoinDevnet, path: string): Promise<string> {
  const response = await get(devnet, path);
  expect(response.status, `GET ${path}`).toBe(200);
  return response.text();
}

interface RpcReply {
  result: unknown;
  error: { code: number; message: string } | null;
  id: unknown;
}

async function rpcRaw(devnet: BitcoinDevnet, method: string, params: unknown[] = []): Promise<{ status: number; text: string; body: RpcReply }> {
  const response = await fetch(devnet.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ jsonrpc: '1.0', id: 'kassa', method, params }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as RpcReply };
}

async function rpc<T = unknown>(devnet: BitcoinDevnet, method: string, params: unknown[] = []): Promise<T> {
  const reply = await rpcRaw(devnet, method, params);
  expect(reply.body.error, `${method} ${JSON.stringify(params)}`).toBeNull();
  return reply.body.result as T;
}

/** A fresh P2WPKH address in the devnet's format, for a key nobody else uses. */
function newAddress(devnet: BitcoinDevnet): string {
  const params = chainParams(devnet.network, devnet.addressFormat);
  return payments.p2wpkh({ pubkey: ECPair.makeRandom().publicKey, network: params.addressNetwork }).address as string;
}

interface EsploraTx {
  txid: string;
  fee: number;
  vin: { txid: string; vout: number; prevout: { value: number; scriptpubkey_address?: string } | null }[];
  vout: { value: number; scriptpubkey_address?: string }[];
  status: { confirmed: boolean; block_height?: number; block_hash?: string };
}

interface EsploraBlock {
  id: string;
  height: number;
  previousblockhash: string | null;
  merkle_root: string;
  tx_count: number;
  size: number;
  weight: number;
}

// ---- the devnet under test ----

let devnet: BitcoinDevnet;

beforeAll(async () => {
  devnet = await startBitcoinDevnet();
});

afterAll(async () => {
  await devnet?.stop();
});

describe('Bitcoin devnet: faucet and chain', () => {
  it('uses the public faucet key: anvil mnemonic at m/84h/1h/0h/0/0, mainnet-format address by default', () => {
    const key = HDKey.fromMasterSeed(mnemonicToSeedSync(BITCOIN_DEVNET_MNEMONIC)).derive(BITCOIN_DEVNET_FAUCET_PATH);
    expect(toHex(key.privateKey as Uint8Array)).toBe(BITCOIN_DEVNET_FAUCET_PRIVATE_KEY);
    const pair = ECPair.fromWIF(devnet.faucet.wif, chainParams('bitcoin', 'mainnet').addressNetwork);
    expect(toHex(pair.privateKey as Uint8Array)).toBe(BITCOIN_DEVNET_FAUCET_PRIVATE_KEY);
    expect(devnet.faucet.address).toMatch(/^bc1q[02-9ac-hj-np-z]{38}$/);
    expect(devnet.addressFormat).toBe('mainnet');
  });

  it('starts from the real regtest genesis with enough blocks for mature coinbases', async () => {
    expect(await getText(devnet, '/block-height/0')).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    expect(Number(await getText(devnet, '/blocks/tip/height'))).toBeGreaterThanOrEqual(101);
    const info = await rpc<{ chain: string; blocks: number }>(devnet, 'getblockchaininfo');
    expect(info.chain).toBe('regtest');
  });

  it('serves raw blocks that bitcoinjs-lib parses, with valid merkle roots, witness commitments and proof of work', async () => {
    await devnet.pay({ to: newAddress(devnet), amountSats: 75_000n });
    await devnet.mine(1);
    const hash = await getText(devnet, '/blocks/tip/hash');
    const raw = new Uint8Array(await (await get(devnet, `/block/${hash}/raw`)).arrayBuffer());
    const block = Block.fromBuffer(raw);
    expect(block.getId()).toBe(hash);
    expect(block.checkTxRoots()).toBe(true);
    expect(block.hasWitnessCommit()).toBe(true);
    expect(block.checkProofOfWork()).toBe(true);
    const meta = await getJson<EsploraBlock>(devnet, `/block/${hash}`);
    expect(meta.merkle_root).toBe(toHex(Uint8Array.from(block.merkleRoot as Uint8Array).reverse()));
    expect(meta.tx_count).toBe(block.transactions?.length);
    expect(meta.size).toBe(raw.length);
    expect(meta.weight).toBe(block.weight());
    // BIP34: the coinbase starts with the height.
    const coinbase = block.transactions?.[0] as Transaction;
    const heightPush = bitcoinScript.decompile(coinbase.ins[0]?.script as Uint8Array)?.[0] as Uint8Array;
    expect(bitcoinScript.number.decode(heightPush)).toBe(meta.height);
    expect(await rpc(devnet, 'getblock', [hash, 0])).toBe(toHex(raw));
  });

  it('links every block to its parent through previousblockhash', async () => {
    const tip = Number(await getText(devnet, '/blocks/tip/height'));
    let hash = await getText(devnet, '/blocks/tip/hash');
    for (let height = tip; height > tip - 5; height--) {
      const block = await getJson<EsploraBlock>(devnet, `/block/${hash}`);
      expect(block.height).toBe(height);
      expect(await getText(devnet, `/block-height/${height}`)).toBe(hash);
      hash = block.previousblockhash as string;
    }
  });
});

describe('Bitcoin devnet: response shapes match recorded Esplora responses', () => {
  it('text endpoints: tip height, tip hash, block-height', async () => {
    expect(await getText(devnet, '/blocks/tip/height')).toMatch(/^\d+$/);
    expect(fixtureText('esplora-blocks-tip-height.txt')).toMatch(/^\d+$/);
    for (const [path, recorded] of [
      ['/blocks/tip/hash', 'esplora-blocks-tip-hash.txt'],
      ['/block-height/1', 'esplora-block-height.txt'],
    ] as const) {
      expect(fixtureText(recorded)).toMatch(/^[0-9a-f]{64}$/);
      expect(await getText(devnet, path)).toMatch(/^[0-9a-f]{64}$/);
    }
    // Also under /api, as mempool.space serves it.
    expect(await getText(devnet, '/api/blocks/tip/height')).toMatch(/^\d+$/);
  });

  it('GET /block/:hash, /block/:hash/status, /block/:hash/txids', async () => {
    const hash = await getText(devnet, '/blocks/tip/hash');
    expectShape(await getJson(devnet, `/block/${hash}`), fixture('esplora-block.json'));
    const status = await getJson<{ in_best_chain: boolean; next_best: string | null }>(devnet, `/block/${hash}/status`);
    expectShape(status, fixture('esplora-block-status.json'), { nullable: ['next_best'] });
    expect(status).toMatchObject({ in_best_chain: true, next_best: null });
    const parentHash = await getText(devnet, `/block-height/${Number(await getText(devnet, '/blocks/tip/height')) - 1}`);
    expect(await getJson(devnet, `/block/${parentHash}/status`)).toMatchObject({ in_best_chain: true, next_best: hash });
    expectShape(await getJson(devnet, `/block/${hash}/txids`), fixture('esplora-block-txids.json'));
    const genesis = await getJson<EsploraBlock>(devnet, '/block/0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    expect(genesis.previousblockhash).toBeNull();
  });

  it('GET /tx/:txid for mempool and confirmed transactions, /tx/:txid/status, /tx/:txid/outspends', async () => {
    const to = newAddress(devnet);
    const { txid } = await devnet.pay({ to, amountSats: 120_000n });
    const recorded = fixture('esplora-tx.json') as Record<string, unknown>;
    const allowance = { optional: ['vout[].scriptpubkey_address', 'vin[].witness', 'status.block_height', 'status.block_hash', 'status.block_time'] };
    const pending = await getJson<EsploraTx>(devnet, `/tx/${txid}`);
    expectShape(pending, recorded, allowance);
    expect(pending.status).toEqual({ confirmed: false });
    expect(await getJson(devnet, `/tx/${txid}/status`)).toEqual({ confirmed: false });
    await devnet.mine(1);
    const confirmed = await getJson<EsploraTx>(devnet, `/tx/${txid}`);
    expectShape(confirmed, recorded, allowance);
    const status = await getJson(devnet, `/tx/${txid}/status`);
    expectShape(status, fixture('esplora-tx-status.json'));
    expect(status).toMatchObject({ confirmed: true, block_hash: await getText(devnet, '/blocks/tip/hash') });
    const outspends = await getJson<unknown[]>(devnet, `/tx/${txid}/outspends`);
    for (const spend of outspends) expect(spend).toEqual({ spent: false });
    expect(await getText(devnet, `/tx/${txid}/hex`)).toMatch(/^02000000/);
  });

  it('GET /mempool/txids, /mempool/recent, /mempool, /address/:addr/txs/mempool, /address/:addr/utxo', async () => {
    const to = newAddress(devnet);
    const { txid } = await devnet.pay({ to, amountSats: 66_000n });
    const txids = await getJson<string[]>(devnet, '/mempool/txids');
    expectShape(txids, fixture('esplora-mempool-txids.json'));
    expect(txids).toContain(txid);
    const recent = await getJson<{ txid: string }[]>(devnet, '/mempool/recent');
    expectShape(recent, fixture('esplora-mempool-recent.json'));
    expect(recent[0]?.txid).toBe(txid);
    // The recording's histogram is empty; ours has buckets of [fee rate, vsize] pairs, as Esplora documents.
    expectShape(await getJson(devnet, '/mempool'), fixture('esplora-mempool.json'), { extra: ['fee_histogram[]'] });
    const history = await getJson<EsploraTx[]>(devnet, `/address/${to}/txs/mempool`);
    // Top-level keys as recorded; vin/vout elements as esplora-tx.json records them.
    const recordedTop = fixture('esplora-address-txs-mempool.json') as unknown[];
    expect(Object.keys(history[0] ?? {}).sort()).toEqual([...Object.keys(recordedTop[0] as object), 'sigops'].sort());
    expect(history.map((tx) => tx.txid)).toEqual([txid]);
    expect(history[0]?.status).toEqual({ confirmed: false });
    const utxos = await getJson(devnet, `/address/${to}/utxo`);
    expectShape(utxos, fixture('esplora-address-utxo.json'), { optional: ['[].status.block_height', '[].status.block_hash', '[].status.block_time'] });
    await devnet.mine(1);
    expectShape(await getJson(devnet, `/address/${to}/utxo`), fixture('esplora-address-utxo.json'));
  });

  it('POST /tx answers the txid, or bitcoind\'s error as electrs relays it', async () => {
    const recorded = fixtureText('esplora-post-tx-error.txt');
    const format = /^sendrawtransaction RPC error: \{"code":-?\d+,"message":".*"\}$/;
    expect(recorded).toMatch(format);
    const garbage = await fetch(`${devnet.url}/tx`, { method: 'POST', body: 'deadbeef' });
    expect(garbage.status).toBe(400);
    const text = await garbage.text();
    expect(text).toMatch(format);
    expect(text).toBe('sendrawtransaction RPC error: {"code":-22,"message":"TX decode failed. Make sure the tx has at least one input."}');
  });

  it('answers electrs\' texts for unknown things', async () => {
    const missing = await get(devnet, `/tx/${'ab'.repeat(32)}`);
    expect([missing.status, await missing.text()]).toEqual([404, 'Transaction not found']);
    const badHash = await get(devnet, '/block/xyz');
    expect([badHash.status, await badHash.text()]).toEqual([400, 'Invalid hex string']);
    const badAddress = await get(devnet, '/address/notanaddress/txs/mempool');
    expect([badAddress.status, await badAddress.text()]).toEqual([400, 'Invalid Bitcoin address']);
    const wrongNetwork = await get(devnet, `/address/bcrt1qquv9lg5g2r4jkr0ahun0ddfg5xntxjelwjpnuw/utxo`);
    expect([wrongNetwork.status, await wrongNetwork.text()]).toEqual([400, 'Address on invalid network']);
    expect(await getJson(devnet, `/tx/${'ab'.repeat(32)}/status`)).toEqual({ confirmed: false });
  });
});

describe('Bitcoin devnet: response shapes match recorded bitcoind responses', () => {
  it('getblockchaininfo, getblockcount, getbestblockhash, getblockhash', async () => {
    expectShape(await rpc(devnet, 'getblockchaininfo'), fixture('rpc-getblockchaininfo.json'));
    const count = await rpc<number>(devnet, 'getblockcount');
    const best = await rpc<string>(devnet, 'getbestblockhash');
    expect(await rpc(devnet, 'getblockhash', [count])).toBe(best);
    expect(await getText(devnet, '/blocks/tip/hash')).toBe(best);
  });

  it('getblockheader and getblock verbosity 1/2/3', async () => {
    const { txid } = await devnet.pay({ to: newAddress(devnet), amountSats: 90_000n });
    await devnet.mine(1);
    const best = await rpc<string>(devnet, 'getbestblockhash');
    expectShape(await rpc(devnet, 'getblockheader', [best]), fixture('rpc-getblockheader.json'), { optional: ['previousblockhash'] });
    const header = (await rpc(devnet, 'getblockheader', [best, false])) as string;
    expect(Block.fromHex(header).getId()).toBe(best);
    const recorded = fixture('rpc-getblock-verbosity2.json') as Record<string, unknown>;
    const verbose2 = await rpc<{ tx: { txid: string; fee?: number }[] }>(devnet, 'getblock', [best, 2]);
    expectShape(verbose2, recorded, { optional: ['tx[].fee'] });
    expect(verbose2.tx.map((t) => t.txid)).toContain(txid);
    const verbose1 = await rpc<{ tx: string[] }>(devnet, 'getblock', [best]);
    expect(verbose1.tx).toEqual(verbose2.tx.map((t) => t.txid));
    const verbose3 = await rpc<{ tx: { vin: { prevout?: unknown }[] }[] }>(devnet, 'getblock', [best, 3]);
    expectShape(verbose3.tx[1]?.vin[0]?.prevout, (fixture('rpc-getrawtransaction-verbosity2.json') as { vin: { prevout: unknown }[] }).vin[0]?.prevout);
    // nextblockhash appears on a block with a successor.
    const parent = await rpc<{ nextblockhash?: string }>(devnet, 'getblockheader', [await rpc(devnet, 'getblockhash', [(await rpc<number>(devnet, 'getblockcount')) - 1])]);
    expect(parent.nextblockhash).toBe(best);
  });

  it('getrawmempool (false/true), getmempoolentry, getrawtransaction (mempool and confirmed)', async () => {
    const { txid } = await devnet.pay({ to: newAddress(devnet), amountSats: 33_000n });
    expect(await rpc(devnet, 'getrawmempool')).toContain(txid);
    const verbose = await rpc<Record<string, unknown>>(devnet, 'getrawmempool', [true]);
    // Keyed by txid: compare the entries.
    const recordedEntry = Object.values(fixture('rpc-getrawmempool-verbose.json') as Record<string, unknown>)[0];
    expectShape(verbose[txid], recordedEntry);
    expectShape(await rpc(devnet, 'getmempoolentry', [txid]), recordedEntry);
    expect((await rpc<{ 'bip125-replaceable': boolean }>(devnet, 'getmempoolentry', [txid]))['bip125-replaceable']).toBe(true);
    expectShape(await rpc(devnet, 'getrawtransaction', [txid, true]), fixture('rpc-getrawtransaction-verbose.json'));
    await devnet.mine(1);
    expectShape(await rpc(devnet, 'getrawtransaction', [txid, 2]), fixture('rpc-getrawtransaction-verbosity2.json'));
    const missing = await rpcRaw(devnet, 'getmempoolentry', [txid]);
    expect(missing.body.error).toEqual({ code: -5, message: 'Transaction not in mempool' });
  });

  it('writes amounts as bitcoind does: JSON numbers with eight decimals', async () => {
    const { txid } = await devnet.pay({ to: newAddress(devnet), amountSats: 50_000n });
    const reply = await rpcRaw(devnet, 'getrawtransaction', [txid, 1]);
    expect(reply.text).toContain('"value":0.00050000,');
    expect(fixtureText('rpc-getrawtransaction-verbose.json')).toMatch(/"value": 0\.10000000,/);
    const entry = await rpcRaw(devnet, 'getmempoolentry', [txid]);
    expect(entry.text).toMatch(/"base":0\.\d{8},/);
  });

  it('testmempoolaccept and sendrawtransaction', async () => {
    const built = await devnet.pay({ to: newAddress(devnet), amountSats: 44_000n });
    await devnet.mine(1);
    // A fresh spend built by the faucet but checked first, then broadcast over RPC.
    const replayed = await rpcRaw(devnet, 'sendrawtransaction', [built.hex]);
    expect(replayed.status).toBe(500);
    expect(replayed.body.error).toEqual({ code: -27, message: 'Transaction already in block chain' });
    const recorded = fixture('rpc-testmempoolaccept.json') as { result: unknown };
    const accepted = await rpc<unknown[]>(devnet, 'testmempoolaccept', [[built.hex]]);
    expect(accepted[0]).toMatchObject({ allowed: false, 'reject-reason': 'txn-already-known' });
    expectShape(accepted, recorded.result, { optional: ['[].vsize', '[].fees'], extra: ['[].reject-reason'] });
  });

  it('answers errors in bitcoind\'s JSON-RPC 1.0 envelope and HTTP status, and JSON-RPC 2.0 with HTTP 200', async () => {
    const missing = await rpcRaw(devnet, 'getblock', ['00'.repeat(32)]);
    expect(missing.status).toBe(500);
    // The id echoes the request's (a string here, a number in the recording).
    expectShape({ ...missing.body, id: 1 }, fixture('rpc-reply-envelope.json'));
    expect(missing.body).toEqual({ result: null, error: { code: -5, message: 'Block not found' }, id: 'kassa' });
    const unknown = await rpcRaw(devnet, 'nosuchmethod');
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, -32601]);
    const outOfRange = await rpcRaw(devnet, 'getblockhash', [1_000_000]);
    expect(outOfRange.body.error).toEqual({ code: -8, message: 'Block height out of range' });
    const v2 = await fetch(devnet.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'getblock', params: ['00'.repeat(32)] }) });
    expect(v2.status).toBe(200);
    expect(await v2.json()).toEqual({ jsonrpc: '2.0', error: { code: -5, message: 'Block not found' }, id: 7 });
    const batch = await fetch(devnet.rpcUrl, {
      method: 'POST',
      body: JSON.stringify([
        { id: 1, method: 'getblockcount' },
        { id: 2, method: 'getbestblockhash', params: {} },
      ]),
    });
    const replies = (await batch.json()) as RpcReply[];
    expect(replies.map((r) => r.id)).toEqual([1, 2]);
    expect(replies.every((r) => r.error === null)).toBe(true);
  });
});

describe('Bitcoin devnet: formatters reproduce recorded transactions exactly', () => {
  it('Esplora: the recorded mainnet transaction, rebuilt, formats identically (txid, size, weight, sigops, fee, asm, types, addresses)', () => {
    const recorded = fixture('esplora-tx.json') as {
      txid: string;
      version: number;
      locktime: number;
      vin: { txid: string; vout: number; scriptsig: string; witness: string[]; sequence: number; prevout: { scriptpubkey: string; value: number } }[];
      vout: { scriptpubkey: string; value: number }[];
      status: unknown;
    };
    const tx = new Transaction();
    tx.version = recorded.version;
    tx.locktime = recorded.locktime;
    recorded.vin.forEach((input, index) => {
      tx.addInput(fromHex(input.txid).reverse(), input.vout, input.sequence, fromHex(input.scriptsig));
      tx.setWitness(index, input.witness.map(fromHex));
    });
    for (const out of recorded.vout) tx.addOutput(fromHex(out.scriptpubkey), BigInt(out.value));
    const spent: Coin[] = recorded.vin.map((input) => ({ value: BigInt(input.prevout.value), script: fromHex(input.prevout.scriptpubkey), height: 0, coinbase: false }));
    const ctx: ChainTx = { tx, txid: tx.getId(), wtxid: '', spent, fee: spent.reduce((s, c) => s + c.value, 0n) - tx.outs.reduce((s, o) => s + o.value, 0n) };
    const mine = esploraTransactionJson(ctx, null, chainParams('bitcoin', 'mainnet').addressNetwork);
    expect({ ...mine, status: recorded.status }).toEqual(recorded);
  });

  it('bitcoind: the recorded regtest transactions, decoded from their hex, format identically (asm, desc checksums, wtxid, fee, prevout)', () => {
    const network = chainParams('bitcoin', 'regtest').addressNetwork;
    const recordedTx = fixture('rpc-getrawtransaction-verbosity2.json') as Record<string, unknown> & {
      hex: string;
      vin: { prevout: { height: number; value: number; generated: boolean; scriptPubKey: { hex: string } } }[];
    };
    const tx = Transaction.fromHex(recordedTx.hex);
    const prevout = recordedTx.vin[0]?.prevout as { height: number; generated: boolean; scriptPubKey: { hex: string } };
    // 0.99995840 from the recording, as integer sats.
    const spent: Coin[] = [{ value: 99_995_840n, script: fromHex(prevout.scriptPubKey.hex), height: prevout.height, coinbase: prevout.generated }];
    const ctx: ChainTx = { tx, txid: tx.getId(), wtxid: 'e00ee1d660d82d192c2ddaf441937ac1416fcfc100aee733fc2cdc0636be22cd', spent, fee: 2_820n };
    const text = writeJson(transactionJson(ctx, network, 'prevout'));
    const { blockhash: _b, confirmations: _c, time: _t, blocktime: _bt, ...withoutBlock } = recordedTx;
    expect(JSON.parse(text)).toEqual(withoutBlock);
    expect(text).toContain('"value":0.49993020');
    expect(text).toContain('"fee":0.00002820');

    // The coinbase of the recorded block: BIP34 height, witness reserved value, commitment output, its real wtxid.
    const recordedBlock = fixture('rpc-getblock-verbosity2.json') as { tx: (Record<string, unknown> & { hex: string; hash: string })[] };
    const coinbaseRecorded = recordedBlock.tx[0] as Record<string, unknown> & { hex: string; hash: string };
    const coinbase = Transaction.fromHex(coinbaseRecorded.hex);
    expect(toHex(sha256d(coinbase.toBuffer()).reverse())).toBe(coinbaseRecorded.hash);
    const coinbaseCtx: ChainTx = { tx: coinbase, txid: coinbase.getId(), wtxid: coinbaseRecorded.hash, spent: [], fee: 0n };
    expect(JSON.parse(writeJson(transactionJson(coinbaseCtx, network, 'fee')))).toEqual(coinbaseRecorded);
  });
});

describe('Bitcoin devnet: payments', () => {
  it('pay() lands in /mempool/txids, /address/:addr/txs/mempool and getrawmempool, then in the next block', async () => {
    const to = newAddress(devnet);
    const { txid, feeSats } = await devnet.pay({ to, amountSats: 250_000n });
    expect(await getJson(devnet, '/mempool/txids')).toContain(txid);
    expect((await getJson<EsploraTx[]>(devnet, `/address/${to}/txs/mempool`)).map((t) => t.txid)).toEqual([txid]);
    expect(await rpc(devnet, 'getrawmempool')).toContain(txid);
    const pending = await getJson<EsploraTx>(devnet, `/tx/${txid}`);
    const inputs = pending.vin.reduce((sum, input) => sum + (input.prevout?.value ?? 0), 0);
    const outputs = pending.vout.reduce((sum, output) => sum + output.value, 0);
    expect(pending.fee).toBe(inputs - outputs);
    expect(BigInt(pending.fee)).toBe(feeSats);
    expect(pending.vout.find((o) => o.scriptpubkey_address === to)?.value).toBe(250_000);

    const height = await devnet.mine(1);
    expect(await getJson(devnet, '/mempool/txids')).not.toContain(txid);
    expect(await getJson(devnet, `/address/${to}/txs/mempool`)).toEqual([]);
    const confirmed = await getJson<EsploraTx>(devnet, `/tx/${txid}`);
    expect(confirmed.status).toMatchObject({ confirmed: true, block_height: height });
    expect(await getJson(devnet, `/block/${confirmed.status.block_hash}/txids`)).toContain(txid);
    const raw = await rpc<{ confirmations: number; blockhash: string }>(devnet, 'getrawtransaction', [txid, 1]);
    expect(raw).toMatchObject({ confirmations: 1, blockhash: confirmed.status.block_hash });
  });

  it('pays several outputs in one transaction', async () => {
    const first = newAddress(devnet);
    const second = newAddress(devnet);
    const { txid } = await devnet.pay({ to: first, amountSats: 10_000n, outputs: [{ to: first, amountSats: 20_000n }, { to: second, amountSats: 30_000n }] });
    const tx = await getJson<EsploraTx>(devnet, `/tx/${txid}`);
    const paid = (address: string): number[] => tx.vout.filter((o) => o.scriptpubkey_address === address).map((o) => o.value);
    expect(paid(first)).toEqual([10_000, 20_000]);
    expect(paid(second)).toEqual([30_000]);
  });

  it('pays regtest-format addresses of the same coin too', async () => {
    const regtestAddress = payments.p2wpkh({ pubkey: ECPair.makeRandom().publicKey, network: chainParams('bitcoin', 'regtest').addressNetwork }).address as string;
    const { txid } = await devnet.pay({ to: regtestAddress, amountSats: 12_345n });
    const tx = await getJson<EsploraTx>(devnet, `/tx/${txid}`);
    expect(tx.vout.some((o) => o.value === 12_345 && o.scriptpubkey_address?.startsWith('bc1q'))).toBe(true);
  });

  it('refuses dust, as a node\'s relay policy does', async () => {
    await expect(devnet.pay({ to: newAddress(devnet), amountSats: 293n })).rejects.toThrow(/^dust$/);
    await expect(devnet.pay({ to: newAddress(devnet), amountSats: 294n })).resolves.toMatchObject({ txid: expect.any(String) });
  });

  it('verifies signatures and inputs on broadcast: a tampered signature, a spent input and a double spend are refused', async () => {
    const { hex } = await devnet.pay({ to: newAddress(devnet), amountSats: 80_000n });
    const tx = Transaction.fromHex(hex);
    // Change the amount after signing: the BIP143 signature no longer matches.
    const tampered = tx.clone();
    (tampered.outs[0] as { value: bigint }).value -= 1_000n;
    // It conflicts with the original but pays 1000 sats more, so the BIP125 checks pass and the signature check decides.
    const refused = await fetch(`${devnet.url}/tx`, { method: 'POST', body: tampered.toHex() });
    expect([refused.status, await refused.text()]).toEqual([
      400,
      'sendrawtransaction RPC error: {"code":-26,"message":"mandatory-script-verify-flag-failed (Signature must be zero for failed CHECK(MULTI)SIG operation)"}',
    ]);

    // After mining, the same coin is spent: a new spend of it lacks its input.
    await devnet.mine(1);
    const again = tx.clone();
    (again.outs[0] as { value: bigint }).value -= 1_000n;
    const spent = await rpcRaw(devnet, 'sendrawtransaction', [again.toHex()]);
    expect(spent.body.error).toEqual({ code: -25, message: 'bad-txns-inputs-missingorspent' });
  });

  it('rejects a bad signature with bitcoind\'s script error', async () => {
    const { hex, txid } = await devnet.pay({ to: newAddress(devnet), amountSats: 81_000n });
    await devnet.mine(1);
    // Spend the new output with a signature from the wrong key.
    const parent = Transaction.fromHex(hex);
    const vout = parent.outs.findIndex((o) => o.value === 81_000n);
    const wrongKey = ECPair.makeRandom();
    const payeeScript = parent.outs[vout]?.script as Uint8Array;
    const spend = new Transaction();
    spend.version = 2;
    spend.addInput(fromHex(txid).reverse(), vout, 0xfffffffd);
    spend.addOutput(payeeScript, 80_000n);
    const digest = spend.hashForWitnessV0(0, payments.p2pkh({ hash: payeeScript.subarray(2) }).output as Uint8Array, 81_000n, Transaction.SIGHASH_ALL);
    spend.setWitness(0, [bitcoinScript.signature.encode(wrongKey.sign(digest, true), Transaction.SIGHASH_ALL), wrongKey.publicKey]);
    const reply = await rpcRaw(devnet, 'sendrawtransaction', [spend.toHex()]);
    expect(reply.body.error).toEqual({ code: -26, message: 'mandatory-script-verify-flag-failed (Script failed an OP_EQUALVERIFY operation)' });
  });
});

describe('Bitcoin devnet: spends of every simulated output type, with real signatures', () => {
  initEccLib(ecc);
  const network = chainParams('bitcoin', 'mainnet').addressNetwork;

  /** Pays `amount` to `script` from the faucet and mines it; returns the outpoint. */
  async function fund(script: Uint8Array, address: string, amount: bigint): Promise<{ txid: string; vout: number; hex: string }> {
    const { txid, hex } = await devnet.pay({ to: address, amountSats: amount });
    await devnet.mine(1);
    const vout = Transaction.fromHex(hex).outs.findIndex((out) => out.value === amount && toHex(out.script) === toHex(script));
    return { txid, vout, hex };
  }

  async function broadcast(psbt: Psbt): Promise<RpcReply> {
    psbt.finalizeAllInputs();
    return (await rpcRaw(devnet, 'sendrawtransaction', [psbt.extractTransaction().toHex()])).body;
  }

  it('P2PKH (legacy sighash), P2SH-P2WPKH, P2TR key path (BIP341 Schnorr) and P2WPKH are accepted when signed right', async () => {
    const key = ECPair.makeRandom({ network });
    const back = payments.p2wpkh({ pubkey: ECPair.makeRandom().publicKey, network });

    const p2pkh = payments.p2pkh({ pubkey: key.publicKey, network });
    const legacy = await fund(p2pkh.output as Uint8Array, p2pkh.address as string, 40_000n);
    const legacySpend = new Psbt({ network });
    legacySpend.addInput({ hash: legacy.txid, index: legacy.vout, nonWitnessUtxo: fromHex(legacy.hex) });
    legacySpend.addOutput({ script: back.output as Uint8Array, value: 39_000n });
    legacySpend.signInput(0, key);
    expect((await broadcast(legacySpend)).error).toBeNull();

    const nested = payments.p2sh({ redeem: payments.p2wpkh({ pubkey: key.publicKey, network }), network });
    const wrapped = await fund(nested.output as Uint8Array, nested.address as string, 41_000n);
    const wrappedSpend = new Psbt({ network });
    wrappedSpend.addInput({
      hash: wrapped.txid,
      index: wrapped.vout,
      witnessUtxo: { script: nested.output as Uint8Array, value: 41_000n },
      redeemScript: nested.redeem?.output as Uint8Array,
    });
    wrappedSpend.addOutput({ script: back.output as Uint8Array, value: 40_000n });
    wrappedSpend.signInput(0, key);
    expect((await broadcast(wrappedSpend)).error).toBeNull();

    const internalKey = key.publicKey.subarray(1, 33);
    const taproot = payments.p2tr({ internalPubkey: internalKey, network });
    const tr = await fund(taproot.output as Uint8Array, taproot.address as string, 42_000n);
    const trSpend = new Psbt({ network });
    trSpend.addInput({ hash: tr.txid, index: tr.vout, witnessUtxo: { script: taproot.output as Uint8Array, value: 42_000n }, tapInternalKey: internalKey });
    trSpend.addOutput({ script: back.output as Uint8Array, value: 41_000n });
    trSpend.signInput(0, key.tweak(bitcoinCrypto.taggedHash('TapTweak', internalKey)));
    expect((await broadcast(trSpend)).error).toBeNull();

    // A taproot spend signed with the untweaked key fails BIP340 verification.
    const tr2 = await fund(taproot.output as Uint8Array, taproot.address as string, 43_000n);
    const badSpend = new Transaction();
    badSpend.version = 2;
    badSpend.addInput(fromHex(tr2.txid).reverse(), tr2.vout, 0xfffffffd);
    badSpend.addOutput(back.output as Uint8Array, 42_000n);
    const digest = badSpend.hashForWitnessV1(0, [taproot.output as Uint8Array], [43_000n], Transaction.SIGHASH_DEFAULT);
    badSpend.setWitness(0, [key.signSchnorr(digest)]);
    const refused = await rpcRaw(devnet, 'sendrawtransaction', [badSpend.toHex()]);
    expect(refused.body.error).toEqual({ code: -26, message: 'mandatory-script-verify-flag-failed (Invalid Schnorr signature)' });
    await devnet.mine(1);
  });

  it('accepts a child of an unconfirmed payment and evicts it with its parent on replacement', async () => {
    const key = ECPair.makeRandom({ network });
    const payee = payments.p2wpkh({ pubkey: key.publicKey, network });
    const parent = await devnet.pay({ to: payee.address as string, amountSats: 90_000n });
    const vout = Transaction.fromHex(parent.hex).outs.findIndex((out) => out.value === 90_000n);
    const child = new Psbt({ network });
    child.addInput({ hash: parent.txid, index: vout, witnessUtxo: { script: payee.output as Uint8Array, value: 90_000n }, sequence: 0xfffffffd });
    child.addOutput({ script: payee.output as Uint8Array, value: 89_000n });
    child.signInput(0, key);
    child.finalizeAllInputs();
    const childTxid = (await rpc<string>(devnet, 'sendrawtransaction', [child.extractTransaction().toHex()])) as string;
    const parentEntry = await rpc<{ spentby: string[]; descendantcount: number }>(devnet, 'getmempoolentry', [parent.txid]);
    expect(parentEntry).toMatchObject({ spentby: [childTxid], descendantcount: 2 });
    expect(await rpc<{ depends: string[] }>(devnet, 'getmempoolentry', [childTxid])).toMatchObject({ depends: [parent.txid] });

    // The replacement must pay for the evicted child's fee too (BIP125 rule 3), so a small bump is refused.
    await expect(devnet.replace(parent.txid, { feeRateSatVb: 3 })).rejects.toThrow(/^insufficient fee, rejecting replacement [0-9a-f]{64}, less fees than conflicting txs; /);
    const replacement = await devnet.replace(parent.txid, { feeRateSatVb: 20 });
    const mempool = await getJson<string[]>(devnet, '/mempool/txids');
    expect(mempool).toContain(replacement.txid);
    expect(mempool).not.toContain(parent.txid);
    expect(mempool).not.toContain(childTxid);
    await devnet.mine(1);
  });

  it('enforces coinbase maturity, the minimum relay fee and BIP125 rule 4', async () => {
    const faucetKey = ECPair.fromWIF(devnet.faucet.wif, network);
    const faucetScript = payments.p2wpkh({ pubkey: faucetKey.publicKey, network }).output as Uint8Array;
    const tipHash = await getText(devnet, '/blocks/tip/hash');
    const coinbaseTxid = (await getJson<string[]>(devnet, `/block/${tipHash}/txids`))[0] as string;
    const coinbase = await getJson<EsploraTx>(devnet, `/tx/${coinbaseTxid}`);
    const reward = BigInt(coinbase.vout[0]?.value as number);
    const immature = new Psbt({ network });
    immature.addInput({ hash: coinbaseTxid, index: 0, witnessUtxo: { script: faucetScript, value: reward } });
    immature.addOutput({ script: faucetScript, value: reward - 1_000n });
    immature.signInput(0, faucetKey);
    expect((await broadcast(immature)).error).toEqual({ code: -26, message: 'bad-txns-premature-spend-of-coinbase, tried to spend coinbase at depth 1' });

    const key = ECPair.makeRandom({ network });
    const payee = payments.p2wpkh({ pubkey: key.publicKey, network });
    const funded = await fund(payee.output as Uint8Array, payee.address as string, 50_000n);
    const free = new Psbt({ network });
    free.addInput({ hash: funded.txid, index: funded.vout, witnessUtxo: { script: payee.output as Uint8Array, value: 50_000n } });
    free.addOutput({ script: payee.output as Uint8Array, value: 50_000n - 50n });
    free.signInput(0, key);
    expect((await broadcast(free)).error).toEqual({ code: -26, message: 'min relay fee not met, 50 < 110' });

    const original = await devnet.pay({ to: newAddress(devnet), amountSats: 100_000n, feeRateSatVb: 2 });
    await expect(devnet.replace(original.txid, { feeRateSatVb: 2.5 })).rejects.toThrow(
      /^insufficient fee, rejecting replacement [0-9a-f]{64}, not enough additional fees to relay; 0\.0000\d+ < 0\.0000\d+$/,
    );
    await devnet.mine(1);
  });
});

describe('Bitcoin devnet: RBF, double spends, reorgs', () => {
  it('replace(): the original leaves the mempool, the replacement pays more fee to the new outputs', async () => {
    const to = newAddress(devnet);
    const original = await devnet.pay({ to, amountSats: 100_000n, feeRateSatVb: 2 });
    const newRecipient = newAddress(devnet);
    const replacement = await devnet.replace(original.txid, { to: newRecipient, feeRateSatVb: 10 });
    const mempool = await getJson<string[]>(devnet, '/mempool/txids');
    expect(mempool).toContain(replacement.txid);
    expect(mempool).not.toContain(original.txid);
    expect(replacement.feeSats).toBeGreaterThan(original.feeSats);
    const replaced = await getJson<EsploraTx>(devnet, `/tx/${replacement.txid}`);
    expect(replaced.vout.find((o) => o.scriptpubkey_address === newRecipient)?.value).toBe(100_000);
    const originalTx = Transaction.fromHex(original.hex);
    expect(replaced.vin.map((i) => `${i.txid}:${i.vout}`)).toEqual(originalTx.ins.map((i) => `${toHex(Uint8Array.from(i.hash).reverse())}:${i.index}`));
    expect((await get(devnet, `/tx/${original.txid}`)).status).toBe(404);
    expect(await getJson(devnet, `/address/${to}/txs/mempool`)).toEqual([]);
    await devnet.mine(1);
    expect(await getJson(devnet, `/tx/${replacement.txid}/status`)).toMatchObject({ confirmed: true });
  });

  it('refuses a replacement with a lower fee rate, and one of a transaction that does not signal BIP125', async () => {
    const signalling = await devnet.pay({ to: newAddress(devnet), amountSats: 100_000n, feeRateSatVb: 5 });
    await expect(devnet.replace(signalling.txid, { feeRateSatVb: 3 })).rejects.toThrow(/^insufficient fee, rejecting replacement [0-9a-f]{64}; new feerate 0\.0000\d{4} BTC\/kvB <= old feerate 0\.0000\d{4} BTC\/kvB$/);
    const final = await devnet.pay({ to: newAddress(devnet), amountSats: 100_000n, replaceable: false });
    await expect(devnet.replace(final.txid, { feeRateSatVb: 50 })).rejects.toThrow(/^txn-mempool-conflict$/);
    expect(await getJson(devnet, '/mempool/txids')).toEqual(expect.arrayContaining([signalling.txid, final.txid]));
    expect((await rpc<{ 'bip125-replaceable': boolean }>(devnet, 'getmempoolentry', [final.txid]))['bip125-replaceable']).toBe(false);
    // The same refusal through the explorer API, as a wallet broadcasting its own conflicting spend would meet it.
    const conflicting = Transaction.fromHex(final.hex).clone();
    (conflicting.outs[0] as { value: bigint }).value -= 5_000n;
    const response = await fetch(`${devnet.url}/tx`, { method: 'POST', body: conflicting.toHex() });
    expect([response.status, await response.text()]).toEqual([400, fixtureText('esplora-post-tx-error.txt')]);
    await devnet.mine(1);
  });

  it('doubleSpend(): a conflicting spend is mined in the next block and the original never confirms', async () => {
    const to = newAddress(devnet);
    const original = await devnet.pay({ to, amountSats: 150_000n, replaceable: false });
    const conflict = await devnet.doubleSpend(original.txid);
    // Held by the miner: the original stays in the mempool until the block.
    expect(await getJson(devnet, '/mempool/txids')).toContain(original.txid);
    await devnet.mine(1);
    expect(await getJson(devnet, `/tx/${conflict.txid}/status`)).toMatchObject({ confirmed: true });
    expect((await get(devnet, `/tx/${original.txid}`)).status).toBe(404);
    expect(await getJson(devnet, '/mempool/txids')).not.toContain(original.txid);
    expect(await getJson(devnet, `/address/${to}/utxo`)).toEqual([]);
    await devnet.mine(2);
    expect((await get(devnet, `/tx/${original.txid}`)).status).toBe(404);
  });

  it('reorg(depth): a heavier branch replaces the tip, links stay consistent, transactions are re-mined', async () => {
    const { txid } = await devnet.pay({ to: newAddress(devnet), amountSats: 60_000n });
    await devnet.mine(3);
    const tip = Number(await getText(devnet, '/blocks/tip/height'));
    const oldHashes = await Promise.all([tip - 2, tip - 1, tip].map((h) => getText(devnet, `/block-height/${h}`)));
    const forkParent = await getText(devnet, `/block-height/${tip - 3}`);
    await devnet.reorg(3);
    const newTip = Number(await getText(devnet, '/blocks/tip/height'));
    expect(newTip).toBe(tip + 1);
    const newHashes = await Promise.all([tip - 2, tip - 1, tip].map((h) => getText(devnet, `/block-height/${h}`)));
    newHashes.forEach((hash, i) => expect(hash).not.toBe(oldHashes[i]));
    expect(await getText(devnet, '/blocks/tip/hash')).not.toBe(oldHashes[2]);
    let hash = await getText(devnet, '/blocks/tip/hash');
    for (let h = newTip; h > tip - 3; h--) {
      const block = await getJson<EsploraBlock>(devnet, `/block/${hash}`);
      expect(block.height).toBe(h);
      hash = block.previousblockhash as string;
    }
    expect(hash).toBe(forkParent);
    // The replaced blocks are stale now.
    expect(await getJson(devnet, `/block/${oldHashes[2]}/status`)).toEqual({ in_best_chain: false, height: null, next_best: null });
    expect((await rpc<{ confirmations: number }>(devnet, 'getblockheader', [oldHashes[2]])).confirmations).toBe(-1);
    // Re-mined on the new branch.
    const status = await getJson<{ confirmed: boolean; block_hash: string }>(devnet, `/tx/${txid}/status`);
    expect(status.confirmed).toBe(true);
    expect(newHashes).toContain(status.block_hash);
  });

  it('reorg(depth, { dropTransactions }): the payment leaves the chain and never confirms', async () => {
    const to = newAddress(devnet);
    const { txid } = await devnet.pay({ to, amountSats: 70_000n });
    await devnet.mine(1);
    expect(await getJson(devnet, `/tx/${txid}/status`)).toMatchObject({ confirmed: true });
    await devnet.reorg(1, { dropTransactions: true });
    expect((await get(devnet, `/tx/${txid}`)).status).toBe(404);
    expect(await getJson(devnet, `/address/${to}/utxo`)).toEqual([]);
    await devnet.mine(1);
    expect((await get(devnet, `/tx/${txid}`)).status).toBe(404);
  });
});

describe('Bitcoin devnet: Litecoin, interval mining, control route, faults', () => {
  it('litecoin mode uses ltc1 addresses (rltc1 in regtest format), Litecoin\'s regtest genesis and LTC amounts', async () => {
    const litecoin = await startBitcoinDevnet({ network: 'litecoin' });
    try {
      expect(litecoin.faucet.address).toMatch(/^ltc1q/);
      expect(await getText(litecoin, '/block-height/0')).toBe('530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9');
      const to = newAddress(litecoin);
      expect(to).toMatch(/^ltc1q/);
      const { txid } = await litecoin.pay({ to, amountSats: 100_000n });
      const tx = await getJson<EsploraTx>(litecoin, `/tx/${txid}`);
      expect(tx.vout.find((o) => o.value === 100_000)?.scriptpubkey_address).toBe(to);
      expect(tx.vin[0]?.prevout?.scriptpubkey_address).toBe(litecoin.faucet.address);
      await expect(litecoin.pay({ to: newAddress(devnet), amountSats: 100_000n })).rejects.toThrow(/not a litecoin address/);
      // Litecoin Core's dust rate is ten times Bitcoin's: 2940 litoshis for P2WPKH.
      await expect(litecoin.pay({ to, amountSats: 2_939n })).rejects.toThrow(/^dust$/);
      await litecoin.mine(1);
      const raw = new Uint8Array(await (await get(litecoin, `/block/${await getText(litecoin, '/blocks/tip/hash')}/raw`)).arrayBuffer());
      expect(Block.fromBuffer(raw).checkTxRoots()).toBe(true);
    } finally {
      await litecoin.stop();
    }
    const regtest = await startBitcoinDevnet({ network: 'litecoin', addressFormat: 'regtest', initialBlocks: 101 });
    try {
      expect(regtest.faucet.address).toMatch(/^rltc1q/);
      const { txid } = await regtest.pay({ to: newAddress(regtest), amountSats: 10_000n });
      expect((await getJson<EsploraTx>(regtest, `/tx/${txid}`)).vout[0]?.scriptpubkey_address).toMatch(/^rltc1q/);
    } finally {
      await regtest.stop();
    }
  });

  it('blockTimeMs mines blocks on its own', async () => {
    const interval = await startBitcoinDevnet({ blockTimeMs: 40, initialBlocks: 101 });
    try {
      const { txid } = await interval.pay({ to: newAddress(interval), amountSats: 10_000n });
      const deadline = Date.now() + 3_000;
      let height = 101;
      while (height < 104 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        height = Number(await getText(interval, '/blocks/tip/height'));
      }
      expect(height).toBeGreaterThanOrEqual(104);
      expect(await getJson(interval, `/tx/${txid}/status`)).toMatchObject({ confirmed: true });
    } finally {
      await interval.stop();
    }
  });

  it('POST /devnet/mine lets a node that did not start the devnet mine; /devnet/pay pays', async () => {
    const before = Number(await getText(devnet, '/blocks/tip/height'));
    const response = await fetch(`${devnet.url}/devnet/mine`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ blocks: 2 }) });
    const body = (await response.json()) as { height: number; hashes: string[] };
    expect(body.height).toBe(before + 2);
    expect(body.hashes).toHaveLength(2);
    expect(await getText(devnet, '/blocks/tip/hash')).toBe(body.hashes[1]);
    const paid = await fetch(`${devnet.url}/devnet/pay`, { method: 'POST', body: JSON.stringify({ to: newAddress(devnet), amountSats: '5000' }) });
    expect(paid.status).toBe(200);
    const { txid } = (await paid.json()) as { txid: string };
    expect(await getJson(devnet, '/mempool/txids')).toContain(txid);
    const bad = await fetch(`${devnet.url}/devnet/mine`, { method: 'POST', body: JSON.stringify({ blocks: 0 }) });
    expect(bad.status).toBe(400);
    const tipBefore = await getText(devnet, '/blocks/tip/hash');
    const reorged = await fetch(`${devnet.url}/devnet/reorg`, { method: 'POST', body: JSON.stringify({ depth: 1 }) });
    const reorgBody = (await reorged.json()) as { height: number; tip: string };
    expect(reorgBody.height).toBe(before + 3);
    expect(reorgBody.tip).not.toBe(tipBefore);
    expect(await getJson(devnet, `/tx/${txid}/status`)).toMatchObject({ confirmed: false });
  });

  it('counts requests by route and plays a flaky provider: 429, 503, malformed, hang', async () => {
    devnet.resetCounts();
    const hash = await getText(devnet, '/blocks/tip/hash');
    await get(devnet, `/block/${hash}/raw`);
    await rpc(devnet, 'getblockcount');
    expect(devnet.requestCounts()).toMatchObject({ 'GET /blocks/tip/hash': 1, 'GET /block/:hash/raw': 1, 'POST /rpc': 1, 'rpc getblockcount': 1 });

    devnet.setFault('http429');
    const limited = await get(devnet, '/blocks/tip/height');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);
    const limitedRpc = await fetch(devnet.rpcUrl, { method: 'POST', body: '{"method":"getblockcount"}' });
    expect(limitedRpc.status).toBe(429);
    devnet.setFault('http503');
    expect((await get(devnet, '/blocks/tip/height')).status).toBe(503);
    expect((await fetch(devnet.rpcUrl, { method: 'POST', body: '{"method":"getblockcount"}' })).status).toBe(503);
    devnet.setFault('malformed');
    const garbled = await get(devnet, `/block/${hash}`);
    expect(garbled.status).toBe(200);
    await expect(garbled.json()).rejects.toThrow();
    devnet.setFault('hang');
    await expect(fetch(`${devnet.url}/blocks/tip/height`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    // Control routes stay usable while the provider misbehaves.
    expect((await fetch(`${devnet.url}/devnet/mine`, { method: 'POST', body: '{}' })).status).toBe(200);
    devnet.setFault('none');
    expect((await get(devnet, '/blocks/tip/height')).status).toBe(200);
    expect(devnet.requestCounts()['GET /blocks/tip/height']).toBeGreaterThanOrEqual(4);
  });

  it('requires basic auth on the RPC endpoint when configured', async () => {
    const guarded = await startBitcoinDevnet({ initialBlocks: 0, rpcAuth: { username: 'kassa', password: 'secret' } });
    try {
      const body = JSON.stringify({ method: 'getblockcount', id: 1 });
      expect((await fetch(guarded.rpcUrl, { method: 'POST', body })).status).toBe(401);
      const ok = await fetch(guarded.rpcUrl, { method: 'POST', body, headers: { authorization: `Basic ${Buffer.from('kassa:secret').toString('base64')}` } });
      expect(await ok.json()).toEqual({ result: 0, error: null, id: 1 });
    } finally {
      await guarded.stop();
    }
  });
});
