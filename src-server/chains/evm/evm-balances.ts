// Balances on EVM chains as JSON-RPC calls and their answers: eth_getBalance for the native coin,
// ERC-20 balanceOf(address) through eth_call for tokens. Pure: the adapter sends them in batches.
import type { AddressBalances, BalanceRead } from '../types.ts';
import type { BatchAnswer } from './rpc-failover.ts';

/** keccak256("balanceOf(address)")[0..4] */
export const BALANCE_OF_SELECTOR = '0x70a08231';

export interface BalanceCall {
  method: 'eth_getBalance' | 'eth_call';
  params: unknown[];
  address: string;
  /** null: the native coin. */
  token: string | null;
}

const ADDRESS = /^0x[0-9a-f]{40}$/;

/** balanceOf(address) call data. */
export function balanceOfCallData(address: string): string {
  if (!ADDRESS.test(address)) throw new TypeError(`not a lowercase EVM address: ${address}`);
  return `${BALANCE_OF_SELECTOR}${'0'.repeat(24)}${address.slice(2)}`;
}

/** The calls that read every address's native balance and each token's, address by address. */
export function balanceCalls(addresses: readonly string[], tokens: readonly string[], blockTag = 'latest'): BalanceCall[] {
  const calls: BalanceCall[] = [];
  for (const address of addresses) {
    calls.push({ method: 'eth_getBalance', params: [address, blockTag], address, token: null });
    for (const token of tokens) {
      calls.push({ method: 'eth_call', params: [{ to: token, data: balanceOfCallData(address) }, blockTag], address, token });
    }
  }
  return calls;
}

/** eth_getBalance's QUANTITY ("0x0", "0x1bc16d674ec80000"). */
export function parseQuantity(result: unknown): BalanceRead {
  if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(result)) {
    return { ok: false, error: `eth_getBalance answered ${JSON.stringify(result)?.slice(0, 80)}` };
  }
  return { ok: true, amount: BigInt(result) };
}

/**
 * balanceOf's return data: one uint256 word. "0x" is what a call to an address without code (or a
 * contract without that function and no fallback) returns: not a token, so not a zero balance.
 */
export function parseBalanceOfResult(result: unknown, token: string): BalanceRead {
  if (typeof result !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(result)) {
    return { ok: false, error: `balanceOf on ${token} answered ${JSON.stringify(result)?.slice(0, 80)}` };
  }
  if (result.length < 66) return { ok: false, error: `balanceOf on ${token} returned no uint256 (is it an ERC-20 contract?)` };
  return { ok: true, amount: BigInt(result.slice(0, 66)) };
}

/** The batch answers, in call order, as balances per address (every address and token asked about present). */
export function collectBalances(calls: readonly BalanceCall[], answers: readonly BatchAnswer[]): Map<string, AddressBalances> {
  const out = new Map<string, { native: BalanceRead; tokens: Map<string, BalanceRead> }>();
  calls.forEach((call, i) => {
    const answer = answers[i];
    let read: BalanceRead;
    if (!answer) read = { ok: false, error: 'no answer' };
    else if (!answer.ok) read = { ok: false, error: `${call.method === 'eth_call' ? `balanceOf on ${call.token}` : 'eth_getBalance'}: ${answer.message} (code ${answer.code})` };
    else read = call.token === null ? parseQuantity(answer.result) : parseBalanceOfResult(answer.result, call.token);
    let entry = out.get(call.address);
    if (!entry) {
      entry = { native: { ok: false, error: 'not read' }, tokens: new Map() };
      out.set(call.address, entry);
    }
    if (call.token === null) entry.native = read;
    else entry.tokens.set(call.token, read);
  });
  return out;
}
