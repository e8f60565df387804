// java-tron's HTTP API over the devnet chain: the /wallet and /walletsolidity servlets a payment
// watcher and TronWeb call, with java-tron's JSON (zero values left out, hex unless visible=true)
// and its error shapes ({"Error": "class … : …"} with status 200, broadcast codes with hex messages).
import { readFileSync } from 'node:fs';
import { availableParallelism, freemem, release, totalmem, type as osType } from 'node:os';
import { keccak256 as viemKeccak, toHex as viemToHex } from 'viem';
import {
  type AccountRecord,
  BroadcastRejection,
  ContractValidateError,
  type IncludedTransaction,
  TRON_DEVNET_PARAMETERS,
  type TronBlock,
  type TronChain,
  USDT_CONTRACT,
  USDT_METADATA,
} from './tron-chain.ts';
import { hexToBase58 } from './tron-crypto.ts';
import { encodedConstructorArgs, tronAbiEntries } from './tron-token.ts';
import {
  type TronContract,
  TransactionParseError,
  UnsupportedContractError,
  parseAddress,
  parseTransactionJson,
  renderAddress,
  renderIncludedTransaction,
  renderUnsignedTransaction,
} from './tron-transaction.ts';

export type Params = Record<string, unknown>;

/** An exception a java-tron servlet catches and prints as {"Error": "class <name> : <message>"}. */
export class JavaTronError extends Error {
  readonly className: string;
  constructor(className: string, message: string) {
    super(message);
    this.name = 'JavaTronError';
    this.className = className;
  }

  toBody(): { Error: string } {
    return { Error: `class ${this.className} : ${this.message}` };
  }
}

interface Route {
  /** java-tron servlets without doGet answer GET with 405. */
  get: boolean;
  handle(params: Params, chain: TronChain): unknown;
}

// ---- parameters ----

function isVisible(params: Params): boolean {
  return params['visible'] === true || params['visible'] === 'true';
}

function int64Param(params: Params, key: string, fallback = 0): number {
  const value = params[key];
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new JavaTronError('java.lang.NumberFormatException', `For input string: "${String(value)}"`);
  }
  return n;
}

function hexParam(params: Params, key: string): string {
  const value = params[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(value)) {
    throw new JavaTronError('org.tron.core.services.http.JsonFormat$ParseException', `INVALID hex String, ${key}`);
  }
  return value.replace(/^0x/, '').toLowerCase();
}

function addressParam(params: Params, key: string): string {
  try {
    return parseAddress(params[key], isVisible(params), key);
  } catch (error) {
    throw new JavaTronError('org.tron.core.services.http.JsonFormat$ParseException', (error as Error).message);
  }
}

/** Message bytes in java-tron's Return: hex of the UTF-8 text, or the text itself when visible. */
function returnMessage(text: string, visible: boolean): string {
  return visible ? text : Buffer.from(text, 'utf8').toString('hex');
}

// ---- rendering ----

export function renderBlock(block: TronBlock, visible: boolean, withTransactions = true): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  if (block.number) raw['number'] = block.number;
  raw['txTrieRoot'] = block.txTrieRoot;
  raw['witness_address'] = renderAddress(block.witnessAddress, visible);
  raw['parentHash'] = block.parentHash;
  raw['version'] = block.version;
  if (block.timestamp) raw['timestamp'] = block.timestamp;
  const header: Record<string, unknown> = { raw_data: raw };
  if (block.witnessSignature) header['witness_signature'] = block.witnessSignature;
  const json: Record<string, unknown> = { blockID: block.id, block_header: header };
  if (withTransactions && block.transactions.length > 0) {
    json['transactions'] = block.transactions.map(({ tx, result }) => renderIncludedTransaction(tx, result.contractRet, visible));
  }
  return json;
}

