#!/usr/bin/env node
// `kassa` from an install: the CLI is TypeScript run by Node 22's type stripping. When an older
// system Node starts this shim, or the command is `serve` (which runs with the same V8 memory caps
// as `npm start`), it hands over to a child Node and forwards signals to it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'src-server', 'cli.ts');
const args = process.argv.slice(2);
const [major, minor] = process.versions.node.split('.').map(Number);
const modern = major > 22 || (major === 22 && minor >= 18);
const serveFlags = args[0] === 'serve' ? ['--max-semi-space-size=4', '--max-old-space-size=256'] : [];

if (modern && serveFlags.length === 0) {
  await import(cli);
} else {
  const bundled = join(root, 'node_modules', 'node', 'bin', 'node');
  const nodeBin = modern ? process.execPath : bundled;
  if (!modern && !existsSync(bundled)) {
    console.error(`kassa needs Node 22.18 or newer (this is ${process.versions.node}); run npm install first.`);
    process.exit(1);
  }
  const child = spawn(nodeBin, [...serveFlags, cli, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
