// The Tron devnet's chain: blocks with java-tron's ids and witness signatures, a transaction pool,
// accounts with TRX and bandwidth, one TRC-20 token, TAPOS/expiration/signature checks on
// broadcast, and reorgs. Pure in-memory; a restart is a new chain with a new genesis id.
import { randomBytes } from 'node:crypto';
import type { ChainLogger } from '../../evm/chain-logger.ts';
import { fromHex, hexToBase58, recoverSigner, sha256, signDigest, toHex } from './tron-crypto.ts';
import {
  TRON_DEVNET_FAUCET,
  TRON_DEVNET_FAUCET_TRX_SUN,
  TRON_DEVNET_FORK_WITNESS,
  TRON_DEVNET_USDT_DEPLOY_TXID,
  TRON_DEVNET_USDT_HEX,
  TRON_DEVNET_USDT_SPEC,
  TRON_DEVNET_WITNESS,
  type TronDevnetKey,
} from './tron-devnet-accounts.ts';
import { type ContractResultName, encodeBlockHeaderRaw, encodeTransaction } from './tron-protobuf.ts';
import { type TokenMetadata, type TokenState, type TronLog, executeTokenCall } from './tron-token.ts';
import { type TronContract, type TronTransaction, buildTransaction } from './tron-transaction.ts';

/** Mainnet chain parameters the devnet charges by (getchainparameters). */
export const TRON_DEVNET_PARAMETERS = {
  /** sun per energy unit (getEnergyFee) */
  energyFee: 100,
  /** sun per bandwidth byte when no free bandwidth is left (getTransactionFee) */
  transactionFee: 1_000,
  /** sun burned for the bandwidth of a transaction that creates an account (getCreateAccountFee) */
  createAccountFee: 100_000,
  /** sun a TRX transfer to a new address pays for creating it (getCreateNewAccountFeeInSystemContract) */
  createNewAccountFeeInSystemContract: 1_000_000,
  /** free bandwidth bytes per account per day (getFreeNetLimit) */
  freeNetLimit: 600,
  /** sun; fee_limit may not exceed it (getMaxFeeLimit) */
  maxFeeLimit: 15_000_000_000,
} as const;

const BLOCK_VERSION = 34;
/** java-tron's head − solidified distance with 27 SRs (70% + 1 confirmations). */
export const SOLIDIFIED_DEPTH = 19;
const TAPOS_WINDOW = 65_536;
const MAX_EXPIRATION_AHEAD_MS = 24 * 3_600_000;
const FREE_NET_WINDOW_MS = 24 * 3_600_000;
/** Result bytes java-tron adds to a transaction's size when it charges bandwidth. */
const MAX_RESULT_SIZE_IN_TX = 64;
/** Blocks are at least this far apart, like anvil's one-second granularity (mainnet slots are 3 s). */
export const MIN_BLOCK_SPACING_MS = 1_000;

export interface AccountRecord {
  balance: bigint;
  createTime: number;
  latestOperationTime: number;
  freeNetUsage: number;
  latestConsumeFreeTime: number;
  latestConsumeTimeForEnergy: number;
  isContract: boolean;
}

export interface WorldState {
  accounts: Map<string, AccountRecord>;
  token: TokenState;
}

export interface ExecutionResult {
  contractRet: ContractResultName;
  /** Total sun burned (TransactionInfo.fee). */
  fee: number;
  receipt: {
    energyFee: number;
    energyUsageTotal: number;
    netUsage: number;
    netFee: number;
    /** Only smart-contract calls carry a receipt result. */
    result: ContractResultName | null;
  };
  /** Return data (hex, '' = none). */
  contractResult: string;
  /** 41-hex; smart-contract calls only. */
  contractAddress: string | null;
  logs: TronLog[];
  /** Set when the call failed (TransactionInfo.result FAILED + resMessage). */
  failureMessage: string | null;
}

export interface IncludedTransaction {
  tx: TronTransaction;
  result: ExecutionResult;
}

export interface TronBlock {
  number: number;
  /** 64 hex: the number in the first 8 bytes, then sha256(header raw) from byte 8 on. */
  id: string;
  parentHash: string;
  timestamp: number;
  txTrieRoot: string;
  witnessAddress: string;
  version: number;
  /** '' for genesis, which no witness signs. */
  witnessSignature: string;
  transactions: IncludedTransaction[];
}