export function renderTransactionInfo(block: TronBlock, included: IncludedTransaction, visible: boolean): Record<string, unknown> {
  const { result } = included;
  const json: Record<string, unknown> = { id: included.tx.txID };
  if (result.fee) json['fee'] = result.fee;
  json['blockNumber'] = block.number;
  json['blockTimeStamp'] = block.timestamp;
  json['contractResult'] = [result.contractResult];
  if (result.contractAddress) json['contract_address'] = renderAddress(result.contractAddress, visible);
  const receipt: Record<string, unknown> = {};
  if (result.receipt.energyFee) receipt['energy_fee'] = result.receipt.energyFee;
  if (result.receipt.energyUsageTotal) receipt['energy_usage_total'] = result.receipt.energyUsageTotal;
  if (result.receipt.netUsage) receipt['net_usage'] = result.receipt.netUsage;
  if (result.receipt.netFee) receipt['net_fee'] = result.receipt.netFee;
  if (result.receipt.result) receipt['result'] = result.receipt.result;
  json['receipt'] = receipt;
  if (result.logs.length > 0) {
    json['log'] = result.logs.map((log) => ({
      address: visible ? hexToBase58(`41${log.address}`) : log.address,
      topics: log.topics,
      data: log.data,
    }));
  }
  if (result.failureMessage) {
    json['result'] = 'FAILED';
    json['resMessage'] = returnMessage(result.failureMessage, visible);
  }
  return json;
}

const WINDOW_SIZE_MS = 28_800_000;
const ACTIVE_OPERATIONS = '7fff1fc0033efb0f000000000000000000000000000000000000000000000000';

function renderAccount(hexAddress: string, account: AccountRecord, visible: boolean): Record<string, unknown> {
  const address = renderAddress(hexAddress, visible);
  const json: Record<string, unknown> = { address };
  if (account.balance) json['balance'] = Number(account.balance);
  json['create_time'] = account.createTime;
  if (account.isContract) {
    json['type'] = 'Contract';
    return json;
  }
  if (account.latestOperationTime) json['latest_opration_time'] = account.latestOperationTime;
  if (account.freeNetUsage) json['free_net_usage'] = account.freeNetUsage;
  if (account.latestConsumeFreeTime) json['latest_consume_free_time'] = account.latestConsumeFreeTime;
  json['net_window_size'] = WINDOW_SIZE_MS;
  json['net_window_optimized'] = true;
  const resource: Record<string, unknown> = {};
  if (account.latestConsumeTimeForEnergy) resource['latest_consume_time_for_energy'] = account.latestConsumeTimeForEnergy;
  resource['energy_window_size'] = WINDOW_SIZE_MS;
  resource['energy_window_optimized'] = true;
  json['account_resource'] = resource;
  json['owner_permission'] = { permission_name: 'owner', threshold: 1, keys: [{ address, weight: 1 }] };
  json['active_permission'] = [
    { type: 'Active', id: 2, permission_name: 'active', threshold: 1, operations: ACTIVE_OPERATIONS, keys: [{ address, weight: 1 }] },
  ];
  json['frozenV2'] = [{}, { type: 'ENERGY' }, { type: 'TRON_POWER' }];
  json['asset_optimized'] = true;
  return json;
}

// ---- views over the chain, full node or solidified ----

interface View {
  chain: TronChain;
  /** The newest block this servlet family serves. */
  top(): number;
  solidity: boolean;
}

function viewOf(chain: TronChain, solidity: boolean): View {
  return { chain, solidity, top: () => (solidity ? chain.solidifiedNumber() : chain.headNumber()) };
}

function blockAt(view: View, number: number): TronBlock | null {
  return number <= view.top() ? view.chain.blockByNumber(number) : null;
}

function transactionAt(view: View, txId: string) {
  const found = view.chain.findTransaction(txId);
  return found && found.block.number <= view.top() ? found : null;
}

const BLOCK_LIMIT = 100;

