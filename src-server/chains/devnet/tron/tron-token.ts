// The devnet's TRC-20 token, executed natively instead of in a TVM: the same functions, events,
// revert reasons and ABI encoding as resources/devnet/TestToken.sol (the EVM devnet's token), so a
// watcher sees exactly the logs a real TRC-20 emits. Energy figures are flat approximations of
// mainnet USDT costs, not metered opcodes.
import { type Abi, type AbiParameter, decodeFunctionData, encodeAbiParameters, encodeFunctionResult, keccak256 as viemKeccak, parseAbi, toHex as viemToHex } from 'viem';

export const TRC20_ABI = parseAbi([
  'constructor(string name_, string symbol_, uint8 decimals_)',
  'event Approval(address indexed owner, address indexed spender, uint256 value)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function approve(address spender, uint256 value) returns (bool)',
  'function balanceOf(address account) view returns (uint256)',
  'function decimals() view returns (uint8)',
  'function mint(address to, uint256 value)',
  'function name() view returns (string)',
  'function symbol() view returns (string)',
  'function totalSupply() view returns (uint256)',
  'function transfer(address to, uint256 value) returns (bool)',
  'function transferFrom(address from, address to, uint256 value) returns (bool)',
  'function transferMany(address[] to, uint256[] values) returns (bool)',
]);

export const TRANSFER_TOPIC = viemKeccak(viemToHex('Transfer(address,address,uint256)')).slice(2);
export const APPROVAL_TOPIC = viemKeccak(viemToHex('Approval(address,address,uint256)')).slice(2);

const MAX_UINT256 = (1n << 256n) - 1n;
const ZERO_ADDRESS = '410000000000000000000000000000000000000000';

/** Energy a call burns; flat per operation (storage slot created vs. updated), like USDT on mainnet. */
export const TOKEN_ENERGY = {
  view: 935,
  stringView: 1_500,
  transferToHolder: 14_650,
  transferToNewHolder: 29_650,
  approveNew: 22_000,
  approveUpdate: 7_000,
  allowanceSpend: 5_000,
  batchOverhead: 3_000,
  revert: 1_500,
} as const;

export interface TokenMetadata {
  name: string;
  symbol: string;
  decimals: number;
}

export interface TokenState {
  /** holder 41-hex → base units */
  balances: Map<string, bigint>;
  /** `${owner}:${spender}` → base units */
  allowances: Map<string, bigint>;
  totalSupply: bigint;
}

export interface TronLog {
  /** Emitting contract, 20-byte hex WITHOUT the 41 prefix (as java-tron prints logs). */
  address: string;
  topics: string[];
  data: string;
}

export interface TokenCallOutcome {
  status: 'SUCCESS' | 'REVERT';
  /** ABI-encoded return value, or Error(string) revert data; hex without 0x ('' = none). */
  returnData: string;
  logs: TronLog[];
  energy: number;
  /** The state after the call: a new object on SUCCESS of a state-changing call, the input otherwise. */
  state: TokenState;
}

export function cloneTokenState(state: TokenState): TokenState {
  return { balances: new Map(state.balances), allowances: new Map(state.allowances), totalSupply: state.totalSupply };
}

function word(hex: string): string {
  return hex.padStart(64, '0');
}

function toTronHex(evmAddress: string): string {
  return '41' + evmAddress.slice(2).toLowerCase();
}

function revertData(reason: string): string {
  return '08c379a0' + encodeAbiParameters([{ type: 'string' }], [reason]).slice(2);
}

class Revert extends Error {}

