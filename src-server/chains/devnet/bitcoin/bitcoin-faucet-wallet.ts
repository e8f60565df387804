// The faucet's wallet: coin selection over its coinbase and change outputs, P2WPKH transactions
// signed with the public faucet key (low-R ECDSA over BIP143 sighashes, like bitcoind's wallet),
// anti-fee-sniping locktime, and the three ways a test needs to upset a payment: replace it (BIP125),
// double-spend it through a miner, or leave it out of a reorged branch.
import { Transaction, script as bitcoinScript } from 'bitcoinjs-lib';
import type { ECPairInterface } from 'ecpair';
import { ECPair, bytesEqual, hash160, hashFromDisplayHex, toHex } from './bitcoin-crypto.ts';
import { type BitcoinChain, type ChainTx, type Coin, MEMPOOL_HEIGHT } from './bitcoin-chain.ts';
import { dustThreshold, feeAtRate } from './bitcoin-policy.ts';
import { OP_CHECKSIG, OP_DUP, OP_EQUALVERIFY, OP_HASH160, addressScript } from './bitcoin-script.ts';

export interface PaymentOutput {
  to: string;
  amountSats: bigint;
}

export interface PayRequest {
  to?: string;
  amountSats?: bigint;
  /** Further outputs of the same transaction (several payments to one intent, batch payouts). */
  outputs?: PaymentOutput[];
  /** sat/vB; default 2. */
  feeRateSatVb?: number;
  /** Signal BIP125 replaceability (nSequence 0xfffffffd); default true. */
  replaceable?: boolean;
}

export interface ReplaceRequest {
  /** New recipient of the first payee output; default: unchanged. Other payee outputs are kept. */
  to?: string;
  /** New amount of the first payee output; default: unchanged. */
  amountSats?: bigint;
  /** sat/vB of the replacement; BIP125 wants it above the original's and paying for its own relay. */
  feeRateSatVb: number;
}

export interface SentTransaction {
  txid: string;
  feeSats: bigint;
  vsize: number;
  hex: string;
}

interface SpendableCoin {
  txid: string;
  vout: number;
  coin: Coin;
}

interface TxOutput {
  script: Uint8Array;
  value: bigint;
}

export const DEFAULT_FEE_RATE_SAT_VB = 2;
const SEQUENCE_REPLACEABLE = 0xfffffffd;
/** Final for replacement but not for locktime, as bitcoind's wallet does with -walletrbf=0. */
const SEQUENCE_NOT_REPLACEABLE = 0xfffffffe;
/** A payment with this many inputs is already far larger than anything a test needs. */
const MAX_INPUTS = 500;

/** The faucet's spendable coins do not cover a payment (mine more blocks: every coinbase pays the faucet). */
export class FaucetFundsError extends Error {
  constructor(amountSats: bigint) {
    super(`Insufficient funds: the faucet cannot pay ${amountSats} sats plus fees`);
    this.name = 'FaucetFundsError';
  }
}

/** Sat per 1000 vbytes from a sat/vB number (fractions allowed to a thousandth). */
function ratePerKvB(feeRateSatVb: number): bigint {
  if (!Number.isFinite(feeRateSatVb) || feeRateSatVb <= 0) throw new RangeError(`feeRateSatVb must be a positive number, got ${feeRateSatVb}`);
  return BigInt(Math.round(feeRateSatVb * 1000));
}

export class FaucetWallet {
  private readonly chain: BitcoinChain;
  private readonly pair: ECPairInterface;
  private readonly scriptCode: Uint8Array;

  constructor(chain: BitcoinChain) {
    this.chain = chain;
    this.pair = ECPair.fromPrivateKey(chain.faucet.privateKey, { network: chain.params.addressNetwork });
    const keyHash = hash160(chain.faucet.publicKey);
    this.scriptCode = Uint8Array.from([OP_DUP, OP_HASH160, 20, ...keyHash, OP_EQUALVERIFY, OP_CHECKSIG]);
  }

  /** An address of this coin in either format (bc1…/bcrt1…, ltc1…/rltc1…, or base58) as an output script. */
  outputScript(address: string): Uint8Array {
    const params = this.chain.params;
    const script = addressScript(address, params.addressNetwork) ?? addressScript(address, params.otherAddressNetwork);
    if (!script) throw new RangeError(`not a ${params.network} address: ${address}`);
    return script;
  }

  /** Confirmed faucet balance that can be spent now (mature coinbases and confirmed change), in sats. */
  spendableBalance(): bigint {
    return this.confirmedCoins().reduce((sum, c) => sum + c.coin.value, 0n);
  }

