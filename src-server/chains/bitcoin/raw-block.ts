// Raw (consensus-serialized) blocks and headers, as Esplora's /block/:hash/raw and
// /block/:hash/header serve them, parsed with bitcoinjs-lib into the backend shapes.
//
// Checked on every block, because a payment must never be credited from bytes that do not belong
// to the block asked for: the header hashes to the requested hash, the transactions' merkle root
// is the header's, and nothing is left over (except Litecoin's MWEB extension block, below).
//
// Litecoin: since MWEB (2022) a block's last transaction is the HogEx, serialized with flag 0x08
// and an empty MWEB part, and the MWEB extension block follows the transaction list. bitcoinjs-lib
// knows neither, so Litecoin blocks go through a transaction-by-transaction loop that reads such
// transactions itself; their txid is the hash of the plain serialization, as Litecoin Core computes
// it. Canonical outputs (what our addresses receive) are all in the transaction list.
import { Block, crypto as btcCrypto, Transaction } from 'bitcoinjs-lib';
import type { UtxoNetwork } from './networks.ts';
import { malformed, type UtxoBlock, type UtxoBlockHeader, type UtxoTransaction } from './utxo-backend.ts';

const HEADER_BYTES = 80;
const SEQUENCE_FINAL_MINUS_ONE = 0xffff_fffe;
const MWEB_FLAG = 0x08;
const WITNESS_FLAG = 0x01;


/** Byte-reversed hex: how hashes are displayed (txids, block hashes). */
function displayHex(hash: Uint8Array): string {
  return Buffer.from(hash).reverse().toString('hex');
}

/** Block hash (display hex) of an 80-byte header: double SHA-256, also on Litecoin (its PoW is scrypt, its id is not). */
export function blockHashOfHeader(header: Uint8Array): string {
  return displayHex(btcCrypto.hash256(header.subarray(0, HEADER_BYTES)));
}

/** The header fields the adapter needs, from 80 raw bytes; checked against `expectedHash`. */
export function parseRawHeader(bytes: Uint8Array, expectedHash: string, height: number): UtxoBlockHeader {
  if (bytes.length < HEADER_BYTES) malformed(`block header of ${expectedHash} is ${bytes.length} bytes, not ${HEADER_BYTES}`);
  const hash = blockHashOfHeader(bytes);
  if (hash !== expectedHash) malformed(`asked for block ${expectedHash}, got one hashing to ${hash}`);
  const header = Block.fromBuffer(bytes.subarray(0, HEADER_BYTES));
  return { height, hash, parentHash: displayHex(header.prevHash as Uint8Array), time: header.timestamp };
}

function toUtxoTransaction(tx: Transaction, txHash: Uint8Array): UtxoTransaction {
  return {
    txid: displayHex(txHash),
    coinbase: tx.isCoinbase(),
    replaceable: tx.ins.some((input) => input.sequence < SEQUENCE_FINAL_MINUS_ONE),
    from: '',
    spends: tx.isCoinbase() ? [] : tx.ins.map((input) => `${displayHex(input.hash)}:${input.index}`),
    outputs: tx.outs.map((output, vout) => ({ vout, script: Buffer.from(output.script).toString('hex'), value: output.value })),
  };
}

/** Merkle root (internal byte order) of transaction hashes (internal byte order). */
function merkleRoot(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) malformed('block has no transactions');
  let level = hashes.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Uint8Array;
      const right = level[i + 1] ?? left;
      next.push(btcCrypto.hash256(Buffer.concat([left, right])));
    }
    level = next;
  }
  return level[0] as Uint8Array;
}

// --- a minimal reader for what bitcoinjs-lib cannot read (Litecoin MWEB-flagged transactions) ---

class Reader {
  readonly bytes: Uint8Array;
  offset: number;
  constructor(bytes: Uint8Array, offset: number) {
    this.bytes = bytes;
    this.offset = offset;
  }
  private need(n: number): void {
    if (this.offset + n > this.bytes.length) malformed('block ends inside a transaction');
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.offset++] as number;
  }
  u32(): number {
    this.need(4);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, 4);
    this.offset += 4;
    return view.getUint32(0, true);
  }
  u64(): bigint {
    this.need(8);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, 8);
    this.offset += 8;
    return view.getBigUint64(0, true);
  }
  varInt(): number {
    const first = this.u8();
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      this.need(2);
      const value = (this.bytes[this.offset] as number) | ((this.bytes[this.offset + 1] as number) << 8);
      this.offset += 2;
      return value;
    }
    if (first === 0xfe) return this.u32();
    const value = this.u64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) malformed('varint out of range');
    return Number(value);
  }
  slice(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  varSlice(): Uint8Array {
    return this.slice(this.varInt());
  }
}

