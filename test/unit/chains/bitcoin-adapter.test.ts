// The UTXO adapter (Bitcoin, Litecoin) against a loopback node written here: real blocks and
// transactions built with bitcoinjs-lib (real merkle roots and witness commitments), served as
// Esplora REST (raw blocks, JSON transactions with satoshi integers) and as bitcoind JSON-RPC
// (getblock verbosity 2 with BTC values printed like 0.00050000 and 21000000.00000000), from the
// same chain, so both backends can be held to give identical transfers.
//
// Response shapes follow Esplora's API docs (github.com/Blockstream/esplora/blob/master/API.md)
// and Bitcoin Core's RPC help (getblock, getrawtransaction, getmempoolentry, error codes -5/-8/-28).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { address as btcAddress, Block, networks, Transaction } from 'bitcoinjs-lib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { interpretRpcAnswer, parseBitcoindTransaction } from '../../../src-server/chains/bitcoin/bitcoind-backend.ts';
import type { EsploraBackend } from '../../../src-server/chains/bitcoin/esplora-backend.ts';
import { parseJsonKeepingAmounts, satsFromCoinDecimal } from '../../../src-server/chains/bitcoin/json-amounts.ts';
import {
  addressOfOutputScript,
  canonicalUtxoAddress,
  DEFAULT_DUST_THRESHOLD_SATS,
  litecoinNetwork,
  outputScriptHex,
  type UtxoNetwork,
} from '../../../src-server/chains/bitcoin/networks.ts';
import { parseRawBlock } from '../../../src-server/chains/bitcoin/raw-block.ts';
import { MempoolTxCache } from '../../../src-server/chains/bitcoin/utxo-backend.ts';
import { createUtxoAdapter, type UtxoAdapter, type UtxoAdapterOptions } from '../../../src-server/chains/bitcoin/utxo-adapter.ts';
import { UtxoMalformedResponseError, UtxoUnavailableError } from '../../../src-server/chains/bitcoin/utxo-http.ts';
import type { DetectedTransfer, WatchSet } from '../../../src-server/chains/types.ts';
import { deriveAddressFromSeed } from '../../../src-server/wallet/derive.ts';
import { mnemonicToSeed } from '../../../src-server/wallet/mnemonic.ts';
import { closedLoopbackPort, listenOnLoopback, readBody } from '../../helpers/rpc-proxy.ts';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const COIN = 100_000_000n;

const sha = (text: string) => createHash('sha256').update(text).digest();
const params = (network: UtxoNetwork) => (network === 'bitcoin' ? networks.bitcoin : litecoinNetwork);
/** A P2WPKH address nobody derived, for big watch sets and unwatched outputs. */
const syntheticAddress = (network: UtxoNetwork, label: string) => btcAddress.toBech32(sha(`addr:${label}`).subarray(0, 20), 0, params(network).bech32);

let btc: string[] = [];
let ltc: string[] = [];

beforeAll(async () => {
  const seed = await mnemonicToSeed(ABANDON);
  btc = Array.from({ length: 10 }, (_, i) => deriveAddressFromSeed(seed, 'btc', i));
  ltc = Array.from({ length: 10 }, (_, i) => deriveAddressFromSeed(seed, 'ltc', i));
});

// --- building real transactions and blocks ---------------------------------------------------------

let fundingCounter = 0;

interface Payment {
  to: string;
  sats: bigint;
}

interface BuiltTx {
  tx: Transaction;
  /** Who "paid": the address of the spent output, for Esplora's prevout. */
  payer: string;
  payerValue: bigint;
}

function paymentTx(network: UtxoNetwork, outputs: readonly Payment[], options: { rbf?: boolean } = {}): BuiltTx {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(sha(`funding:${fundingCounter++}`), 0, options.rbf ? 0xffff_fffd : 0xffff_ffff);
  for (const output of outputs) tx.addOutput(btcAddress.toOutputScript(output.to, params(network)), output.sats);
  // A P2WPKH spend's witness shape: signature, compressed public key.
  tx.setWitness(0, [Buffer.alloc(71, 0x30), Buffer.concat([Buffer.from([0x02]), sha('pubkey').subarray(0, 32)])]);
  const total = outputs.reduce((sum, o) => sum + o.sats, 0n);
  return { tx, payer: syntheticAddress(network, `payer:${fundingCounter}`), payerValue: total + 1_000n };
}

function coinbaseTx(network: UtxoNetwork, height: number, reward: Payment): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  const heightScript = Buffer.alloc(4);
  heightScript.writeUInt32LE(height);
  tx.addInput(Buffer.alloc(32), 0xffff_ffff, 0xffff_ffff, Buffer.concat([Buffer.from([0x04]), heightScript]));
  tx.addOutput(btcAddress.toOutputScript(reward.to, params(network)), reward.sats);
  tx.setWitness(0, [Buffer.alloc(32)]);
  return tx;
}

const reverseHex = (hex: string) => Buffer.from(hex, 'hex').reverse();

/** The same block with one output value of its last transaction changed, header untouched. */
function tamperedRaw(raw: Buffer): Buffer {
  const block = Block.fromBuffer(raw);
  const last = (block.transactions ?? [])[(block.transactions ?? []).length - 1] as Transaction;
  (last.outs[0] as { value: bigint }).value += 1n;
  return Buffer.from(block.toBuffer());
}

/** A block with a correct merkle root and BIP141 witness commitment. */
function buildBlock(network: UtxoNetwork, parentHash: string, height: number, time: number, txs: Transaction[], coinbaseTo: string): Block {
  const coinbase = coinbaseTx(network, height, { to: coinbaseTo, sats: 6_25000000n });
  const all = [coinbase, ...txs];
  const commitment = Block.calculateMerkleRoot(all, true);
  coinbase.addOutput(Buffer.concat([Buffer.from('6a24aa21a9ed', 'hex'), commitment]), 0n);
  const block = new Block();
  block.version = 0x2000_0000;
  block.prevHash = reverseHex(parentHash);
  block.merkleRoot = Block.calculateMerkleRoot(all);
  block.timestamp = time;
  block.bits = 0x207f_ffff;
  block.nonce = height;
  block.transactions = all;
  return block;
}

// --- Litecoin's MWEB serialization: HogEx with flag 0x08, extension block after the tx list ----

function varInt(n: number): Buffer {
  if (n < 0xfd) return Buffer.from([n]);
  const b = Buffer.alloc(3);
  b[0] = 0xfd;
  b.writeUInt16LE(n, 1);
  return b;
}

function hogExBytes(tx: Transaction): Buffer {
  const plain = Buffer.from(tx.toBuffer()); // no witness: version | vin | vout | locktime
  const version = plain.subarray(0, 4);
  const body = plain.subarray(4, plain.length - 4);
  const locktime = plain.subarray(plain.length - 4);
  return Buffer.concat([version, Buffer.from([0x00, 0x08]), body, Buffer.from([0x00]), locktime]);
}

