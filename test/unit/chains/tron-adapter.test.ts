// The Tron adapter against a small loopback java-tron: blocks, transactions and transaction info
// in the shapes java-tron's HTTP API prints them (visible=false: 41-hex account addresses, log
// addresses as 20-byte hex without 41, topics/data as hex without 0x, int64 as bare JSON numbers,
// proto3 zero values omitted), plus switchable endpoint faults.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { privateKeyToAddress, sign } from 'viem/accounts';
import {
  isTronAddress,
  normalizeTronAddress,
  tronAddressFromEvmHex,
  tronAddressFromHex,
  tronAddressFromTopic,
  tronAddressToEvmHex,
  tronAddressToHex,
  tronAddressToTopic,
} from '../../../src-server/chains/tron/address.ts';
import {
  createTronAdapter,
  decodeTrc20TransferLog,
  TRC20_TRANSFER_TOPIC,
  TronInconsistentScanError,
  TronScanRangeError,
} from '../../../src-server/chains/tron/tron-adapter.ts';
import { createTronHttp, parseRetryAfter, parseTronJson, rateLimitBackoffMs, TronUnavailableError } from '../../../src-server/chains/tron/tron-http.ts';
import type { WatchSet } from '../../../src-server/chains/types.ts';
import { deriveAddressFromSeed, derivePrivateKey } from '../../../src-server/wallet/derive.ts';
import { mnemonicToSeed } from '../../../src-server/wallet/mnemonic.ts';
import { closedLoopbackPort, listenOnLoopback, readBody } from '../../helpers/rpc-proxy.ts';

const USDT = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const USDT_HEX = '41a614f803b6fd780986a42c78ec9c7f77e6ded13c';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/** A deterministic Tron address per label. */
const addr = (label: string) => tronAddressFromEvmHex(sha(`address:${label}`).slice(0, 40));
const hexOf = (address: string) => tronAddressToHex(address);

// --- address vectors -------------------------------------------------------------------------

describe('Tron addresses', () => {
  it('derives the published first address of the "abandon … about" mnemonic, and derive.ts agrees with address.ts', async () => {
    const seed = await mnemonicToSeed(ABANDON);
    expect(deriveAddressFromSeed(seed, 'tron', 0)).toBe('TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH');
    // Independently of derive.ts's Tron encoder: the EVM address of the same key behind 0x41.
    const evm = privateKeyToAddress(`0x${Buffer.from(derivePrivateKey(seed, 'tron', 0)).toString('hex')}`);
    expect(tronAddressFromEvmHex(evm)).toBe('TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH');
    expect(tronAddressToEvmHex('TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH')).toBe(evm.toLowerCase());
  });

  it.each([
    [USDT, USDT_HEX],
    ['T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb', '410000000000000000000000000000000000000000'],
  ])('%s ↔ %s', (base58, hex) => {
    expect(tronAddressToHex(base58)).toBe(hex);
    expect(tronAddressFromHex(hex)).toBe(base58);
    expect(tronAddressFromHex(`0x${hex.toUpperCase()}`)).toBe(base58);
    expect(tronAddressFromEvmHex(hex.slice(2))).toBe(base58);
    expect(normalizeTronAddress(hex)).toBe(base58);
    expect(normalizeTronAddress(base58)).toBe(base58);
  });

  it('turns 20-byte/32-byte topic forms into base58 and back', () => {
    const topic = tronAddressToTopic(USDT);
    expect(topic).toBe(`000000000000000000000000${USDT_HEX.slice(2)}`);
    expect(tronAddressFromTopic(topic)).toBe(USDT);
    expect(tronAddressFromTopic(`0x${topic}`)).toBe(USDT);
    expect(() => tronAddressFromTopic(`ff${topic.slice(2)}`)).toThrow(/not an address topic/);
  });

  it.each([
    ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u', 'a broken checksum'],
    ['tr7nhqjekqxgtci8q8zy4pl8otszgjlj6t', 'lower-cased base58'],
    ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'a Bitcoin address (valid base58check, version 0x00)'],
    ['0xa614f803b6fd780986a42c78ec9c7f77e6ded13c', 'an EVM address'],
    ['', 'nothing'],
  ])('refuses %s (%s)', (value) => {
    expect(isTronAddress(value)).toBe(false);
    expect(normalizeTronAddress(value)).toBeNull();
    expect(() => tronAddressToHex(value)).toThrow(/not a Tron address/);
  });
});

// --- pure helpers ----------------------------------------------------------------------------

