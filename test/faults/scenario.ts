// The contract between the fault-suite runner (test/faults/run.ts) and its scenarios: a scenario
// injects faults into a real node and its devnets, checks the outcome against ground truth it kept
// itself, and reports counts. The runner prints them as one table row and fails on any bad count.

export type Profile = 'ci' | 'full';
export const PROFILES: readonly Profile[] = ['ci', 'full'];

export interface ScenarioResult {
  /** Units of work checked: payments sent, requests fuzzed, writes attempted… (the scenario says which in notes). */
  runs: number;
  /** Faults injected: kills, fault windows, reorgs, full-disk episodes… */
  faults: number;
  /** Payments sent and mined that no intent credits. */
  lost: number;
  /** Payments credited twice (same txid and log index/vout twice, or amount_received above what was sent). */
  doubled: number;
  /** Paid intents whose payment_intent.paid event never reached the receiver by the deadline. */
  undelivered: number;
  /** Any other broken promise (a wrong status, a 500, a corrupt database…), one line each: each one fails the run. */
  failures: string[];
  /** What a reader needs to judge the run (seed, counts, timings); not failures. */
  notes: string[];
}

export interface ScenarioContext {
  profile: Profile;
  /** Seed for the scenario's random choices (print it; KASSA_FAULT_SEED replays it). */
  seed: number;
  /** One progress line on stderr, prefixed with the scenario's name. */
  log(message: string): void;
}

export interface Scenario {
  /** kebab-case; what `--only` takes and the table shows. */
  name: string;
  /** One line for --help. */
  description: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

/** A result with every count at zero, for a scenario to fill in. */
export function emptyResult(): ScenarioResult {
  return { runs: 0, faults: 0, lost: 0, doubled: 0, undelivered: 0, failures: [], notes: [] };
}