function litecoinMwebRawBlock(block: Block, hogEx: Transaction): Buffer {
  const txs = block.transactions ?? [];
  const parts = [Buffer.from(block.toBuffer(true)), varInt(txs.length + 1)];
  for (const tx of txs) parts.push(Buffer.from(tx.toBuffer()));
  parts.push(hogExBytes(hogEx), Buffer.from([0x01]), sha('mweb extension block'), sha('kernel'));
  return Buffer.concat(parts);
}

// --- the loopback node -----------------------------------------------------------------------------

interface StoredBlock {
  height: number;
  hash: string;
  block: Block;
  raw: Buffer;
  txs: Transaction[];
}

type Fault = null | 'http503' | 'warmup' | 'tamper';

/** A number printed as JSON exactly as bitcoind prints BTC amounts: 8 decimals. */
function btcText(sats: bigint): string {
  return `${sats / COIN}.${(sats % COIN).toString().padStart(8, '0')}`;
}

/** JSON text where {$raw: "…"} placeholders become bare JSON numbers. */
function rawJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && '$raw' in v ? `\u0000${(v as { $raw: string }).$raw}\u0000` : v)).replace(
    /"\\u0000([^"\\]+)\\u0000"/g,
    '$1',
  );
}

class FakeNode {
  readonly network: UtxoNetwork;
  readonly blocks: StoredBlock[] = [];
  /** Every block ever made, reorged-out ones included: served by hash, as real nodes do. */
  readonly byHash = new Map<string, StoredBlock>();
  /** Called after each request is counted (to move the chain under a scan). */
  hook: ((route: string) => void) | null = null;
  readonly mempool = new Map<string, BuiltTx>();
  readonly payers = new Map<string, BuiltTx>();
  readonly counts: Record<string, number> = {};
  fault: Fault = null;
  txindex = false;
  /** Required Basic credentials (user:pass), or null. */
  credentials: string | null = null;
  url = '';
  private closeServer: (() => Promise<void>) | null = null;

  constructor(network: UtxoNetwork) {
    this.network = network;
    const genesis = buildBlock(network, '00'.repeat(32), 0, 1_700_000_000, [], syntheticAddress(network, 'miner'));
    this.push({ height: 0, hash: genesis.getId(), block: genesis, raw: Buffer.from(genesis.toBuffer()), txs: genesis.transactions ?? [] });
  }

  get tip(): StoredBlock {
    return this.blocks[this.blocks.length - 1] as StoredBlock;
  }

  private push(stored: StoredBlock): StoredBlock {
    this.blocks.push(stored);
    this.byHash.set(stored.hash, stored);
    return stored;
  }

  /** Mines `built` (and whatever the mempool holds when `includeMempool`) into a new block. */
  mine(built: BuiltTx[] = [], options: { includeMempool?: boolean; hogEx?: boolean; coinbaseTo?: string } = {}): StoredBlock {
    const all = [...built];
    if (options.includeMempool) all.push(...this.mempool.values());
    for (const b of all) {
      this.mempool.delete(b.tx.getId());
      this.payers.set(b.tx.getId(), b);
    }
    const height = this.blocks.length;
    const block = buildBlock(
      this.network,
      this.tip.hash,
      height,
      1_700_000_000 + height * 600,
      all.map((b) => b.tx),
      options.coinbaseTo ?? syntheticAddress(this.network, 'miner'),
    );
    if (!options.hogEx) return this.push({ height, hash: block.getId(), block, raw: Buffer.from(block.toBuffer()), txs: block.transactions ?? [] });
    // Litecoin: a HogEx last, the merkle root over its plain txid, the extension block after it.
    const hogEx = new Transaction();
    hogEx.version = 2;
    hogEx.addInput(sha(`hogex:${height}`), 0, 0xffff_ffff);
    hogEx.addOutput(Buffer.concat([Buffer.from([0x58, 0x20]), sha(`hogaddr:${height}`)]), 5_000_000_000n);
    const txs = [...(block.transactions ?? []), hogEx];
    block.merkleRoot = Block.calculateMerkleRoot(txs);
    const raw = litecoinMwebRawBlock(block, hogEx);
    return this.push({ height, hash: block.getId(), block, raw, txs });
  }

  broadcast(built: BuiltTx): string {
    const txid = built.tx.getId();
    this.mempool.set(txid, built);
    this.payers.set(txid, built);
    return txid;
  }

  /** Replaces the blocks from `height` on with new (empty) ones: a reorg. */
  reorgFrom(height: number): void {
    this.blocks.splice(height);
    while (this.blocks.length <= height) this.mine([], { coinbaseTo: syntheticAddress(this.network, `reorg:${this.blocks.length}`) });
  }

  private count(route: string): void {
    this.counts[route] = (this.counts[route] ?? 0) + 1;
    this.hook?.(route);
  }

  resetCounts(): void {
    for (const key of Object.keys(this.counts)) delete this.counts[key];
  }

  private findTx(txid: string): { tx: Transaction; block: StoredBlock | null } | null {
    const pending = this.mempool.get(txid);
    if (pending) return { tx: pending.tx, block: null };
    for (const block of this.blocks) {
      const tx = block.txs.find((t) => t.getId() === txid);
      if (tx) return { tx, block };
    }
    return null;
  }

  // --- Esplora ---

  private esploraTx(tx: Transaction, block: StoredBlock | null): unknown {
    const payer = this.payers.get(tx.getId());
    const coinbase = tx.isCoinbase();
    return {
      txid: tx.getId(),
      version: tx.version,
      locktime: tx.locktime,
      vin: tx.ins.map((input) => ({
        txid: Buffer.from(input.hash).reverse().toString('hex'),
        vout: input.index,
        prevout: coinbase
          ? null
          : {
              scriptpubkey: outputScriptHex(payer?.payer ?? syntheticAddress(this.network, 'x'), this.network),
              scriptpubkey_asm: '',
              scriptpubkey_type: 'v0_p2wpkh',
              scriptpubkey_address: payer?.payer,
              value: { $raw: (payer?.payerValue ?? 0n).toString() },
            },
        scriptsig: Buffer.from(input.script).toString('hex'),
        scriptsig_asm: '',
        witness: input.witness.map((w) => Buffer.from(w).toString('hex')),
        is_coinbase: coinbase,
        sequence: input.sequence,
      })),
      vout: tx.outs.map((output) => {
        const script = Buffer.from(output.script).toString('hex');
        const address = addressOfOutputScript(script, this.network);
        return { scriptpubkey: script, scriptpubkey_asm: '', scriptpubkey_type: 'v0_p2wpkh', ...(address ? { scriptpubkey_address: address } : {}), value: { $raw: output.value.toString() } };
      }),
      size: tx.byteLength(),
      weight: tx.weight(),
      fee: 1000,
      status: block ? { confirmed: true, block_height: block.height, block_hash: block.hash, block_time: block.block.timestamp } : { confirmed: false },
    };
  }

