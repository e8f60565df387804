// Reorgs: random reorganisations of depth 1–10 on the EVM devnet (evm_snapshot / evm_revert, then a
// new branch, longer or shorter so the head goes back for a while, in which some reorged-out
// transfers are sent again and mined in other blocks while the rest are dropped for good, their
// nonces reused), the Tron devnet and the Bitcoin devnet (their /devnet reorg: transactions re-mined
// in the new branch, or dropped). Now and then the node is SIGKILLed right after a reorg. Blocks are
// mined by the scenario, so it knows which transfers each reorg took out. Afterwards the chains'
// canonical transfers are each credited once, dropped ones are reverted, and every intent's status
// is recomputed from what is left.
import { headNumber, rpcCall, sendRawTransaction, signTokenTransfer, waitForScanned } from '../../helpers/devnet-control.ts';
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../scenario.ts';
import { auditPayments, createIntents, planIntents, type PlannedIntent } from '../lib/ledger.ts';
import { seededRandom, sleep } from '../lib/random.ts';
import { type Devnets, type FaultNetwork, payFromFaucet, type SentTransfer, startDevnets, startKassa } from '../lib/world.ts';

const PROFILE = {
  ci: { intents: 60, reorgs: 12 },
  full: { intents: 240, reorgs: 45 },
} as const;

const CHAIN: Record<FaultNetwork, string> = { devnet: 'devnet', tron: 'tron-devnet', bitcoin: 'bitcoin-devnet' };

interface EvmTransfer {
  sent: SentTransfer;
  raw: `0x${string}`;
  /** Block it was last mined in; null while pending or after a reorg dropped it. */
  minedAt: number | null;
}

/** The EVM devnet mined one block at a time with a snapshot before each, so any of the last blocks can be reorged out. */
class EvmReorger {
  private readonly rpc: string;
  private readonly snapshots: { height: number; id: string }[] = [];
  readonly transfers: EvmTransfer[] = [];
  constructor(rpc: string) {
    this.rpc = rpc;
  }
  async head(): Promise<number> {
    return headNumber(this.rpc);
  }
  async mine(shiftSeconds = 0): Promise<number> {
    const height = await this.head();
    this.snapshots.push({ height, id: await rpcCall<string>(this.rpc, 'evm_snapshot') });
    if (shiftSeconds > 0) {
      const latest = await rpcCall<{ timestamp: string }>(this.rpc, 'eth_getBlockByNumber', ['latest', false]);
      await rpcCall(this.rpc, 'evm_setNextBlockTimestamp', [Number.parseInt(latest.timestamp, 16) + shiftSeconds]);
    }
    await rpcCall(this.rpc, 'anvil_mine', ['0x1']);
    for (const t of this.transfers) if (t.minedAt === null && !this.dropped.has(t)) t.minedAt = height + 1;
    return height + 1;
  }
  readonly dropped = new Set<EvmTransfer>();
  /** How deep a reorg can go (snapshots reach back that far). */
  maxDepth(head: number): number {
    const oldest = this.snapshots[0]?.height;
    return oldest === undefined ? 0 : head - oldest;
  }
  /**
   * Reorgs out the last `depth` blocks; sends `keepFraction` of their transfers again (nonce order),
   * drops the rest; mines `newBlocks` blocks (fewer than depth: the head goes back until later steps mine past it).
   */
  async reorg(depth: number, keepFraction: number, newBlocks: number): Promise<{ moved: number; dropped: number }> {
    const head = await this.head();
    const base = head - depth;
    const index = this.snapshots.findIndex((s) => s.height === base);
    if (index < 0) throw new Error(`no EVM snapshot at height ${base}`);
    const snapshot = this.snapshots[index]!;
    this.snapshots.splice(index);
    if ((await rpcCall<boolean>(this.rpc, 'evm_revert', [snapshot.id])) !== true) throw new Error(`evm_revert ${snapshot.id} refused`);
    await rpcCall(this.rpc, 'anvil_dropAllTransactions');
    const out = this.transfers.filter((t) => t.minedAt !== null && t.minedAt > base);
    const keep = Math.round(out.length * keepFraction);
    for (const [i, t] of out.entries()) {
      t.minedAt = null;
      if (i < keep) await sendRawTransaction(this.rpc, t.raw);
      else this.dropped.add(t);
    }
    for (let i = 0; i < newBlocks; i++) await this.mine(i === 0 ? 30 : 0);
    return { moved: keep, dropped: out.length - keep };
  }
}