/** Runs one call of the token at `contractHex` from `caller`; never throws for bad input (that reverts). */
export function executeTokenCall(
  metadata: TokenMetadata,
  contractHex: string,
  state: TokenState,
  call: { caller: string; data: string; callValue: number },
): TokenCallOutcome {
  const logs: TronLog[] = [];
  const next = cloneTokenState(state);
  const emitter = contractHex.slice(2);
  let energy = 0;

  const balanceOf = (holder: string) => next.balances.get(holder) ?? 0n;
  const move = (from: string, to: string, value: bigint) => {
    if (to === ZERO_ADDRESS) throw new Revert('TestToken: transfer to the zero address');
    const fromBalance = balanceOf(from);
    if (fromBalance < value) throw new Revert('TestToken: transfer amount exceeds balance');
    energy += balanceOf(to) === 0n && from !== to ? TOKEN_ENERGY.transferToNewHolder : TOKEN_ENERGY.transferToHolder;
    next.balances.set(from, fromBalance - value);
    next.balances.set(to, balanceOf(to) + value);
    logs.push({ address: emitter, topics: [TRANSFER_TOPIC, word(from.slice(2)), word(to.slice(2))], data: word(value.toString(16)) });
  };
  const result = (functionName: string, value: unknown) =>
    encodeFunctionResult({ abi: TRC20_ABI, functionName: functionName as never, result: value as never }).slice(2);

  try {
    if (call.callValue > 0) throw new Revert(''); // no function is payable
    let decoded: { functionName: string; args: readonly unknown[] };
    try {
      decoded = decodeFunctionData({ abi: TRC20_ABI, data: `0x${call.data}` }) as { functionName: string; args: readonly unknown[] };
    } catch {
      throw new Revert(''); // no fallback function: unknown selectors revert without a reason
    }
    const args = decoded.args ?? [];
    let returnData: string;
    switch (decoded.functionName) {
      case 'name':
        energy = TOKEN_ENERGY.stringView;
        returnData = result('name', metadata.name);
        return { status: 'SUCCESS', returnData, logs, energy, state };
      case 'symbol':
        energy = TOKEN_ENERGY.stringView;
        returnData = result('symbol', metadata.symbol);
        return { status: 'SUCCESS', returnData, logs, energy, state };
      case 'decimals':
        return { status: 'SUCCESS', returnData: result('decimals', metadata.decimals), logs, energy: TOKEN_ENERGY.view, state };
      case 'totalSupply':
        return { status: 'SUCCESS', returnData: result('totalSupply', state.totalSupply), logs, energy: TOKEN_ENERGY.view, state };
      case 'balanceOf': {
        const holder = toTronHex(args[0] as string);
        return { status: 'SUCCESS', returnData: result('balanceOf', state.balances.get(holder) ?? 0n), logs, energy: TOKEN_ENERGY.view, state };
      }
      case 'allowance': {
        const key = `${toTronHex(args[0] as string)}:${toTronHex(args[1] as string)}`;
        return { status: 'SUCCESS', returnData: result('allowance', state.allowances.get(key) ?? 0n), logs, energy: TOKEN_ENERGY.view, state };
      }
      case 'transfer':
        move(call.caller, toTronHex(args[0] as string), args[1] as bigint);
        returnData = result('transfer', true);
        break;
      case 'transferFrom': {
        const from = toTronHex(args[0] as string);
        const key = `${from}:${call.caller}`;
        const allowed = next.allowances.get(key) ?? 0n;
        const value = args[2] as bigint;
        if (allowed !== MAX_UINT256) {
          if (allowed < value) throw new Revert('TestToken: insufficient allowance');
          next.allowances.set(key, allowed - value);
          energy += TOKEN_ENERGY.allowanceSpend;
        }
        move(from, toTronHex(args[1] as string), value);
        returnData = result('transferFrom', true);
        break;
      }
      case 'transferMany': {
        const recipients = args[0] as readonly string[];
        const values = args[1] as readonly bigint[];
        if (recipients.length !== values.length) throw new Revert('TestToken: length mismatch');
        energy += TOKEN_ENERGY.batchOverhead;
        recipients.forEach((to, i) => move(call.caller, toTronHex(to), values[i] as bigint));
        returnData = result('transferMany', true);
        break;
      }
      case 'approve': {
        const spender = toTronHex(args[0] as string);
        const value = args[1] as bigint;
        const key = `${call.caller}:${spender}`;
        energy += next.allowances.has(key) ? TOKEN_ENERGY.approveUpdate : TOKEN_ENERGY.approveNew;
        next.allowances.set(key, value);
        logs.push({ address: emitter, topics: [APPROVAL_TOPIC, word(call.caller.slice(2)), word(spender.slice(2))], data: word(value.toString(16)) });
        returnData = result('approve', true);
        break;
      }
      case 'mint': {
        const to = toTronHex(args[0] as string);
        const value = args[1] as bigint;
        if (to === ZERO_ADDRESS) throw new Revert('TestToken: mint to the zero address');
        energy += balanceOf(to) === 0n ? TOKEN_ENERGY.transferToNewHolder : TOKEN_ENERGY.transferToHolder;
        next.totalSupply += value;
        next.balances.set(to, balanceOf(to) + value);
        logs.push({ address: emitter, topics: [TRANSFER_TOPIC, word(''), word(to.slice(2))], data: word(value.toString(16)) });
        returnData = '';
        break;
      }
      default:
        throw new Revert('');
    }
    return { status: 'SUCCESS', returnData, logs, energy, state: next };
  } catch (error) {
    if (!(error instanceof Revert)) throw error;
    return { status: 'REVERT', returnData: error.message ? revertData(error.message) : '', logs: [], energy: energy + TOKEN_ENERGY.revert, state };
  }
}

/** The ABI as java-tron's getcontract prints it (SmartContract.ABI: capitalised enum names). */
export function tronAbiEntries(): Record<string, unknown>[] {
  const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return (TRC20_ABI as Abi).map((entry) => {
    const out: Record<string, unknown> = {};
    if ('stateMutability' in entry && (entry.stateMutability === 'view' || entry.stateMutability === 'pure')) out['constant'] = true;
    if ('name' in entry) out['name'] = entry.name;
    if ('inputs' in entry && entry.inputs.length) {
      out['inputs'] = entry.inputs.map((p) => ({ ...('indexed' in p && p.indexed ? { indexed: true } : {}), name: p.name, type: p.type }));
    }
    if ('outputs' in entry && entry.outputs.length) out['outputs'] = entry.outputs.map((p: AbiParameter) => ({ ...(p.name ? { name: p.name } : {}), type: p.type }));
    if ('stateMutability' in entry) out['stateMutability'] = capitalise(entry.stateMutability);
    out['type'] = capitalise(entry.type);
    return out;
  });
}

/** Constructor arguments as the deployment appended them to the creation bytecode. */
export function encodedConstructorArgs(metadata: TokenMetadata): string {
  return encodeAbiParameters(
    [{ type: 'string' }, { type: 'string' }, { type: 'uint8' }],
    [metadata.name, metadata.symbol, metadata.decimals],
  ).slice(2);
}

export function padAddressWord(tronHex: string): string {
  return word(tronHex.slice(2));
}
