// Which devnet failures of "Simulate payment" are the operator's input (an invoice larger than the
// faucet holds: a 422) and which stay the node's fault (a 500). Found by the admin fuzz test.
import { expect, it } from 'vitest';
import { faucetCannotPay } from '../../../src-server/admin/handlers/invoices.ts';

const wrapped = (inner: Error) => new Error('devnetPay to 0xabc failed: execution reverted', { cause: inner });

it.each<[string, unknown, boolean]>([
  ['a token revert', new Error('devnetPay to 0xabc failed: Execution reverted with reason: TestToken: transfer amount exceeds balance.'), true],
  ['a native send', new Error('devnetPay to 0xabc failed: The total cost (gas * gas fee + value) of executing this transaction exceeds the balance… insufficient funds for gas * price + value'), true],
  ['deep in the cause chain', wrapped(wrapped(new Error('TestToken: transfer amount exceeds balance'))), true],
  ['the devnet is down', new Error('devnetPay to 0xabc failed: HTTP request failed. fetch failed'), false],
  ['an allowance revert', new Error('TestToken: insufficient allowance'), false],
  ['not an Error', 'exceeds balance', false],
  ['nothing', undefined, false],
])('%s → %s', (_name, err, expected) => {
  expect(faucetCannotPay(err)).toBe(expected);
});