  private esplora(path: string, res: ServerResponse): void {
    const send = (status: number, body: string | Buffer, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const sendJson = (value: unknown) => send(200, rawJson(value), 'application/json');
    let m: RegExpExecArray | null;
    if (path === '/blocks/tip/height') {
      this.count('/blocks/tip/height');
      return send(200, String(this.tip.height));
    }
    if ((m = /^\/block-height\/(\d+)$/.exec(path))) {
      this.count('/block-height/:height');
      const block = this.blocks[Number(m[1])];
      return block ? send(200, block.hash) : send(404, 'Block not found');
    }
    if ((m = /^\/block\/([0-9a-f]{64})\/(header|raw)$/.exec(path))) {
      this.count(`/block/:hash/${m[2]}`);
      const block = this.byHash.get(m[1] as string);
      if (!block) return send(404, 'Block not found');
      if (m[2] === 'header') return send(200, block.block.toHex(true));
      // One output's value changed: the merkle root no longer matches.
      if (this.fault === 'tamper') return send(200, tamperedRaw(block.raw), 'application/octet-stream');
      return send(200, block.raw, 'application/octet-stream');
    }
    if (path === '/mempool/txids') {
      this.count('/mempool/txids');
      return sendJson([...this.mempool.keys()]);
    }
    if ((m = /^\/address\/([^/]+)\/txs\/mempool$/.exec(path))) {
      this.count('/address/:address/txs/mempool');
      const script = outputScriptHex(decodeURIComponent(m[1] as string), this.network);
      const txs = [...this.mempool.values()].filter((b) => b.tx.outs.some((o) => Buffer.from(o.script).toString('hex') === script));
      return sendJson(txs.map((b) => this.esploraTx(b.tx, null)));
    }
    if ((m = /^\/tx\/([0-9a-f]{64})\/status$/.exec(path))) {
      this.count('/tx/:txid/status');
      // electrs: {"confirmed":false} for whatever it cannot place in a block, known or not.
      const found = this.findTx(m[1] as string);
      return sendJson(found?.block ? (this.esploraTx(found.tx, found.block) as { status: unknown }).status : { confirmed: false });
    }
    if ((m = /^\/tx\/([0-9a-f]{64})$/.exec(path))) {
      this.count('/tx/:txid');
      const found = this.findTx(m[1] as string);
      if (!found) return send(404, 'Transaction not found');
      return sendJson(this.esploraTx(found.tx, found.block));
    }
    send(404, 'not found');
  }

  // --- bitcoind JSON-RPC ---

  private rpcTx(tx: Transaction, block: StoredBlock | null): unknown {
    const coinbase = tx.isCoinbase();
    return {
      txid: tx.getId(),
      hash: Buffer.from(tx.getHash(true)).reverse().toString('hex'),
      version: tx.version,
      size: tx.byteLength(),
      vsize: tx.virtualSize(),
      weight: tx.weight(),
      locktime: tx.locktime,
      vin: tx.ins.map((input) => ({
        ...(coinbase
          ? { coinbase: Buffer.from(input.script).toString('hex') }
          : { txid: Buffer.from(input.hash).reverse().toString('hex'), vout: input.index, scriptSig: { asm: '', hex: '' } }),
        txinwitness: input.witness.map((w) => Buffer.from(w).toString('hex')),
        sequence: input.sequence,
      })),
      vout: tx.outs.map((output, n) => {
        const hex = Buffer.from(output.script).toString('hex');
        const address = addressOfOutputScript(hex, this.network);
        return {
          ...(this.network === 'litecoin' ? { ismweb: false } : {}),
          value: { $raw: btcText(output.value) },
          n,
          scriptPubKey: { asm: '', desc: '', hex, ...(address ? { address } : {}), type: address ? 'witness_v0_keyhash' : 'nonstandard' },
        };
      }),
      hex: tx.toHex(),
      ...(block ? { blockhash: block.hash, confirmations: this.tip.height - block.height + 1, time: block.block.timestamp, blocktime: block.block.timestamp } : {}),
    };
  }

  private rpcBlockHeader(block: StoredBlock): Record<string, unknown> {
    const next = this.blocks[block.height + 1];
    return {
      hash: block.hash,
      confirmations: this.tip.height - block.height + 1,
      height: block.height,
      version: block.block.version,
      versionHex: block.block.version.toString(16).padStart(8, '0'),
      merkleroot: Buffer.from(block.block.merkleRoot as Uint8Array).reverse().toString('hex'),
      time: block.block.timestamp,
      mediantime: block.block.timestamp,
      nonce: block.block.nonce,
      bits: block.block.bits.toString(16),
      difficulty: { $raw: '4.656542373906925e-10' },
      chainwork: '00'.repeat(31) + '02',
      nTx: block.txs.length,
      ...(block.height > 0 ? { previousblockhash: (this.blocks[block.height - 1] as StoredBlock).hash } : {}),
      ...(next ? { nextblockhash: next.hash } : {}),
    };
  }

  private rpc(method: string, rpcParams: unknown[]): { result?: unknown; error?: { code: number; message: string } } {
    this.count(method);
    if (this.fault === 'warmup') return { error: { code: -28, message: 'Loading block index…' } };
    const blockByHash = (hash: unknown) => this.byHash.get(hash as string);
    switch (method) {
      case 'getblockcount':
        return { result: this.tip.height };
      case 'getblockhash': {
        const block = this.blocks[rpcParams[0] as number];
        return block ? { result: block.hash } : { error: { code: -8, message: 'Block height out of range' } };
      }
      case 'getblockheader': {
        const block = blockByHash(rpcParams[0]);
        return block ? { result: this.rpcBlockHeader(block) } : { error: { code: -5, message: 'Block not found' } };
      }
      case 'getblock': {
        const block = blockByHash(rpcParams[0]);
        if (!block) return { error: { code: -5, message: 'Block not found' } };
        const verbosity = rpcParams[1] ?? 1;
        const tx = verbosity === 2 ? block.txs.map((t) => this.rpcTx(t, block)) : block.txs.map((t) => t.getId());
        return { result: { ...this.rpcBlockHeader(block), strippedsize: block.raw.length, size: block.raw.length, weight: block.raw.length * 4, tx } };
      }
      case 'getrawmempool':
        return { result: [...this.mempool.keys()] };
      case 'getmempoolentry': {
        const pending = this.mempool.get(rpcParams[0] as string);
        return pending ? { result: { vsize: pending.tx.virtualSize(), 'bip125-replaceable': pending.tx.ins.some((i) => i.sequence < 0xffff_fffe) } } : { error: { code: -5, message: 'Transaction not in mempool' } };
      }
      case 'getrawtransaction': {
        const found = this.findTx(rpcParams[0] as string);
        if (!found || (found.block && !this.txindex)) {
          return {
            error: {
              code: -5,
              message: this.txindex
                ? 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.'
                : 'No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries. Use gettransaction for wallet transactions.',
            },
          };
        }
        return { result: this.rpcTx(found.tx, found.block) };
      }
      default:
        return { error: { code: -32601, message: 'Method not found' } };
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.credentials !== null) {
      const expected = `Basic ${Buffer.from(this.credentials).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        this.count('unauthorized');
        res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' });
        return void res.end();
      }
    }
    if (this.fault === 'http503') {
      this.count('http503');
      res.writeHead(503, { 'content-type': 'text/html' });
      return void res.end('<html>upstream unavailable</html>');
    }
    if (req.method === 'POST') {
      const request = JSON.parse(await readBody(req)) as { id: unknown; method: string; params?: unknown[] };
      const answer = this.rpc(request.method, request.params ?? []);
      // Legacy JSON-RPC 1.0 as bitcoind speaks it: errors ride on HTTP 500 (404 for unknown methods).
      const status = answer.error ? (answer.error.code === -32601 ? 404 : 500) : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      return void res.end(`${rawJson({ result: answer.result ?? null, error: answer.error ?? null, id: request.id })}\n`);
    }
    this.esplora(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api/, ''), res);
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
    const { port, close } = await listenOnLoopback(server);
    this.url = `http://127.0.0.1:${port}`;
    this.closeServer = close;
    return this;
  }

  async stop(): Promise<void> {
    await this.closeServer?.();
  }
}

const nodes: FakeNode[] = [];
async function startNode(network: UtxoNetwork = 'bitcoin'): Promise<FakeNode> {
  const node = await new FakeNode(network).start();
  nodes.push(node);
  return node;
}

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

function adapterFor(node: FakeNode, kind: 'esplora' | 'bitcoind', extra: Partial<UtxoAdapterOptions> = {}, urls = [kind === 'esplora' ? `${node.url}/api` : node.url]): UtxoAdapter {
  return createUtxoAdapter({ chain: node.network, network: node.network, backend: { kind, urls }, cooldownMs: 60_000, timeoutMs: 5_000, ...extra });
}

const watchOf = (addresses: Iterable<string>): WatchSet => ({ addresses: new Set(addresses), tokenContracts: new Set(), native: true });

// --- addresses and amounts -------------------------------------------------------------------------

describe('UTXO addresses', () => {
  it('derive.ts gives the published BIP84 vectors of the "abandon … about" mnemonic, in canonical form', () => {
    expect(btc[0]).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    expect(btc[1]).toBe('bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g');
    expect(ltc[0]).toBe('ltc1qjmxnz78nmc8nq77wuxh25n2es7rzm5c2rkk4wh');
    expect(canonicalUtxoAddress(btc[0] as string, 'bitcoin')).toBe(btc[0]);
    expect(canonicalUtxoAddress(ltc[0] as string, 'litecoin')).toBe(ltc[0]);
  });

  it.each([
    ['BC1QCR8TE4KR609GCAWUTMRZA0J4XV80JY8Z306FYU', 'bitcoin', 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'upper-case bech32 → lower case'],
    ['bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyU', 'bitcoin', null, 'mixed-case bech32'],
    ['bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyv', 'bitcoin', null, 'a broken checksum'],
    ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'bitcoin', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'legacy base58, kept as is'],
    ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'litecoin', null, 'a Bitcoin address on Litecoin'],
    ['ltc1qjmxnz78nmc8nq77wuxh25n2es7rzm5c2rkk4wh', 'bitcoin', null, 'a Litecoin address on Bitcoin'],
    ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'bitcoin', null, 'an EVM address'],
  ] as const)('%s on %s → %s (%s)', (input, network, expected, _why) => {
    expect(canonicalUtxoAddress(input, network)).toBe(expected);
  });