/** A broadcast refused, in java-tron's Return codes and messages. */
export class BroadcastRejection extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'BroadcastRejection';
    this.code = code;
  }
}

/** A transaction the actuators refuse (java-tron's ContractValidateException). */
export class ContractValidateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractValidateError';
  }
}

/** Not enough bandwidth or TRX to pay for it (java-tron's AccountResourceInsufficientException). */
class AccountResourceInsufficientError extends Error {}

export const USDT_METADATA: TokenMetadata = {
  name: TRON_DEVNET_USDT_SPEC.name,
  symbol: TRON_DEVNET_USDT_SPEC.symbol,
  decimals: TRON_DEVNET_USDT_SPEC.decimals,
};

export const USDT_CONTRACT = {
  hexAddress: TRON_DEVNET_USDT_HEX,
  originAddress: TRON_DEVNET_FAUCET.hexAddress,
  deployTxId: TRON_DEVNET_USDT_DEPLOY_TXID,
  name: 'TestToken',
  originEnergyLimit: 10_000_000,
  consumeUserResourcePercent: 100,
} as const;

function cloneState(state: WorldState): WorldState {
  const accounts = new Map<string, AccountRecord>();
  for (const [address, record] of state.accounts) accounts.set(address, { ...record });
  return {
    accounts,
    token: { balances: new Map(state.token.balances), allowances: new Map(state.token.allowances), totalSupply: state.token.totalSupply },
  };
}

function genesisState(genesisTimestamp: number): WorldState {
  const account = (balance: bigint, isContract = false): AccountRecord => ({
    balance,
    createTime: genesisTimestamp,
    latestOperationTime: 0,
    freeNetUsage: 0,
    latestConsumeFreeTime: 0,
    latestConsumeTimeForEnergy: 0,
    isContract,
  });
  return {
    accounts: new Map([
      [TRON_DEVNET_FAUCET.hexAddress, account(TRON_DEVNET_FAUCET_TRX_SUN)],
      [TRON_DEVNET_WITNESS.hexAddress, account(0n)],
      [USDT_CONTRACT.hexAddress, account(0n, true)],
    ]),
    token: {
      balances: new Map([[TRON_DEVNET_FAUCET.hexAddress, TRON_DEVNET_USDT_SPEC.genesisSupply]]),
      allowances: new Map(),
      totalSupply: TRON_DEVNET_USDT_SPEC.genesisSupply,
    },
  };
}

/** Free bandwidth recovers linearly over a day, as java-tron's usage windows do. */
function recoveredUsage(usage: number, lastTime: number, now: number): number {
  if (usage === 0 || now <= lastTime) return usage;
  const elapsed = now - lastTime;
  if (elapsed >= FREE_NET_WINDOW_MS) return 0;
  return Math.floor((usage * (FREE_NET_WINDOW_MS - elapsed)) / FREE_NET_WINDOW_MS);
}

function transactionSize(tx: TronTransaction): number {
  return encodeTransaction(fromHex(tx.rawDataHex), tx.signatures.map(fromHex), 'DEFAULT').length + MAX_RESULT_SIZE_IN_TX;
}

function ownerOf(contract: TronContract): string {
  return contract.ownerAddress;
}

/** java-tron's MerkleTree: sha256(left ‖ right) level by level; an odd last node moves up as is. */
function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(32);
  let level = leaves;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Uint8Array;
      const right = level[i + 1];
      next.push(right ? sha256(Uint8Array.from([...left, ...right])) : left);
    }
    level = next;
  }
  return level[0] as Uint8Array;
}

function blockIdFor(number: number, headerDigest: Uint8Array): string {
  return number.toString(16).padStart(16, '0') + toHex(headerDigest).slice(16);
}

