// The Tron devnet against TronWeb and against recorded java-tron responses: TronWeb sends TRX and
// TRC-20 end to end, blocks and TransactionInfo carry what a watcher reads, signatures and balances
// are enforced, reorgs and interval mining behave, faults answer as a flaky provider would.
import { readFileSync } from 'node:fs';
import { TronWeb, utils as tronWebUtils } from 'tronweb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOLIDIFIED_DEPTH } from '../../../src-server/chains/devnet/tron/tron-chain.ts';
import { fromHex, recoverSigner, sha256 } from '../../../src-server/chains/devnet/tron/tron-crypto.ts';
import { TRON_DEVNET_WITNESS } from '../../../src-server/chains/devnet/tron/tron-devnet-accounts.ts';
import { encodeBlockHeaderRaw } from '../../../src-server/chains/devnet/tron/tron-protobuf.ts';
import { type TronDevnet, startTronDevnet } from '../../../src-server/chains/devnet/tron/tron-devnet.ts';
import { shapeOf, shapeProblems, type ShapeAllowances } from '../../helpers/json-shape.ts';

// ---- recorded responses ----

interface Fixture {
  _source: string;
  response: unknown;
}

function fixture(name: string): Fixture {
  const parsed = JSON.parse(readFileSync(new URL(`../../fixtures/tron/${name}.json`, import.meta.url), 'utf8')) as Fixture;
  expect(parsed._source).toMatch(/^https:\/\/github\.com\//);
  return parsed;
}

type Json = Record<string, unknown>;

function withoutTransactions(block: unknown): Json {
  const copy = { ...(block as Json) };
  delete copy['transactions'];
  return copy;
}

const recordedBlocks = () => [
  fixture('getnowblock').response,
  fixture('getblockbynum').response,
  ...((fixture('getblockbylimitnext').response as { block: unknown[] }).block ?? []),
];
const recordedTransfers = () => [
  fixture('gettransactionbyid-transfer').response,
  ...((fixture('getnowblock').response as { transactions: unknown[] }).transactions ?? []),
  ...((fixture('getblockbynum').response as { transactions: unknown[] }).transactions ?? []),
];
const recordedTriggers = () => [fixture('gettransactionbyid-trigger').response];
const recordedInfos = () => [
  ...(fixture('gettransactioninfobyblocknum').response as unknown[]),
  ...(fixture('gettransactioninfobyblocknum-nile').response as unknown[]),
  fixture('gettransactioninfobyid').response,
];

function transactionProblems(tx: unknown): string[] {
  const type = ((tx as { raw_data: { contract: Array<{ type: string }> } }).raw_data.contract[0] as { type: string }).type;
  const examples = type === 'TransferContract' ? recordedTransfers() : recordedTriggers();
  return shapeProblems(tx, shapeOf(...examples)).map((problem) => `${type}: ${problem}`);
}

/** A block's header against recorded blocks, and each transaction against recorded ones of its type. */
function blockProblems(block: unknown, allow: ShapeAllowances = {}): string[] {
  const header = shapeProblems(withoutTransactions(block), shapeOf(...recordedBlocks().map(withoutTransactions)), allow);
  const transactions = ((block as Json)['transactions'] as unknown[] | undefined) ?? [];
  return [...header, ...transactions.flatMap(transactionProblems)];
}

// ---- the devnet ----

const FAUCET_TRX_TO_RECIPIENT = 5_000_000;
const USDT_TO_RECIPIENT = 12_340_000;
const TRANSFER_TOPIC = 'ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
// A fresh address derived with TronWeb (the published "abandon … about" vector at the Tron path).
const recipient = TronWeb.fromMnemonic('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', "m/44'/195'/0'/0/0");

let devnet: TronDevnet;
let tronWeb: TronWeb;
let paymentBlock: number;
let trxTxId: string;
let usdtTxId: string;

async function call(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${devnet.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json();
}

const hex41 = (base58: string) => TronWeb.address.toHex(base58).toLowerCase();
const word = (hex: string) => hex.padStart(64, '0');
const utf8 = (hex: string) => Buffer.from(hex, 'hex').toString('utf8');

async function usdtBalance(address: string): Promise<bigint> {
  const contract = await tronWeb.contract().at(devnet.tokens.USDT);
  return BigInt((await contract.balanceOf(address).call()).toString());
}

beforeAll(async () => {
  devnet = await startTronDevnet({ blockTimeMs: 0 });
  tronWeb = new TronWeb({ fullHost: devnet.url, privateKey: devnet.faucet.privateKey });
  await devnet.mine(2);
  const sent = await tronWeb.trx.sendTransaction(recipient.address, FAUCET_TRX_TO_RECIPIENT);
  expect(sent.result).toBe(true);
  trxTxId = sent.txid;
  const usdt = await tronWeb.contract().at(devnet.tokens.USDT);
  usdtTxId = (await usdt.transfer(recipient.address, USDT_TO_RECIPIENT).send()) as string;
  paymentBlock = await devnet.mine(1);
});

afterAll(async () => {
  await devnet?.stop();
});

describe('Tron devnet with TronWeb', () => {
  it('includes a TRX and a TRC-20 transfer sent with TronWeb in the next block', async () => {
    expect(devnet.faucet.address).toBe(TronWeb.address.fromPrivateKey(devnet.faucet.privateKey));
    const block = (await call('/wallet/getblockbynum', { num: paymentBlock })) as { transactions: Array<{ txID: string; ret: unknown }> };
    expect(block.transactions.map((tx) => tx.txID)).toEqual([trxTxId, usdtTxId]);
    expect(block.transactions.map((tx) => tx.ret)).toEqual([[{ contractRet: 'SUCCESS' }], [{ contractRet: 'SUCCESS' }]]);
  });

  it('shows the Transfer log with the right from, to and amount in gettransactioninfobyblocknum', async () => {
    const infos = (await call('/wallet/gettransactioninfobyblocknum', { num: paymentBlock })) as Array<Json>;
    expect(infos.map((info) => info['id'])).toEqual([trxTxId, usdtTxId]);
    const usdtInfo = infos[1] as Json;
    expect(usdtInfo['blockNumber']).toBe(paymentBlock);
    expect(usdtInfo['contract_address']).toBe(hex41(devnet.tokens.USDT));
    expect((usdtInfo['receipt'] as Json)['result']).toBe('SUCCESS');
    expect(usdtInfo['fee']).toBeGreaterThan(0);
    expect(usdtInfo['log']).toEqual([
      {
        address: hex41(devnet.tokens.USDT).slice(2),
        topics: [TRANSFER_TOPIC, word(hex41(devnet.faucet.address).slice(2)), word(hex41(recipient.address).slice(2))],
        data: word(USDT_TO_RECIPIENT.toString(16)),
      },
    ]);
    expect(usdtInfo['contractResult']).toEqual([word('1')]);
    // The TRX transfer created the recipient's account: 1 TRX creation fee + 0.1 TRX bandwidth.
    expect(infos[0]).toMatchObject({ fee: 1_100_000, contractResult: [''], receipt: { net_fee: 100_000 } });
  });

  it('reflects the transfers in balanceOf and getaccount', async () => {
    expect(await usdtBalance(recipient.address)).toBe(BigInt(USDT_TO_RECIPIENT));
    const constant = (await call('/wallet/triggerconstantcontract', {
      owner_address: recipient.address,
      contract_address: devnet.tokens.USDT,
      function_selector: 'balanceOf(address)',
      parameter: word(hex41(recipient.address).slice(2)),
      visible: true,
    })) as { constant_result: string[] };
    expect(BigInt(`0x${constant.constant_result[0]}`)).toBe(BigInt(USDT_TO_RECIPIENT));
    expect(await call('/wallet/getaccount', { address: recipient.address, visible: true })).toMatchObject({
      address: recipient.address,
      balance: FAUCET_TRX_TO_RECIPIENT,
    });
    expect(await call('/wallet/getaccount', { address: hex41('TB7mhtkvfhsRBRhe5FuRa4tFXSEyGDe4eA') })).toEqual({});
  });

  it('serves real encodings: raw_data_hex/txID as TronWeb computes them, signed block ids', async () => {
    const block = (await call('/wallet/getblockbynum', { num: paymentBlock })) as {
      blockID: string;
      block_header: { raw_data: { number: number; parentHash: string }; witness_signature: string };
      transactions: Array<{ txID: string; raw_data_hex: string }>;
    };
    for (const tx of block.transactions) {
      const pb = tronWebUtils.transaction.txJsonToPb(tx);
      expect(tronWebUtils.transaction.txPbToRawDataHex(pb).toLowerCase()).toBe(tx.raw_data_hex);
      expect(tronWebUtils.transaction.txPbToTxID(pb).replace(/^0x/, '')).toBe(tx.txID);
    }
    expect(block.blockID.slice(0, 16)).toBe(paymentBlock.toString(16).padStart(16, '0'));
    const parent = (await call('/wallet/getblockbynum', { num: paymentBlock - 1 })) as { blockID: string };
    expect(block.block_header.raw_data.parentHash).toBe(parent.blockID);
    const byId = (await call('/wallet/getblockbyid', { value: block.blockID })) as { blockID: string };
    expect(byId.blockID).toBe(block.blockID);
    expect(block.block_header.witness_signature).toMatch(/^[0-9a-f]{128}0[01]$/);
  });

  it('signs blocks with the witness key', async () => {
    const block = (await call('/wallet/getnowblock')) as {
      block_header: { raw_data: { number: number; parentHash: string; timestamp: number; txTrieRoot: string; version: number; witness_address: string }; witness_signature: string };
    };
    const raw = block.block_header.raw_data;
    const digest = sha256(
      encodeBlockHeaderRaw({
        timestamp: BigInt(raw.timestamp),
        txTrieRoot: fromHex(raw.txTrieRoot),
        parentHash: fromHex(raw.parentHash),
        number: BigInt(raw.number),
        witnessAddress: fromHex(raw.witness_address),
        version: raw.version,
      }),
    );
    expect(await recoverSigner(digest, block.block_header.witness_signature)).toBe(TRON_DEVNET_WITNESS.hexAddress);
  });

  it('refuses a forged or tampered signature with SIGERROR and mines nothing', async () => {
    const unsigned = (await call('/wallet/createtransaction', {
      owner_address: hex41(devnet.faucet.address),
      to_address: hex41(recipient.address),
      amount: 1_000_000,
    })) as Json & { txID: string };
    const forger = TronWeb.fromMnemonic('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', "m/44'/195'/0'/0/7");
    const forged = tronWebUtils.crypto.signTransaction(forger.privateKey.replace(/^0x/, ''), structuredClone(unsigned));
    const forgedAnswer = (await call('/wallet/broadcasttransaction', forged)) as { code: string; txid: string; message: string };
    expect(forgedAnswer.code).toBe('SIGERROR');
    expect(forgedAnswer.txid).toBe(unsigned.txID);
    expect(utf8(forgedAnswer.message)).toMatch(/^Validate signature error: .* is signed by T\w+ but it is not contained of permission\.$/);

    const signed = tronWebUtils.crypto.signTransaction(devnet.faucet.privateKey, structuredClone(unsigned)) as unknown as {
      raw_data: { contract: Array<{ parameter: { value: { amount: number } } }> };
    };
    (signed.raw_data.contract[0] as { parameter: { value: { amount: number } } }).parameter.value.amount = 999_000_000;
    const tampered = (await call('/wallet/broadcasttransaction', signed)) as { code: string };
    expect(tampered.code).toBe('SIGERROR');

    const unsignedAnswer = (await call('/wallet/broadcasttransaction', unsigned)) as { code: string };
    expect(unsignedAnswer.code).toBe('SIGERROR');

    const head = await devnet.mine(1);
    expect(await call('/wallet/getblockbynum', { num: head })).not.toHaveProperty('transactions');
  });

  it('refuses a TRX transfer above the balance and a duplicate, with java-tron codes', async () => {
    const payer = new TronWeb({ fullHost: devnet.url, privateKey: recipient.privateKey.replace(/^0x/, '') });
    const tooMuch = (await payer.trx.sendTransaction(devnet.faucet.address, 100_000_000)) as unknown as { code: string; message: string };
    expect(tooMuch.code).toBe('CONTRACT_VALIDATE_ERROR');
    expect(utf8(tooMuch.message)).toBe('Contract validate error : Validate TransferContract error, balance is not sufficient.');

    const transaction = await tronWeb.transactionBuilder.sendTrx(recipient.address, 1_000);
    const signed = await tronWeb.trx.sign(transaction);
    expect((await call('/wallet/broadcasttransaction', signed)) as Json).toEqual({ result: true, txid: signed.txID });
    const dup = (await call('/wallet/broadcasttransaction', signed)) as { code: string; message: string };
    expect(dup.code).toBe('DUP_TRANSACTION_ERROR');
    expect(utf8(dup.message)).toBe('Dup transaction.');
    await devnet.mine(1);
    expect(((await call('/wallet/broadcasttransaction', signed)) as { code: string }).code).toBe('DUP_TRANSACTION_ERROR');

    const head = (await call('/wallet/getnowblock')) as { block_header: { raw_data: { number: number; timestamp: number } } };
    const { number, timestamp } = head.block_header.raw_data;
    const refBlockBytes = (number & 0xffff).toString(16).padStart(4, '0');
    const offChain = await tronWeb.trx.sign(
      await tronWeb.transactionBuilder.sendTrx(recipient.address, 1_001, devnet.faucet.address, {
        blockHeader: { ref_block_bytes: refBlockBytes, ref_block_hash: '0123456789abcdef', expiration: timestamp + 60_000, timestamp },
      }),
    );
    const tapos = (await call('/wallet/broadcasttransaction', offChain)) as { code: string; message: string };
    expect([tapos.code, utf8(tapos.message)]).toEqual(['TAPOS_ERROR', 'Tapos check error.']);
    const headBlock = (await call('/wallet/getnowblock')) as { blockID: string };
    const expired = await tronWeb.trx.sign(
      await tronWeb.transactionBuilder.sendTrx(recipient.address, 1_002, devnet.faucet.address, {
        blockHeader: { ref_block_bytes: refBlockBytes, ref_block_hash: headBlock.blockID.slice(16, 32), expiration: timestamp, timestamp: timestamp - 60_000 },
      }),
    );
    const late = (await call('/wallet/broadcasttransaction', expired)) as { code: string; message: string };
    expect([late.code, utf8(late.message)]).toEqual(['TRANSACTION_EXPIRATION_ERROR', 'Transaction expired']);
  });

  it('mines a TRC-20 transfer above the token balance as REVERT, burning energy, without a Transfer log', async () => {
    const payer = new TronWeb({ fullHost: devnet.url, privateKey: recipient.privateKey.replace(/^0x/, '') });
    const usdt = await payer.contract().at(devnet.tokens.USDT);
    const txid = (await usdt.transfer(devnet.faucet.address, 100_000_000).send()) as string;
    await devnet.mine(1);
    const info = (await call('/wallet/gettransactioninfobyid', { value: txid })) as Json;
    expect(info).toMatchObject({ result: 'FAILED', receipt: { result: 'REVERT' } });
    expect(info).not.toHaveProperty('log');
    expect(utf8(info['resMessage'] as string)).toBe('REVERT opcode executed');
    expect(((await call('/wallet/gettransactionbyid', { value: txid })) as Json)['ret']).toEqual([{ contractRet: 'REVERT' }]);
    expect(await usdtBalance(recipient.address)).toBe(BigInt(USDT_TO_RECIPIENT));
  });

  it('serves the solidified block 19 behind the head', async () => {
    const head = await devnet.mine(SOLIDIFIED_DEPTH + 1);
    const solid = (await call('/walletsolidity/getnowblock')) as { block_header: { raw_data: { number: number } } };
    expect(solid.block_header.raw_data.number).toBe(head - SOLIDIFIED_DEPTH);
    expect(await call('/walletsolidity/getblockbynum', { num: head })).toEqual({});
    expect(await call('/walletsolidity/gettransactioninfobyid', { value: usdtTxId })).toMatchObject({ id: usdtTxId });
  });

  it('pages blocks with getblockbylimitnext (endNum exclusive, at most 100)', async () => {
    const page = (await call('/wallet/getblockbylimitnext', { startNum: 1, endNum: 4 })) as { block: Array<{ block_header: { raw_data: { number: number } } }> };
    expect(page.block.map((b) => b.block_header.raw_data.number)).toEqual([1, 2, 3]);
    expect(await call('/wallet/getblockbylimitnext', { startNum: 1, endNum: 102 })).toEqual({});
    const viaGet = await fetch(`${devnet.url}/wallet/getblockbylimitnext?startNum=1&endNum=2`);
    expect(((await viaGet.json()) as { block: unknown[] }).block).toHaveLength(1);
  });
});

describe('Tron devnet chain control', () => {
  it('reorg(depth) gives the last blocks new ids with consistent parent links and re-includes transactions', async () => {
    const payee = TronWeb.fromMnemonic('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', "m/44'/195'/0'/0/11");
    const usdt = await tronWeb.contract().at(devnet.tokens.USDT);
    const txid = (await usdt.transfer(payee.address, 1_000_000).send()) as string;
    const included = await devnet.mine(1);
    const head = await devnet.mine(2);
    const before = await blockIds(head - 3, head);

    await devnet.reorg(3);
    const after = await blockIds(head - 3, head);
    expect(after[0]).toBe(before[0]); // the fork point stays
    for (let i = 1; i < after.length; i++) expect(after[i]).not.toBe(before[i]);
    await expectLinked(head - 3, head);
    expect(await call('/wallet/gettransactioninfobyid', { value: txid })).toMatchObject({ id: txid, blockNumber: included });
    expect(await usdtBalance(payee.address)).toBe(1_000_000n);

    await devnet.reorg(3, { dropTransactions: true });
    const dropped = await blockIds(head - 3, head);
    for (let i = 1; i < dropped.length; i++) expect([before[i], after[i]]).not.toContain(dropped[i]);
    await expectLinked(head - 3, head);
    expect(await call('/wallet/gettransactionbyid', { value: txid })).toEqual({});
    expect(await usdtBalance(payee.address)).toBe(0n);
    expect(((await call('/wallet/getnowblock')) as { block_header: { raw_data: { number: number } } }).block_header.raw_data.number).toBe(head);
  });

  it('mines on its own every blockTimeMs, and each start is a new chain', async () => {
    const ticking = await startTronDevnet({ blockTimeMs: 50 });
    try {
      const deadline = Date.now() + 5_000;
      let number = 0;
      while (number < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const block = (await (await fetch(`${ticking.url}/wallet/getnowblock`)).json()) as { block_header: { raw_data: { number?: number } } };
        number = block.block_header.raw_data.number ?? 0;
      }
      expect(number).toBeGreaterThanOrEqual(3);
      const genesis = (await (await fetch(`${ticking.url}/wallet/getblockbynum?num=0`)).json()) as Json & { block_header: { raw_data: Json } };
      const ours = (await call('/wallet/getblockbynum', { num: 0 })) as { blockID: string };
      expect(genesis['blockID']).toMatch(/^0{16}[0-9a-f]{48}$/);
      expect(genesis['blockID']).not.toBe(ours.blockID);
      expect(genesis.block_header.raw_data).not.toHaveProperty('number'); // java-tron leaves out the default 0
    } finally {
      await ticking.stop();
    }
  });

  it('answers 429, 503, hangs or garbles on demand, and counts requests by path', async () => {
    devnet.resetCounts();
    devnet.setFault('http429');
    const limited = await fetch(`${devnet.url}/wallet/getnowblock`, { method: 'POST' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    devnet.setFault('http503');
    expect((await fetch(`${devnet.url}/wallet/getblockbynum`, { method: 'POST', body: '{"num":1}' })).status).toBe(503);
    devnet.setFault('malformed');
    const garbled = await fetch(`${devnet.url}/wallet/getnowblock`);
    expect(garbled.status).toBe(200);
    await expect(garbled.json()).rejects.toThrow();
    devnet.setFault('hang');
    await expect(fetch(`${devnet.url}/wallet/getnowblock`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    devnet.setFault('none');
    expect((await fetch(`${devnet.url}/wallet/getnowblock`)).status).toBe(200);
    expect(devnet.requestCounts()).toEqual({ '/wallet/getnowblock': 4, '/wallet/getblockbynum': 1 });
    devnet.resetCounts();
    expect(devnet.requestCounts()).toEqual({});
  });
});

async function blockIds(from: number, to: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = from; n <= to; n++) ids.push(((await call('/wallet/getblockbynum', { num: n })) as { blockID: string }).blockID);
  return ids;
}

async function expectLinked(from: number, to: number): Promise<void> {
  for (let n = from + 1; n <= to; n++) {
    const block = (await call('/wallet/getblockbynum', { num: n })) as { block_header: { raw_data: { parentHash: string } } };
    const parent = (await call('/wallet/getblockbynum', { num: n - 1 })) as { blockID: string };
    expect(block.block_header.raw_data.parentHash).toBe(parent.blockID);
  }
}

describe('Tron devnet response shapes match recorded java-tron responses', () => {
  it('(the check itself notices a renamed key, a changed type and a missing key)', () => {
    const recorded = fixture('gettransactioninfobyblocknum').response as Json[];
    const shape = shapeOf(recorded);
    const withLogs = structuredClone(recorded[1]) as Json;
    expect(shapeProblems([withLogs], shape)).toEqual([]);
    const renamed: Json = { ...withLogs, block_number: withLogs['blockNumber'] };
    delete renamed['blockNumber'];
    expect(shapeProblems([renamed], shape)).toEqual(['[].block_number: not in the recording', '[].blockNumber: missing']);
    expect(shapeProblems([{ ...withLogs, blockTimeStamp: '1623056091000' }], shape)).toEqual([
      '[].blockTimeStamp: string where the recording has number',
    ]);
  });

  it('getnowblock (an empty block: java-tron leaves out empty transactions)', async () => {
    await devnet.mine(1);
    expect(blockProblems(await call('/wallet/getnowblock'), { optional: ['transactions'] })).toEqual([]);
  });

  it('getblockbynum (TransferContract and TriggerSmartContract transactions)', async () => {
    expect(blockProblems(await call('/wallet/getblockbynum', { num: paymentBlock }))).toEqual([]);
  });

  it('getblockbylimitnext', async () => {
    const page = (await call('/wallet/getblockbylimitnext', { startNum: paymentBlock, endNum: paymentBlock + 2 })) as { block: unknown[] };
    expect(Object.keys(page)).toEqual(Object.keys(fixture('getblockbylimitnext').response as Json));
    expect(page.block.flatMap((block) => blockProblems(block, { optional: ['transactions'] }))).toEqual([]);
  });

  it('gettransactioninfobyblocknum (TRX transfer + TRC-20 transfer with its log)', async () => {
    const infos = await call('/wallet/gettransactioninfobyblocknum', { num: paymentBlock });
    expect(shapeProblems(infos, shapeOf(recordedInfos()))).toEqual([]);
  });

  it('gettransactioninfobyid', async () => {
    expect(shapeProblems(await call('/wallet/gettransactioninfobyid', { value: usdtTxId }), shapeOf(...recordedInfos()))).toEqual([]);
  });

  it('gettransactionbyid (TransferContract)', async () => {
    expect(transactionProblems(await call('/wallet/gettransactionbyid', { value: trxTxId }))).toEqual([]);
  });

  it('gettransactionbyid (TriggerSmartContract)', async () => {
    expect(transactionProblems(await call('/wallet/gettransactionbyid', { value: usdtTxId }))).toEqual([]);
  });

  it('createtransaction', async () => {
    const built = await call('/wallet/createtransaction', {
      owner_address: hex41(devnet.faucet.address),
      to_address: hex41(recipient.address),
      amount: 1_000_000,
    });
    expect(shapeProblems(built, shapeOf(fixture('createtransaction').response))).toEqual([]);
  });

  it('triggersmartcontract (transfer)', async () => {
    const built = await call('/wallet/triggersmartcontract', {
      owner_address: hex41(devnet.faucet.address),
      contract_address: hex41(devnet.tokens.USDT),
      function_selector: 'transfer(address,uint256)',
      parameter: word(hex41(recipient.address).slice(2)) + word('64'),
      fee_limit: 100_000_000,
      call_value: 0,
    });
    expect(shapeProblems(built, shapeOf(fixture('triggersmartcontract').response))).toEqual([]);
  });

  it('triggerconstantcontract (balanceOf)', async () => {
    const answer = await call('/wallet/triggerconstantcontract', {
      owner_address: hex41(devnet.faucet.address),
      contract_address: hex41(devnet.tokens.USDT),
      function_selector: 'balanceOf(address)',
      parameter: word(hex41(recipient.address).slice(2)),
    });
    expect(shapeProblems(answer, shapeOf(fixture('triggerconstantcontract').response))).toEqual([]);
  });

  it('broadcasttransaction (accepted and refused)', async () => {
    const transaction = await tronWeb.transactionBuilder.sendTrx(recipient.address, 2_000);
    const signed = await tronWeb.trx.sign(transaction);
    expect(shapeProblems(await call('/wallet/broadcasttransaction', signed), shapeOf(fixture('broadcasttransaction-success').response))).toEqual([]);
    const refused = await call('/wallet/broadcasttransaction', signed);
    expect(shapeProblems(refused, shapeOf(fixture('broadcasttransaction-error').response))).toEqual([]);
  });

  it('getaccount (no TRC-10 holdings on the devnet, so no assetV2)', async () => {
    const account = await call('/wallet/getaccount', { address: hex41(devnet.faucet.address) });
    expect(
      shapeProblems(account, shapeOf(fixture('getaccount').response), { optional: ['assetV2', 'free_asset_net_usageV2'] }),
    ).toEqual([]);
  });

  it('getcontract (the whole ABI; consume_user_resource_percent is in java-tron’s field table)', async () => {
    const contract = await call('/wallet/getcontract', { value: hex41(devnet.tokens.USDT) });
    expect(
      shapeProblems(contract, shapeOf(fixture('getcontract').response), {
        extra: ['consume_user_resource_percent', 'abi.entrys[].inputs'],
        // Events, the constructor and non-view functions have no outputs/constant/name in java-tron's ABI JSON.
        optional: ['abi.entrys[].outputs', 'abi.entrys[].constant', 'abi.entrys[].name', 'abi.entrys[].stateMutability'],
      }),
    ).toEqual([]);
  });

  it('getchainparameters', async () => {
    const parameters = await (await fetch(`${devnet.url}/wallet/getchainparameters`)).json();
    expect(shapeProblems(parameters, shapeOf(fixture('getchainparameters').response))).toEqual([]);
  });

  it('getnodeinfo (peerList and cheatWitnessInfoMap are in java-tron’s field table)', async () => {
    const info = await call('/wallet/getnodeinfo');
    expect(shapeProblems(info, shapeOf(fixture('getnodeinfo').response), { extra: ['peerList', 'cheatWitnessInfoMap'] })).toEqual([]);
  });
});
