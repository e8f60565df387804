// Headless login without a password: a single-use URL printed by `kassa serve` (or minted by
// `kassa admin login-url`, for a running or stopped node: both read the same database).
import type { AdminStore } from '../../storage/admin-store.ts';
import { newToken, sha256Hex } from './secrets.ts';

export const ONE_TIME_TOKEN_TTL_MS = 15 * 60 * 1000;
export const ONE_TIME_PATH = '/auth/one-time/';
export const LOGIN_URL_COMMAND = 'npm run kassa -- admin login-url';

/** Stores a new token (hashed) valid for 15 minutes and returns it; only this caller ever sees it. */
export function mintOneTimeToken(store: AdminStore, now: Date = new Date()): { token: string; expiresAt: string } {
  store.pruneOneTimeTokens(now.toISOString());
  const token = newToken();
  const expiresAt = new Date(now.getTime() + ONE_TIME_TOKEN_TTL_MS).toISOString();
  store.insertOneTimeToken(sha256Hex(token), now.toISOString(), expiresAt);
  return { token, expiresAt };
}

export function oneTimeLoginUrl(merchantUrl: string, token: string): string {
  return `${merchantUrl.replace(/\/+$/, '')}${ONE_TIME_PATH}${token}`;
}