/**
 * A transaction in Litecoin's extended serialization with the MWEB flag (0x08): version, 0x00,
 * flags, inputs, outputs, witnesses (flag 0x01), an optional MWEB transaction (one byte 0x00 when
 * absent, as in the HogEx), lock time. A present MWEB body is refused: it never sits in a
 * block's transaction list, only in the extension block.
 */
function readMwebFlaggedTransaction(reader: Reader): Transaction {
  const tx = new Transaction();
  tx.version = reader.u32();
  reader.u8(); // 0x00 marker
  const flags = reader.u8();
  if ((flags & ~(MWEB_FLAG | WITNESS_FLAG)) !== 0) malformed(`unknown transaction flags 0x${flags.toString(16)}`);
  const inputCount = reader.varInt();
  for (let i = 0; i < inputCount; i++) {
    const hash = reader.slice(32);
    const index = reader.u32();
    const script = reader.varSlice();
    const sequence = reader.u32();
    tx.addInput(Uint8Array.from(hash), index, sequence, Uint8Array.from(script));
  }
  const outputCount = reader.varInt();
  for (let i = 0; i < outputCount; i++) {
    const value = reader.u64();
    tx.addOutput(Uint8Array.from(reader.varSlice()), value);
  }
  if (flags & WITNESS_FLAG) {
    for (let i = 0; i < inputCount; i++) {
      const items = reader.varInt();
      for (let j = 0; j < items; j++) reader.varSlice();
    }
  }
  if (reader.u8() !== 0) malformed('block transaction list holds an MWEB transaction body; only the extension block may');
  tx.locktime = reader.u32();
  return tx;
}

interface ParsedTransactions {
  transactions: Transaction[];
  /** Offset just past the transaction list. */
  end: number;
  /** The last transaction carried the MWEB flag (a HogEx): an extension block may follow. */
  hogEx: boolean;
}

function readTransactionsOneByOne(bytes: Uint8Array, network: UtxoNetwork): ParsedTransactions {
  const reader = new Reader(bytes, HEADER_BYTES);
  const count = reader.varInt();
  const transactions: Transaction[] = [];
  let hogEx = false;
  for (let i = 0; i < count; i++) {
    const start = reader.offset;
    if (start + 6 > bytes.length) malformed('block ends inside its transaction list');
    const marker = bytes[start + 4] as number;
    const flags = bytes[start + 5] as number;
    hogEx = false;
    if (marker === 0 && flags !== WITNESS_FLAG) {
      if (network !== 'litecoin' || (flags & MWEB_FLAG) === 0) malformed(`transaction ${i} has unknown serialization flags 0x${flags.toString(16)}`);
      transactions.push(readMwebFlaggedTransaction(reader));
      hogEx = true;
      continue;
    }
    let tx: Transaction;
    try {
      tx = Transaction.fromBuffer(bytes.subarray(start), true);
    } catch (error) {
      malformed(`transaction ${i} does not parse: ${error instanceof Error ? error.message : String(error)}`);
    }
    reader.offset = start + tx.byteLength();
    transactions.push(tx);
  }
  return { transactions, end: reader.offset, hogEx };
}

/**
 * Every transaction of a raw block with its outputs. Bitcoin blocks are read by bitcoinjs-lib's
 * Block.fromBuffer; Litecoin blocks transaction by transaction (see the file comment).
 */
export function parseRawBlock(bytes: Uint8Array, network: UtxoNetwork, expectedHash: string, height: number): UtxoBlock {
  const header = parseRawHeader(bytes, expectedHash, height);
  let transactions: Transaction[];
  if (network === 'bitcoin') {
    let block: Block;
    try {
      block = Block.fromBuffer(bytes);
    } catch (error) {
      malformed(`block ${expectedHash} does not parse: ${error instanceof Error ? error.message : String(error)}`);
    }
    transactions = block.transactions ?? [];
    if (block.byteLength() !== bytes.length) malformed(`block ${expectedHash} has ${bytes.length - block.byteLength()} bytes after its transactions`);
  } else {
    const parsed = readTransactionsOneByOne(bytes, network);
    transactions = parsed.transactions;
    if (parsed.end !== bytes.length && !parsed.hogEx) malformed(`block ${expectedHash} has ${bytes.length - parsed.end} bytes after its transactions`);
  }
  const hashes = transactions.map((tx) => tx.getHash(false));
  const root = merkleRoot(hashes);
  const headerRoot = bytes.subarray(36, 68);
  if (!Buffer.from(root).equals(headerRoot)) malformed(`block ${expectedHash}: transactions do not match the header's merkle root`);
  return { ...header, transactions: transactions.map((tx, i) => toUtxoTransaction(tx, hashes[i] as Uint8Array)) };
}
