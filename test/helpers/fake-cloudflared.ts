// A stand-in `cloudflared` binary: a tiny node script that logs like a quick tunnel does
// (the trycloudflare URL, then a registered connection) and stays, or exits, as the test asks.
// Every start appends its argv to a log file, so tests see what the node ran.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type FakeCloudflaredMode = 'stay' | 'exit-after-url' | 'exit-before-url';

export interface FakeCloudflared {
  /** Directory holding `cloudflared`: put it first on PATH. */
  dir: string;
  bin: string;
  /** argv (after the binary) of every start so far. */
  starts(): string[][];
  /** What the next starts do. */
  setMode(mode: FakeCloudflaredMode): void;
}

export function installFakeCloudflared(root: string, mode: FakeCloudflaredMode = 'stay'): FakeCloudflared {
  const dir = join(root, 'fake-bin');
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, 'cloudflared');
  const log = join(dir, 'starts.jsonl');
  const modeFile = join(dir, 'mode');
  writeFileSync(modeFile, mode);
  writeFileSync(
    bin,
    `#!${process.execPath}
const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');
const mode = fs.readFileSync(${JSON.stringify(modeFile)}, 'utf8').trim();
const n = fs.readFileSync(${JSON.stringify(log)}, 'utf8').trim().split('\\n').length;
const say = (s) => process.stderr.write(new Date().toISOString() + ' INF ' + s + '\\n');
say('Requesting new quick Tunnel on trycloudflare.com...');
if (mode === 'exit-before-url') { say('failed to request quick Tunnel: 429 Too Many Requests'); process.exit(1); }
say('+--------------------------------------------------------------------------------------------+');
say('|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |');
say('|  https://fake-quick-' + n + '.trycloudflare.com                                              |');
say('+--------------------------------------------------------------------------------------------+');
setTimeout(() => {
  say('Registered tunnel connection connIndex=0 connection=abc event=0 ip=198.41.192.7 location=ams01 protocol=quic');
  if (mode === 'exit-after-url') setTimeout(() => { say('connection lost, exiting'); process.exit(3); }, 300);
}, 50);
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
`,
  );
  chmodSync(bin, 0o755);
  return {
    dir,
    bin,
    starts: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []),
    setMode: (next) => writeFileSync(modeFile, next),
  };
}
