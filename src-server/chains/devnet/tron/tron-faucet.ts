// Test-mode payments on the Tron devnet: the faucet signs a real transaction with TronWeb and
// broadcasts it over the devnet's java-tron HTTP API, exactly as a customer's wallet would.
import { TronWeb } from 'tronweb';
import { TRON_DEVNET_FAUCET } from './tron-devnet-accounts.ts';

const TRC20_FEE_LIMIT_SUN = 100_000_000;

/** Sends `units` of the TRC-20 token (or TRX when `token` is null) from the faucet; returns the txid. */
export async function tronDevnetPay(input: { url: string; to: string; token: string | null; units: bigint }): Promise<string> {
  const tronWeb = new TronWeb({ fullHost: input.url, privateKey: TRON_DEVNET_FAUCET.privateKey });
  let signed;
  if (input.token === null) {
    // TronWeb takes TRX amounts as JS numbers: refuse anything a double cannot hold exactly.
    if (input.units > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`amount of ${input.units} sun is too large for one devnet TRX payment`);
    const tx = await tronWeb.transactionBuilder.sendTrx(input.to, Number(input.units), TRON_DEVNET_FAUCET.address);
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
  const sent = await tronWeb.trx.sendRawTransaction(signed);
  if (!sent.result) {
    const message = sent.message ? Buffer.from(String(sent.message), 'hex').toString('utf8') : String(sent.code ?? 'unknown error');
    throw new Error(`the Tron devnet rejected the payment: ${sent.code ?? ''} ${message}`.trim());
  }
  return signed.txID;
}
