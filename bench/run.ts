// Benchmarks: each figure is measured side by side with its baseline in the same run (or held
// against the target where there is no baseline to run), printed as one table and written
// to bench/results/latest.json with the machine it ran on.
//   npm run bench                     every benchmark (about 10 minutes on 2 cores)
//   npm run bench -- --quick          smaller counts (10,000 open intents instead of 100,000)
//   npm run bench -- <name> [--quick] one of: create detection rpc memory startup catchup webhooks
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCatchup } from './catchup.ts';
import { benchCreate } from './create.ts';
import { BENCH_DIR, type BenchRow, machine } from './lib.ts';
import { benchScale } from './scale.ts';
import { benchStartup } from './startup.ts';
import { benchWebhooks } from './webhooks.ts';

const NAMES = ['create', 'detection', 'rpc', 'memory', 'startup', 'catchup', 'webhooks'] as const;
type Name = (typeof NAMES)[number];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const named = args.filter((a) => !a.startsWith('--'));
for (const n of named) {
  if (!(NAMES as readonly string[]).includes(n)) {
    console.error(`unknown benchmark "${n}"; one of: ${NAMES.join(', ')}`);
    process.exit(2);
  }
}
const selected = new Set<Name>(named.length ? (named as Name[]) : NAMES);
const opts = { quick };
const started = Date.now();
const host = machine();
const rows: BenchRow[] = [];
const failures: string[] = [];

async function section(name: string, fn: () => Promise<BenchRow[]>): Promise<void> {
  const t = Date.now();
  console.log(`\n== ${name}`);
  try {
    rows.push(...(await fn()));
  } catch (error) {
    failures.push(`${name}: ${(error as Error).stack ?? error}`);
    console.error(`${name} failed: ${(error as Error).stack ?? error}`);
  }
  console.log(`   (${((Date.now() - t) / 1000).toFixed(0)} s)`);
}

if (selected.has('create')) await section('create', () => benchCreate(opts));
const scaleParts = new Set([...selected].filter((n): n is 'detection' | 'rpc' | 'memory' => n === 'detection' || n === 'rpc' || n === 'memory'));
if (scaleParts.size) await section([...scaleParts].join(' + '), () => benchScale(opts, scaleParts));
if (selected.has('startup')) await section('startup', () => benchStartup(opts));
if (selected.has('catchup')) await section('catchup', () => benchCatchup(opts));
if (selected.has('webhooks')) await section('webhooks', () => benchWebhooks(opts));

function table(list: BenchRow[]): string {
  const head = ['figure', 'ours', 'baseline / target', 'ratio', 'result'];
  const body = list.map((r) => [r.figure, r.ours, r.baseline, r.ratio, r.pass === null ? 'report' : r.pass ? 'pass' : 'SHORT']);
  const esc = (s: string) => s.replaceAll('|', '\\|');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

const minutes = (Date.now() - started) / 60_000;
console.log(`\n${table(rows)}\n`);
console.log(`machine: ${host.cpu}, ${host.cores} cores, ${host.ram_gib} GiB RAM, ${host.os}, Node ${host.node}; load average at start ${host.loadavg_at_start.join(' ')}; ${host.date}; ${minutes.toFixed(1)} min${quick ? ' (--quick)' : ''}`);
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
const out = join(BENCH_DIR, 'results', 'latest.json');
writeFileSync(out, `${JSON.stringify({ machine: host, quick, benchmarks: [...selected], minutes: Math.round(minutes * 10) / 10, rows, failures }, null, 2)}\n`);
console.log(`wrote ${out}`);
if (failures.length) {
  console.error(`\n${failures.length} benchmark(s) failed:\n${failures.join('\n')}`);
  process.exit(1);
}
process.exit(0);