/** java-tron's TransferActuator.validate: what createtransaction and broadcast both refuse. */
export function validateTransferContract(
  state: WorldState,
  contract: Extract<TronContract, { type: 'TransferContract' }>,
): { owner: AccountRecord; recipient: AccountRecord | undefined; createFee: bigint } {
  if (contract.ownerAddress === contract.toAddress) throw new ContractValidateError('Cannot transfer TRX to yourself.');
  const owner = state.accounts.get(contract.ownerAddress);
  if (!owner) throw new ContractValidateError('Validate TransferContract error, no OwnerAccount.');
  if (contract.amount <= 0) throw new ContractValidateError('Amount must be greater than 0.');
  const recipient = state.accounts.get(contract.toAddress);
  if (recipient?.isContract) throw new ContractValidateError('Cannot transfer TRX to a smartContract.');
  const createFee = recipient ? 0n : BigInt(TRON_DEVNET_PARAMETERS.createNewAccountFeeInSystemContract);
  if (owner.balance < BigInt(contract.amount) + createFee) {
    throw new ContractValidateError('Validate TransferContract error, balance is not sufficient.');
  }
  return { owner, recipient, createFee };
}

/**
 * Applies `tx` to `state` in place at block time `now`, or throws without touching it:
 * ContractValidateError / AccountResourceInsufficientError when java-tron would refuse it.
 */
function executeTransaction(state: WorldState, tx: TronTransaction, now: number): ExecutionResult {
  const contract = tx.raw.contract;
  const ownerAddress = ownerOf(contract);
  const params = TRON_DEVNET_PARAMETERS;

  if (contract.type === 'TransferContract') {
    const { owner, recipient, createFee } = validateTransferContract(state, contract);
    const bandwidth = chargeBandwidth(owner, tx, now, !recipient);
    const debit = BigInt(contract.amount) + createFee + BigInt(bandwidth.netFee);
    // java-tron burns bandwidth first, so the amount and the creation fee must fit in what is left.
    if (owner.balance < debit) throw new ContractValidateError('Validate TransferContract error, balance is not sufficient.');
    const fee = bandwidth.netFee + Number(createFee);
    owner.balance -= debit;
    owner.latestOperationTime = now;
    const to =
      recipient ??
      ({
        balance: 0n,
        createTime: now,
        latestOperationTime: 0,
        freeNetUsage: 0,
        latestConsumeFreeTime: 0,
        latestConsumeTimeForEnergy: 0,
        isContract: false,
      } satisfies AccountRecord);
    to.balance += BigInt(contract.amount);
    state.accounts.set(contract.toAddress, to);
    return {
      contractRet: 'SUCCESS',
      fee,
      receipt: { energyFee: 0, energyUsageTotal: 0, netUsage: bandwidth.netUsage, netFee: bandwidth.netFee, result: null },
      contractResult: '',
      contractAddress: null,
      logs: [],
      failureMessage: null,
    };
  }

  // TriggerSmartContract
  const owner = state.accounts.get(ownerAddress);
  const target = state.accounts.get(contract.contractAddress);
  if (contract.contractAddress !== USDT_CONTRACT.hexAddress || !target?.isContract) {
    throw new ContractValidateError('No contract or not a valid smart contract');
  }
  if (tx.raw.feeLimit < 0 || tx.raw.feeLimit > params.maxFeeLimit) {
    throw new ContractValidateError(`feeLimit must be >= 0 and <= ${params.maxFeeLimit}`);
  }
  if (!owner) throw new AccountResourceInsufficientError(`account [${hexToBase58(ownerAddress)}] does not exist`);
  if (contract.callValue < 0 || owner.balance < BigInt(contract.callValue)) {
    throw new ContractValidateError('Validate InternalTransfer error, balance is not sufficient.');
  }
  const bandwidth = chargeBandwidth(owner, tx, now, false);
  const balanceAfterBandwidth = owner.balance - BigInt(bandwidth.netFee);
  // No staked energy on the devnet: every unit is bought with TRX, up to fee_limit and the balance.
  const energyLimit = Number(
    (BigInt(tx.raw.feeLimit) < balanceAfterBandwidth ? BigInt(tx.raw.feeLimit) : balanceAfterBandwidth) / BigInt(params.energyFee),
  );
  const outcome = executeTokenCall(USDT_METADATA, contract.contractAddress, state.token, {
    caller: ownerAddress,
    data: contract.data,
    callValue: contract.callValue,
  });
  owner.latestOperationTime = now;
  owner.latestConsumeTimeForEnergy = now;

  if (outcome.energy > energyLimit) {
    const energyFee = energyLimit * params.energyFee;
    owner.balance = balanceAfterBandwidth - BigInt(energyFee);
    return {
      contractRet: 'OUT_OF_ENERGY',
      fee: energyFee + bandwidth.netFee,
      receipt: { energyFee, energyUsageTotal: energyLimit, netUsage: bandwidth.netUsage, netFee: bandwidth.netFee, result: 'OUT_OF_ENERGY' },
      contractResult: '',
      contractAddress: contract.contractAddress,
      logs: [],
      failureMessage: 'Not enough energy',
    };
  }
  const energyFee = outcome.energy * params.energyFee;
  owner.balance = balanceAfterBandwidth - BigInt(energyFee);
  const receipt = { energyFee, energyUsageTotal: outcome.energy, netUsage: bandwidth.netUsage, netFee: bandwidth.netFee };
  if (outcome.status === 'REVERT') {
    return {
      contractRet: 'REVERT',
      fee: energyFee + bandwidth.netFee,
      receipt: { ...receipt, result: 'REVERT' },
      contractResult: outcome.returnData,
      contractAddress: contract.contractAddress,
      logs: [],
      failureMessage: 'REVERT opcode executed',
    };
  }
  state.token = outcome.state;
  return {
    contractRet: 'SUCCESS',
    fee: energyFee + bandwidth.netFee,
    receipt: { ...receipt, result: 'SUCCESS' },
    contractResult: outcome.returnData,
    contractAddress: contract.contractAddress,
    logs: outcome.logs,
    failureMessage: null,
  };
}

