// `npm run test:faults [-- --profile ci|full] [--only <scenario>[,<scenario>]] [--seed N]`: plays the
// fault scenarios one after another against real nodes and devnets, prints one table (scenario,
// runs, faults injected, payments lost, credited twice, webhooks never delivered, other failures),
// writes test/faults/results/latest.json, and exits 1 when any scenario lost, doubled, left a
// webhook undelivered, broke another promise, or could not run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { emptyResult, type Profile, PROFILES, type ScenarioResult } from './scenario.ts';
import { scenarios } from './scenarios/index.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

interface Row extends ScenarioResult {
  scenario: string;
  seconds: number;
  /** The scenario threw before it could report. */
  error: string | null;
}

function usage(): string {
  return [
    'usage: npm run test:faults -- [--profile ci|full] [--only name[,name]] [--seed N]',
    '',
    'scenarios:',
    ...scenarios.map((s) => `  ${s.name.padEnd(16)} ${s.description}`),
  ].join('\n');
}

function parseCli(): { profile: Profile; only: string[] | null; seed: number } {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string', default: 'full' },
      only: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const profile = values.profile as Profile;
  if (!PROFILES.includes(profile)) throw new Error(`--profile must be ci or full, got ${values.profile}`);
  const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : null;
  for (const name of only ?? []) {
    if (!scenarios.some((s) => s.name === name)) throw new Error(`--only: no scenario named ${name}\n${usage()}`);
  }
  const seedText = values.seed ?? process.env.KASSA_FAULT_SEED;
  const seed = seedText === undefined ? Date.now() % 2 ** 31 : Number(seedText);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be a whole number, got ${seedText}`);
  return { profile, only, seed };
}

const isBad = (row: Row): boolean => row.error !== null || row.lost > 0 || row.doubled > 0 || row.undelivered > 0 || row.failures.length > 0;

function table(rows: Row[]): string {
  const header = ['scenario', 'runs', 'faults injected', 'payments lost', 'credited twice', 'webhooks undelivered', 'other failures', 'time', 'result'];
  const body = rows.map((r) => [
    r.scenario,
    String(r.runs),
    String(r.faults),
    String(r.lost),
    String(r.doubled),
    String(r.undelivered),
    String(r.failures.length + (r.error ? 1 : 0)),
    `${Math.round(r.seconds)} s`,
    r.error ? 'DID NOT RUN' : isBad(r) ? 'FAIL' : 'ok',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 || i === widths.length - 1 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { profile, only, seed } = parseCli();
  const chosen = scenarios.filter((s) => only === null || only.includes(s.name));
  const rows: Row[] = [];
  const started = Date.now();
  process.stderr.write(`fault suite: profile ${profile}, seed ${seed}, scenarios ${chosen.map((s) => s.name).join(', ')}\n`);
  for (const scenario of chosen) {
    const t0 = Date.now();
    const log = (message: string) => process.stderr.write(`[${scenario.name} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}\n`);
    let row: Row;
    try {
      const result = await scenario.run({ profile, seed, log });
      row = { scenario: scenario.name, ...result, seconds: (Date.now() - t0) / 1000, error: null };
    } catch (error) {
      log(`did not run: ${(error as Error).stack ?? String(error)}`);
      row = { scenario: scenario.name, ...emptyResult(), seconds: (Date.now() - t0) / 1000, error: (error as Error).message };
    }
    for (const failure of row.failures.slice(0, 50)) log(`FAILURE: ${failure}`);
    if (row.failures.length > 50) log(`… and ${row.failures.length - 50} more failures (all in latest.json)`);
    for (const note of row.notes) log(`note: ${note}`);
    rows.push(row);
  }
  const totalSeconds = (Date.now() - started) / 1000;
  console.log(`\nfault suite, profile ${profile}, seed ${seed}, ${Math.round(totalSeconds)} s\n`);
  console.log(table(rows));
  for (const row of rows) for (const note of row.notes) console.log(`- ${row.scenario}: ${note}`);
  for (const row of rows) if (row.error) console.log(`- ${row.scenario}: DID NOT RUN: ${row.error}`);
  const resultsDir = join(HERE, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const report = { profile, seed, finishedAt: new Date().toISOString(), seconds: Math.round(totalSeconds), ok: !rows.some(isBad), rows };
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  // Children (nodes, anvils) are stopped by each scenario; exit explicitly so a stray timer cannot hold the suite.
  process.exit(report.ok ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(2);
});
