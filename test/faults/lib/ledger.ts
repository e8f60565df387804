// Ground truth and the audit: the scenario plans intents and records every faucet transfer it sent;
// at the end it asks the devnets (not the node) which of those transfers are in the canonical chain,
// waits until the node settles, and compares what the node reports (GET /payment-intents/:id, the
// payments table, the webhook receiver's log) with what was paid.
import { parseAmount, formatAmount } from '../../../src-server/money/amount.ts';
import { mapWithConcurrency } from '../../../src-server/util/concurrency.ts';
import { openNodeDb } from '../../helpers/devnet-control.ts';
import type { ApiClient } from '../../helpers/node.ts';
import type { Random } from './random.ts';
import { sleep } from './random.ts';
import type { Devnets, FaultNetwork, Kassa, SentTransfer } from './world.ts';

export const DECIMALS: Record<FaultNetwork, number> = { devnet: 6, tron: 6, bitcoin: 8 };
const ASSET: Record<FaultNetwork, string> = { devnet: 'USDT', tron: 'USDT', bitcoin: 'BTC' };

export type PlanKind = 'exact' | 'split' | 'underpaid' | 'overpaid';

export interface PlannedIntent {
  id: string;
  network: FaultNetwork;
  address: string;
  amount: bigint;
  kind: PlanKind;
  /** The transfers this intent will receive, in base units. */
  parts: bigint[];
}

/** The transfers for an intent of `amount` base units. Amounts stay on whole cents (USDT) or 1000 sats (BTC). */
export function planParts(kind: PlanKind, amount: bigint, network: FaultNetwork): bigint[] {
  const grain = network === 'bitcoin' ? 1_000n : 10_000n;
  const round = (units: bigint) => (units / grain) * grain;
  switch (kind) {
    case 'exact':
      return [amount];
    case 'split': {
      const first = round((amount * 4n) / 10n);
      return [first, amount - first];
    }
    case 'underpaid':
      return [round((amount * 6n) / 10n)];
    case 'overpaid':
      return [amount + 123n * grain];
  }
}

/** Random intents: `count` in all, the given share on tron and bitcoin, the rest on the EVM devnet; a mix of kinds. */
export function planIntents(random: Random, count: number, shares: { tron: number; bitcoin: number }): Omit<PlannedIntent, 'id' | 'address'>[] {
  const kinds: PlanKind[] = ['exact', 'exact', 'split', 'underpaid', 'overpaid'];
  const plans: Omit<PlannedIntent, 'id' | 'address'>[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random.next();
    const network: FaultNetwork = roll < shares.bitcoin ? 'bitcoin' : roll < shares.bitcoin + shares.tron ? 'tron' : 'devnet';
    // USDT 1.00–500.00; BTC 0.0001–0.0100.
    const amount = network === 'bitcoin' ? BigInt(random.int(10, 1000)) * 1_000n : BigInt(random.int(100, 50_000)) * 10_000n;
    const kind = random.pick(kinds);
    plans.push({ network, amount, kind, parts: planParts(kind, amount, network) });
  }
  return plans;
}