describe('Tron HTTP helpers', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-1', now)).toBeNull();
  });

  it('backs off exponentially up to a cap', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((n) => rateLimitBackoffMs(n, 1000, 10_000))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('keeps int64 numbers beyond 2^53 exact', () => {
    expect(parseTronJson('{"amount":9007199254740993,"small":25,"x":[1.5]}')).toEqual({ amount: 9007199254740993n, small: 25, x: [1.5] });
  });

  it('decodes a TRC-20 Transfer log and refuses look-alikes', () => {
    const log = transferLog(USDT, addr('a'), addr('b'), 10_000_000n);
    expect(decodeTrc20TransferLog(log)).toEqual({ tokenHex: USDT_HEX, fromHex: hexOf(addr('a')), toHex: hexOf(addr('b')), amount: 10_000_000n });
    expect(decodeTrc20TransferLog({ ...log, topics: [...log.topics, '00'.repeat(32)] })).toBeNull(); // TRC-721
    expect(decodeTrc20TransferLog({ ...log, topics: ['8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925', ...log.topics.slice(1)] })).toBeNull();
    expect(decodeTrc20TransferLog({ ...log, data: '' })).toBeNull();
  });
});

// --- a loopback java-tron --------------------------------------------------------------------

type Json = Record<string, unknown>;

interface TxSpec {
  tx: Json;
  info: Json | null;
}

let txCounter = 0;
const nextTxId = () => sha(`tx:${txCounter++}`);

/** A TRX TransferContract as java-tron prints it (visible=false). */
function trxTransfer(from: string, to: string, amount: bigint, contractRet = 'SUCCESS'): TxSpec {
  const txID = nextTxId();
  return {
    tx: {
      ret: [{ contractRet }],
      signature: ['5f0a'.repeat(32) + '1b'],
      txID,
      raw_data: {
        contract: [
          {
            parameter: { value: { amount, owner_address: hexOf(from), to_address: hexOf(to) }, type_url: 'type.googleapis.com/protocol.TransferContract' },
            type: 'TransferContract',
          },
        ],
        ref_block_bytes: '8f1a',
        ref_block_hash: 'b4c8a4f2c2b7a0a1',
        expiration: 1_723_000_060_000,
        timestamp: 1_723_000_000_000,
      },
      raw_data_hex: '0a028f1a2208b4c8a4f2c2b7a0a1',
    },
    // java-tron keeps an info for plain transfers too; a node may also leave it out.
    info: { id: txID, blockNumber: 0, blockTimeStamp: 0, contractResult: [''], receipt: { net_usage: 268 } },
  };
}

function transferLog(token: string, from: string, to: string, amount: bigint) {
  return {
    address: hexOf(token).slice(2),
    topics: [TRC20_TRANSFER_TOPIC, tronAddressToTopic(from), tronAddressToTopic(to)],
    data: amount.toString(16).padStart(64, '0'),
  };
}

function approvalLog(token: string, owner: string, spender: string) {
  return {
    address: hexOf(token).slice(2),
    topics: ['8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925', tronAddressToTopic(owner), tronAddressToTopic(spender)],
    data: 'f'.repeat(64),
  };
}

/** A TriggerSmartContract (sender `owner` calling `contract`) whose execution emitted `logs`. */
function contractCall(owner: string, contract: string, logs: Json[], result: 'SUCCESS' | 'REVERT' = 'SUCCESS'): TxSpec {
  const txID = nextTxId();
  const info: Json = {
    id: txID,
    fee: 13_844_850,
    blockNumber: 0,
    blockTimeStamp: 0,
    contractResult: [result === 'SUCCESS' ? '0000000000000000000000000000000000000000000000000000000000000001' : ''],
    contract_address: hexOf(contract),
    receipt: { energy_fee: 13_499_850, energy_usage_total: 64_285, net_fee: 345_000, result },
    log: logs,
  };
  if (result !== 'SUCCESS') {
    info.result = 'FAILED';
    info.resMessage = '5452433230';
  }
  return {
    tx: {
      ret: [{ contractRet: result }],
      signature: ['7e1c'.repeat(32) + '1c'],
      txID,
      raw_data: {
        contract: [
          {
            parameter: {
              value: { data: 'a9059cbb' + '0'.repeat(128), owner_address: hexOf(owner), contract_address: hexOf(contract) },
              type_url: 'type.googleapis.com/protocol.TriggerSmartContract',
            },
            type: 'TriggerSmartContract',
          },
        ],
        ref_block_bytes: '8f1a',
        ref_block_hash: 'b4c8a4f2c2b7a0a1',
        expiration: 1_723_000_060_000,
        fee_limit: 100_000_000,
        timestamp: 1_723_000_000_000,
      },
      raw_data_hex: '0a028f1a2208b4c8a4f2c2b7a0a1',
    },
    info,
  };
}

const GENESIS_TIME_MS = 1_723_000_000_000;
const blockIdFor = (n: number, fork: string) => n.toString(16).padStart(16, '0') + sha(`block:${fork}:${n}`).slice(0, 48);