function blockQueries(solidity: boolean): Record<string, Route> {
  const prefix = solidity ? '/walletsolidity' : '/wallet';
  return {
    [`${prefix}/getnowblock`]: {
      get: true,
      handle: (params, chain) => {
        const view = viewOf(chain, solidity);
        return renderBlock(view.chain.blockByNumber(view.top()) as TronBlock, isVisible(params));
      },
    },
    [`${prefix}/getblock`]: {
      get: true,
      handle: (params, chain) => {
        const view = viewOf(chain, solidity);
        const idOrNum = params['id_or_num'] === undefined || params['id_or_num'] === null ? '' : String(params['id_or_num']).trim();
        const detail = params['detail'] === true || params['detail'] === 'true';
        let block: TronBlock | null;
        if (idOrNum === '') block = view.chain.blockByNumber(view.top());
        else if (/^\d+$/.test(idOrNum)) block = blockAt(view, Number(idOrNum));
        else if (idOrNum.startsWith('-')) throw new JavaTronError('java.lang.IllegalArgumentException', 'num must be non-positive number.');
        else if (/^[0-9a-fA-F]{64}$/.test(idOrNum)) {
          const byId = view.chain.blockById(idOrNum);
          block = byId && byId.number <= view.top() ? byId : null;
        } else throw new JavaTronError('java.lang.IllegalArgumentException', 'id must be legal block hash.');
        return block ? renderBlock(block, isVisible(params), detail) : {};
      },
    },
    [`${prefix}/getblockbynum`]: {
      get: true,
      handle: (params, chain) => {
        const block = blockAt(viewOf(chain, solidity), int64Param(params, 'num'));
        return block ? renderBlock(block, isVisible(params)) : {};
      },
    },
    [`${prefix}/getblockbyid`]: {
      get: true,
      handle: (params, chain) => {
        const view = viewOf(chain, solidity);
        const block = view.chain.blockById(hexParam(params, 'value'));
        return block && block.number <= view.top() ? renderBlock(block, isVisible(params)) : {};
      },
    },
    [`${prefix}/getblockbylimitnext`]: {
      get: true,
      handle: (params, chain) => {
        const view = viewOf(chain, solidity);
        const start = int64Param(params, 'startNum');
        const end = int64Param(params, 'endNum');
        if (start < 0 || end <= start || end - start > BLOCK_LIMIT) return {};
        const blocks: Record<string, unknown>[] = [];
        for (let n = start; n < end; n++) {
          const block = blockAt(view, n);
          if (!block) break;
          blocks.push(renderBlock(block, isVisible(params)));
        }
        return blocks.length > 0 ? { block: blocks } : {};
      },
    },
    [`${prefix}/getblockbylatestnum`]: {
      get: true,
      handle: (params, chain) => {
        const view = viewOf(chain, solidity);
        const count = int64Param(params, 'num');
        if (count <= 0 || count > BLOCK_LIMIT) return {};
        const blocks: Record<string, unknown>[] = [];
        for (let n = Math.max(0, view.top() - count + 1); n <= view.top(); n++) {
          blocks.push(renderBlock(view.chain.blockByNumber(n) as TronBlock, isVisible(params)));
        }
        return { block: blocks };
      },
    },
    [`${prefix}/gettransactionbyid`]: {
      get: true,
      handle: (params, chain) => {
        const found = transactionAt(viewOf(chain, solidity), hexParam(params, 'value'));
        return found ? renderIncludedTransaction(found.included.tx, found.included.result.contractRet, isVisible(params)) : {};
      },
    },
    [`${prefix}/gettransactioninfobyid`]: {
      get: true,
      handle: (params, chain) => {
        const found = transactionAt(viewOf(chain, solidity), hexParam(params, 'value'));
        return found ? renderTransactionInfo(found.block, found.included, isVisible(params)) : {};
      },
    },
    [`${prefix}/gettransactioninfobyblocknum`]: {
      get: true,
      handle: (params, chain) => {
        const num = int64Param(params, 'num');
        if (num <= 0) return {};
        const block = blockAt(viewOf(chain, solidity), num);
        if (!block) return [];
        return block.transactions.map((included) => renderTransactionInfo(block, included, isVisible(params)));
      },
    },
    [`${prefix}/getaccount`]: {
      get: true,
      handle: (params, chain) => {
        if (params['address'] === undefined || params['address'] === '') return {};
        const hex = addressParam(params, 'address');
        const view = viewOf(chain, solidity);
        const account = view.chain.account(hex, solidity ? view.top() : undefined);
        return account ? renderAccount(hex, account, isVisible(params)) : {};
      },
    },
    [`${prefix}/triggerconstantcontract`]: { get: false, handle: (params, chain) => triggerConstant(params, chain) },
  };
}

// ---- smart contracts ----