/**
 * Free bandwidth first, else burn TRX per byte; creating an account burns the flat creation fee.
 * Mutates only the free-bandwidth counters; the caller debits netFee.
 */
function chargeBandwidth(owner: AccountRecord, tx: TronTransaction, now: number, createsAccount: boolean): { netUsage: number; netFee: number } {
  const params = TRON_DEVNET_PARAMETERS;
  if (createsAccount) {
    if (owner.balance < BigInt(params.createAccountFee)) throw new AccountResourceInsufficientError('Account resource insufficient error.');
    return { netUsage: 0, netFee: params.createAccountFee };
  }
  const bytes = transactionSize(tx);
  const used = recoveredUsage(owner.freeNetUsage, owner.latestConsumeFreeTime, now);
  if (used + bytes <= params.freeNetLimit) {
    owner.freeNetUsage = used + bytes;
    owner.latestConsumeFreeTime = now;
    return { netUsage: bytes, netFee: 0 };
  }
  const netFee = bytes * params.transactionFee;
  if (owner.balance < BigInt(netFee)) throw new AccountResourceInsufficientError('Account resource insufficient error.');
  return { netUsage: 0, netFee };
}

export interface TronChainOptions {
  logger: ChainLogger;
  /** Wall clock; tests may pin it. */
  now?: () => number;
}

