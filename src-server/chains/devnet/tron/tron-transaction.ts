// Tron transactions between java-tron's JSON form and protobuf: parse what a client broadcasts,
// encode raw_data to get raw_data_hex and the txID, and print them back as java-tron does
// (hex addresses, or base58 with visible=true; zero and empty fields left out).
import { base58ToHex, fromHex, hexToBase58, isHexAddress, sha256, toHex } from './tron-crypto.ts';
import { type ContractResultName, encodeTransactionRaw, type SupportedContractType, typeUrlOf } from './tron-protobuf.ts';

export type TronContract =
  | { type: 'TransferContract'; ownerAddress: string; toAddress: string; amount: number; permissionId: number }
  | {
      type: 'TriggerSmartContract';
      ownerAddress: string;
      contractAddress: string;
      /** Call data, hex without 0x ('' = none). */
      data: string;
      callValue: number;
      callTokenValue: number;
      tokenId: number;
      permissionId: number;
    };

export interface TransactionRaw {
  /** 2 bytes hex: the low 16 bits of the reference block's number. */
  refBlockBytes: string;
  refBlockNum: number;
  /** 8 bytes hex: bytes 8..16 of the reference block's id. */
  refBlockHash: string;
  expiration: number;
  /** Memo (hex, '' = none). */
  data: string;
  contract: TronContract;
  timestamp: number;
  feeLimit: number;
}

export interface TronTransaction {
  txID: string;
  rawDataHex: string;
  raw: TransactionRaw;
  /** 65-byte signatures, lowercase hex. */
  signatures: string[];
}

/** A body java-tron cannot even turn into a Transaction (its Util.packTransaction returns null). */
export class TransactionParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransactionParseError';
  }
}

export class UnsupportedContractError extends Error {
  readonly contractType: string;
  constructor(contractType: string) {
    super(`contract type ${contractType} is not supported by the Kassa Tron devnet`);
    this.name = 'UnsupportedContractError';
    this.contractType = contractType;
  }
}

function encodeRaw(raw: TransactionRaw): Uint8Array {
  const contract = raw.contract;
  return encodeTransactionRaw({
    refBlockBytes: fromHex(raw.refBlockBytes),
    refBlockNum: BigInt(raw.refBlockNum),
    refBlockHash: fromHex(raw.refBlockHash),
    expiration: BigInt(raw.expiration),
    data: fromHex(raw.data),
    timestamp: BigInt(raw.timestamp),
    feeLimit: BigInt(raw.feeLimit),
    contract:
      contract.type === 'TransferContract'
        ? {
            type: 'TransferContract',
            permissionId: contract.permissionId,
            value: { ownerAddress: fromHex(contract.ownerAddress), toAddress: fromHex(contract.toAddress), amount: BigInt(contract.amount) },
          }
        : {
            type: 'TriggerSmartContract',
            permissionId: contract.permissionId,
            value: {
              ownerAddress: fromHex(contract.ownerAddress),
              contractAddress: fromHex(contract.contractAddress),
              callValue: BigInt(contract.callValue),
              data: fromHex(contract.data),
              callTokenValue: BigInt(contract.callTokenValue),
              tokenId: BigInt(contract.tokenId),
            },
          },
  });
}

/** An unsigned transaction with its raw_data_hex and txID computed from raw_data. */
export function buildTransaction(raw: TransactionRaw, signatures: string[] = []): TronTransaction {
  const rawBytes = encodeRaw(raw);
  return { txID: toHex(sha256(rawBytes)), rawDataHex: toHex(rawBytes), raw, signatures };
}

// ---- parsing (the client's JSON → our form) ----

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function int64Field(source: Record<string, unknown>, key: string): number {
  const value = source[key];
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TransactionParseError(`${key} is not an int64`);
  return n;
}

function hexField(source: Record<string, unknown>, key: string): string {
  const value = source[key];
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(value)) throw new TransactionParseError(`${key} is not hex`);
  return value.replace(/^0x/, '').toLowerCase();
}

/** An address field: 41-hex normally, base58check when visible=true (as java-tron's JsonFormat reads it). */
export function parseAddress(value: unknown, visible: boolean, key = 'address'): string {
  if (typeof value !== 'string' || value === '') throw new TransactionParseError(`${key} isn't set.`);
  if (visible) {
    try {
      return base58ToHex(value);
    } catch {
      throw new TransactionParseError(`INVALID base58 String, ${key}`);
    }
  }
  const hex = value.replace(/^0x/, '').toLowerCase();
  if (!isHexAddress(hex)) throw new TransactionParseError(`INVALID hex String, ${key}`);
  return hex;
}