function callDataOf(params: Params): string {
  const data = hexParam(params, 'data');
  if (data) return data;
  const selector = params['function_selector'];
  if (typeof selector !== 'string' || selector === '') return '';
  const signature = selector.replace(/\s+/g, '');
  return viemKeccak(viemToHex(signature)).slice(2, 10) + hexParam(params, 'parameter');
}

type TriggerParse =
  | { ok: true; contract: Extract<TronContract, { type: 'TriggerSmartContract' }> }
  | { ok: false; body: Record<string, unknown> };

function parseTrigger(params: Params): TriggerParse {
  const visible = isVisible(params);
  const fail = (code: string, message: string): TriggerParse => ({ ok: false, body: { result: { code, message: returnMessage(message, visible) } } });
  for (const key of ['owner_address', 'contract_address']) {
    if (typeof params[key] !== 'string' || params[key] === '') {
      return fail('OTHER_ERROR', `class java.security.InvalidParameterException : ${key} isn't set.`);
    }
  }
  let ownerAddress: string;
  let contractAddress: string;
  try {
    ownerAddress = parseAddress(params['owner_address'], visible, 'owner_address');
    contractAddress = parseAddress(params['contract_address'], visible, 'contract_address');
  } catch (error) {
    return fail('OTHER_ERROR', `class org.tron.core.services.http.JsonFormat$ParseException : ${(error as Error).message}`);
  }
  return {
    ok: true,
    contract: {
      type: 'TriggerSmartContract',
      ownerAddress,
      contractAddress,
      data: callDataOf(params),
      callValue: int64Param(params, 'call_value'),
      callTokenValue: int64Param(params, 'call_token_value'),
      tokenId: int64Param(params, 'token_id'),
      permissionId: int64Param(params, 'Permission_id'),
    },
  };
}

function triggerConstant(params: Params, chain: TronChain): unknown {
  const parsed = parseTrigger(params);
  if (!parsed.ok) return parsed.body;
  const visible = isVisible(params);
  if (!chain.isContract(parsed.contract.contractAddress)) {
    return { result: { code: 'CONTRACT_VALIDATE_ERROR', message: returnMessage('Smart contract is not exist.', visible) } };
  }
  const outcome = chain.callConstant(parsed.contract);
  const tx = chain.buildTrigger(parsed.contract, 0);
  const reverted = outcome.status === 'REVERT';
  const json: Record<string, unknown> = {
    result: reverted ? { result: true, message: returnMessage('REVERT opcode executed', visible) } : { result: true },
    energy_used: outcome.energy,
    constant_result: [outcome.returnData],
  };
  if (outcome.logs.length > 0) json['logs'] = outcome.logs;
  json['transaction'] = { ret: [reverted ? { ret: 'FAILED' } : {}], ...renderUnsignedTransaction(tx, visible) };
  return json;
}

function triggerSmartContract(params: Params, chain: TronChain): unknown {
  const parsed = parseTrigger(params);
  if (!parsed.ok) return parsed.body;
  const visible = isVisible(params);
  if (!chain.isContract(parsed.contract.contractAddress)) {
    return { result: { code: 'CONTRACT_VALIDATE_ERROR', message: returnMessage('No contract or not a valid smart contract', visible) } };
  }
  const tx = chain.buildTrigger(parsed.contract, int64Param(params, 'fee_limit'));
  return { result: { result: true }, transaction: renderUnsignedTransaction(tx, visible) };
}

function estimateEnergy(params: Params, chain: TronChain): unknown {
  const parsed = parseTrigger(params);
  if (!parsed.ok) return parsed.body;
  const visible = isVisible(params);
  if (!chain.isContract(parsed.contract.contractAddress)) {
    return { result: { code: 'CONTRACT_VALIDATE_ERROR', message: returnMessage('No contract or not a valid smart contract', visible) } };
  }
  const outcome = chain.callConstant(parsed.contract);
  if (outcome.status === 'REVERT') {
    return { result: { code: 'CONTRACT_EXE_ERROR', message: returnMessage('REVERT opcode executed', visible) } };
  }
  return { result: { result: true }, energy_required: outcome.energy };
}

let cachedBytecode: string | null | undefined;

