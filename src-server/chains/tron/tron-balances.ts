// Balances on Tron through java-tron's HTTP API, as request bodies and answer parsers: TRX from
// /wallet/getaccount, TRC-20 from /wallet/triggerconstantcontract calling balanceOf(address).
// Addresses go out in hex (`41…`, visible false), as TronGrid and java-tron answer by default.
import type { BalanceRead } from '../types.ts';
import { tronHexKey } from './address.ts';
import { TronMalformedResponseError } from './tron-http.ts';

function malformed(message: string): never {
  throw new TronMalformedResponseError(message);
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) malformed(`${what} is not an object`);
  return value as Record<string, unknown>;
}

/** Hex (`41…`) of a Tron address, or a TypeError. */
function hexOf(address: string): string {
  const hex = tronHexKey(address);
  if (hex === null) throw new TypeError(`not a Tron address: ${address}`);
  return hex;
}

export function getAccountBody(address: string): Record<string, unknown> {
  return { address: hexOf(address) };
}

/** balanceOf(holder) as a constant call; the holder is also the caller (any account may call a view). */
export function balanceOfBody(holder: string, token: string): Record<string, unknown> {
  const holderHex = hexOf(holder);
  return {
    owner_address: holderHex,
    contract_address: hexOf(token),
    function_selector: 'balanceOf(address)',
    parameter: `${'0'.repeat(24)}${holderHex.slice(2)}`,
  };
}

/**
 * /wallet/getaccount's TRX balance in sun. java-tron leaves zero fields out (proto3 JSON), and
 * answers `{}` for an account that does not exist on chain yet (never received TRX): both are 0.
 * Amounts beyond 2^53 arrive as bigint (parseTronJson). A shape we cannot read fails the endpoint.
 */
export function parseAccountBalance(json: unknown): bigint {
  const account = asObject(json, 'account');
  const balance = account.balance;
  if (balance === undefined) return 0n;
  if (typeof balance === 'bigint' && balance >= 0n) return balance;
  if (typeof balance === 'number' && Number.isSafeInteger(balance) && balance >= 0) return BigInt(balance);
  return malformed(`account balance is ${JSON.stringify(String(balance))}, not a sun amount`);
}

/** java-tron's Return message: hex of UTF-8 text (visible false), shown as text when it decodes. */
function returnMessage(value: unknown): string {
  if (typeof value !== 'string') return '';
  if (/^([0-9a-fA-F]{2})+$/.test(value)) {
    const text = Buffer.from(value, 'hex').toString('utf8');
    if (/^[\x20-\x7e]*$/.test(text)) return text;
  }
  return value;
}

/**
 * /wallet/triggerconstantcontract's answer to balanceOf: the uint256 in constant_result[0]. A
 * refused call (`result.code`, e.g. CONTRACT_VALIDATE_ERROR for a contract that does not exist)
 * or a reverted one is that token's failed read, not the endpoint's fault.
 */
export function parseBalanceOfAnswer(json: unknown, token: string): BalanceRead {
  const answer = asObject(json, 'constant call answer');
  const result = answer.result === undefined ? {} : asObject(answer.result, 'constant call result');
  if (typeof result.code === 'string' && result.code !== 'SUCCESS') {
    return { ok: false, error: `balanceOf on ${token}: ${result.code} ${returnMessage(result.message)}`.trim() };
  }
  const tx = answer.transaction as { ret?: { ret?: unknown }[] } | undefined;
  const reverted = tx?.ret?.[0]?.ret === 'FAILED' || (result.message !== undefined && result.result === true);
  if (reverted) return { ok: false, error: `balanceOf on ${token} reverted: ${returnMessage(result.message) || 'FAILED'}` };
  const constant = answer.constant_result;
  if (!Array.isArray(constant)) malformed('constant call answer has no constant_result');
  const word = constant[0];
  if (typeof word !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(word)) malformed('constant_result[0] is not hex');
  if (word.length < 64) return { ok: false, error: `balanceOf on ${token} returned no uint256 (is it a TRC-20 contract?)` };
  return { ok: true, amount: BigInt(`0x${word.slice(0, 64)}`) };
}
