// <home>/config.json as the dashboard edits it: read as written (keys it does not touch stay as
// the merchant wrote them), changed by pure functions, validated whole, written atomically.
// RPC URLs saved from the dashboard never go there: they are sealed (config/sealed-rpc-urls.ts).
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '../../config/config.ts';
import { redactRpcUrl } from '../../chains/evm/rpc-failover.ts';
import type { RpcUrlMap } from '../../config/sealed-rpc-urls.ts';
import { ApiError } from '../../http/errors.ts';
import type { AdminParsed } from '../contract.ts';

type Json = Record<string, unknown>;
type StoreBody = AdminParsed<'PUT /settings/store'>['body'];
type NetworksBody = AdminParsed<'PUT /settings/networks'>['body'];

export const configPath = (home: string) => join(home, 'config.json');

export function readConfigFile(home: string): Json {
  const file = configPath(home);
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ApiError(409, 'invalid_request_error', 'config_invalid', `${file} is not valid JSON (${(err as Error).message}); fix it by hand first.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ApiError(409, 'invalid_request_error', 'config_invalid', `${file} must hold a JSON object; fix it by hand first.`);
  }
  return parsed as Json;
}

/** Refuses a file the node would not start with; names the config key at fault. */
export function validateConfigFile(raw: Json, paramOf: (path: readonly PropertyKey[]) => string | null = () => null): void {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const key = issue.path.map(String).join('.');
  throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `config.json ${key || '(root)'}: ${issue.message}`, paramOf(issue.path));
}

/** Write to a temporary file beside it, sync, rename: a crash leaves the old file or the new one. */
export function writeConfigFile(home: string, raw: Json): void {
  const file = configPath(home);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(raw, null, 2)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    try {
      closeSync(fd);
    } catch {
      /* closed above */
    }
  }
  renameSync(tmp, file);
}

const asObject = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? { ...(v as Json) } : {});

/** The store section after a settings change (null policy = the asset-based default: the key goes). */
export function applyStoreSettings(raw: Json, body: StoreBody): Json {
  const store = asObject(raw.store);
  if (body.name !== undefined) store.name = body.name;
  if (body.expires_in !== undefined) store.expiresIn = body.expires_in;
  if (body.monitoring_window !== undefined) store.monitoringWindow = body.monitoring_window;
  if (body.underpaid_tolerance_bps !== undefined) store.underpaidToleranceBps = body.underpaid_tolerance_bps;
  if (body.late_payment_policy === null) delete store.latePaymentPolicy;
  else if (body.late_payment_policy !== undefined) store.latePaymentPolicy = body.late_payment_policy;
  return { ...raw, store };
}

/**
 * URLs sent back as the dashboard showed them (redacted) stand for the stored URL they came from,
 * so saving a form never writes "***" over an API key.
 */
export function mergeRpcUrls(submitted: readonly string[], stored: readonly string[]): string[] {
  return submitted.map((url) => stored.find((s) => s === url || redactRpcUrl(s) === url) ?? url);
}

// Every adapter (EVM over viem's http transport, Tron's HTTP API, Esplora, bitcoind) speaks HTTP only: a ws(s) URL could never be read.
const RPC_URL_PROTOCOLS = new Set(['http:', 'https:']);

export function isRpcUrl(text: string): boolean {
  try {
    return RPC_URL_PROTOCOLS.has(new URL(text).protocol);
  } catch {
    return false;
  }
}

/**
 * The networks section after a settings change: enabled and confirmations only. RPC URLs go to the
 * sealed store (applyRpcUrlSettings); URLs the merchant wrote in config.json stay as written.
 */
export function applyNetworkSettings(raw: Json, body: NetworksBody, knownIds: ReadonlySet<string>): Json {
  const networks = asObject(raw.networks);
  for (const [id, change] of Object.entries(body.networks)) {
    if (!knownIds.has(id)) throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `networks.${id}: unknown network; one of ${[...knownIds].join(', ')}`, `networks.${id}`);
    const current = asObject(networks[id]);
    current.enabled = change.enabled;
    if (change.confirmations !== undefined) current.confirmations = change.confirmations;
    networks[id] = current;
  }
  return { ...raw, networks };
}

const sameUrls = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((url, i) => url === b[i]);

/**
 * The dashboard-saved RPC URLs after a settings change (rpc_urls omitted keeps them, [] returns to
 * the defaults). A network whose config.json lists rpcUrls is the merchant's to edit there: sending
 * its URLs back unchanged is fine, changing them is a 409. Saving URLs needs a key store (422).
 */
export function applyRpcUrlSettings(
  body: NetworksBody,
  fileNetworks: unknown,
  sealed: RpcUrlMap,
  opts: { canSeal: boolean; configFile: string },
): { urls: RpcUrlMap; changed: boolean } {
  const inFile = asObject(fileNetworks);
  const next: Record<string, readonly string[]> = { ...sealed };
  let changed = false;
  for (const [id, change] of Object.entries(body.networks)) {
    if (change.rpc_urls === undefined) continue;
    const param = `networks.${id}.rpc_urls`;
    const fileUrls = asObject(inFile[id]).rpcUrls;
    if (Array.isArray(fileUrls) && fileUrls.length > 0) {
      if (sameUrls(mergeRpcUrls(change.rpc_urls, fileUrls as string[]), fileUrls as string[])) continue;
      throw new ApiError(409, 'invalid_request_error', 'rpc_urls_in_config_file', `${param}: ${opts.configFile} lists networks.${id}.rpcUrls, written there by hand, and those win over URLs saved here. Edit them in that file, or remove them from it to manage ${id}'s RPC URLs from the dashboard.`, param);
    }
    const stored = sealed[id] ?? [];
    const merged = mergeRpcUrls(change.rpc_urls, stored);
    merged.forEach((url, i) => {
      if (!isRpcUrl(url)) throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `${param}[${i}]: must be an absolute http:// or https:// URL`, `${param}[${i}]`);
      // A redacted URL that matches no saved one would be saved with "***" in place of its key.
      if (url.includes('***')) throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `${param}[${i}]: is shown redacted and matches no saved URL; type the whole URL`, `${param}[${i}]`);
    });
    if (sameUrls(merged, stored)) continue;
    if (merged.length > 0 && !opts.canSeal) {
      throw new ApiError(422, 'invalid_request_error', 'key_store_required', `${param}: RPC URLs often carry API keys, so the dashboard keeps them encrypted with the key store, and this node has none. Set up the OS keychain or a passphrase (KASSA_PASSPHRASE) and restart the node, or write the URLs yourself in ${opts.configFile} as networks.${id}.rpcUrls.`, param);
    }
    if (merged.length > 0) next[id] = merged;
    else delete next[id];
    changed = true;
  }
  return { urls: next, changed };
}