  it('encodes Litecoin legacy addresses with its own version bytes (L…, M…)', () => {
    const hash = sha('ltc legacy').subarray(0, 20);
    const p2pkh = btcAddress.toBase58Check(hash, 0x30);
    const p2sh = btcAddress.toBase58Check(hash, 0x32);
    expect(p2pkh.startsWith('L')).toBe(true);
    expect(p2sh.startsWith('M')).toBe(true);
    expect(outputScriptHex(p2pkh, 'litecoin')).toBe(`76a914${hash.toString('hex')}88ac`);
    expect(outputScriptHex(p2sh, 'litecoin')).toBe(`a914${hash.toString('hex')}87`);
    expect(addressOfOutputScript(`76a914${hash.toString('hex')}88ac`, 'litecoin')).toBe(p2pkh);
  });

  it('defaults the dust threshold per network (546 sat, 5,460 litoshi)', () => {
    expect(DEFAULT_DUST_THRESHOLD_SATS).toEqual({ bitcoin: 546n, litecoin: 5_460n });
  });
});

describe('exact amounts from JSON', () => {
  it.each([
    ['0.00050000', 50_000n],
    ['21000000.00000000', 2_100_000_000_000_000n],
    ['0.29', 29_000_000n], // 0.29 * 1e8 = 28999999.999999996 in floating point
    ['1.23456789', 123_456_789n],
    ['0.00000001', 1n],
    ['0', 0n],
    ['5e-05', 5_000n],
    ['1.5E+1', 1_500_000_000n],
    ['20999999.97690000', 2_099_999_997_690_000n],
  ])('%s BTC = %s sat', (text, sats) => {
    expect(satsFromCoinDecimal(text)).toBe(sats);
  });

  it.each(['0.000000001', '-1', '1.', '.5', 'NaN', '1e-9', ''])('refuses %j', (text) => {
    expect(() => satsFromCoinDecimal(text)).toThrow(RangeError);
  });

  it('keeps amount numbers as their JSON source text', () => {
    const parsed = parseJsonKeepingAmounts('{"value": 21000000.00000000, "n": 0, "x": {"value": 0.29}}', new Set(['value'])) as Record<string, unknown>;
    expect(parsed).toEqual({ value: '21000000.00000000', n: 0, x: { value: '0.29' } });
  });

  it('parses a verbose transaction with BTC values into exact satoshis', () => {
    const text = '{"txid":"' + 'ab'.repeat(32) + '","vin":[{"txid":"' + 'cd'.repeat(32) + '","vout":0,"sequence":4294967293}],' +
      '"vout":[{"value":0.00050000,"n":0,"scriptPubKey":{"hex":"0014c0cebcd6c3d3ca8c75dc5ec62ebe55330ef910e2"}},' +
      '{"value":21000000.00000000,"n":1,"scriptPubKey":{"hex":"6a00"}}]}';
    const tx = parseBitcoindTransaction(parseJsonKeepingAmounts(text, new Set(['value'])));
    expect(tx.outputs.map((o) => o.value)).toEqual([50_000n, 2_100_000_000_000_000n]);
    expect(tx.replaceable).toBe(true);
  });
});

// --- raw blocks ------------------------------------------------------------------------------------