export const reorgs: Scenario = {
  name: 'reorgs',
  description: 'random reorgs of depth 1-10 on the EVM, Tron and Bitcoin devnets: transfers moved, re-mined or dropped',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const { intents: intentCount, reorgs: reorgCount } = PROFILE[ctx.profile];
    const random = seededRandom(ctx.seed + 2);
    const result = emptyResult();
    const devnets: Devnets = await startDevnets({ evmBlockTime: 0, tronBlockTimeMs: 0, btcBlockTimeMs: 0 });
    let kassa: Awaited<ReturnType<typeof startKassa>> | null = null;
    let clean = false;
    try {
      kassa = await startKassa(devnets, { pollIntervalMs: 100 });
      const k = kassa;
      const evm = new EvmReorger(devnets.evm.rpcUrl);
      const intents = await createIntents(k.api, planIntents(random, intentCount, { tron: 0.25, bitcoin: 0.25 }));
      const queue = random.shuffle(intents.flatMap((intent) => intent.parts.map((amount) => ({ intent, amount }))));
      const sent: SentTransfer[] = [];
      const steps = Math.max(reorgCount * 3, Math.ceil(queue.length / 3));
      const reorgAt = new Set<number>();
      while (reorgAt.size < reorgCount) reorgAt.add(random.int(4, steps + 3));
      ctx.log(`${intents.length} intents, ${queue.length} transfers over ${steps} steps, ${reorgCount} reorgs`);

      const pay = async (intent: PlannedIntent, amount: bigint) => {
        if (intent.network === 'devnet') {
          const signed = await signTokenTransfer({ rpcUrl: devnets.evm.rpcUrl, from: devnets.evm.info.faucet, token: devnets.evm.info.tokens.USDT, to: intent.address as `0x${string}`, amount });
          await sendRawTransaction(devnets.evm.rpcUrl, signed.raw);
          const transfer: SentTransfer = { network: 'devnet', intentId: intent.id, txid: signed.txid.toLowerCase(), amount };
          evm.transfers.push({ sent: transfer, raw: signed.raw, minedAt: null });
          sent.push(transfer);
        } else {
          sent.push({ network: intent.network, intentId: intent.id, txid: await payFromFaucet(devnets, intent.network, intent.address, amount), amount });
        }
      };
      const mineAll = async () => {
        await evm.mine();
        await devnets.tron.mine(1);
        await devnets.btc.mine(1);
      };
      const waitScannedAll = async () => {
        await waitForScanned(k.node.merchantUrl, await evm.head(), CHAIN.devnet, 60_000);
        await waitForScanned(k.node.merchantUrl, await tronHead(devnets), CHAIN.tron, 60_000);
        await waitForScanned(k.node.merchantUrl, await btcHead(devnets), CHAIN.bitcoin, 60_000);
      };

      const depthHistogram = new Map<number, number>();
      const perChain: Record<FaultNetwork, number> = { devnet: 0, tron: 0, bitcoin: 0 };
      let moved = 0;
      let droppedEvm = 0;
      let killsDuringRollback = 0;
      for (let step = 1; step <= steps + 3 || queue.length > 0; step++) {
        for (let n = random.int(0, 4); n > 0 && queue.length > 0; n--) {
          const { intent, amount } = queue.shift()!;
          await pay(intent, amount);
        }
        await mineAll();
        // Mostly let the node see (and credit) the blocks before a reorg takes them away; sometimes not.
        if (random.next() < 0.8) await waitScannedAll();
        else await sleep(random.int(0, 300));
        if (!reorgAt.has(step)) continue;
        const network = random.pick<FaultNetwork>(['devnet', 'tron', 'bitcoin']);
        let depth = random.int(1, 10);
        const drop = random.next() < 0.5;
        if (network === 'devnet') {
          depth = Math.min(depth, evm.maxDepth(await evm.head()));
          if (depth < 1) continue;
          const r = await evm.reorg(depth, drop ? random.next() * 0.5 : 1, random.int(1, depth + 1));
          moved += r.moved;
          droppedEvm += r.dropped;
        } else if (network === 'tron') {
          depth = Math.min(depth, (await tronHead(devnets)) - 2);
          if (depth < 1) continue;
          await devnets.tron.reorg(depth, { dropTransactions: drop });
          await devnets.tron.mine(1);
        } else {
          await devnets.btc.reorg(depth, { dropTransactions: drop });
        }
        // Now and then the node dies while it rolls the reorg back: the rollback must be atomic too.
        const killed = random.next() < 0.25;
        if (killed) {
          await sleep(random.int(0, 400));
          await k.kill();
          await k.restart();
          killsDuringRollback++;
        }
        perChain[network]++;
        depthHistogram.set(depth, (depthHistogram.get(depth) ?? 0) + 1);
        result.faults++;
        ctx.log(`step ${step}: ${network} reorg of depth ${depth}${drop ? ', dropping transactions' : ''}${killed ? ', node SIGKILLed' : ''}`);
      }
      // Confirm what is left, then audit.
      for (let i = 0; i < 3; i++) await mineAll();
      result.runs = sent.length;
      const audit = await auditPayments(k, devnets, intents, sent, {
        settleTimeoutMs: 90_000,
        webhookTimeoutMs: 60_000,
        noReorgs: false,
        log: ctx.log,
      });
      Object.assign(result, { lost: audit.lost, doubled: audit.doubled, undelivered: audit.undelivered, failures: audit.failures });
      const depths = [...depthHistogram.entries()].sort((a, b) => a[0] - b[0]).map(([d, n]) => `${d}:${n}`).join(' ');
      result.notes.push(
        `seed ${ctx.seed}: ${intents.length} intents, ${sent.length} transfers, reorgs evm ${perChain.devnet} / tron ${perChain.tron} / bitcoin ${perChain.bitcoin}, depth:count ${depths}; EVM transfers sent again in the new branch ${moved}, dropped ${droppedEvm}; ${killsDuringRollback} SIGKILLs right after a reorg`,
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

async function tronHead(devnets: Devnets): Promise<number> {
  const res = await fetch(`${devnets.tron.url}/wallet/getnowblock`, { method: 'POST', body: '{}' });
  return ((await res.json()) as { block_header: { raw_data: { number?: number } } }).block_header.raw_data.number ?? 0;
}

async function btcHead(devnets: Devnets): Promise<number> {
  return Number(await (await fetch(`${devnets.btc.url}/blocks/tip/height`)).text());
}