/** Runs tasks one at a time: mining, reorgs and broadcasts all read and write the same chain. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export class TronChain {
  private readonly logger: ChainLogger;
  private readonly now: () => number;
  private readonly queue = new SerialQueue();
  private blocks: TronBlock[] = [];
  private pool: TronTransaction[] = [];
  private headState: WorldState;
  private pendingState: WorldState;
  private txIndex = new Map<string, { blockNumber: number; index: number }>();
  private blockIndex = new Map<string, number>();
  private reorgCount = 0;

  constructor(options: TronChainOptions) {
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    const timestamp = this.now();
    // Genesis: unsigned, with a random parent so every start is a new chain with a new genesis id.
    const genesis = this.sealHeader({
      number: 0,
      parentHash: toHex(randomBytes(32)),
      timestamp,
      witnessAddress: TRON_DEVNET_WITNESS.hexAddress,
      transactions: [],
    });
    this.appendBlock({ ...genesis, witnessSignature: '' });
    this.headState = genesisState(timestamp);
    this.pendingState = cloneState(this.headState);
  }

  // ---- reads ----

  head(): TronBlock {
    return this.blocks[this.blocks.length - 1] as TronBlock;
  }

  headNumber(): number {
    return this.blocks.length - 1;
  }

  solidifiedNumber(): number {
    return Math.max(0, this.headNumber() - SOLIDIFIED_DEPTH);
  }

  blockByNumber(number: number): TronBlock | null {
    return Number.isSafeInteger(number) && number >= 0 ? (this.blocks[number] ?? null) : null;
  }

  blockById(id: string): TronBlock | null {
    const number = this.blockIndex.get(id.toLowerCase());
    return number === undefined ? null : (this.blocks[number] ?? null);
  }

  findTransaction(txId: string): { block: TronBlock; included: IncludedTransaction } | null {
    const location = this.txIndex.get(txId.toLowerCase());
    if (!location) return null;
    const block = this.blocks[location.blockNumber];
    const included = block?.transactions[location.index];
    return block && included ? { block, included } : null;
  }

  /** An account as the head block left it (or as `atBlock` did: the solidified view replays). */
  account(hexAddress: string, atBlock?: number): AccountRecord | null {
    const state = atBlock === undefined || atBlock >= this.headNumber() ? this.headState : this.replayState(atBlock);
    return state.accounts.get(hexAddress) ?? null;
  }

  // ---- builders (createtransaction, triggersmartcontract): unsigned, referencing the solidified block ----

  /** java-tron validates a transfer when it builds it, against the head state. */
  buildTransfer(contract: Extract<TronContract, { type: 'TransferContract' }>, memo: string): TronTransaction {
    validateTransferContract(this.headState, contract);
    return buildTransaction(this.referenceRaw(contract, 0, memo));
  }

  buildTrigger(contract: Extract<TronContract, { type: 'TriggerSmartContract' }>, feeLimit: number): TronTransaction {
    return buildTransaction(this.referenceRaw(contract, feeLimit, ''));
  }

  /** A read-only call against the head state (triggerconstantcontract). */
  callConstant(contract: Extract<TronContract, { type: 'TriggerSmartContract' }>) {
    return executeTokenCall(USDT_METADATA, contract.contractAddress, this.headState.token, {
      caller: contract.ownerAddress,
      data: contract.data,
      callValue: contract.callValue,
    });
  }

  isContract(hexAddress: string): boolean {
    return this.headState.accounts.get(hexAddress)?.isContract === true && hexAddress === USDT_CONTRACT.hexAddress;
  }

  private referenceRaw(contract: TronContract, feeLimit: number, memo: string) {
    const reference = this.blocks[this.solidifiedNumber()] as TronBlock;
    return {
      refBlockBytes: (reference.number & 0xffff).toString(16).padStart(4, '0'),
      refBlockNum: 0,
      refBlockHash: reference.id.slice(16, 32),
      expiration: this.head().timestamp + 60_000,
      data: memo,
      contract,
      timestamp: this.now(),
      feeLimit,
    };
  }

  // ---- writes ----

  /** Validates like java-tron's broadcastTransaction and pools the transaction for the next block. */
  async broadcast(tx: TronTransaction): Promise<void> {
    if (tx.signatures.length === 0) throw new BroadcastRejection('SIGERROR', 'Validate signature error: miss sig or contract');
    for (const signature of tx.signatures) {
      if (signature.length !== 130) {
        throw new BroadcastRejection('SIGERROR', `Validate signature error: Signature size is ${signature.length / 2}`);
      }
    }
    const digest = fromHex(tx.txID);
    const signers = await Promise.all(tx.signatures.map((signature) => recoverSigner(digest, signature)));
    const owner = ownerOf(tx.raw.contract);
    signers.forEach((signer, i) => {
      if (signer !== owner) {
        const by = signer ? hexToBase58(signer) : 'nobody';
        throw new BroadcastRejection(
          'SIGERROR',
          `Validate signature error: ${tx.signatures[i]} is signed by ${by} but it is not contained of permission.`,
        );
      }
    });
    await this.queue.run(() => {
      if (this.txIndex.has(tx.txID) || this.pool.some((pooled) => pooled.txID === tx.txID)) {
        throw new BroadcastRejection('DUP_TRANSACTION_ERROR', 'Dup transaction.');
      }
      const headTime = this.head().timestamp;
      if (tx.raw.expiration <= headTime || tx.raw.expiration > headTime + MAX_EXPIRATION_AHEAD_MS) {
        throw new BroadcastRejection('TRANSACTION_EXPIRATION_ERROR', 'Transaction expired');
      }
      if (!this.taposHolds(tx)) throw new BroadcastRejection('TAPOS_ERROR', 'Tapos check error.');
      const scratch = cloneState(this.pendingState);
      try {
        executeTransaction(scratch, tx, this.nextBlockTime());
      } catch (error) {
        if (error instanceof ContractValidateError) {
          throw new BroadcastRejection('CONTRACT_VALIDATE_ERROR', `Contract validate error : ${error.message}`);
        }
        if (error instanceof AccountResourceInsufficientError) {
          throw new BroadcastRejection('BANDWITH_ERROR', 'Account resource insufficient error.');
        }
        throw error;
      }
      this.pendingState = scratch;
      this.pool.push(tx);
      this.logger.debug({ txid: tx.txID, type: tx.raw.contract.type }, 'tron devnet: transaction pooled');
    });
  }

  /** Mines `count` blocks (pooled transactions go into the first); resolves with the new head. */
  mine(count: number): Promise<number> {
    if (!Number.isSafeInteger(count) || count < 1) return Promise.reject(new RangeError(`mine(n) needs a positive integer, got ${count}`));
    return this.queue.run(async () => {
      for (let i = 0; i < count; i++) await this.mineOne();
      return this.headNumber();
    });
  }

  /**
   * Replaces the last `depth` blocks with a competing branch of the same length (new ids, another
   * witness). Their transactions are re-included at the same heights unless `dropTransactions`.
   */
  reorg(depth: number, options: { dropTransactions?: boolean } = {}): Promise<void> {
    return this.queue.run(async () => {
      const head = this.headNumber();
      if (!Number.isSafeInteger(depth) || depth < 1 || depth > head) {
        throw new RangeError(`reorg depth must be between 1 and the head number (${head}), got ${depth}`);
      }
      const forkPoint = head - depth;
      const replaced = this.blocks.slice(forkPoint + 1);
      for (const block of replaced) {
        this.blockIndex.delete(block.id);
        for (const { tx } of block.transactions) this.txIndex.delete(tx.txID);
      }
      this.blocks = this.blocks.slice(0, forkPoint + 1);
      this.headState = this.replayState(forkPoint);
      this.reorgCount += 1;
      for (const old of replaced) {
        const candidates = options.dropTransactions ? [] : old.transactions.map(({ tx }) => tx);
        // Shifted by a few ms so a second reorg of the same range yields ids unlike both earlier ones.
        const timestamp = old.timestamp + 1 + (this.reorgCount % 500);
        await this.produceBlock(timestamp, candidates, TRON_DEVNET_FORK_WITNESS, false);
      }
      this.revalidatePool();
      this.logger.warn(
        { depth, forkPoint, dropTransactions: options.dropTransactions === true, head: this.head().id },
        'tron devnet: reorg',
      );
    });
  }

  // ---- internals ----

  private nextBlockTime(): number {
    return Math.max(this.now(), this.head().timestamp + MIN_BLOCK_SPACING_MS);
  }

  /** TAPOS: the newest block whose number ends in ref_block_bytes must have ref_block_hash in its id. */
  private taposHolds(tx: TronTransaction): boolean {
    if (tx.raw.refBlockBytes.length !== 4 || tx.raw.refBlockHash.length !== 16) return false;
    const head = this.headNumber();
    const candidate = head - ((head - Number.parseInt(tx.raw.refBlockBytes, 16)) & 0xffff);
    if (candidate < 0 || head - candidate >= TAPOS_WINDOW) return false;
    return this.blocks[candidate]?.id.slice(16, 32) === tx.raw.refBlockHash;
  }

  private async mineOne(): Promise<void> {
    const candidates = this.pool;
    this.pool = [];
    await this.produceBlock(this.nextBlockTime(), candidates, TRON_DEVNET_WITNESS, true);
    this.pendingState = cloneState(this.headState);
  }

  /** Executes `candidates` on top of the head, seals and signs a block, and makes it the head. */
  private async produceBlock(timestamp: number, candidates: TronTransaction[], witness: TronDevnetKey, checkValidity: boolean): Promise<void> {
    const state = cloneState(this.headState);
    const included: IncludedTransaction[] = [];
    for (const tx of candidates) {
      if (this.txIndex.has(tx.txID) || included.some((i) => i.tx.txID === tx.txID)) continue;
      if (checkValidity && (tx.raw.expiration <= this.head().timestamp || !this.taposHolds(tx))) {
        this.logger.debug({ txid: tx.txID }, 'tron devnet: dropped an expired or off-chain-referenced transaction');
        continue;
      }
      const scratch = cloneState(state);
      try {
        const result = executeTransaction(scratch, tx, timestamp);
        state.accounts = scratch.accounts;
        state.token = scratch.token;
        included.push({ tx, result });
      } catch (error) {
        this.logger.debug({ txid: tx.txID, err: (error as Error).message }, 'tron devnet: dropped a transaction that no longer validates');
      }
    }
    const sealed = this.sealHeader({
      number: this.headNumber() + 1,
      parentHash: this.head().id,
      timestamp,
      witnessAddress: witness.hexAddress,
      transactions: included,
    });
    const witnessSignature = await signDigest(witness.privateKey, fromHex(sealed.headerDigestHex), 0);
    this.appendBlock({ ...sealed, witnessSignature });
    this.headState = state;
    this.logger.debug({ number: sealed.number, id: sealed.id, transactions: included.length }, 'tron devnet: block');
  }

  private sealHeader(input: {
    number: number;
    parentHash: string;
    timestamp: number;
    witnessAddress: string;
    transactions: IncludedTransaction[];
  }): Omit<TronBlock, 'witnessSignature'> & { headerDigestHex: string } {
    const leaves = input.transactions.map(({ tx, result }) =>
      sha256(encodeTransaction(fromHex(tx.rawDataHex), tx.signatures.map(fromHex), result.contractRet)),
    );
    const txTrieRoot = toHex(merkleRoot(leaves));
    const digest = sha256(
      encodeBlockHeaderRaw({
        timestamp: BigInt(input.timestamp),
        txTrieRoot: fromHex(txTrieRoot),
        parentHash: fromHex(input.parentHash),
        number: BigInt(input.number),
        witnessAddress: fromHex(input.witnessAddress),
        version: BLOCK_VERSION,
      }),
    );
    return {
      number: input.number,
      id: blockIdFor(input.number, digest),
      parentHash: input.parentHash,
      timestamp: input.timestamp,
      txTrieRoot,
      witnessAddress: input.witnessAddress,
      version: BLOCK_VERSION,
      transactions: input.transactions,
      headerDigestHex: toHex(digest),
    };
  }

  private appendBlock(block: TronBlock): void {
    const stored: TronBlock = {
      number: block.number,
      id: block.id,
      parentHash: block.parentHash,
      timestamp: block.timestamp,
      txTrieRoot: block.txTrieRoot,
      witnessAddress: block.witnessAddress,
      version: block.version,
      witnessSignature: block.witnessSignature,
      transactions: block.transactions,
    };
    this.blocks.push(stored);
    this.blockIndex.set(stored.id, stored.number);
    stored.transactions.forEach(({ tx }, index) => this.txIndex.set(tx.txID, { blockNumber: stored.number, index }));
  }

  /** The state after block `number`, rebuilt by re-executing the canonical chain from genesis. */
  private replayState(number: number): WorldState {
    const genesis = this.blocks[0] as TronBlock;
    const state = genesisState(genesis.timestamp);
    for (let n = 1; n <= number; n++) {
      const block = this.blocks[n] as TronBlock;
      for (const { tx } of block.transactions) executeTransaction(state, tx, block.timestamp);
    }
    return state;
  }

  /** After a reorg: keep the pooled transactions that still validate on the new head. */
  private revalidatePool(): void {
    const state = cloneState(this.headState);
    const kept: TronTransaction[] = [];
    for (const tx of this.pool) {
      if (this.txIndex.has(tx.txID) || !this.taposHolds(tx)) continue;
      const scratch = cloneState(state);
      try {
        executeTransaction(scratch, tx, this.nextBlockTime());
        state.accounts = scratch.accounts;
        state.token = scratch.token;
        kept.push(tx);
      } catch {
        // no longer valid on this branch
      }
    }
    this.pool = kept;
    this.pendingState = state;
  }
}
