// Test-mode payments on the Tron devnet: the faucet signs a real transaction with TronWeb and
// broadcasts it over the devnet's java-tron HTTP API, exactly as a customer's wallet would.
import { TronWeb, type Types } from 'tronweb';

type Transaction = Types.Transaction;
import { TRON_DEVNET_FAUCET } from './tron-devnet-accounts.ts';

const TRC20_FEE_LIMIT_SUN = 100_000_000;

// Two identical transfers built in the same millisecond are one transaction (same txID), and
// java-tron refuses the second as DUP_TRANSACTION_ERROR: payments from the faucet are built one at a
// time, each in a later millisecond than the one before.
let queue: Promise<unknown> = Promise.resolve();
let lastBuiltAt = 0;

/** Sends `units` of the TRC-20 token (or TRX when `token` is null) from the faucet; returns the txid. */
export function tronDevnetPay(input: { url: string; to: string; token: string | null; units: bigint }): Promise<string> {
  const run = queue.then(() => payOnce(input));
  queue = run.catch(() => undefined);
  return run;
}

async function payOnce(input: { url: string; to: string; token: string | null; units: bigint }): Promise<string> {
  while (Date.now() <= lastBuiltAt) await new Promise((resolve) => setTimeout(resolve, 1));
  const tronWeb = new TronWeb({ fullHost: input.url, privateKey: TRON_DEVNET_FAUCET.privateKey });
  let signed;
  if (input.token === null) {
    // TronWeb takes TRX amounts as JS numbers: refuse anything a double cannot hold exactly.
    if (input.units > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`amount of ${input.units} sun is too large for one devnet TRX payment`);
    // Built by the node (as for TRC-20), not TronWeb's local builder: that one stamps the latest
    // block's time, so two equal transfers in one block would be the same transaction.
    const tx = await tronWeb.fullNode.request<Transaction & { Error?: string }>(
      'wallet/createtransaction',
      { owner_address: TRON_DEVNET_FAUCET.address, to_address: input.to, amount: Number(input.units), visible: true },
      'post',
    );
    if (!tx.txID) throw new Error(`the Tron devnet refused the transfer: ${JSON.stringify(tx).slice(0, 300)}`);
    signed = await tronWeb.trx.sign(tx);
  } else {
    const built = await tronWeb.transactionBuilder.triggerSmartContract(
      input.token,
      'transfer(address,uint256)',
      { feeLimit: TRC20_FEE_LIMIT_SUN },
      [
        { type: 'address', value: input.to },
        { type: 'uint256', value: input.units.toString() },
      ],
      TRON_DEVNET_FAUCET.address,
    );
    if (!built.result?.result) throw new Error(`the Tron devnet refused the transfer: ${JSON.stringify(built).slice(0, 300)}`);
    signed = await tronWeb.trx.sign(built.transaction);
  }
  lastBuiltAt = Math.max(Date.now(), Number(signed.raw_data.timestamp ?? 0));
  const sent = await tronWeb.trx.sendRawTransaction(signed);
  if (!sent.result) {
    const message = sent.message ? Buffer.from(String(sent.message), 'hex').toString('utf8') : String(sent.code ?? 'unknown error');
    throw new Error(`the Tron devnet rejected the payment: ${sent.code ?? ''} ${message}`.trim());
  }
  return signed.txID;
}