describe('raw blocks', () => {
  it('checks the hash and the merkle root of what it is served', () => {
    const paid = paymentTx('bitcoin', [{ to: syntheticAddress('bitcoin', 'a'), sats: 10_000n }]);
    const block = buildBlock('bitcoin', '11'.repeat(32), 5, 1_700_000_000, [paid.tx], syntheticAddress('bitcoin', 'miner'));
    const raw = Buffer.from(block.toBuffer());
    const parsed = parseRawBlock(raw, 'bitcoin', block.getId(), 5);
    expect(parsed.transactions.map((t) => t.txid)).toEqual((block.transactions ?? []).map((t) => t.getId()));
    expect(parsed.parentHash).toBe('11'.repeat(32));
    expect(() => parseRawBlock(raw, 'bitcoin', '22'.repeat(32), 5)).toThrow(/hashing to/);
    expect(() => parseRawBlock(tamperedRaw(raw), 'bitcoin', block.getId(), 5)).toThrow(/merkle root/);
    expect(() => parseRawBlock(Buffer.concat([raw, Buffer.from([0])]), 'bitcoin', block.getId(), 5)).toThrow(/bytes after/);
  });

  it('reads a Litecoin MWEB block: HogEx with flag 0x08 and the extension block after the list', () => {
    const paid = paymentTx('litecoin', [{ to: syntheticAddress('litecoin', 'a'), sats: 10_000n }]);
    const block = buildBlock('litecoin', '11'.repeat(32), 7, 1_700_000_000, [paid.tx], syntheticAddress('litecoin', 'miner'));
    const hogEx = new Transaction();
    hogEx.addInput(sha('hog'), 0);
    hogEx.addOutput(Buffer.concat([Buffer.from([0x58, 0x20]), sha('hogaddr')]), 1n);
    block.merkleRoot = Block.calculateMerkleRoot([...(block.transactions ?? []), hogEx]);
    const raw = litecoinMwebRawBlock(block, hogEx);
    const parsed = parseRawBlock(raw, 'litecoin', block.getId(), 7);
    expect(parsed.transactions.map((t) => t.txid)).toEqual([...(block.transactions ?? []), hogEx].map((t) => t.getId()));
    // The same bytes are not a Bitcoin block.
    expect(() => parseRawBlock(raw, 'bitcoin', block.getId(), 7)).toThrow(UtxoMalformedResponseError);
  });
});

// --- detection on both backends --------------------------------------------------------------------

/** A chain exercising every detection rule; returns the node and what must be found. */
async function paymentChain(network: UtxoNetwork): Promise<{ node: FakeNode; watched: string[]; expected: Array<Omit<DetectedTransfer, 'blockHash' | 'blockTime'>> }> {
  const node = await startNode(network);
  const a = network === 'bitcoin' ? btc : ltc;
  const dust = DEFAULT_DUST_THRESHOLD_SATS[network];
  const unwatched = syntheticAddress(network, 'unwatched');
  const legacy = btcAddress.toBase58Check(sha('legacy').subarray(0, 20), params(network).pubKeyHash);
  const watched = [...a, legacy];

  const simple = paymentTx(network, [{ to: a[0] as string, sats: 50_000n }]); // 0.00050000
  const many = paymentTx(network, [
    { to: unwatched, sats: 1_234_567n }, // change
    { to: a[1] as string, sats: 20_000n },
    { to: a[2] as string, sats: 30_000n },
    { to: a[1] as string, sats: 40_000n }, // the same address twice in one tx: two transfers
  ]);
  const dustTx = paymentTx(network, [
    { to: a[3] as string, sats: dust - 1n }, // ignored
    { to: a[4] as string, sats: dust }, // at the threshold: counted
  ]);
  const unwatchedOnly = paymentTx(network, [{ to: unwatched, sats: 99_999n }]);
  const whole = paymentTx(network, [{ to: a[5] as string, sats: 21_000_000n * COIN }]); // 21000000.00000000
  const toLegacy = paymentTx(network, [{ to: legacy, sats: 77_777n }]);
  const b1 = node.mine([simple, many, unwatchedOnly]);
  node.mine([]); // an empty block
  const b3 = node.mine([dustTx, whole, toLegacy], { coinbaseTo: a[6] as string, hogEx: network === 'litecoin' }); // coinbase to a watched address: ignored

  const t = (tx: BuiltTx, index: number, to: string, amount: bigint, block: StoredBlock) => ({
    txid: tx.tx.getId(),
    index,
    from: '',
    to,
    tokenContract: null,
    amount,
    blockNumber: block.height,
  });
  return {
    node,
    watched,
    expected: [
      t(simple, 0, a[0] as string, 50_000n, b1),
      t(many, 1, a[1] as string, 20_000n, b1),
      t(many, 2, a[2] as string, 30_000n, b1),
      t(many, 3, a[1] as string, 40_000n, b1),
      t(dustTx, 1, a[4] as string, dust, b3),
      t(whole, 0, a[5] as string, 2_100_000_000_000_000n, b3),
      t(toLegacy, 0, legacy, 77_777n, b3),
    ],
  };
}

describe.each(['bitcoin', 'litecoin'] as const)('detection on %s', (network) => {
  it('Esplora and bitcoind find the same transfers: exact amounts, dust and coinbase ignored, many outputs, unwatched ignored', async () => {
    const { node, watched, expected } = await paymentChain(network);
    const esplora = adapterFor(node, 'esplora');
    const bitcoind = adapterFor(node, 'bitcoind');
    expect(esplora.family).toBe('bitcoin');
    expect(await esplora.getHeadNumber()).toBe(3);
    expect(await bitcoind.getHeadNumber()).toBe(3);

    const fromEsplora = await esplora.scanBlockRange(1, 3, watchOf(watched));
    const fromBitcoind = await bitcoind.scanBlockRange(1, 3, watchOf(watched));
    expect(fromEsplora).toEqual(fromBitcoind);
    expect(fromEsplora.transfers.map(({ blockHash: _h, blockTime: _t, ...rest }) => rest)).toEqual(expected);
    for (const transfer of fromEsplora.transfers) {
      const block = node.blocks[transfer.blockNumber] as StoredBlock;
      expect(transfer.blockHash).toBe(block.hash);
      expect(transfer.blockTime).toBe(block.block.timestamp);
    }
    expect(fromEsplora.blocks.map((b) => b.number)).toEqual([1, 2, 3]);
    expect(fromEsplora.blocks.map((b) => b.hash)).toEqual([1, 2, 3].map((h) => (node.blocks[h] as StoredBlock).hash));
    expect(fromEsplora.blocks[0]?.parentHash).toBe((node.blocks[0] as StoredBlock).hash);

    // getBlock agrees on both, and says null above the tip.
    expect(await esplora.getBlock(2)).toEqual(await bitcoind.getBlock(2));
    expect(await esplora.getBlock(2)).toEqual(fromEsplora.blocks[1]);
    expect(await esplora.getBlock(4)).toBeNull();
    expect(await bitcoind.getBlock(4)).toBeNull();
  });

  it('honours a configured dust threshold', async () => {
    const { node, watched } = await paymentChain(network);
    const strict = adapterFor(node, 'esplora', { dustThresholdSats: 40_000n });
    const found = await strict.scanBlockRange(1, 3, watchOf(watched));
    expect(found.transfers.map((t) => t.amount)).toEqual([50_000n, 40_000n, 2_100_000_000_000_000n, 77_777n]);
  });
});