  pay(request: PayRequest): SentTransaction {
    const payees: TxOutput[] = [];
    if (request.to !== undefined || request.amountSats !== undefined) {
      if (request.to === undefined || request.amountSats === undefined) throw new RangeError('pay: give both to and amountSats');
      payees.push({ script: this.outputScript(request.to), value: request.amountSats });
    }
    for (const output of request.outputs ?? []) payees.push({ script: this.outputScript(output.to), value: output.amountSats });
    if (payees.length === 0) throw new RangeError('pay: nothing to pay');
    for (const payee of payees) {
      if (typeof payee.value !== 'bigint' || payee.value <= 0n) throw new RangeError('pay: amounts must be positive bigint sats');
    }
    const tx = this.fund(payees, [], ratePerKvB(request.feeRateSatVb ?? DEFAULT_FEE_RATE_SAT_VB), request.replaceable ?? true);
    return this.submit(tx);
  }

  /** BIP125 replacement of a faucet payment still in the mempool: same inputs (more if needed), new outputs, higher fee. */
  replace(txid: string, request: ReplaceRequest): SentTransaction {
    const original = this.ownMempoolTransaction(txid, 'replace');
    const payees = original.tx.outs.filter((out) => !bytesEqual(out.script, this.chain.faucet.script)).map((out) => ({ script: out.script, value: out.value }));
    if (payees.length === 0) throw new RangeError(`replace: ${txid} pays only the faucet`);
    // `to` and `amountSats` change the first payee output; the others stay as they were.
    const newScript = request.to === undefined ? null : this.outputScript(request.to);
    const outputs = payees.map((payee, index) =>
      index === 0 ? { script: newScript ?? payee.script, value: request.amountSats ?? payee.value } : payee,
    );
    const inputs = original.tx.ins.map((input, index) => ({
      txid: toHex(Uint8Array.from(input.hash).reverse()),
      vout: input.index,
      coin: original.spent[index] as Coin,
    }));
    const tx = this.fund(outputs, inputs, ratePerKvB(request.feeRateSatVb), true);
    return this.submit(tx);
  }

  /**
   * A conflicting transaction spending the same inputs back to the faucet, handed straight to the
   * miner: it skips the mempool (so even a non-replaceable payment loses) and is in the next block.
   */
  doubleSpend(txid: string): SentTransaction {
    const original = this.ownMempoolTransaction(txid, 'double-spend');
    const originalRate = (original.fee * 1000n) / BigInt(original.tx.virtualSize());
    const tx = this.conflictingSpend(original, originalRate * 2n > 2000n ? originalRate * 2n : 2000n);
    if (!tx) throw new RangeError(`double-spend: the inputs of ${txid} are not the faucet's`);
    const ctx = this.chain.addPrivateTransaction(tx);
    return { txid: ctx.txid, feeSats: ctx.fee, vsize: tx.virtualSize(), hex: tx.toHex() };
  }

  /** For a reorg that drops a faucet payment: the spend of its inputs back to the faucet that the new branch carries. */
  conflictFor(dropped: ChainTx): Transaction | null {
    return this.conflictingSpend(dropped, 2000n);
  }

  // ---- internals ----

  private ownMempoolTransaction(txid: string, action: string) {
    const entry = this.chain.mempoolEntry(txid);
    if (!entry) throw new RangeError(`${action}: ${txid} is not in the mempool`);
    if (!entry.spent.every((coin) => bytesEqual(coin.script, this.chain.faucet.script))) {
      throw new RangeError(`${action}: ${txid} does not spend the faucet's coins`);
    }
    return entry;
  }

  private conflictingSpend(original: ChainTx, rateKvB: bigint): Transaction | null {
    if (original.spent.length === 0 || !original.spent.every((coin) => bytesEqual(coin.script, this.chain.faucet.script))) return null;
    const inputs = original.tx.ins.map((input, index) => ({
      txid: toHex(Uint8Array.from(input.hash).reverse()),
      vout: input.index,
      coin: original.spent[index] as Coin,
    }));
    const total = inputs.reduce((sum, input) => sum + input.coin.value, 0n);
    let fee = 0n;
    for (let attempt = 0; attempt < 5; attempt++) {
      const tx = this.sign(inputs, [{ script: this.chain.faucet.script, value: total - fee }], false);
      const required = feeAtRate(rateKvB, tx.virtualSize());
      if (fee >= required) return tx;
      fee = required;
    }
    return null;
  }

  private submit(tx: Transaction): SentTransaction {
    const result = this.chain.acceptTransaction(tx);
    return { txid: result.txid, feeSats: result.fee, vsize: result.vsize, hex: tx.toHex() };
  }

