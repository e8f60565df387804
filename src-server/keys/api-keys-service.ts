import { createHash } from 'node:crypto';
import type { ApiKeyRow } from '../storage/api-keys-store.ts';
import type { Storage } from '../storage/index.ts';
import { newId, randomBase62 } from '../util/ids.ts';
import { isoSeconds } from '../util/time.ts';

export const SCOPES = [
  'payment_intents:read',
  'payment_intents:write',
  'checkout_sessions:read',
  'checkout_sessions:write',
  'payment_links:read',
  'payment_links:write',
  'customers:read',
  'customers:write',
  'webhooks:read',
  'webhooks:write',
  'events:read',
  'balances:read',
  'withdrawals:read',
  'withdrawals:write',
  'escrows:read',
  'escrows:write',
  'stores:read',
  'stores:write',
  'tunnel:read',
  'tunnel:write',
] as const;
export type Scope = (typeof SCOPES)[number];

export class KeyInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'KeyInputError';
    this.field = field;
  }
}

export interface AuthenticatedKey {
  id: string;
  storeId: string;
  livemode: boolean;
  scopes: ReadonlySet<string>;
  rateLimit: number | null;
}

export interface ApiKeySummary {
  id: string;
  mode: 'test' | 'live';
  store_id: string;
  hint: string;
  name: string | null;
  scopes: string[];
  rate_limit: number | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** API keys are 190 bits of randomness, so a plain SHA-256 (as Stripe and GitHub do) is the right hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Parses `a,b` into known scopes; a read scope is implied by its write scope. */
export function parseScopes(input: string | string[] | undefined): Scope[] {
  if (input === undefined) return [...SCOPES];
  const parts = (Array.isArray(input) ? input : input.split(',')).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new KeyInputError('scopes', 'scopes: at least one scope is required');
  const out = new Set<Scope>();
  for (const p of parts) {
    if (p === '*' || p === 'all') {
      SCOPES.forEach((s) => out.add(s));
      continue;
    }
    if (!(SCOPES as readonly string[]).includes(p)) {
      throw new KeyInputError('scopes', `scopes: unknown scope "${p}"; known: ${SCOPES.join(', ')}`);
    }
    out.add(p as Scope);
    if (p.endsWith(':write')) out.add(p.replace(/:write$/, ':read') as Scope);
  }
  return SCOPES.filter((s) => out.has(s));
}

export function createApiKeysService(deps: { storage: Storage; defaultRateLimit: number; clock?: () => Date }) {
  const { storage } = deps;
  const clock = deps.clock ?? (() => new Date());
  // last_used_at is informational: write it at most once a minute per key, not on every request.
  const lastTouched = new Map<string, number>();

  function summarize(row: ApiKeyRow): ApiKeySummary {
    return {
      id: row.id,
      mode: row.livemode ? 'live' : 'test',
      store_id: row.store_id,
      hint: row.key_hint,
      name: row.name,
      scopes: JSON.parse(row.scopes) as string[],
      rate_limit: row.rate_limit,
      created_at: isoSeconds(new Date(row.created_at)),
      last_used_at: row.last_used_at ? isoSeconds(new Date(row.last_used_at)) : null,
      revoked_at: row.revoked_at ? isoSeconds(new Date(row.revoked_at)) : null,
    };
  }

  return {
    /** Makes a key; the plaintext is returned once and never stored. */
    create(input: {
      mode: 'test' | 'live';
      storeId: string;
      scopes?: string | string[] | undefined;
      rateLimit?: number | 'off' | undefined;
      name?: string | undefined;
    }): { key: string; summary: ApiKeySummary } {
      if (input.mode !== 'test' && input.mode !== 'live') throw new KeyInputError('mode', 'mode: must be "test" or "live"');
      const scopes = parseScopes(input.scopes);
      let rateLimit: number | null = deps.defaultRateLimit;
      if (input.rateLimit === 'off') rateLimit = null;
      else if (input.rateLimit !== undefined) {
        if (!Number.isInteger(input.rateLimit) || input.rateLimit < 1 || input.rateLimit > 100_000) {
          throw new KeyInputError('rate-limit', 'rate-limit: a whole number of requests per second (1-100000) or "off"');
        }
        rateLimit = input.rateLimit;
      }
      if (!storage.stores.get(input.storeId)) throw new KeyInputError('store', `store: no such store "${input.storeId}"`);
      const key = `sk_${input.mode}_${randomBase62(32)}`;
      const row = {
        id: newId('key'),
        store_id: input.storeId,
        livemode: (input.mode === 'live' ? 1 : 0) as 0 | 1,
        key_hash: hashApiKey(key),
        key_hint: `${key.slice(0, 8)}…${key.slice(-4)}`,
        name: input.name ?? null,
        scopes: JSON.stringify(scopes),
        rate_limit: rateLimit,
        created_at: clock().toISOString(),
      };
      storage.apiKeys.insert(row);
      return { key, summary: summarize({ ...row, last_used_at: null, revoked_at: null }) };
    },
    list: () => storage.apiKeys.list().map(summarize),
    revoke(id: string): ApiKeySummary | null {
      const row = storage.apiKeys.get(id);
      if (!row) return null;
      storage.apiKeys.revoke(id, clock().toISOString());
      return summarize(storage.apiKeys.get(id)!);
    },
    /** Null for an unknown, malformed or revoked key. */
    authenticate(presented: string): AuthenticatedKey | null {
      if (!/^sk_(test|live)_[0-9A-Za-z]{32}$/.test(presented)) return null;
      const hash = hashApiKey(presented);
      const row = storage.apiKeys.findByHash(hash);
      if (!row || row.revoked_at) return null;
      const now = clock();
      const last = lastTouched.get(row.id) ?? 0;
      if (now.getTime() - last > 60_000) {
        lastTouched.set(row.id, now.getTime());
        try {
          storage.apiKeys.touchLastUsed(row.id, now.toISOString());
        } catch {
          // Informational only: a full or read-only disk must not turn every read into an error.
        }
      }
      return {
        id: row.id,
        storeId: row.store_id,
        livemode: row.livemode === 1,
        scopes: new Set(JSON.parse(row.scopes) as string[]),
        rateLimit: row.rate_limit,
      };
    },
  };
}
export type ApiKeysService = ReturnType<typeof createApiKeysService>;
