#!/usr/bin/env node
// `kassa` from an install: the CLI is TypeScript run by Node 22's type stripping. When an older
// system Node starts this shim, hand over to the Node 22 the package brings (devDependency node@22).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  await import(join(root, 'src-server', 'cli.ts'));
} else {
  const bundled = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    console.error(`kassa needs Node 22.18 or newer (this is ${process.versions.node}); run npm install first.`);
    process.exit(1);
  }
  const result = spawnSync(bundled, [join(root, 'src-server', 'cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