  /** Mature confirmed faucet coins not spent by the mempool or a held-back transaction, smallest first. */
  private confirmedCoins(): SpendableCoin[] {
    const nextHeight = this.chain.height() + 1;
    const maturity = this.chain.params.coinbaseMaturity;
    const coins: SpendableCoin[] = [];
    for (const entry of this.chain.confirmedCoins()) {
      if (!bytesEqual(entry.coin.script, this.chain.faucet.script)) continue;
      if (entry.coin.coinbase && nextHeight - entry.coin.height < maturity) continue;
      if (this.chain.isSpentInMempool(entry.txid, entry.vout)) continue;
      coins.push(entry);
    }
    return coins.sort((a, b) => (a.coin.value < b.coin.value ? -1 : a.coin.value > b.coin.value ? 1 : 0));
  }

  /** Faucet change still in the mempool, spendable as bitcoind's wallet spends its own unconfirmed change. */
  private unconfirmedCoins(): SpendableCoin[] {
    const coins: SpendableCoin[] = [];
    for (const entry of this.chain.mempoolEntries()) {
      entry.tx.outs.forEach((out, vout) => {
        if (!bytesEqual(out.script, this.chain.faucet.script) || this.chain.isSpentInMempool(entry.txid, vout)) return;
        coins.push({ txid: entry.txid, vout, coin: { value: out.value, script: out.script, height: MEMPOOL_HEIGHT, coinbase: false } });
      });
    }
    return coins;
  }

  /**
   * Builds and signs a transaction paying `payees` from `fixedInputs` plus as many faucet coins as the
   * amount and fee need; change under the dust threshold goes to the fee, as bitcoind's wallet does.
   */
  private fund(payees: TxOutput[], fixedInputs: SpendableCoin[], rateKvB: bigint, replaceable: boolean): Transaction {
    const payTotal = payees.reduce((sum, payee) => sum + payee.value, 0n);
    const used = new Set(fixedInputs.map((input) => `${input.txid}:${input.vout}`));
    const pool = [...this.confirmedCoins(), ...this.unconfirmedCoins()].filter((c) => !used.has(`${c.txid}:${c.vout}`));
    const inputs = [...fixedInputs];
    const changeDust = dustThreshold(this.chain.faucet.script, this.chain.params.policy);
    // Rough P2WPKH sizes (68 vB per input, 31 per output) pick the coins; the signed size sets the fee.
    const estimate = (inputCount: number): bigint => feeAtRate(rateKvB, 11 + 68 * inputCount + 31 * (payees.length + 1));
    const inputTotal = (): bigint => inputs.reduce((sum, input) => sum + input.coin.value, 0n);
    while (inputTotal() < payTotal + estimate(inputs.length)) {
      const needed = payTotal + estimate(inputs.length + 1) - inputTotal();
      // The smallest coin that covers what is missing, else the largest one left.
      const index = pool.findIndex((c) => c.coin.value >= needed);
      const pick = index >= 0 ? pool.splice(index, 1)[0] : pool.pop();
      if (!pick || inputs.length >= MAX_INPUTS) {
        throw new FaucetFundsError(payTotal);
      }
      inputs.push(pick);
    }
    let fee = estimate(inputs.length);
    for (let attempt = 0; attempt < 8; attempt++) {
      const change = inputTotal() - payTotal - fee;
      if (change < 0n) {
        const pick = pool.pop();
        if (!pick) throw new FaucetFundsError(payTotal);
        inputs.push(pick);
        continue;
      }
      const outputs = change >= changeDust ? [...payees, { script: this.chain.faucet.script, value: change }] : payees;
      const tx = this.sign(inputs, outputs, replaceable);
      const required = feeAtRate(rateKvB, tx.virtualSize());
      const paid = inputTotal() - tx.outs.reduce((sum, out) => sum + out.value, 0n);
      if (paid >= required) return tx;
      fee = required;
    }
    throw new Error('faucet: fee did not converge');
  }

  private sign(inputs: SpendableCoin[], outputs: TxOutput[], replaceable: boolean): Transaction {
    const tx = new Transaction();
    tx.version = 2;
    // Anti-fee-sniping: lock to the current tip, as bitcoind's wallet does.
    tx.locktime = this.chain.height();
    for (const input of inputs) {
      tx.addInput(hashFromDisplayHex(input.txid), input.vout, replaceable ? SEQUENCE_REPLACEABLE : SEQUENCE_NOT_REPLACEABLE);
    }
    for (const output of outputs) tx.addOutput(output.script, output.value);
    inputs.forEach((input, index) => {
      const digest = tx.hashForWitnessV0(index, this.scriptCode, input.coin.value, Transaction.SIGHASH_ALL);
      const signature = bitcoinScript.signature.encode(this.pair.sign(digest, true), Transaction.SIGHASH_ALL);
      tx.setWitness(index, [signature, this.chain.faucet.publicKey]);
    });
    return tx;
  }
}