/** The creation bytecode the EVM devnet deploys (same Solidity), with the constructor arguments. */
function tokenBytecode(): string | null {
  if (cachedBytecode !== undefined) return cachedBytecode;
  try {
    const url = new URL('../../../../resources/devnet/TestToken.json', import.meta.url);
    const artifact = JSON.parse(readFileSync(url, 'utf8')) as { bytecode?: unknown };
    cachedBytecode =
      typeof artifact.bytecode === 'string' ? artifact.bytecode.replace(/^0x/, '') + encodedConstructorArgs(USDT_METADATA) : null;
  } catch {
    cachedBytecode = null;
  }
  return cachedBytecode;
}

function getContract(params: Params, chain: TronChain): unknown {
  const visible = isVisible(params);
  const hex = addressParam(params, 'value');
  if (!chain.isContract(hex)) return {};
  const json: Record<string, unknown> = {
    origin_address: renderAddress(USDT_CONTRACT.originAddress, visible),
    contract_address: renderAddress(USDT_CONTRACT.hexAddress, visible),
    abi: { entrys: tronAbiEntries() },
  };
  const bytecode = tokenBytecode();
  if (bytecode) json['bytecode'] = bytecode;
  json['consume_user_resource_percent'] = USDT_CONTRACT.consumeUserResourcePercent;
  json['name'] = USDT_CONTRACT.name;
  json['origin_energy_limit'] = USDT_CONTRACT.originEnergyLimit;
  if (bytecode) json['code_hash'] = viemKeccak(`0x${bytecode}`).slice(2);
  return json;
}

// ---- transactions ----

function createTransaction(params: Params, chain: TronChain): unknown {
  const visible = isVisible(params);
  const address = (key: string, label: string) => {
    try {
      return parseAddress(params[key], visible, key);
    } catch {
      throw new JavaTronError('org.tron.core.exception.ContractValidateException', `Invalid ${label}!`);
    }
  };
  const contract: Extract<TronContract, { type: 'TransferContract' }> = {
    type: 'TransferContract',
    ownerAddress: address('owner_address', 'ownerAddress'),
    toAddress: address('to_address', 'toAddress'),
    amount: int64Param(params, 'amount'),
    permissionId: int64Param(params, 'Permission_id', int64Param(params, 'permission_id')),
  };
  const extra = params['extra_data'];
  const memo = typeof extra === 'string' && extra !== '' ? (visible ? Buffer.from(extra, 'utf8').toString('hex') : hexParam(params, 'extra_data')) : '';
  try {
    return renderUnsignedTransaction(chain.buildTransfer(contract, memo), visible);
  } catch (error) {
    if (error instanceof ContractValidateError) throw new JavaTronError('org.tron.core.exception.ContractValidateException', error.message);
    throw error;
  }
}

async function broadcastTransaction(params: Params, chain: TronChain): Promise<unknown> {
  const visible = isVisible(params);
  let tx;
  try {
    tx = parseTransactionJson(params);
  } catch (error) {
    if (error instanceof TransactionParseError) throw new JavaTronError('java.lang.NullPointerException', 'null');
    if (error instanceof UnsupportedContractError) throw new JavaTronError('org.tron.core.services.http.JsonFormat$ParseException', error.message);
    throw error;
  }
  try {
    await chain.broadcast(tx);
    return { result: true, txid: tx.txID };
  } catch (error) {
    if (error instanceof BroadcastRejection) return { code: error.code, txid: tx.txID, message: returnMessage(error.message, visible) };
    throw error;
  }
}

// ---- node ----