export async function createIntents(api: ApiClient, plans: Omit<PlannedIntent, 'id' | 'address'>[]): Promise<PlannedIntent[]> {
  return mapWithConcurrency(plans, 8, async (plan) => {
    const res = await api.post('/api/v1/payment-intents', { network: plan.network, asset: ASSET[plan.network], amount: formatAmount(plan.amount, DECIMALS[plan.network]) });
    if (res.status !== 201) throw new Error(`creating a ${plan.network} intent failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { ...plan, id: res.body.data.id as string, address: res.body.data.receive_address as string };
  });
}

// ---- what the devnets say was mined ----

/** True when the devnet's canonical chain holds the transaction, executed successfully. */
export async function isMined(devnets: Devnets, transfer: SentTransfer): Promise<boolean> {
  switch (transfer.network) {
    case 'devnet': {
      const res = await fetch(devnets.evm.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionReceipt', params: [transfer.txid] }),
      });
      const receipt = ((await res.json()) as { result: { status: string; blockNumber: string } | null }).result;
      return receipt !== null && receipt.status === '0x1';
    }
    case 'tron': {
      const res = await fetch(`${devnets.tron.url}/wallet/gettransactioninfobyid`, { method: 'POST', body: JSON.stringify({ value: transfer.txid }) });
      const info = (await res.json()) as { blockNumber?: number; receipt?: { result?: string } };
      return info.blockNumber !== undefined && (info.receipt?.result === undefined || info.receipt.result === 'SUCCESS');
    }
    case 'bitcoin': {
      const res = await fetch(`${devnets.btc.url}/tx/${transfer.txid}/status`);
      if (res.status !== 200) return false;
      return ((await res.json()) as { confirmed: boolean }).confirmed;
    }
  }
}

// ---- the audit ----

export interface AuditOptions {
  /** How long the node may take to reach the expected state after the last fault. */
  settleTimeoutMs: number;
  /** How long after settling a paid intent's webhook may still arrive. */
  webhookTimeoutMs: number;
  /**
   * No reorgs in this scenario: each paid intent has exactly one payment_intent.paid event, each
   * payment one payment_intent.payment_detected, and no payment was ever reverted.
   */
  noReorgs: boolean;
  log(message: string): void;
}

export interface AuditResult {
  lost: number;
  doubled: number;
  undelivered: number;
  failures: string[];
  notes: string[];
}

export interface IntentView {
  status: string;
  exception: string | null;
  amount_received: string;
  amount_confirmed: string;
  payments: { id: string; txid: string; log_index: number | null; vout: number | null; amount: string; status: string }[];
}

export interface Expectation {
  intent: PlannedIntent;
  mined: SentTransfer[];
  dropped: SentTransfer[];
  total: bigint;
}

const sameTxid = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The problems with one intent's view against what was mined to it ([] = exact). */
export function problemsOf(e: Expectation, view: IntentView): { lost: number; doubled: number; other: string[] } {
  const decimals = DECIMALS[e.intent.network];
  const live = view.payments.filter((p) => p.status !== 'reverted');
  let lost = 0;
  let doubled = 0;
  const other: string[] = [];
  for (const t of e.mined) {
    const credits = live.filter((p) => sameTxid(p.txid, t.txid));
    if (credits.length === 0) lost++;
    if (credits.length > 1) doubled += credits.length - 1;
    for (const p of credits) if (parseAmount(p.amount, decimals) !== t.amount) other.push(`payment ${p.id} of ${t.txid} credits ${p.amount}, ${formatAmount(t.amount, decimals)} was sent`);
    for (const p of credits) if (p.status !== 'confirmed') other.push(`payment ${p.id} of ${t.txid} is ${p.status}, not confirmed`);
  }
  for (const p of live) {
    if (!e.mined.some((t) => sameTxid(t.txid, p.txid))) {
      doubled++;
      const why = e.dropped.some((t) => sameTxid(t.txid, p.txid)) ? 'a transaction the chain no longer holds' : 'a transaction nobody sent to this intent';
      other.push(`payment ${p.id} (${p.txid}) still credits ${why}`);
    }
  }
  const received = parseAmount(view.amount_received, decimals);
  const confirmed = parseAmount(view.amount_confirmed, decimals);
  if (received !== e.total) {
    other.push(`amount_received ${view.amount_received}, sent and mined ${formatAmount(e.total, decimals)}`);
    if (lost === 0 && doubled === 0) received > e.total ? doubled++ : lost++;
  }
  if (confirmed !== e.total) other.push(`amount_confirmed ${view.amount_confirmed}, sent and mined ${formatAmount(e.total, decimals)}`);
  const paid = e.total >= e.intent.amount;
  const wantStatus = paid ? 'paid' : 'pending';
  const wantException = e.total > e.intent.amount ? 'overpaid' : null;
  if (view.status !== wantStatus || view.exception !== wantException) {
    other.push(`status ${view.status}/${view.exception ?? '-'}, expected ${wantStatus}/${wantException ?? '-'} (due ${formatAmount(e.intent.amount, decimals)})`);
  }
  return { lost, doubled, other };
}

export async function auditPayments(kassa: Kassa, devnets: Devnets, intents: PlannedIntent[], sent: SentTransfer[], opts: AuditOptions): Promise<AuditResult> {
  const minedFlags = await mapWithConcurrency(sent, 8, (t) => isMined(devnets, t));
  const minedSet = new Set(sent.filter((_, i) => minedFlags[i]));
  const expectations = new Map<string, Expectation>();
  for (const intent of intents) expectations.set(intent.id, { intent, mined: [], dropped: [], total: 0n });
  for (const t of sent) {
    const e = expectations.get(t.intentId)!;
    if (minedSet.has(t)) {
      e.mined.push(t);
      e.total += t.amount;
    } else {
      e.dropped.push(t);
    }
  }
  const notes = [`${minedSet.size} of ${sent.length} transfers in the canonical chains at the end, ${sent.length - minedSet.size} dropped by reorgs`];

  // Wait until the node agrees with the chains, or the deadline.
  const views = new Map<string, IntentView>();
  let unsettled = [...expectations.values()];
  const deadline = Date.now() + opts.settleTimeoutMs;
  const settleStart = Date.now();
  while (unsettled.length > 0) {
    const fetched = await mapWithConcurrency(unsettled, 8, async (e) => {
      const res = await kassa.api.get(`/api/v1/payment-intents/${e.intent.id}`);
      if (res.status !== 200) throw new Error(`GET ${e.intent.id} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.data as IntentView;
    });
    unsettled.forEach((e, i) => views.set(e.intent.id, fetched[i]!));
    unsettled = unsettled.filter((e) => {
      const p = problemsOf(e, views.get(e.intent.id)!);
      return p.lost + p.doubled + p.other.length > 0;
    });
    if (unsettled.length === 0 || Date.now() > deadline) break;
    opts.log(`waiting for ${unsettled.length} intent(s) to settle`);
    await sleep(1000);
  }
  notes.push(`the node settled ${unsettled.length === 0 ? 'fully' : 'NOT fully'} ${Math.round((Date.now() - settleStart) / 1000)} s after the last fault`);

  let lost = 0;
  let doubled = 0;
  const failures: string[] = [];
  for (const e of expectations.values()) {
    const p = problemsOf(e, views.get(e.intent.id)!);
    lost += p.lost;
    doubled += p.doubled;
    for (const line of p.other) failures.push(`${e.intent.network} intent ${e.intent.id} (${e.intent.kind}): ${line}`);
  }

  // The same chain output credited twice anywhere in the database (across intents too).
  const db = openNodeDb(kassa.home);
  try {
    const dupes = db
      .prepare(`SELECT chain, txid, output_index, COUNT(*) AS n FROM payments WHERE status != 'reverted' GROUP BY chain, txid, output_index HAVING n > 1`)
      .all() as { chain: string; txid: string; output_index: number; n: number }[];
    for (const d of dupes) {
      doubled += d.n - 1;
      failures.push(`${d.chain} ${d.txid}:${d.output_index} credited ${d.n} times`);
    }
    if (opts.noReorgs) {
      const reverted = db.prepare(`SELECT object_id FROM events WHERE type = 'payment.reverted'`).all() as { object_id: string }[];
      for (const r of reverted) failures.push(`payment ${r.object_id} was reverted, though no chain reorganised`);
      const detected = db
        .prepare(
          `SELECT i.id AS intent_id, (SELECT COUNT(*) FROM payments p WHERE p.intent_id = i.id) AS payments,
             (SELECT COUNT(*) FROM events e WHERE e.object_id = i.id AND e.type = 'payment_intent.payment_detected') AS detected
           FROM payment_intents i`,
        )
        .all() as { intent_id: string; payments: number; detected: number }[];
      for (const d of detected) {
        if (expectations.has(d.intent_id) && d.detected !== d.payments) failures.push(`intent ${d.intent_id}: ${d.payments} payments announced by ${d.detected} payment_detected events`);
      }
    }
  } finally {
    db.close();
  }

  // Webhooks: every paid intent's payment_intent.paid reaches the receiver (at least once; dedup by event id).
  const paidIds = [...expectations.values()].filter((e) => views.get(e.intent.id)?.status === 'paid').map((e) => e.intent.id);
  const paidEvents = (): Map<string, Set<string>> => {
    const byIntent = new Map<string, Set<string>>();
    for (const r of kassa.receiver.received) {
      if (r.headers['x-kassa-event-type'] !== 'payment_intent.paid') continue;
      let intentId: string;
      try {
        intentId = (JSON.parse(r.rawBody) as { data: { object: { id: string } } }).data.object.id;
      } catch {
        failures.push(`a webhook body that is not the event JSON: ${r.rawBody.slice(0, 100)}`);
        continue;
      }
      const set = byIntent.get(intentId) ?? new Set<string>();
      set.add(r.headers['x-kassa-event-id'] ?? '');
      byIntent.set(intentId, set);
    }
    return byIntent;
  };
  const missing = () => {
    const events = paidEvents();
    return paidIds.filter((id) => !events.has(id));
  };
  const webhookDeadline = Date.now() + opts.webhookTimeoutMs;
  while (missing().length > 0 && Date.now() < webhookDeadline) await sleep(500);
  const undeliveredIds = missing();
  for (const id of undeliveredIds.slice(0, 20)) failures.push(`payment_intent.paid of ${id} never reached the receiver`);
  const events = paidEvents();
  const deliveries = kassa.receiver.received.length;
  const distinct = [...events.values()].reduce((n, s) => n + s.size, 0);
  notes.push(`${paidIds.length} intents paid, ${deliveries} webhook deliveries received, ${distinct} distinct paid events (${deliveries - distinct} redeliveries)`);
  if (opts.noReorgs) {
    for (const [id, ids] of events) if (ids.size > 1) failures.push(`intent ${id} has ${ids.size} distinct payment_intent.paid events: ${[...ids].join(', ')}`);
  }
  for (const [id] of events) if (!expectations.has(id)) failures.push(`payment_intent.paid for an intent this scenario did not create: ${id}`);
  for (const [id] of events) {
    const view = views.get(id);
    if (view && view.status !== 'paid' && minedSet.size === sent.length) failures.push(`payment_intent.paid delivered for ${id}, which is ${view.status}`);
  }
  return { lost, doubled, undelivered: undeliveredIds.length, failures, notes };
}
