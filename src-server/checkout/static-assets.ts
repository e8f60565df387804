// The checkout pages' static files (script, stylesheet), read once at start and served under
// content-hashed names (`/assets/checkout.3f9c2a7d1e.js`) with a year-long immutable cache: a new
// release changes the name, so no browser ever runs a stale script against a newer page.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface StaticAsset {
  /** The hashed URL path pages link to. */
  path: string;
  body: Buffer;
  contentType: string;
  etag: string;
}

const FILES: Record<string, string> = {
  'checkout.js': 'text/javascript; charset=utf-8',
  'checkout.css': 'text/css; charset=utf-8',
};

export function loadCheckoutAssets(dir = join(here, 'static')) {
  const byName = new Map<string, StaticAsset>();
  const byPath = new Map<string, StaticAsset>();
  for (const [name, contentType] of Object.entries(FILES)) {
    const body = readFileSync(join(dir, name));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const dot = name.lastIndexOf('.');
    const asset = { path: `/assets/${name.slice(0, dot)}.${hash}${name.slice(dot)}`, body, contentType, etag: `"${hash}"` };
    byName.set(name, asset);
    byPath.set(asset.path, asset);
  }
  return {
    url: (name: 'checkout.js' | 'checkout.css') => byName.get(name)!.path,
    byPath: (path: string) => byPath.get(path) ?? null,
  };
}
export type CheckoutAssets = ReturnType<typeof loadCheckoutAssets>;
