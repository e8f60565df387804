// The slice of java-tron's Tron.proto the devnet hashes and signs: Transaction.raw (txID =
// sha256 of it), Transaction (txTrieRoot leaves) and BlockHeader.raw (block id, witness signature).
// proto3 rules as protobuf-java applies them: fields in number order, zero and empty values omitted.

/** Transaction.Contract.ContractType numbers (Tron.proto). */
export const CONTRACT_TYPE_NUMBER = {
  TransferContract: 1,
  TriggerSmartContract: 31,
} as const;

export type SupportedContractType = keyof typeof CONTRACT_TYPE_NUMBER;

export interface TransferContractFields {
  ownerAddress: Uint8Array;
  toAddress: Uint8Array;
  amount: bigint;
}

export interface TriggerSmartContractFields {
  ownerAddress: Uint8Array;
  contractAddress: Uint8Array;
  callValue: bigint;
  data: Uint8Array;
  callTokenValue: bigint;
  tokenId: bigint;
}

export type ContractFields =
  | { type: 'TransferContract'; value: TransferContractFields; permissionId: number }
  | { type: 'TriggerSmartContract'; value: TriggerSmartContractFields; permissionId: number };

export interface TransactionRawFields {
  refBlockBytes: Uint8Array;
  refBlockNum: bigint;
  refBlockHash: Uint8Array;
  expiration: bigint;
  data: Uint8Array;
  contract: ContractFields;
  timestamp: bigint;
  feeLimit: bigint;
}

export interface BlockHeaderRawFields {
  timestamp: bigint;
  txTrieRoot: Uint8Array;
  parentHash: Uint8Array;
  number: bigint;
  witnessAddress: Uint8Array;
  version: number;
}

/** Transaction.Result.contractResult numbers (Tron.proto). */
export const CONTRACT_RESULT_NUMBER = {
  DEFAULT: 0,
  SUCCESS: 1,
  REVERT: 2,
  OUT_OF_ENERGY: 10,
} as const;

export type ContractResultName = keyof typeof CONTRACT_RESULT_NUMBER;

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

class ProtoWriter {
  private readonly chunks: number[] = [];

  private varint(value: bigint): void {
    // int64/int32 negatives are sign-extended to 10 bytes, as protobuf-java writes them.
    let v = value < 0n ? value + (1n << 64n) : value;
    while (v >= 0x80n) {
      this.chunks.push(Number((v & 0x7fn) | 0x80n));
      v >>= 7n;
    }
    this.chunks.push(Number(v));
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  int(field: number, value: bigint | number): this {
    const v = BigInt(value);
    if (v !== 0n) {
      this.tag(field, WIRE_VARINT);
      this.varint(v);
    }
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    if (value.length > 0) {
      this.tag(field, WIRE_LENGTH_DELIMITED);
      this.varint(BigInt(value.length));
      for (const byte of value) this.chunks.push(byte);
    }
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Embedded messages are written even when empty (presence matters for message fields). */
  message(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(BigInt(value.length));
    for (const byte of value) this.chunks.push(byte);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function encodeTransferContract(value: TransferContractFields): Uint8Array {
  return new ProtoWriter().bytes(1, value.ownerAddress).bytes(2, value.toAddress).int(3, value.amount).finish();
}

function encodeTriggerSmartContract(value: TriggerSmartContractFields): Uint8Array {
  return new ProtoWriter()
    .bytes(1, value.ownerAddress)
    .bytes(2, value.contractAddress)
    .int(3, value.callValue)
    .bytes(4, value.data)
    .int(5, value.callTokenValue)
    .int(6, value.tokenId)
    .finish();
}

export function typeUrlOf(type: SupportedContractType): string {
  return `type.googleapis.com/protocol.${type}`;
}

function encodeContract(contract: ContractFields): Uint8Array {
  const value =
    contract.type === 'TransferContract' ? encodeTransferContract(contract.value) : encodeTriggerSmartContract(contract.value);
  const any = new ProtoWriter().string(1, typeUrlOf(contract.type)).bytes(2, value).finish();
  return new ProtoWriter()
    .int(1, CONTRACT_TYPE_NUMBER[contract.type])
    .message(2, any)
    .int(5, contract.permissionId)
    .finish();
}

/** Transaction.raw: the bytes behind raw_data_hex; txID = sha256 of them. */
export function encodeTransactionRaw(raw: TransactionRawFields): Uint8Array {
  return new ProtoWriter()
    .bytes(1, raw.refBlockBytes)
    .int(3, raw.refBlockNum)
    .bytes(4, raw.refBlockHash)
    .int(8, raw.expiration)
    .bytes(10, raw.data)
    .message(11, encodeContract(raw.contract))
    .int(14, raw.timestamp)
    .int(18, raw.feeLimit)
    .finish();
}

/** A whole Transaction (raw_data, signatures, ret): the leaf java-tron hashes into txTrieRoot. */
export function encodeTransaction(rawBytes: Uint8Array, signatures: readonly Uint8Array[], contractRet: ContractResultName): Uint8Array {
  const writer = new ProtoWriter().message(1, rawBytes);
  for (const signature of signatures) writer.bytes(2, signature);
  const result = new ProtoWriter().int(3, CONTRACT_RESULT_NUMBER[contractRet]).finish();
  writer.message(5, result);
  return writer.finish();
}

/** BlockHeader.raw: block id = number (8 bytes) ++ sha256 of these bytes from byte 8 on. */
export function encodeBlockHeaderRaw(header: BlockHeaderRawFields): Uint8Array {
  return new ProtoWriter()
    .int(1, header.timestamp)
    .bytes(2, header.txTrieRoot)
    .bytes(3, header.parentHash)
    .int(7, header.number)
    .bytes(9, header.witnessAddress)
    .int(10, header.version)
    .finish();
}