/** A chain of java-tron blocks 0..head; `txs(n)` fills block n. */
class FakeChain {
  blocks: Json[] = [];
  infos: Json[][] = [];
  constructor(head: number, txs: (n: number) => TxSpec[] = () => [], fork = 'main') {
    for (let n = 0; n <= head; n++) this.addBlock(txs(n), fork);
  }
  addBlock(specs: TxSpec[], fork = 'main'): void {
    const n = this.blocks.length;
    const timestamp = GENESIS_TIME_MS + n * 3000 + 123; // milliseconds: time is floored to seconds
    const rawData: Json = {
      number: n,
      txTrieRoot: sha(`trie:${n}`),
      witness_address: '41' + sha(`witness:${n % 27}`).slice(0, 40),
      parentHash: n === 0 ? sha('genesis parent') : (this.blocks[n - 1] as { blockID: string }).blockID,
      version: 30,
      timestamp,
    };
    if (n === 0) delete rawData.number; // proto3 JSON omits zero values
    const block: Json = { blockID: blockIdFor(n, fork), block_header: { raw_data: rawData, witness_signature: 'ab'.repeat(65) } };
    if (specs.length > 0) block.transactions = specs.map((s) => s.tx);
    this.blocks.push(block);
    this.infos.push(specs.flatMap((s) => (s.info ? [{ ...s.info, blockNumber: n, blockTimeStamp: timestamp }] : [])));
  }
  get head(): number {
    return this.blocks.length - 1;
  }
}

type Fault = 'none' | 'http503' | 'malformed' | 'wrongShape' | 'hang' | 'http429';

interface FakeNode {
  url: string;
  chain: FakeChain;
  fault: Fault;
  /** Faults answer only this many more requests, then the node is healthy again (null = forever). */
  faultBudget: number | null;
  retryAfter: string | null;
  /** Blocks getblockbylimitnext leaves out of its answers. */
  omitFromRange: Set<number>;
  /** Per block, how many more times gettransactioninfobyblocknum answers with another fork's info. */
  staleInfo: Map<number, number>;
  /** Per request: path, body, API-key header, time. */
  log: { path: string; body: Json; apiKey: string | undefined; at: number }[];
  paths(): Record<string, number>;
  close(): Promise<void>;
}

/** JSON with bigint written as a bare integer, as java-tron writes int64. */
const toJavaTronJson = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `@@${v}@@` : v)).replace(/"@@(\d+)@@"/g, '$1');

async function startFakeNode(chain: FakeChain, setup: Partial<Pick<FakeNode, 'fault' | 'faultBudget' | 'retryAfter'>> = {}): Promise<FakeNode> {
  const node = {
    chain,
    fault: setup.fault ?? 'none',
    faultBudget: setup.faultBudget ?? null,
    retryAfter: setup.retryAfter ?? null,
    omitFromRange: new Set<number>(),
    staleInfo: new Map<number, number>(),
    log: [] as FakeNode['log'],
  };

  function answer(path: string, body: Json): unknown {
    const c = node.chain;
    switch (path) {
      case '/wallet/getnowblock':
      case '/walletsolidity/getnowblock':
        return c.blocks[path.startsWith('/walletsolidity') ? Math.max(0, c.head - 19) : c.head];
      case '/wallet/getblockbynum':
        return c.blocks[Number(body.num)] ?? {};
      case '/wallet/getblockbylimitnext': {
        const start = Number(body.startNum);
        const end = Number(body.endNum);
        if (!(end > 0 && end > start && end - start <= 100)) return {};
        const list = c.blocks.slice(start, end).filter((b) => !node.omitFromRange.has(blockNumberOf(b)));
        return list.length ? { block: list } : {};
      }
      case '/wallet/gettransactioninfobyblocknum': {
        const num = Number(body.num);
        if (!(num > 0)) return {};
        const stale = node.staleInfo.get(num) ?? 0;
        if (stale > 0) {
          node.staleInfo.set(num, stale - 1);
          return [{ id: sha(`orphan:${num}`), blockNumber: num, receipt: { result: 'SUCCESS' }, log: [] }];
        }
        return c.infos[num] ?? [];
      }
      default:
        return { Error: `no servlet for ${path}` };
    }
  }

  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] as string;
    const body = (text ? JSON.parse(text) : {}) as Json;
    node.log.push({ path, body, apiKey: req.headers['tron-pro-api-key'] as string | undefined, at: Date.now() });
    let fault = node.fault;
    if (fault !== 'none' && node.faultBudget !== null) {
      if (node.faultBudget <= 0) fault = 'none';
      else node.faultBudget--;
    }
    switch (fault) {
      case 'http503':
        res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable (key secret-key-123 over quota)');
        return;
      case 'http429':
        res.writeHead(429, node.retryAfter === null ? {} : { 'retry-after': node.retryAfter }).end('{"Error":"rate limit exceeded"}');
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"blockID": "00000');
        return;
      case 'wrongShape':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"block_header": {"raw_data": {"number": "soon"}}}');
        return;
      case 'hang':
        return; // never answers; the client's timeout must fire
      default:
        res.writeHead(200, { 'content-type': 'application/json' }).end(toJavaTronJson(answer(path, body)));
    }
  });
  const listening = await listenOnLoopback(server);
  const fake = Object.assign(node, {
    url: `http://127.0.0.1:${listening.port}`,
    paths: () => {
      const counts: Record<string, number> = {};
      for (const entry of node.log) counts[entry.path] = (counts[entry.path] ?? 0) + 1;
      return counts;
    },
    close: () => listening.close(),
  });
  opened.push(fake);
  return fake;
}