describe('request cost of a block scan', () => {
  it('is 2 requests per block on either backend, the same for 10 and 10,000 watched addresses', async () => {
    const { node, watched } = await paymentChain('bitcoin');
    const big = [...watched, ...Array.from({ length: 10_000 - watched.length }, (_, i) => syntheticAddress('bitcoin', `big:${i}`))];
    expect(new Set(big).size).toBe(10_000);
    const costs: Record<string, Record<string, number>> = {};
    for (const kind of ['esplora', 'bitcoind'] as const) {
      for (const [label, set] of [
        ['10', watched.slice(0, 10)],
        ['10000', big],
      ] as const) {
        const adapter = adapterFor(node, kind);
        const result = await adapter.scanBlockRange(1, 3, watchOf(set));
        expect(result.transfers.length).toBeGreaterThan(0);
        costs[`${kind}:${label}`] = adapter.requestCountsByRoute();
        expect(adapter.rpcRequestCount()).toBe(6);
      }
    }
    expect(costs['esplora:10']).toEqual({ '/block-height/:height': 3, '/block/:hash/raw': 3 });
    expect(costs['esplora:10000']).toEqual(costs['esplora:10']);
    expect(costs['bitcoind:10']).toEqual({ getblockhash: 3, getblock: 3 });
    expect(costs['bitcoind:10000']).toEqual(costs['bitcoind:10']);
    // What the node saw is what the adapter counted.
    expect(node.counts['/block/:hash/raw']).toBe(6);
    expect(node.counts.getblock).toBe(6);
  }, 30_000);

  it('fetches headers, not bodies, when nothing is watched', async () => {
    const { node } = await paymentChain('bitcoin');
    const adapter = adapterFor(node, 'esplora');
    const result = await adapter.scanBlockRange(1, 3, watchOf([]));
    expect(result.transfers).toEqual([]);
    expect(result.blocks).toHaveLength(3);
    expect(adapter.requestCountsByRoute()).toEqual({ '/block-height/:height': 3, '/block/:hash/header': 3 });
  });

  it('refuses a range above the tip, and rescans when the chain moves under it', async () => {
    const { node, watched } = await paymentChain('bitcoin');
    for (const kind of ['esplora', 'bitcoind'] as const) {
      await expect(adapterFor(node, kind).scanBlockRange(2, 5, watchOf(watched))).rejects.toThrow(/does not exist yet/);
    }
    for (const kind of ['esplora', 'bitcoind'] as const) {
      const { node: moving, watched: w } = await paymentChain('bitcoin');
      const old = moving.blocks.map((b) => b.hash);
      // Blocks 2 and 3 are replaced right after block 2's body was served: block 3' does not extend 2.
      let done = false;
      moving.hook = (route) => {
        if (done || (route !== '/block/:hash/raw' && route !== 'getblock') || moving.counts[route] !== 2) return;
        done = true;
        moving.reorgFrom(2);
        moving.mine([]);
      };
      const adapter = adapterFor(moving, kind, { maxConcurrentRequests: 1 });
      const result = await adapter.scanBlockRange(1, 3, watchOf(w));
      expect(result.blocks.map((b) => b.hash)).toEqual([1, 2, 3].map((h) => (moving.blocks[h] as StoredBlock).hash));
      expect(result.blocks[1]?.hash).not.toBe(old[2]);
      expect(result.transfers.every((t) => t.blockNumber === 1)).toBe(true);
      // First pass 6 requests (stopped at 3'), second pass 6.
      expect(adapter.rpcRequestCount()).toBe(12);
    }
  });
});

// --- failover and health ---------------------------------------------------------------------------

describe('failover', () => {
  it('Esplora: a dead URL, a 503 and a URL serving a tampered block are passed over; health is redacted', async () => {
    const { node, watched, expected } = await paymentChain('bitcoin');
    const broken = await startNode('bitcoin');
    broken.fault = 'http503';
    // The liar serves the same chain, its raw blocks tampered.
    const liar = await startNode('bitcoin');
    liar.blocks.splice(0, liar.blocks.length, ...node.blocks);
    for (const block of node.blocks) liar.byHash.set(block.hash, block);
    liar.fault = 'tamper';
    const dead = `http://user:hunter2@127.0.0.1:${await closedLoopbackPort()}/api`;
    const adapter = adapterFor(node, 'esplora', {}, [dead, `${broken.url}/api`, `${liar.url}/api`, `${node.url}/api`]);
    const result = await adapter.scanBlockRange(1, 3, watchOf(watched));
    expect(result.transfers).toHaveLength(expected.length);
    const health = adapter.rpcHealth();
    expect(health.map((h) => h.ok)).toEqual([false, false, false, true]);
    expect(health[0]?.lastError).toMatch(/connection failed/);
    expect(health[1]?.lastError).toMatch(/HTTP 503/);
    expect(health[2]?.lastError).toMatch(/merkle root/);
    expect(JSON.stringify(health)).not.toContain('hunter2');
    expect(health[0]?.url).toContain('***');
    // Cooling URLs are not asked again while a healthy one answers.
    const before = adapter.rpcRequestCount();
    await adapter.getHeadNumber();
    expect(adapter.rpcRequestCount()).toBe(before + 1);
  });

  it('bitcoind: wrong credentials and a node warming up fail over; URL userinfo is the Basic auth', async () => {
    const { node, watched, expected } = await paymentChain('bitcoin');
    node.credentials = 'kassa:s3cret';
    const warming = await startNode('bitcoin');
    warming.fault = 'warmup';
    const port = new URL(node.url).port;
    const adapter = adapterFor(node, 'bitcoind', {}, [
      `http://kassa:wrong@127.0.0.1:${port}`,
      warming.url,
      `http://kassa:s3cret@127.0.0.1:${port}`,
    ]);
    const result = await adapter.scanBlockRange(1, 3, watchOf(watched));
    expect(result.transfers).toHaveLength(expected.length);
    const health = adapter.rpcHealth();
    expect(health.map((h) => h.ok)).toEqual([false, false, true]);
    expect(health[0]?.lastError).toMatch(/HTTP 401/);
    expect(health[1]?.lastError).toMatch(/Loading block index.*-28/);
    expect(JSON.stringify(health)).not.toMatch(/s3cret|wrong/);

    // The `auth` option for URLs without userinfo.
    const withAuth = createUtxoAdapter({ chain: 'bitcoin', network: 'bitcoin', backend: { kind: 'bitcoind', urls: [node.url], auth: { username: 'kassa', password: 's3cret' } } });
    expect(await withAuth.getHeadNumber()).toBe(3);
  });

  it('bitcoind: a request the node refuses (-8 height out of range) is an answer, not a failover', async () => {
    const node = await startNode('bitcoin');
    const second = await startNode('bitcoin');
    const adapter = adapterFor(node, 'bitcoind', {}, [node.url, second.url]);
    expect(await adapter.getBlock(50)).toBeNull();
    expect(second.counts).toEqual({});
    expect(adapter.rpcHealth().map((h) => h.ok)).toEqual([true, true]);
  });

  it('throws a redacted UtxoUnavailableError when every URL fails', async () => {
    const dead = `http://user:hunter2@127.0.0.1:${await closedLoopbackPort()}`;
    const adapter = createUtxoAdapter({ chain: 'bitcoin', network: 'bitcoin', backend: { kind: 'esplora', urls: [dead] } });
    const error = await adapter.getHeadNumber().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UtxoUnavailableError);
    expect(String((error as Error).message)).not.toContain('hunter2');
  });

  it('maps JSON-RPC answers: result, request faults, node faults, non-JSON', () => {
    const answer = (status: number, body: string) => ({ status, headers: new Headers(), body: Buffer.from(body) });
    expect(interpretRpcAnswer('getblockcount', answer(200, '{"result":7,"error":null,"id":1}'))).toBe(7);
    expect(() => interpretRpcAnswer('getblockhash', answer(500, '{"result":null,"error":{"code":-8,"message":"Block height out of range"},"id":1}'))).toThrow(
      expect.objectContaining({ name: 'BitcoindRpcError', code: -8 }),
    );
    expect(() => interpretRpcAnswer('getblock', answer(500, '{"result":null,"error":{"code":-1,"message":"Block not available (pruned data)"},"id":1}'))).toThrow(
      expect.objectContaining({ name: 'BitcoindNodeError' }),
    );
    expect(() => interpretRpcAnswer('getblock', answer(502, '<html>bad gateway</html>'))).toThrow(/HTTP 502/);
  });
});

