// "Simulate payment" on a test-mode checkout page: the devnet faucet pays what is still due to the
// intent's address, then blocks are mined one at a time so the customer sees confirming → paid
// happen live, as it would on a real chain. Test objects only; live intents are never touched.
import type { Logger } from 'pino';
import type { TestHelpersPort } from '../http/payment-intents-routes.ts';
import { dueUnits } from '../payments/payment-intents-service.ts';
import type { PaymentIntentRow } from '../storage/payment-intents-store.ts';

export type SimulateOutcome =
  | { ok: true; txid: string }
  | { ok: false; reason: 'not_found' | 'not_payable' | 'devnet_unavailable' | 'in_progress' };

export function createPaymentSimulator(deps: {
  intentRow: (id: string) => PaymentIntentRow | null;
  testHelpers: () => TestHelpersPort | null;
  logger: Logger;
  /** Pause between the blocks mined after the payment (ms). */
  blockIntervalMs?: number;
}) {
  const inFlight = new Set<string>();
  const interval = deps.blockIntervalMs ?? 1200;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function confirmInSteps(id: string, chain: string, helpers: TestHelpersPort): Promise<void> {
    try {
      // One block more than required covers chains that count the inclusion block differently.
      const required = deps.intentRow(id)?.confirmations_required ?? 1;
      for (let i = 0; i <= required; i++) {
        const row = deps.intentRow(id);
        if (!row || row.status === 'paid' || row.status === 'expired' || row.status === 'canceled') break;
        await pause(interval);
        await helpers.mine(chain, 1);
      }
    } catch (err) {
      deps.logger.warn({ intent: id, err: (err as Error).message }, 'simulated payment: mining failed');
    } finally {
      inFlight.delete(id);
    }
  }

  return {
    async simulate(id: string): Promise<SimulateOutcome> {
      const row = deps.intentRow(id);
      // A live intent answers exactly like an unknown one: the simulator does not exist for it.
      if (!row || row.livemode === 1) return { ok: false, reason: 'not_found' };
      const helpers = deps.testHelpers();
      const chain = helpers?.chainFor(row.network) ?? null;
      if (!helpers || !chain) return { ok: false, reason: 'devnet_unavailable' };
      if (row.status !== 'pending' && row.status !== 'confirming') return { ok: false, reason: 'not_payable' };
      const units = dueUnits(row);
      if (units <= 0n) return { ok: false, reason: 'not_payable' };
      if (inFlight.has(id)) return { ok: false, reason: 'in_progress' };
      inFlight.add(id);
      try {
        const txid = await helpers.pay({ chain: row.chain, to: row.receive_address, tokenContract: row.token_contract, units });
        // The watcher sees the payment now (UTXO: in the mempool; EVM: once mined), then the rest follows.
        await helpers.settle(row.chain);
        void confirmInSteps(id, row.chain, helpers);
        return { ok: true, txid };
      } catch (err) {
        inFlight.delete(id);
        throw err;
      }
    },
  };
}
export type PaymentSimulator = ReturnType<typeof createPaymentSimulator>;
