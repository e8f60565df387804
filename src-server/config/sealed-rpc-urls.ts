// RPC URLs saved from the dashboard. They often carry API keys (userinfo, ?apikey=, /v3/<key>), so
// they live sealed under the key store's data key in the secrets table (SPEC §8), never in
// config.json. URLs the merchant wrote in config.json by hand (networks.<id>.rpcUrls) win.
import type { Storage } from '../storage/index.ts';
import type { SecretsStore } from '../storage/secrets-store.ts';
import { openSealedString, seal } from '../wallet/secret-box.ts';

/** One secret for every network: `{ [networkId]: string[] }`. */
export const SEALED_RPC_URLS_SECRET = 'networks.rpc_urls';
/** Associated data of the sealed map: it cannot be moved to another secret's row. */
const SEALED_RPC_URLS_CONTEXT = 'networks:rpc_urls';

export type RpcUrlMap = Readonly<Record<string, readonly string[]>>;
/** Where a network's RPC URLs come from: config.json (or env/flags), the dashboard, or the built-in defaults. */
export type RpcUrlSource = 'config_file' | 'dashboard' | 'default';

/**
 * The precedence rule: URLs the configuration lists (config.json, typed by the merchant) win, then
 * the dashboard's sealed ones, then the network's defaults. Empty lists count as absent.
 */
export function chooseRpcUrls(
  configured: readonly string[] | undefined,
  sealed: readonly string[] | undefined,
  defaults: readonly string[],
): { urls: readonly string[]; source: RpcUrlSource } {
  if (configured?.length) return { urls: configured, source: 'config_file' };
  if (sealed?.length) return { urls: sealed, source: 'dashboard' };
  return { urls: defaults, source: 'default' };
}

export class SealedRpcUrlsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedRpcUrlsError';
  }
}

export function sealRpcUrls(dataKey: Buffer, urls: RpcUrlMap): string {
  return seal(dataKey, JSON.stringify(urls), SEALED_RPC_URLS_CONTEXT);
}

/** Opens a sealed map; keeps only well-formed entries (arrays of strings, non-empty). */
export function openRpcUrls(dataKey: Buffer, sealed: string): RpcUrlMap {
  const parsed: unknown = JSON.parse(openSealedString(dataKey, sealed, SEALED_RPC_URLS_CONTEXT));
  const out: Record<string, string[]> = {};
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return out;
  for (const [id, urls] of Object.entries(parsed)) {
    if (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string')) out[id] = urls;
  }
  return out;
}

/** The dashboard's saved URLs; {} when there are none. Throws SealedRpcUrlsError when some are stored but cannot be opened. */
export function readSealedRpcUrls(secrets: Pick<SecretsStore, 'getSealed'>, dataKey: Buffer | null): RpcUrlMap {
  const sealed = secrets.getSealed(SEALED_RPC_URLS_SECRET);
  if (sealed === null) return {};
  if (!dataKey) throw new SealedRpcUrlsError('RPC URLs saved from the dashboard are sealed, and this node has no key store to open them');
  try {
    return openRpcUrls(dataKey, sealed);
  } catch (err) {
    throw new SealedRpcUrlsError(`RPC URLs saved from the dashboard cannot be opened (${(err as Error).message})`);
  }
}

/** Replaces the saved map in one transaction; an empty map removes the secret (no key needed for that). */
export function saveSealedRpcUrls(storage: Pick<Storage, 'secrets' | 'transaction'>, dataKey: Buffer | null, urls: RpcUrlMap, at: Date): void {
  const empty = Object.values(urls).every((list) => list.length === 0);
  if (!empty && !dataKey) throw new SealedRpcUrlsError('no key store to seal RPC URLs with');
  const kept = Object.fromEntries(Object.entries(urls).filter(([, list]) => list.length > 0));
  const sealed = empty ? null : sealRpcUrls(dataKey!, kept);
  storage.transaction(() => {
    storage.secrets.delete(SEALED_RPC_URLS_SECRET);
    if (sealed) storage.secrets.putSealed(SEALED_RPC_URLS_SECRET, sealed, at.toISOString());
  });
}