const blockNumberOf = (block: Json) => Number(((block.block_header as Json).raw_data as Json).number ?? 0);

const opened: FakeNode[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((n) => n.close()));
});

const watchOf = (addresses: string[], tokens: string[] = [USDT], native = true): WatchSet => ({
  addresses: new Set(addresses),
  tokenContracts: new Set(tokens),
  native,
});

// --- the adapter -----------------------------------------------------------------------------

describe('createTronAdapter', () => {
  const merchant = addr('merchant-1');
  const merchant2 = addr('merchant-2');
  const payer = addr('payer');
  const spender = addr('exchange-hot-wallet');
  const router = addr('router-contract');
  const stranger = addr('stranger');
  const otherToken = addr('other-token');

  it('reads the head, block headers, and the solidified block', async () => {
    const node = await startFakeNode(new FakeChain(40));
    const adapter = createTronAdapter({ chain: 'tron', urls: [node.url] });
    expect(adapter.family).toBe('tron');
    expect(await adapter.getHeadNumber()).toBe(40);
    expect(await adapter.getSolidifiedNumber()).toBe(21);
    const block = await adapter.getBlock(7);
    expect(block).toEqual({
      number: 7,
      hash: blockIdFor(7, 'main'),
      parentHash: blockIdFor(6, 'main'),
      time: Math.floor((GENESIS_TIME_MS + 7 * 3000 + 123) / 1000),
    });
    expect(await adapter.getBlock(41)).toBeNull();
    expect((await adapter.getBlock(0))?.number).toBe(0); // genesis prints no number
    expect(adapter.rpcRequestCount()).toBe(5);
  });

  it('finds TRX and TRC-20 payments with every field, in block order', async () => {
    const specs: Record<number, TxSpec[]> = {
      3: [trxTransfer(payer, merchant, 25_000_000n)],
      5: [
        trxTransfer(stranger, stranger, 1n),
        contractCall(payer, USDT, [transferLog(USDT, payer, merchant2, 10_000_000n)]),
      ],
    };
    const chain = new FakeChain(8, (n) => specs[n] ?? []);
    const node = await startFakeNode(chain);
    const adapter = createTronAdapter({ chain: 'tron', urls: [node.url] });
    const result = await adapter.scanBlockRange(1, 8, watchOf([merchant, merchant2]));

    expect(result.blocks.map((b) => b.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(result.blocks[4]).toEqual({ number: 5, hash: blockIdFor(5, 'main'), parentHash: blockIdFor(4, 'main'), time: Math.floor((GENESIS_TIME_MS + 15_123) / 1000) });
    const trx = specs[3]![0]!.tx.txID as string;
    const usdt = specs[5]![1]!.tx.txID as string;
    expect(result.transfers).toEqual([
      { txid: trx, index: -1, from: payer, to: merchant, tokenContract: null, amount: 25_000_000n, blockNumber: 3, blockHash: blockIdFor(3, 'main'), blockTime: Math.floor((GENESIS_TIME_MS + 9123) / 1000) },
      { txid: usdt, index: 0, from: payer, to: merchant2, tokenContract: USDT, amount: 10_000_000n, blockNumber: 5, blockHash: blockIdFor(5, 'main'), blockTime: Math.floor((GENESIS_TIME_MS + 15_123) / 1000) },
    ]);
    // Only the block with a contract call needed its transaction info.
    expect(node.paths()).toEqual({ '/wallet/getblockbylimitnext': 1, '/wallet/gettransactioninfobyblocknum': 1 });
    expect(node.log[0]!.body).toEqual({ startNum: 1, endNum: 9 });
  });

  it('ignores failed transactions', async () => {
    const chain = new FakeChain(4, (n) =>
      n === 2
        ? [
            trxTransfer(payer, merchant, 5_000_000n, 'FAILED'),
            // A reverted call; its info even carries a log, which must not count.
            contractCall(payer, USDT, [transferLog(USDT, payer, merchant, 7_000_000n)], 'REVERT'),
          ]
        : [],
    );
    const node = await startFakeNode(chain);
    const result = await createTronAdapter({ chain: 'tron', urls: [node.url] }).scanBlockRange(1, 4, watchOf([merchant]));
    expect(result.transfers).toEqual([]);
    expect(result.blocks).toHaveLength(4);
  });

  it('ignores unwatched recipients, unwatched tokens, zero amounts, and natives when not asked', async () => {
    const chain = new FakeChain(3, (n) =>
      n === 2
        ? [
            trxTransfer(payer, stranger, 5_000_000n),
            contractCall(payer, USDT, [transferLog(USDT, payer, stranger, 1_000_000n)]),
            contractCall(payer, otherToken, [transferLog(otherToken, payer, merchant, 9_000_000n)]),
            contractCall(stranger, USDT, [transferLog(USDT, stranger, merchant, 0n)]), // address poisoning
            trxTransfer(payer, merchant, 5_000_000n),
          ]
        : [],
    );
    const node = await startFakeNode(chain);
    const adapter = createTronAdapter({ chain: 'tron', urls: [node.url] });
    const all = await adapter.scanBlockRange(1, 3, watchOf([merchant]));
    expect(all.transfers.map((t) => [t.to, t.tokenContract, t.amount])).toEqual([[merchant, null, 5_000_000n]]);
    const tokensOnly = await adapter.scanBlockRange(1, 3, watchOf([merchant], [USDT], false));
    expect(tokensOnly.transfers).toEqual([]);
    const nativeOnly = await adapter.scanBlockRange(1, 3, watchOf([merchant], []));
    expect(nativeOnly.transfers).toHaveLength(1);
    const nobody = await adapter.scanBlockRange(1, 3, watchOf([]));
    expect(nobody.transfers).toEqual([]);
    expect(nobody.blocks).toHaveLength(3);
  });

  it('catches transferFrom and contract-initiated transfers from the event logs, indexed by log position in the tx', async () => {
    const pulled = contractCall(spender, USDT, [
      approvalLog(USDT, payer, spender),
      transferLog(USDT, payer, merchant, 30_000_000n), // transferFrom: tx sender ≠ from
    ]);
    const routed = contractCall(stranger, router, [
      transferLog(otherToken, stranger, router, 1n),
      transferLog(USDT, router, merchant, 12_345_678n), // the router contract pays
      transferLog(USDT, router, merchant, 1n),
    ]);
    const chain = new FakeChain(2, (n) => (n === 2 ? [pulled, routed] : []));
    const node = await startFakeNode(chain);
    const result = await createTronAdapter({ chain: 'tron', urls: [node.url] }).scanBlockRange(2, 2, watchOf([merchant]));
    expect(result.transfers.map((t) => ({ txid: t.txid, index: t.index, from: t.from, amount: t.amount }))).toEqual([
      { txid: pulled.tx.txID, index: 1, from: payer, amount: 30_000_000n },
      { txid: routed.tx.txID, index: 1, from: router, amount: 12_345_678n },
      { txid: routed.tx.txID, index: 2, from: router, amount: 1n },
    ]);
  });

  it('takes 41-hex watch entries too, answers in base58, and warns once about an unreadable entry', async () => {
    const chain = new FakeChain(2, (n) => (n === 2 ? [trxTransfer(payer, merchant, 3n), contractCall(payer, USDT, [transferLog(USDT, payer, merchant, 4n)])] : []));
    const node = await startFakeNode(chain);
    const warnings: object[] = [];
    const noop = () => {};
    const logger = { debug: noop, info: noop, error: noop, warn: (obj: object) => warnings.push(obj) };
    const adapter = createTronAdapter({ chain: 'tron', urls: [node.url], logger });
    const watch = watchOf([hexOf(merchant), 'not-an-address'], [USDT_HEX]);
    for (let i = 0; i < 2; i++) {
      const result = await adapter.scanBlockRange(2, 2, watch);
      expect(result.transfers.map((t) => [t.to, t.tokenContract, t.amount])).toEqual([
        [merchant, null, 3n],
        [merchant, USDT, 4n],
      ]);
    }
    expect(warnings).toEqual([{ chain: 'tron', value: 'not-an-address' }]);
  });

  it('keeps amounts exact beyond 2^53', async () => {
    const big = 9_007_199_254_740_993n;
    const huge = 2n ** 200n + 1n;
    const chain = new FakeChain(2, (n) => (n === 2 ? [trxTransfer(payer, merchant, big), contractCall(payer, USDT, [transferLog(USDT, payer, merchant, huge)])] : []));
    const node = await startFakeNode(chain);
    const result = await createTronAdapter({ chain: 'tron', urls: [node.url] }).scanBlockRange(2, 2, watchOf([merchant]));
    expect(result.transfers.map((t) => t.amount)).toEqual([big, huge]);
  });

  it('sends a flat number of requests per block whatever the watch set: 10 vs 10,000 addresses', async () => {
    const blocks = 250;
    const receivers = Array.from({ length: 10_000 }, (_, i) => addr(`receiver-${i}`));
    const chain = new FakeChain(blocks, (n) =>
      n === 0 ? [] : [trxTransfer(payer, receivers[n % 10]!, 1_000_000n), contractCall(payer, USDT, [transferLog(USDT, payer, receivers[(n * 7) % 10_000]!, 2_000_000n)])],
    );
    const node = await startFakeNode(chain);
    const counts: number[] = [];
    const found: number[] = [];
    for (const watched of [receivers.slice(0, 10), receivers]) {
      const adapter = createTronAdapter({ chain: 'tron', urls: [node.url] });
      const result = await adapter.scanBlockRange(1, blocks, watchOf(watched));
      counts.push(adapter.rpcRequestCount());
      found.push(result.transfers.length);
    }
    // 3 × getblockbylimitnext (100 + 100 + 50 blocks) + 1 × gettransactioninfobyblocknum per block.
    expect(counts).toEqual([blocks + 3, blocks + 3]);
    expect(found[1]).toBe(2 * blocks);
    expect(found[0]).toBeLessThan(found[1]!);
  });

  it('fetches blocks the node left out of getblockbylimitnext one by one, never skipping them', async () => {
    const chain = new FakeChain(10, (n) => (n === 4 || n === 7 ? [trxTransfer(payer, merchant, BigInt(n))] : []));
    const node = await startFakeNode(chain);
    node.omitFromRange = new Set([4, 7, 10]);
    const result = await createTronAdapter({ chain: 'tron', urls: [node.url] }).scanBlockRange(1, 10, watchOf([merchant], []));
    expect(result.blocks.map((b) => b.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.transfers.map((t) => t.blockNumber)).toEqual([4, 7]);
    expect(node.paths()).toEqual({ '/wallet/getblockbylimitnext': 1, '/wallet/getblockbynum': 3 });
  });

  it('refuses to scan past the head', async () => {
    const node = await startFakeNode(new FakeChain(5));
    const adapter = createTronAdapter({ chain: 'tron', urls: [node.url] });
    await expect(adapter.scanBlockRange(4, 6, watchOf([merchant]))).rejects.toThrow(TronScanRangeError);
    await expect(adapter.scanBlockRange(5, 4, watchOf([merchant]))).rejects.toThrow(/invalid block range/);
  });

  it('rescans when the transaction info belongs to another fork than the block, and gives up loudly', async () => {
    const chain = new FakeChain(3, (n) => (n === 2 ? [contractCall(payer, USDT, [transferLog(USDT, payer, merchant, 5n)])] : []));
    const node = await startFakeNode(chain);
    node.staleInfo.set(2, 1);
    const adapter = createTronAdapter({ chain: 'tron', urls: [node.url] });
    const result = await adapter.scanBlockRange(1, 3, watchOf([merchant]));
    expect(result.transfers.map((t) => t.amount)).toEqual([5n]);
    expect(node.paths()['/wallet/gettransactioninfobyblocknum']).toBe(2);

    node.staleInfo.set(2, 10);
    await expect(adapter.scanBlockRange(1, 3, watchOf([merchant]))).rejects.toThrow(TronInconsistentScanError);
  });

  it('rescans when a block does not extend the one before it', async () => {
    const chain = new FakeChain(6);
    const node = await startFakeNode(chain);
    // Block 4 from another fork: its parent is not our block 3.
    const forked = new FakeChain(6, () => [], 'side');
    chain.blocks[4] = forked.blocks[4]!;
    const adapter = createTronAdapter({ chain: 'tron', urls: [node.url] });
    await expect(adapter.scanBlockRange(1, 6, watchOf([merchant]))).rejects.toThrow(/does not extend/);
    expect(node.paths()['/wallet/getblockbylimitnext']).toBe(3); // three attempts
  });
});

// --- endpoints: failover, rate limits, faults, API key ----------------------------------------

describe('Tron endpoint failover', () => {
  const merchant = addr('merchant-1');
  const payer = addr('payer');

  it('fails over from a 503 endpoint and reports its health', async () => {
    const chain = new FakeChain(5, (n) => (n === 3 ? [contractCall(payer, USDT, [transferLog(USDT, payer, merchant, 42n)])] : []));
    const broken = await startFakeNode(chain, { fault: 'http503' });
    const healthy = await startFakeNode(chain);
    const adapter = createTronAdapter({ chain: 'tron', urls: [broken.url, healthy.url], apiKey: 'secret-key-123' });
    const result = await adapter.scanBlockRange(1, 5, watchOf([merchant]));
    expect(result.transfers.map((t) => t.amount)).toEqual([42n]);
    const [bad, good] = adapter.rpcHealth();
    expect(bad).toMatchObject({ url: broken.url, ok: false, requests: 1, failures: 1 });
    expect(bad!.lastError).toMatch(/HTTP 503/);
    expect(bad!.lastError).not.toContain('secret-key-123');
    expect(good).toMatchObject({ url: healthy.url, ok: true, failures: 0 });
    // The broken endpoint sits out its cool-down: the next request goes straight to the healthy one.
    await adapter.getHeadNumber();
    expect(broken.log).toHaveLength(1);
    expect(adapter.rpcRequestCount()).toBe(broken.log.length + healthy.log.length);
  });

  it('fails over when an endpoint answers malformed JSON or the wrong shape, without crashing', async () => {
    const chain = new FakeChain(5);
    for (const fault of ['malformed', 'wrongShape'] as const) {
      const bad = await startFakeNode(chain, { fault });
      const good = await startFakeNode(chain);
      const adapter = createTronAdapter({ chain: 'tron', urls: [bad.url, good.url] });
      expect(await adapter.getHeadNumber()).toBe(5);
      expect(adapter.rpcHealth()[0]!.lastError).toMatch(fault === 'malformed' ? /not JSON/ : /unexpected response/);
    }
  });

  it('fails over from an endpoint that hangs, after the per-request timeout', async () => {
    const chain = new FakeChain(5);
    const hanging = await startFakeNode(chain, { fault: 'hang' });
    const good = await startFakeNode(chain);
    const adapter = createTronAdapter({ chain: 'tron', urls: [hanging.url, good.url], timeoutMs: 200 });
    const started = Date.now();
    expect(await adapter.getHeadNumber()).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(adapter.rpcHealth()[0]!.lastError).toMatch(/timed out after 200 ms/);
  });

  it('throws a typed error naming every endpoint when all fail', async () => {
    const chain = new FakeChain(5);
    const bad = await startFakeNode(chain, { fault: 'http503' });
    const refused = `http://127.0.0.1:${await closedLoopbackPort()}`;
    const adapter = createTronAdapter({ chain: 'tron', urls: [bad.url, refused] });
    const error = await adapter.getHeadNumber().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TronUnavailableError);
    expect((error as Error).message).toMatch(/HTTP 503.*connection failed/);
  });

  it('honours Retry-After on a 429 before asking the same endpoint again', async () => {
    const node = await startFakeNode(new FakeChain(5), { fault: 'http429', faultBudget: 1, retryAfter: '1' });
    const adapter = createTronAdapter({ chain: 'tron', urls: [node.url] });
    expect(await adapter.getHeadNumber()).toBe(5);
    expect(node.log).toHaveLength(2);
    expect(node.log[1]!.at - node.log[0]!.at).toBeGreaterThanOrEqual(990);
    expect(adapter.rpcHealth()[0]).toMatchObject({ ok: true, requests: 2, failures: 1 });
  });

  it('moves to another endpoint at once on a 429 and leaves the limited one alone until Retry-After', async () => {
    const chain = new FakeChain(5);
    const limited = await startFakeNode(chain, { fault: 'http429', retryAfter: '30' });
    const other = await startFakeNode(chain);
    const adapter = createTronAdapter({ chain: 'tron', urls: [limited.url, other.url] });
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect(await adapter.getHeadNumber()).toBe(5);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(limited.log).toHaveLength(1);
    expect(other.log).toHaveLength(3);
    expect(adapter.rpcHealth()[0]!.lastError).toMatch(/429.*Retry-After 30 s/);
  });

  it('backs off exponentially on 429s without Retry-After, and gives up past its wait bound', async () => {
    const node = await startFakeNode(new FakeChain(5), { fault: 'http429', faultBudget: 2 });
    const http = createTronHttp({ chain: 'tron', urls: [node.url], backoffBaseMs: 150, backoffCapMs: 10_000 });
    const head = await http.post('/wallet/getnowblock', {}, (json) => (json as { blockID: string }).blockID);
    expect(head).toBe(blockIdFor(5, 'main'));
    const gaps = node.log.slice(1).map((entry, i) => entry.at - node.log[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(145);
    expect(gaps[1]).toBeGreaterThanOrEqual(295);

    node.faultBudget = null; // limited for good
    node.retryAfter = '60';
    const impatient = createTronHttp({ chain: 'tron', urls: [node.url], maxRateLimitWaitMs: 500 });
    await expect(impatient.post('/wallet/getnowblock', {}, (json) => json)).rejects.toThrow(/rate limited for 60 s more/);
  });

  it('sends the TronGrid API key header on every request and never shows it', async () => {
    const node = await startFakeNode(new FakeChain(3, (n) => (n === 2 ? [contractCall(payer, USDT, [transferLog(USDT, payer, merchant, 1n)])] : [])));
    const adapter = createTronAdapter({ chain: 'tron', urls: [`${node.url}/?apikey=other-secret`], apiKey: 'secret-key-123' });
    await adapter.scanBlockRange(1, 3, watchOf([merchant]));
    await adapter.getBlock(1);
    expect(node.log.length).toBeGreaterThanOrEqual(3);
    expect(node.log.every((entry) => entry.apiKey === 'secret-key-123')).toBe(true);
    expect(JSON.stringify(adapter.rpcHealth())).not.toMatch(/secret/);

    const keyless = await startFakeNode(new FakeChain(3));
    await createTronAdapter({ chain: 'tron', urls: [keyless.url] }).getHeadNumber();
    expect(keyless.log[0]!.apiKey).toBeUndefined();
  });
});

// --- against the Tron devnet, when it is there -----------------------------------------------

const devnetFile = fileURLToPath(new URL('../../../src-server/chains/devnet/tron/tron-devnet.ts', import.meta.url));

interface TronDevnetHandle {
  url: string;
  faucet: { address: string; privateKey: string };
  tokens: { USDT: string };
  mine(n: number): Promise<number>;
  reorg(depth: number): Promise<unknown> | unknown;
  setFault(mode: 'none' | 'http429' | 'http503' | 'hang' | 'malformed'): void;
  stop(): Promise<unknown> | unknown;
}

async function devnetCall(url: string, path: string, body: Json): Promise<Json> {
  const response = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as Json;
}

/** Signs an unsigned java-tron transaction as TronWeb does (r‖s‖v, v = 27/28) and broadcasts it. */
async function devnetSignAndBroadcast(url: string, tx: Json, privateKey: string): Promise<void> {
  const key = (privateKey.startsWith('0x') ? privateKey : `0x${privateKey}`) as `0x${string}`;
  const signature = await sign({ hash: `0x${tx.txID as string}`, privateKey: key });
  const v = ((signature.yParity ?? 0) + 27).toString(16);
  const answer = await devnetCall(url, '/wallet/broadcasttransaction', { ...tx, signature: [signature.r.slice(2).padStart(64, '0') + signature.s.slice(2).padStart(64, '0') + v] });
  expect(answer).toMatchObject({ result: true });
}

describe.skipIf(!existsSync(devnetFile))('Tron adapter against the Tron devnet', () => {
  it('detects a TRX and a USDT payment sent the way TronWeb sends them, at two requests per block', async () => {
    const { startTronDevnet } = (await import(devnetFile)) as { startTronDevnet: (o: { blockTimeMs?: number }) => Promise<TronDevnetHandle> };
    const devnet = await startTronDevnet({ blockTimeMs: 0 });
    try {
      const merchant = addr('devnet-merchant');
      const { faucet, url } = devnet;
      const trx = await devnetCall(url, '/wallet/createtransaction', { owner_address: faucet.address, to_address: merchant, amount: 7_000_000, visible: true });
      await devnetSignAndBroadcast(url, trx, faucet.privateKey);
      const trigger = await devnetCall(url, '/wallet/triggersmartcontract', {
        owner_address: faucet.address,
        contract_address: devnet.tokens.USDT,
        function_selector: 'transfer(address,uint256)',
        parameter: tronAddressToTopic(merchant) + (10_500_000n).toString(16).padStart(64, '0'),
        fee_limit: 100_000_000,
        call_value: 0,
        visible: true,
      });
      await devnetSignAndBroadcast(url, trigger.transaction as Json, faucet.privateKey);
      const head = await devnet.mine(1);

      const adapter = createTronAdapter({ chain: 'tron', urls: [url] });
      const result = await adapter.scanBlockRange(head, head, watchOf([merchant], [devnet.tokens.USDT]));
      expect(result.transfers.map((t) => ({ txid: t.txid, index: t.index, from: t.from, to: t.to, token: t.tokenContract, amount: t.amount }))).toEqual([
        { txid: trx.txID, index: -1, from: faucet.address, to: merchant, token: null, amount: 7_000_000n },
        { txid: (trigger.transaction as Json).txID, index: 0, from: faucet.address, to: merchant, token: devnet.tokens.USDT, amount: 10_500_000n },
      ]);
      expect(adapter.rpcRequestCount()).toBe(2);
    } finally {
      await devnet.stop();
    }
  });

  it('follows the head, scans linked blocks, sees a reorg by block id, and survives faults', async () => {
    const { startTronDevnet } = (await import(devnetFile)) as { startTronDevnet: (o: { blockTimeMs?: number }) => Promise<TronDevnetHandle> };
    const devnet = await startTronDevnet({ blockTimeMs: 60_000 });
    try {
      const adapter = createTronAdapter({ chain: 'tron', urls: [devnet.url], timeoutMs: 2000, maxRateLimitWaitMs: 0 });
      const before = await adapter.getHeadNumber();
      await devnet.mine(3);
      const head = await adapter.getHeadNumber();
      expect(head).toBeGreaterThanOrEqual(before + 3);
      const from = Math.max(1, head - 2);
      const scan = await adapter.scanBlockRange(from, head, watchOf([addr('devnet-nobody')]));
      expect(scan.blocks.map((b) => b.number)).toEqual(Array.from({ length: head - from + 1 }, (_, i) => from + i));
      const tip = await adapter.getBlock(head);
      await devnet.reorg(1);
      const replaced = await adapter.getBlock(head);
      expect(replaced?.hash).not.toBe(tip?.hash);

      devnet.setFault('malformed');
      await expect(adapter.getHeadNumber()).rejects.toThrow(TronUnavailableError);
      devnet.setFault('none');
      expect(await adapter.getHeadNumber()).toBeGreaterThanOrEqual(head);
    } finally {
      await devnet.stop();
    }
  });
});