function parseContract(contractJson: unknown, visible: boolean): TronContract {
  if (!isObject(contractJson)) throw new TransactionParseError('contract is not an object');
  const type = contractJson['type'];
  const parameter = contractJson['parameter'];
  if (typeof type !== 'string' || !isObject(parameter) || !isObject(parameter['value'])) {
    throw new TransactionParseError('contract has no type or parameter.value');
  }
  const value = parameter['value'];
  const permissionId = int64Field(contractJson, 'Permission_id');
  switch (type) {
    case 'TransferContract':
      return {
        type,
        ownerAddress: parseAddress(value['owner_address'], visible, 'owner_address'),
        toAddress: parseAddress(value['to_address'], visible, 'to_address'),
        amount: int64Field(value, 'amount'),
        permissionId,
      };
    case 'TriggerSmartContract':
      return {
        type,
        ownerAddress: parseAddress(value['owner_address'], visible, 'owner_address'),
        contractAddress: parseAddress(value['contract_address'], visible, 'contract_address'),
        data: hexField(value, 'data'),
        callValue: int64Field(value, 'call_value'),
        callTokenValue: int64Field(value, 'call_token_value'),
        tokenId: int64Field(value, 'token_id'),
        permissionId,
      };
    default:
      throw new UnsupportedContractError(type);
  }
}

/** A signed (or unsigned) transaction as clients POST it to broadcasttransaction. */
export function parseTransactionJson(body: unknown): TronTransaction {
  if (!isObject(body)) throw new TransactionParseError('body is not a JSON object');
  const visible = body['visible'] === true || body['visible'] === 'true';
  const rawJson = body['raw_data'];
  if (!isObject(rawJson)) throw new TransactionParseError('raw_data is missing');
  const contracts = rawJson['contract'];
  if (!Array.isArray(contracts) || contracts.length !== 1) throw new TransactionParseError('raw_data.contract must hold one contract');
  const signatureJson = body['signature'] ?? [];
  if (!Array.isArray(signatureJson) || !signatureJson.every((s) => typeof s === 'string' && /^(0x)?([0-9a-fA-F]{2})*$/.test(s))) {
    throw new TransactionParseError('signature must be an array of hex strings');
  }
  const raw: TransactionRaw = {
    refBlockBytes: hexField(rawJson, 'ref_block_bytes'),
    refBlockNum: int64Field(rawJson, 'ref_block_num'),
    refBlockHash: hexField(rawJson, 'ref_block_hash'),
    expiration: int64Field(rawJson, 'expiration'),
    data: hexField(rawJson, 'data'),
    contract: parseContract(contracts[0], visible),
    timestamp: int64Field(rawJson, 'timestamp'),
    feeLimit: int64Field(rawJson, 'fee_limit'),
  };
  return buildTransaction(
    raw,
    signatureJson.map((s) => s.replace(/^0x/, '').toLowerCase()),
  );
}

// ---- printing (our form → java-tron's JSON) ----

export function renderAddress(hexAddress: string, visible: boolean): string {
  return visible ? hexToBase58(hexAddress) : hexAddress;
}

function renderContractValue(contract: TronContract, visible: boolean): Record<string, unknown> {
  if (contract.type === 'TransferContract') {
    return {
      amount: contract.amount,
      owner_address: renderAddress(contract.ownerAddress, visible),
      to_address: renderAddress(contract.toAddress, visible),
    };
  }
  const value: Record<string, unknown> = {};
  if (contract.data) value['data'] = contract.data;
  value['owner_address'] = renderAddress(contract.ownerAddress, visible);
  value['contract_address'] = renderAddress(contract.contractAddress, visible);
  if (contract.callValue) value['call_value'] = contract.callValue;
  if (contract.callTokenValue) value['call_token_value'] = contract.callTokenValue;
  if (contract.tokenId) value['token_id'] = contract.tokenId;
  return value;
}

export function renderRawData(raw: TransactionRaw, visible: boolean): Record<string, unknown> {
  const contract: Record<string, unknown> = {
    parameter: { value: renderContractValue(raw.contract, visible), type_url: typeUrlOf(raw.contract.type as SupportedContractType) },
    type: raw.contract.type,
  };
  if (raw.contract.permissionId) contract['Permission_id'] = raw.contract.permissionId;
  const json: Record<string, unknown> = { contract: [contract] };
  if (raw.refBlockBytes) json['ref_block_bytes'] = raw.refBlockBytes;
  if (raw.refBlockNum) json['ref_block_num'] = raw.refBlockNum;
  if (raw.refBlockHash) json['ref_block_hash'] = raw.refBlockHash;
  if (raw.expiration) json['expiration'] = raw.expiration;
  if (raw.data) json['data'] = raw.data;
  if (raw.feeLimit) json['fee_limit'] = raw.feeLimit;
  if (raw.timestamp) json['timestamp'] = raw.timestamp;
  return json;
}

/** A transaction as blocks and gettransactionbyid carry it. */
export function renderIncludedTransaction(tx: TronTransaction, contractRet: ContractResultName, visible: boolean): Record<string, unknown> {
  return {
    ret: [{ contractRet }],
    signature: tx.signatures,
    txID: tx.txID,
    raw_data: renderRawData(tx.raw, visible),
    raw_data_hex: tx.rawDataHex,
  };
}

/** An unsigned transaction as createtransaction and triggersmartcontract return it. */
export function renderUnsignedTransaction(tx: TronTransaction, visible: boolean): Record<string, unknown> {
  return { visible, txID: tx.txID, raw_data: renderRawData(tx.raw, visible), raw_data_hex: tx.rawDataHex };
}
