// Detection latency: a block carrying a payment is mined on the devnet → the node's watcher scans
// it, the ledger credits it, the intent becomes paid, the dispatcher POSTs payment_intent.paid →
// the local receiver has it. Measured at several numbers of open intents (bench/scale.ts).
import { type BenchRow, fixed, percentile } from './lib.ts';
import { POLL_INTERVAL_MS, type ScaleFixture } from './scale.ts';

export const TARGET_P50_MS = 200;
export const TARGET_P99_MS = 1000;

export interface DetectionResult {
  open: number;
  latenciesMs: number[];
  p50: number;
  p99: number;
}

export async function measureDetection(fx: ScaleFixture, samples: number): Promise<DetectionResult> {
  await fx.detectOne(); // warm-up: the first payment after seeding may meet a long watch-set refresh
  const latenciesMs: number[] = [];
  for (let i = 0; i < samples; i++) latenciesMs.push(await fx.detectOne());
  const result = { open: fx.open(), latenciesMs, p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99) };
  console.log(`detection at ${result.open} open intents: p50 ${fixed(result.p50)} ms, p99 ${fixed(result.p99)} ms (${samples} payments, max ${fixed(Math.max(...latenciesMs))} ms)`);
  return result;
}

export function detectionRows(results: DetectionResult[]): BenchRow[] {
  return results.map((r) => ({
    bench: 'detection',
    figure: `block mined → payment_intent.paid at the receiver, p50 / p99, ${r.open.toLocaleString('en')} open intents (poll ${POLL_INTERVAL_MS} ms)`,
    ours: `${fixed(r.p50)} / ${fixed(r.p99)} ms`,
    baseline: `target <= ${TARGET_P50_MS} / ${TARGET_P99_MS} ms`,
    ratio: `${fixed(r.p50 / TARGET_P50_MS, 2)} / ${fixed(r.p99 / TARGET_P99_MS, 2)}`,
    pass: r.p50 <= TARGET_P50_MS && r.p99 <= TARGET_P99_MS,
    values: { open_intents: r.open, latencies_ms: r.latenciesMs.map((x) => Math.round(x * 10) / 10), p50_ms: r.p50, p99_ms: r.p99, poll_interval_ms: POLL_INTERVAL_MS },
  }));
}
