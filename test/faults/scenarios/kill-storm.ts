// Kill storm: a storm of payments (EVM devnet USDT mostly, Tron USDT and Bitcoin in the mix; exact,
// split, under- and overpaid) sent by the scenario straight to auto-mining devnets while the node
// is SIGKILLed at random moments and restarted at once on the same home and ports. Afterwards every
// intent's status and amounts are exact, every transfer is credited once, and every paid intent's
// payment_intent.paid reached the webhook receiver.
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../scenario.ts';
import { auditPayments, createIntents, planIntents, type PlannedIntent } from '../lib/ledger.ts';
import { seededRandom, sleep } from '../lib/random.ts';
import { type FaultNetwork, payFromFaucet, type SentTransfer, startDevnets, startKassa } from '../lib/world.ts';

const PROFILE = {
  ci: { intents: 200, kills: 4 },
  full: { intents: 1000, kills: 12 },
} as const;

/** Seconds the storm is spread over per kill: long enough for a restart and some scanning in between. */
const SECONDS_PER_KILL = 7;

export const killStorm: Scenario = {
  name: 'kill-storm',
  description: 'SIGKILL the node at random moments during a storm of payments on the EVM, Tron and Bitcoin devnets',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const { intents: intentCount, kills } = PROFILE[ctx.profile];
    const random = seededRandom(ctx.seed);
    const result = emptyResult();
    const devnets = await startDevnets({ evmBlockTime: 1, tronBlockTimeMs: 1000, btcBlockTimeMs: 1500 });
    let kassa: Awaited<ReturnType<typeof startKassa>> | null = null;
    let clean = false;
    try {
      // Small ranges: many commit points for a kill to fall between.
      kassa = await startKassa(devnets, { pollIntervalMs: 100, watcher: { maxBlockRange: 3 } });
      const k = kassa;
      const intents = await createIntents(k.api, planIntents(random, intentCount, { tron: 0.1, bitcoin: 0.1 }));
      ctx.log(`${intents.length} intents created; storm over ~${kills * SECONDS_PER_KILL} s with ${kills} kills`);

      const sent: SentTransfer[] = [];
      const queues = new Map<FaultNetwork, { intent: PlannedIntent; amount: bigint }[]>();
      for (const intent of intents) {
        const queue = queues.get(intent.network) ?? [];
        for (const amount of intent.parts) queue.push({ intent, amount });
        queues.set(intent.network, queue);
      }
      const stormMs = kills * SECONDS_PER_KILL * 1000;
      let downNow = false;
      let sentWhileDown = 0;
      const payers = [...queues.entries()].map(async ([network, queue]) => {
        random.shuffle(queue);
        const pace = stormMs / queue.length;
        const started = Date.now();
        for (let i = 0; i < queue.length; i++) {
          const { intent, amount } = queue[i]!;
          const txid = await payFromFaucet(devnets, network, intent.address, amount);
          sent.push({ network, intentId: intent.id, txid, amount });
          if (downNow) sentWhileDown++;
          const wait = started + (i + 1) * pace - Date.now();
          if (wait > 0) await sleep(wait * (0.5 + random.next()));
        }
      });
      const paying = Promise.all(payers);
      let payersDone = false;
      void paying.finally(() => {
        payersDone = true;
      });

      const killLog: string[] = [];
      for (let round = 1; round <= kills; round++) {
        // Anywhere from just after the restart (catch-up) to mid-stream.
        await sleep(random.int(300, SECONDS_PER_KILL * 1000 - 3000));
        await k.kill();
        downNow = true;
        const downMs = random.int(0, 1500);
        await sleep(downMs);
        const t0 = Date.now();
        await k.restart();
        downNow = false;
        killLog.push(`kill ${round} at ${sent.length} transfers, down ${downMs + Date.now() - t0} ms${payersDone ? ' (after the storm)' : ''}`);
        ctx.log(killLog.at(-1)!);
      }
      await paying;
      result.faults = kills;
      result.runs = sent.length;
      ctx.log(`storm done: ${sent.length} transfers sent, ${sentWhileDown} while the node was dead`);

      const audit = await auditPayments(k, devnets, intents, sent, {
        settleTimeoutMs: ctx.profile === 'full' ? 180_000 : 90_000,
        webhookTimeoutMs: 60_000,
        noReorgs: true,
        log: ctx.log,
      });
      Object.assign(result, { lost: audit.lost, doubled: audit.doubled, undelivered: audit.undelivered, failures: audit.failures });
      const byNetwork = [...queues.entries()].map(([n, q]) => `${n} ${q.length}`).join(', ');
      result.notes.push(
        `seed ${ctx.seed}: ${intents.length} intents, ${sent.length} transfers (${byNetwork}), ${sentWhileDown} sent while the node was dead, ${kills} SIGKILLs`,
        ...audit.notes,
      );
      clean = result.lost + result.doubled + result.undelivered + result.failures.length === 0;
      return result;
    } finally {
      if (!clean && kassa) ctx.log(`kept the node's home for a look: ${kassa.home}`);
      await kassa?.stop({ keepHome: !clean });
      await devnets.stop();
    }
  },
};