// --- mempool ---------------------------------------------------------------------------------------

describe('mempool scan on Esplora', () => {
  it('per address up to the limit: |watched| requests a scan, finds a pending payment once, with its payer and RBF flag', async () => {
    const node = await startNode('bitcoin');
    const adapter = adapterFor(node, 'esplora');
    const watch = watchOf(btc.slice(0, 3));
    const payment = paymentTx('bitcoin', [
      { to: btc[0] as string, sats: 50_000n },
      { to: btc[0] as string, sats: 100n }, // dust: ignored
      { to: syntheticAddress('bitcoin', 'change'), sats: 900_000n },
    ], { rbf: true });
    const txid = node.broadcast(payment);
    node.broadcast(paymentTx('bitcoin', [{ to: syntheticAddress('bitcoin', 'other'), sats: 70_000n }]));

    const pending = await adapter.scanMempool(watch);
    expect(pending).toEqual([{ txid, index: 0, from: payment.payer, to: btc[0], tokenContract: null, amount: 50_000n, replaceable: true, spends: [expect.stringMatching(/^[0-9a-f]{64}:\d+$/)] }]);
    expect(adapter.requestCountsByRoute()).toEqual({ '/address/:address/txs/mempool': 3 });
    expect((adapter.backend as EsploraBackend).lastMempoolMode()).toBe('addresses');

    // Same state, same answer, same cost.
    expect(await adapter.scanMempool(watch)).toEqual(pending);
    expect(adapter.rpcRequestCount()).toBe(6);

    node.mine([], { includeMempool: true });
    expect(await adapter.scanMempool(watch)).toEqual([]);
  });

  it('above the limit by txid diff: 1 + (new transactions) requests, each transaction fetched once', async () => {
    const node = await startNode('bitcoin');
    const adapter = adapterFor(node, 'esplora');
    const watch = watchOf([...btc, ...Array.from({ length: 9_990 }, (_, i) => syntheticAddress('bitcoin', `w:${i}`))]);
    for (let i = 0; i < 5; i++) node.broadcast(paymentTx('bitcoin', [{ to: syntheticAddress('bitcoin', `noise:${i}`), sats: 10_000n }]));
    const payment = paymentTx('bitcoin', [{ to: btc[4] as string, sats: 12_345n }, { to: btc[5] as string, sats: 6_789n }]);
    const txid = node.broadcast(payment);

    // Scan 1: the list, then all 6 transactions (a small mempool at start-up is fetched).
    const first = await adapter.scanMempool(watch);
    expect(first.map((t) => [t.txid, t.index, t.to, t.amount])).toEqual([
      [txid, 0, btc[4], 12_345n],
      [txid, 1, btc[5], 6_789n],
    ]);
    expect(first[0]?.from).toBe(payment.payer);
    expect(first[0]?.replaceable).toBe(false);
    expect(adapter.requestCountsByRoute()).toEqual({ '/mempool/txids': 1, '/tx/:txid': 6 });

    // Scan 2: nothing new, nothing refetched, the payment reported again (state, not events) and once.
    expect(await adapter.scanMempool(watch)).toEqual(first);
    expect(adapter.requestCountsByRoute()).toEqual({ '/mempool/txids': 2, '/tx/:txid': 6 });

    // Scan 3: two new transactions cost two requests.
    node.broadcast(paymentTx('bitcoin', [{ to: syntheticAddress('bitcoin', 'n1'), sats: 10_000n }]));
    const second = node.broadcast(paymentTx('bitcoin', [{ to: btc[6] as string, sats: 1_000n }]));
    const third = await adapter.scanMempool(watch);
    expect(third.map((t) => t.txid).sort()).toEqual([txid, txid, second].sort());
    expect(adapter.requestCountsByRoute()).toEqual({ '/mempool/txids': 3, '/tx/:txid': 8 });

    // Mined: it leaves the mempool and the report.
    node.mine([], { includeMempool: true });
    expect(await adapter.scanMempool(watch)).toEqual([]);
    expect(adapter.requestCountsByRoute()).toEqual({ '/mempool/txids': 4, '/tx/:txid': 8 });
  });

  it('caps the fetches per scan (newest first), skips a large start-up backlog, and crosses from per-address without a gap', async () => {
    const node = await startNode('bitcoin');
    const big = watchOf([...btc, ...Array.from({ length: 30 }, (_, i) => syntheticAddress('bitcoin', `w:${i}`))]);
    for (let i = 0; i < 10; i++) node.broadcast(paymentTx('bitcoin', [{ to: syntheticAddress('bitcoin', `backlog:${i}`), sats: 10_000n }]));
    const adapter = adapterFor(node, 'esplora', { maxMempoolTxFetchesPerScan: 3 });

    // Start-up: 10 > 3, recorded as seen, not fetched.
    expect(await adapter.scanMempool(big)).toEqual([]);
    expect(adapter.requestCountsByRoute()).toEqual({ '/mempool/txids': 1 });

    // A burst of 5: 3 now (the newest batch first), 2 on the next scan; the payment in it is found.
    const txids = Array.from({ length: 5 }, (_, i) =>
      node.broadcast(paymentTx('bitcoin', [{ to: i === 4 ? (btc[7] as string) : syntheticAddress('bitcoin', `burst:${i}`), sats: 10_000n }])),
    );
    const afterOne = await adapter.scanMempool(big);
    const afterTwo = await adapter.scanMempool(big);
    expect(adapter.requestCountsByRoute()).toEqual({ '/mempool/txids': 3, '/tx/:txid': 5 });
    expect([...afterOne, ...afterTwo].some((t) => t.txid === txids[4])).toBe(true);
    expect(afterTwo.map((t) => t.txid)).toEqual([txids[4]]);

    // Per address with few watched, then crossing to the diff: one extra per-address pass finds
    // what the skipped backlog would hide.
    const small = watchOf(btc.slice(0, 2));
    const crossing = await startNode('bitcoin');
    for (let i = 0; i < 10; i++) crossing.broadcast(paymentTx('bitcoin', [{ to: syntheticAddress('bitcoin', `b:${i}`), sats: 10_000n }]));
    const adapter2 = adapterFor(crossing, 'esplora', { maxMempoolTxFetchesPerScan: 3 });
    expect(await adapter2.scanMempool(small)).toEqual([]);
    const missedByDiff = crossing.broadcast(paymentTx('bitcoin', [{ to: btc[0] as string, sats: 10_000n }]));
    const crossed = await adapter2.scanMempool(big);
    expect(crossed.map((t) => t.txid)).toEqual([missedByDiff]);
    expect(adapter2.requestCountsByRoute()).toEqual({ '/address/:address/txs/mempool': 2 + 40, '/mempool/txids': 1 });
  });
});

