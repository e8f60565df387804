// RPC faults: a fault proxy between the node and each devnet (EVM JSON-RPC, Tron's HTTP API,
// Esplora) plays a failing provider — 5xx, hangs past the client's timeout, bodies that are not
// JSON, real answers cut off halfway, a full outage (60 s in the full profile), a head that goes
// backwards, one that runs ahead of the blocks served, and a flaky spell failing a random third of
// the requests — while the scenario keeps paying straight to the devnets. Afterwards nothing is missed
// and nothing is credited twice, and every paid intent's webhook arrived.
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../scenario.ts';
import { FAULT_MODES, type FaultMode, type FaultProxy, HEAD_REQUESTS, startFaultProxy } from '../lib/fault-proxy.ts';
import { auditPayments, createIntents, planIntents } from '../lib/ledger.ts';
import { seededRandom, sleep } from '../lib/random.ts';
import { payFromFaucet, type SentTransfer, startDevnets, startKassa } from '../lib/world.ts';

interface Profile {
  intents: number;
  rounds: number;
  /** Seconds each fault window lasts. */
  seconds: Record<Exclude<FaultMode, 'pass'>, number>;
  /** Seconds of healthy service between windows (min, max). */
  healthy: [number, number];
}

const PROFILE: Record<'ci' | 'full', Profile> = {
  ci: {
    intents: 60,
    rounds: 1,
    seconds: { http500: 4, http503: 4, hang: 12, malformed: 4, truncated: 4, outage: 15, 'stale-head': 8, 'head-ahead': 8, flaky: 10 },
    healthy: [2, 4],
  },
  full: {
    intents: 300,
    rounds: 2,
    // hang outlasts the adapters' request timeouts (10 s EVM and UTXO, 15 s Tron)
    seconds: { http500: 8, http503: 8, hang: 20, malformed: 8, truncated: 8, outage: 60, 'stale-head': 12, 'head-ahead': 12, flaky: 30 },
    healthy: [3, 8],
  },
};

export const rpcFaults: Scenario = {
  name: 'rpc-faults',
  description: 'a fault proxy in front of each devnet: 5xx, hangs, malformed and truncated JSON, a long outage, a head going backwards or running ahead',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const profile = PROFILE[ctx.profile];
    const random = seededRandom(ctx.seed + 1);
    const result = emptyResult();
    const devnets = await startDevnets({ evmBlockTime: 1, tronBlockTimeMs: 1000, btcBlockTimeMs: 1500 });
    const proxies: FaultProxy[] = [];
    let kassa: Awaited<ReturnType<typeof startKassa>> | null = null;
    let clean = false;
    try {
      const evm = await startFaultProxy({ name: 'evm', target: devnets.evm.rpcUrl, heads: HEAD_REQUESTS.evm, random: random.next });
      const tron = await startFaultProxy({ name: 'tron', target: devnets.tron.url, heads: HEAD_REQUESTS.tron, random: random.next });
      // The Bitcoin watcher reads Esplora or bitcoind JSON-RPC: the seed picks one per run.
      const bitcoinBackend = random.next() < 0.5 ? 'esplora' : 'bitcoind';
      const btc = await startFaultProxy({ name: bitcoinBackend, target: devnets.btc.url, heads: HEAD_REQUESTS[bitcoinBackend], random: random.next });
      proxies.push(evm, tron, btc);
      kassa = await startKassa(devnets, { urls: { devnet: evm.url, tron: tron.url, bitcoin: btc.url }, bitcoinBackend });
      const k = kassa;
      const intents = await createIntents(k.api, planIntents(random, profile.intents, { tron: 0.2, bitcoin: 0.2 }));

      // The windows: every mode once per round (the outage once in all), in random order.
      const windows: Exclude<FaultMode, 'pass'>[] = [];
      for (let round = 0; round < profile.rounds; round++) windows.push(...random.shuffle(FAULT_MODES.filter((m) => m !== 'outage' || round === 0)));
      const scheduleMs = windows.reduce((ms, m) => ms + profile.seconds[m] * 1000 + ((profile.healthy[0] + profile.healthy[1]) / 2) * 1000, 0);
      ctx.log(`${intents.length} intents; ${windows.length} fault windows over ~${Math.round(scheduleMs / 1000)} s: ${windows.join(', ')}`);

      // Payments spread over the whole schedule, straight to the devnets.
      const transfers = random.shuffle(intents.flatMap((intent) => intent.parts.map((amount) => ({ intent, amount }))));
      const sent: SentTransfer[] = [];
      const pace = scheduleMs / transfers.length;
      const started = Date.now();
      const paying = (async () => {
        for (let i = 0; i < transfers.length; i++) {
          const { intent, amount } = transfers[i]!;
          const txid = await payFromFaucet(devnets, intent.network, intent.address, amount);
          sent.push({ network: intent.network, intentId: intent.id, txid, amount });
          const wait = started + (i + 1) * pace - Date.now();
          if (wait > 0) await sleep(wait);
        }
      })();

      for (const mode of windows) {
        await sleep(random.int(profile.healthy[0] * 1000, profile.healthy[1] * 1000));
        for (const proxy of proxies) proxy.setMode(mode, { staleHeadAgeMs: 8_000 });
        ctx.log(`${mode} for ${profile.seconds[mode]} s (${sent.length} transfers sent so far)`);
        await sleep(profile.seconds[mode] * 1000);
        for (const proxy of proxies) proxy.setMode('pass');
      }
      await paying;
      result.runs = sent.length;
      result.faults = windows.length * proxies.length;
      ctx.log(`schedule done: ${sent.length} transfers sent`);

      const audit = await auditPayments(k, devnets, intents, sent, {
        settleTimeoutMs: 120_000,
        webhookTimeoutMs: 60_000,
        noReorgs: true,
        log: ctx.log,
      });
      Object.assign(result, { lost: audit.lost, doubled: audit.doubled, undelivered: audit.undelivered, failures: audit.failures });
      result.notes.push(
        `seed ${ctx.seed}: ${intents.length} intents, ${sent.length} transfers, ${windows.length} windows × 3 proxies (${windows.join(', ')}), bitcoin read through ${bitcoinBackend}`,
        `faulted requests: ${proxies.map((p) => `${p.name} ${p.faulted()} of ${p.requests()}, ${p.staleHeads()} heads rewritten`).join('; ')}`,
        ...audit.notes,
      );
      for (const p of proxies) if (p.staleHeads() === 0) result.failures.push(`the ${p.name} proxy never rewrote a head: the head faults did not happen`);
      clean = result.lost + result.doubled + result.undelivered + result.failures.length === 0;
      return result;
    } finally {
      if (!clean && kassa) ctx.log(`kept the node's home for a look: ${kassa.home}`);
      await kassa?.stop({ keepHome: !clean });
      for (const proxy of proxies) await proxy.close();
      await devnets.stop();
    }
  },
};