const CHAIN_PARAMETERS: ReadonlyArray<readonly [string, number]> = [
  ['getMaintenanceTimeInterval', 21_600_000],
  ['getAccountUpgradeCost', 9_999_000_000],
  ['getCreateAccountFee', TRON_DEVNET_PARAMETERS.createAccountFee],
  ['getTransactionFee', TRON_DEVNET_PARAMETERS.transactionFee],
  ['getAssetIssueFee', 1_024_000_000],
  ['getWitnessPayPerBlock', 8_000_000],
  ['getWitnessStandbyAllowance', 115_200_000_000],
  ['getCreateNewAccountFeeInSystemContract', TRON_DEVNET_PARAMETERS.createNewAccountFeeInSystemContract],
  ['getCreateNewAccountBandwidthRate', 1],
  ['getAllowCreationOfContracts', 1],
  ['getRemoveThePowerOfTheGr', 1],
  ['getEnergyFee', TRON_DEVNET_PARAMETERS.energyFee],
  ['getExchangeCreateFee', 1_024_000_000],
  ['getMaxCpuTimeOfOneTx', 80],
  ['getAllowSameTokenName', 1],
  ['getAllowDelegateResource', 1],
  ['getTotalEnergyLimit', 180_000_000_000],
  ['getAllowTvmTransferTrc10', 1],
  ['getTotalEnergyCurrentLimit', 180_000_000_000],
  ['getAllowMultiSign', 1],
  ['getUpdateAccountPermissionFee', 100_000_000],
  ['getMultiSignFee', 1_000_000],
  ['getFreeNetLimit', TRON_DEVNET_PARAMETERS.freeNetLimit],
  ['getMaxFeeLimit', TRON_DEVNET_PARAMETERS.maxFeeLimit],
];

function nodeInfo(chain: TronChain): unknown {
  const head = chain.head();
  const solid = chain.blockByNumber(chain.solidifiedNumber()) as TronBlock;
  return {
    activeConnectCount: 0,
    beginSyncNum: 0,
    block: `Num:${head.number},ID:${head.id}`,
    cheatWitnessInfoMap: {},
    configNodeInfo: {
      codeVersion: '4.8.1',
      dbVersion: 2,
      discoverEnable: false,
      listenPort: 0,
      maxConnectCount: 0,
      p2pVersion: 'kassa-devnet',
      supportConstant: true,
      versionNum: '0',
    },
    currentConnectCount: 0,
    machineInfo: {
      cpuCount: availableParallelism(),
      cpuRate: 0,
      totalMemory: totalmem(),
      freeMemory: freemem(),
      jvmTotalMemory: process.memoryUsage().heapTotal,
      jvmFreeMemory: process.memoryUsage().heapTotal - process.memoryUsage().heapUsed,
      javaVersion: `none (Kassa Tron devnet on Node.js ${process.versions.node})`,
      osName: `${osType()} ${release()}`,
      threadCount: 1,
      deadLockThreadCount: 0,
    },
    passiveConnectCount: 0,
    peerList: [],
    solidityBlock: `Num:${solid.number},ID:${solid.id}`,
    totalFlow: 0,
  };
}

function accountResource(params: Params, chain: TronChain): unknown {
  if (params['address'] === undefined || params['address'] === '') return {};
  const account = chain.account(addressParam(params, 'address'));
  if (!account) return {};
  const json: Record<string, unknown> = {};
  if (account.freeNetUsage) json['freeNetUsed'] = account.freeNetUsage;
  json['freeNetLimit'] = TRON_DEVNET_PARAMETERS.freeNetLimit;
  json['TotalNetLimit'] = 43_200_000_000;
  json['TotalNetWeight'] = 26_000_000_000;
  json['TotalEnergyLimit'] = 180_000_000_000;
  json['TotalEnergyWeight'] = 19_000_000_000;
  return json;
}

export const ROUTES: Readonly<Record<string, Route>> = {
  ...blockQueries(false),
  ...blockQueries(true),
  '/wallet/createtransaction': { get: false, handle: createTransaction },
  '/wallet/triggersmartcontract': { get: false, handle: triggerSmartContract },
  '/wallet/estimateenergy': { get: false, handle: estimateEnergy },
  '/wallet/broadcasttransaction': { get: false, handle: broadcastTransaction },
  '/wallet/getcontract': { get: true, handle: getContract },
  '/wallet/getaccountresource': { get: true, handle: accountResource },
  '/wallet/getchainparameters': {
    get: true,
    handle: () => ({ chainParameter: CHAIN_PARAMETERS.map(([key, value]) => ({ key, value })) }),
  },
  '/wallet/getnodeinfo': { get: true, handle: (_params, chain) => nodeInfo(chain) },
  '/walletsolidity/getnodeinfo': { get: true, handle: (_params, chain) => nodeInfo(chain) },
};