describe('mempool scan on bitcoind', () => {
  it('getrawmempool + getrawtransaction for new transactions only; values exact', async () => {
    const node = await startNode('bitcoin');
    const adapter = adapterFor(node, 'bitcoind');
    const watch = watchOf(btc);
    node.broadcast(paymentTx('bitcoin', [{ to: syntheticAddress('bitcoin', 'noise'), sats: 10_000n }]));
    const payment = paymentTx('bitcoin', [{ to: btc[2] as string, sats: 21_000_000n * COIN }, { to: btc[3] as string, sats: 545n }], { rbf: true });
    const txid = node.broadcast(payment);

    const first = await adapter.scanMempool(watch);
    expect(first).toEqual([{ txid, index: 0, from: '', to: btc[2], tokenContract: null, amount: 2_100_000_000_000_000n, replaceable: true, spends: [expect.stringMatching(/^[0-9a-f]{64}:\d+$/)] }]);
    expect(adapter.requestCountsByRoute()).toEqual({ getrawmempool: 1, getrawtransaction: 2 });
    expect(await adapter.scanMempool(watch)).toEqual(first);
    expect(adapter.requestCountsByRoute()).toEqual({ getrawmempool: 2, getrawtransaction: 2 });
  });

  it('costs nothing when nothing is watched', async () => {
    const node = await startNode('bitcoin');
    node.broadcast(paymentTx('bitcoin', [{ to: btc[0] as string, sats: 10_000n }]));
    for (const kind of ['esplora', 'bitcoind'] as const) {
      const adapter = adapterFor(node, kind);
      expect(await adapter.scanMempool(watchOf([]))).toEqual([]);
      expect(adapter.rpcRequestCount()).toBe(0);
    }
  });
});

describe('MempoolTxCache', () => {
  it('fetches each txid once, newest first within the cap, forgets what left the mempool', () => {
    const cache = new MempoolTxCache(2);
    expect(cache.reconcile(['a', 'b'])).toEqual(['a', 'b']);
    cache.store('a', null);
    cache.store('b', null);
    expect(cache.reconcile(['a', 'b', 'c', 'd', 'e'])).toEqual(['c', 'd']);
    // 'c', 'd' were handed out but never stored (their fetch failed): asked for again if still there.
    expect(cache.reconcile(['a', 'b', 'd', 'e', 'f'])).toEqual(['d', 'f']);
    cache.store('d', null);
    cache.store('f', null);
    expect(cache.reconcile(['a', 'b', 'd', 'e', 'f'])).toEqual(['e']);
    cache.store('e', null);
    expect(cache.reconcile(['f'])).toEqual([]);
    expect(cache.size).toBe(1);
    const cold = new MempoolTxCache(2);
    expect(cold.reconcile(['a', 'b', 'c'])).toEqual([]);
    expect(cold.skippedAtStartup).toBe(3);
  });
});

// --- transaction states ----------------------------------------------------------------------------

describe('transactionStates', () => {
  async function stateChain() {
    const node = await startNode('bitcoin');
    const mined = paymentTx('bitcoin', [{ to: btc[0] as string, sats: 10_000n }]);
    node.mine([mined]);
    node.mine([]);
    const pending = paymentTx('bitcoin', [{ to: btc[1] as string, sats: 10_000n }]);
    node.broadcast(pending);
    const replaced = 'ee'.repeat(32);
    return { node, mined: mined.tx.getId(), pending: pending.tx.getId(), replaced };
  }

  it('Esplora: /tx/:txid (its status, or 404 → missing); one request per distinct txid', async () => {
    const { node, mined, pending, replaced } = await stateChain();
    const adapter = adapterFor(node, 'esplora');
    const states = await adapter.transactionStates([mined, pending, replaced, pending]);
    expect(Object.fromEntries(states)).toEqual({ [mined]: 'confirmed', [pending]: 'mempool', [replaced]: 'missing' });
    expect(adapter.requestCountsByRoute()).toEqual({ '/tx/:txid': 3 });
    // Why not /tx/:txid/status: electrs cannot tell a replaced transaction from a pending one there.
    const status = await fetch(`${node.url}/api/tx/${replaced}/status`).then((r) => r.json());
    expect(status).toEqual({ confirmed: false });
  });

  it('bitcoind without -txindex: getmempoolentry, getrawtransaction, then the recent blocks; -5 everywhere → missing', async () => {
    const { node, mined, pending, replaced } = await stateChain();
    const adapter = adapterFor(node, 'bitcoind');
    const states = await adapter.transactionStates([mined, pending, replaced]);
    expect(Object.fromEntries(states)).toEqual({ [mined]: 'confirmed', [pending]: 'mempool', [replaced]: 'missing' });
    // 3 getmempoolentry, 2 getrawtransaction (-5 both), then the tip and its 2 blocks below once.
    expect(adapter.requestCountsByRoute()).toEqual({ getmempoolentry: 3, getrawtransaction: 2, getblockcount: 1, getblockhash: 3, getblock: 3 });
  });

  it('bitcoind with -txindex: getrawtransaction finds the mined one; the lookback is only for the unknown', async () => {
    const { node, mined, pending } = await stateChain();
    node.txindex = true;
    const adapter = adapterFor(node, 'bitcoind');
    const states = await adapter.transactionStates([mined, pending]);
    expect(Object.fromEntries(states)).toEqual({ [mined]: 'confirmed', [pending]: 'mempool' });
    expect(adapter.requestCountsByRoute()).toEqual({ getmempoolentry: 2, getrawtransaction: 1 });
  });

  it('refuses what is not a txid', async () => {
    const node = await startNode('bitcoin');
    await expect(adapterFor(node, 'esplora').transactionStates(['nope'])).rejects.toThrow(TypeError);
  });
});

// --- scanning cost of parsing (CPU, not requests): one big block ---------------------------------

describe('a full-size block', () => {
  it('parses and matches 3,000 transactions with 10,000 watched addresses, both backends agreeing', async () => {
    const node = await startNode('bitcoin');
    const txs = Array.from({ length: 3_000 }, (_, i) =>
      paymentTx('bitcoin', [
        { to: syntheticAddress('bitcoin', `busy:${i}`), sats: 10_000n + BigInt(i) },
        { to: i % 500 === 0 ? (btc[i / 500] as string) : syntheticAddress('bitcoin', `chg:${i}`), sats: 5_000n },
      ]),
    );
    node.mine(txs);
    const watch = watchOf([...btc, ...Array.from({ length: 9_990 }, (_, i) => syntheticAddress('bitcoin', `w:${i}`))]);
    const esplora = await adapterFor(node, 'esplora').scanBlockRange(1, 1, watch);
    const bitcoind = await adapterFor(node, 'bitcoind').scanBlockRange(1, 1, watch);
    expect(esplora.transfers).toHaveLength(6);
    expect(esplora).toEqual(bitcoind);
  }, 30_000);
});
