// Dashboard authentication (SPEC §8): sessions, the admin password with optional TOTP, the
// Electron per-launch secret and one-time login tokens. Throws ApiError values the edge answers.
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import { ApiError } from '../../http/errors.ts';
import type { AdminSessionRow, AdminSessionVia, AdminStore } from '../../storage/admin-store.ts';
import type { ScryptParams } from '../../wallet/secret-box.ts';
import { openSealedString, seal } from '../../wallet/secret-box.ts';
import type { SessionView } from '../contract.ts';
import type { AdminSession } from '../handler-types.ts';
import { LOGIN_URL_COMMAND, mintOneTimeToken } from './one-time.ts';
import { hashPassword, passwordProblem, PASSWORD_SCRYPT_PARAMS, verifyPassword } from './password.ts';
import { constantTimeEqual, looksLikeToken, newToken, sha256Hex } from './secrets.ts';
import { matchTotpStep, newTotpSecret, totpUri } from './totp.ts';

export const SESSION_IDLE_MS = 12 * 3600 * 1000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3600 * 1000;
/** A session's sliding expiry is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60 * 1000;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000;
export const LOGIN_MAX_FAILURES = 5;
export const SETUP_COMPLETE_SETTING = 'setup.complete';
const TOTP_SEAL_CONTEXT = 'admin:totp';

export interface AdminAuthOptions {
  store: AdminStore;
  /** The key store's data key (seals the TOTP secret); null without a key store. */
  dataKey: () => Buffer | null;
  /** Electron's per-launch secret; null on a headless node. */
  launchSecret?: string | null;
  logger: Logger;
  clock?: () => Date;
  /** Tests pass cheaper scrypt parameters. */
  passwordParams?: ScryptParams;
}

/** A live session as the router resolved it from the cookie. */
export interface ResolvedSession extends AdminSession {
  tokenHash: string;
}

export interface NewSession {
  /** The cookie value: 32 random bytes, base64url; stored only as its sha256. */
  cookieValue: string;
  session: ResolvedSession;
  maxAgeSeconds: number;
}

/** Who failed to log in, for the rate limit: the socket peer, which a header cannot change. */
export type ClientKey = string;

const fail = (status: number, type: ConstructorParameters<typeof ApiError>[1], code: string, message: string, param: string | null = null, headers: Record<string, string> = {}) =>
  new ApiError(status, type, code, message, param, headers);

/** The sliding idle expiry, never past the absolute one. */
export function slidingExpiry(nowMs: number, absoluteExpiresAt: string): string {
  return new Date(Math.min(nowMs + SESSION_IDLE_MS, Date.parse(absoluteExpiresAt))).toISOString();
}

/** Seconds until the oldest failure in the window ages out, when the limit is reached; else 0. */
export function loginRetryAfterSeconds(failures: { count: number; first: string | null }, inFlight: number, nowMs: number): number {
  if (failures.count + inFlight < LOGIN_MAX_FAILURES) return 0;
  const first = failures.first ? Date.parse(failures.first) : nowMs;
  return Math.max(1, Math.ceil((first + LOGIN_FAILURE_WINDOW_MS - nowMs) / 1000));
}

export function createAdminAuth(opts: AdminAuthOptions) {
  const { store, logger } = opts;
  const clock = opts.clock ?? (() => new Date());
  const passwordParams = opts.passwordParams ?? PASSWORD_SCRYPT_PARAMS;
  const launchSecret = opts.launchSecret || null;
  // Launch sessions belong to this process: a restart (a new launch secret) ends them.
  const launchId = newToken(16);
  store.deleteStaleLaunchSessions(launchId);
  store.deleteExpiredSessions(clock().toISOString());
  // Password checks run scrypt asynchronously: attempts in flight count against the limit too.
  const inFlight = new Map<ClientKey, number>();

  function toSession(row: AdminSessionRow): ResolvedSession {
    return { id: `sess_${row.token_hash.slice(0, 16)}`, via: row.via, csrfToken: row.csrf_token, expiresAt: row.expires_at, tokenHash: row.token_hash };
  }

  function createSession(via: AdminSessionVia): NewSession {
    const now = clock();
    store.deleteExpiredSessions(now.toISOString());
    const cookieValue = newToken();
    const absolute = new Date(now.getTime() + SESSION_ABSOLUTE_MS).toISOString();
    const row: AdminSessionRow = {
      token_hash: sha256Hex(cookieValue),
      via,
      launch_id: via === 'launch' ? launchId : null,
      csrf_token: newToken(),
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: slidingExpiry(now.getTime(), absolute),
      absolute_expires_at: absolute,
    };
    store.insertSession(row);
    // The cookie outlives a browser restart until the absolute expiry; the server enforces the idle one.
    return { cookieValue, session: toSession(row), maxAgeSeconds: SESSION_ABSOLUTE_MS / 1000 };
  }

  /** A launch session lives as long as its launch (the window's cookie is only in Electron's memory); others idle out or age out. */
  function isStale(row: AdminSessionRow, nowIso: string): boolean {
    if (row.via === 'launch') return row.launch_id !== launchId;
    return row.expires_at <= nowIso || row.absolute_expires_at <= nowIso;
  }

  /** The live session a cookie names, sliding its idle expiry; null when unknown, expired or from an earlier launch. */
  function sessionFromCookie(cookieValue: string | null): ResolvedSession | null {
    if (!cookieValue || !looksLikeToken(cookieValue)) return null;
    const hash = sha256Hex(cookieValue);
    const row = store.getSession(hash);
    if (!row) return null;
    const now = clock();
    const nowIso = now.toISOString();
    const stale = isStale(row, nowIso);
    if (stale) {
      store.deleteSession(hash);
      return null;
    }
    if (now.getTime() - Date.parse(row.last_seen_at) >= TOUCH_EVERY_MS) {
      row.expires_at = slidingExpiry(now.getTime(), row.absolute_expires_at);
      store.touchSession(hash, nowIso, row.expires_at);
    }
    return toSession(row);
  }

  function view(session: ResolvedSession | AdminSession | null): SessionView {
    const cred = store.getCredentials();
    return {
      authenticated: session !== null,
      csrf_token: session?.csrfToken ?? null,
      via: session?.via ?? null,
      password_set: Boolean(cred?.password_hash),
      totp_enabled: cred?.totp_enabled === 1,
      setup_complete: store.getSetting(SETUP_COMPLETE_SETTING) === true,
      desktop: launchSecret !== null,
      expires_at: session && session.via !== 'launch' ? session.expiresAt : null,
    };
  }

  /** Runs a password check under the per-client failure limit; `check` returns false for a failure. */
  async function limited<T>(client: ClientKey, check: () => Promise<{ ok: true; value: T } | { ok: false; error: ApiError; counts: boolean }>): Promise<T> {
    const now = clock();
    const since = new Date(now.getTime() - LOGIN_FAILURE_WINDOW_MS).toISOString();
    store.pruneLoginFailures(since);
    const retryAfter = loginRetryAfterSeconds(store.loginFailuresSince(client, since), inFlight.get(client) ?? 0, now.getTime());
    if (retryAfter > 0) {
      throw fail(429, 'rate_limit_error', 'rate_limited', `Too many failed sign-in attempts from this address; retry after ${retryAfter}s.`, null, { 'Retry-After': String(retryAfter) });
    }
    inFlight.set(client, (inFlight.get(client) ?? 0) + 1);
    try {
      const result = await check();
      if (result.ok) {
        store.clearLoginFailures(client);
        return result.value;
      }
      if (result.counts) store.recordLoginFailure(client, clock().toISOString());
      throw result.error;
    } finally {
      const left = (inFlight.get(client) ?? 1) - 1;
      if (left > 0) inFlight.set(client, left);
      else inFlight.delete(client);
    }
  }

  function openTotpSecret(sealed: string): string {
    const key = opts.dataKey();
    if (!key) throw keyStoreRequired();
    return openSealedString(key, sealed, TOTP_SEAL_CONTEXT);
  }

  /** Checks a TOTP code and claims its time step (a code is accepted once); null when fine, else the error. */
  function checkTotp(code: string | undefined, param: string, status: number): ApiError | null {
    const cred = store.getCredentials();
    if (!cred?.totp_sealed) return fail(409, 'invalid_request_error', 'totp_not_set_up', 'TOTP is not set up.', param);
    if (!code) return fail(status, status === 401 ? 'authentication_error' : 'invalid_request_error', 'totp_required', 'Enter the 6-digit code from your authenticator app.', param);
    const step = matchTotpStep(openTotpSecret(cred.totp_sealed), code, clock().getTime());
    if (step === null) return fail(status, status === 401 ? 'authentication_error' : 'invalid_request_error', 'totp_invalid', 'That code is not valid; check the time on your phone and enter the current code.', param);
    if (!store.claimTotpStep(step)) return fail(status, status === 401 ? 'authentication_error' : 'invalid_request_error', 'totp_replayed', 'That code was already used; wait for the next one.', param);
    return null;
  }

  const keyStoreRequired = () =>
    fail(422, 'invalid_request_error', 'key_store_required', 'TOTP needs a key store to seal its secret (the OS keychain or a passphrase key file), and this node runs without one. Configure a key store (keyStore in config.json, or KASSA_KEY_STORE) and restart; the TOTP secret is never stored in plaintext.');

  return {
    launchId,
    desktop: launchSecret !== null,
    sessionFromCookie,
    /** Whether a session resolved earlier still stands (not logged out, ended by a password change or expired); never slides it. */
    isLive(session: ResolvedSession): boolean {
      const row = store.getSession(session.tokenHash);
      return row !== null && !isStale(row, clock().toISOString());
    },
    createSession,
    view,
    /** Ends the session a cookie names (logout). */
    endSession(cookieValue: string | null): void {
      if (cookieValue && looksLikeToken(cookieValue)) store.deleteSession(sha256Hex(cookieValue));
    },

    async login(input: { password: string; totp?: string | undefined }, client: ClientKey): Promise<NewSession> {
      await limited(client, async () => {
        const cred = store.getCredentials();
        if (!cred?.password_hash) {
          return {
            ok: false,
            counts: false,
            error: fail(409, 'invalid_request_error', 'password_not_set', `No admin password is set. Open the one-time login URL the node printed, or get a new one with \`${LOGIN_URL_COMMAND}\`.`),
          };
        }
        if (!(await verifyPassword(input.password, cred.password_hash))) {
          return { ok: false, counts: true, error: fail(401, 'authentication_error', 'password_invalid', 'Wrong password.', 'password') };
        }
        if (cred.totp_enabled === 1) {
          const totpError = checkTotp(input.totp, 'totp', 401);
          // A missing code is the second step of a right password, not a failed guess.
          if (totpError) return { ok: false, counts: totpError.code !== 'totp_required', error: totpError };
        }
        return { ok: true, value: undefined };
      });
      logger.info({ via: 'password' }, 'dashboard sign-in');
      return createSession('password');
    },

    launch(secret: string): NewSession {
      if (!launchSecret) throw fail(404, 'invalid_request_error', 'route_not_found', 'Unrecognized request URL (POST /api/admin/auth/launch)');
      if (!constantTimeEqual(secret, launchSecret)) throw fail(401, 'authentication_error', 'launch_secret_invalid', 'The launch secret does not match this node.', 'secret');
      return createSession('launch');
    },

    /** Consumes a one-time token; null when it is unknown, used or expired. */
    consumeOneTimeToken(token: string): NewSession | null {
      if (!looksLikeToken(token)) return null;
      if (!store.consumeOneTimeToken(sha256Hex(token), clock().toISOString())) return null;
      logger.info({ via: 'one_time' }, 'dashboard sign-in');
      return createSession('one_time');
    },

    mintOneTimeToken: () => mintOneTimeToken(store, clock()),

    async setPassword(input: { current_password?: string | undefined; new_password: string }, session: ResolvedSession, client: ClientKey): Promise<void> {
      const problem = passwordProblem(input.new_password);
      if (problem) throw fail(400, 'invalid_request_error', 'parameter_invalid', `new_password: ${problem}`, 'new_password');
      const cred = store.getCredentials();
      if (cred?.password_hash) {
        if (input.current_password === undefined) throw fail(400, 'invalid_request_error', 'parameter_missing', 'current_password is required to change the password', 'current_password');
        const current = input.current_password;
        await limited(client, async () =>
          (await verifyPassword(current, cred.password_hash!))
            ? { ok: true, value: undefined }
            : { ok: false, counts: true, error: fail(400, 'invalid_request_error', 'password_incorrect', 'current_password: that is not the current password', 'current_password') },
        );
      }
      const hash = await hashPassword(input.new_password, passwordParams);
      store.setPassword(hash, clock().toISOString());
      // Everyone else signs in again with the new password.
      store.deleteOtherSessions(session.tokenHash);
      logger.info('admin password set');
    },

    async totpSetup(): Promise<{ secret: string; otpauth_uri: string; qr_svg: string }> {
      const key = opts.dataKey();
      if (!key) throw keyStoreRequired();
      const cred = store.getCredentials();
      if (!cred?.password_hash) throw fail(409, 'invalid_request_error', 'password_required', 'Set an admin password first: TOTP is the second step of the password sign-in.');
      if (cred.totp_enabled === 1) throw fail(409, 'invalid_request_error', 'totp_already_enabled', 'TOTP is already enabled; disable it first to set up a new authenticator.');
      const secret = newTotpSecret();
      store.setTotpPending(seal(key, secret, TOTP_SEAL_CONTEXT), clock().toISOString());
      const uri = totpUri(secret);
      const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return { secret, otpauth_uri: uri, qr_svg: qrSvg };
    },

    totpEnable(code: string): void {
      const cred = store.getCredentials();
      if (!cred?.totp_sealed) throw fail(409, 'invalid_request_error', 'totp_not_set_up', 'Set up TOTP first (POST /auth/totp/setup), then confirm a code.');
      if (cred.totp_enabled === 1) throw fail(409, 'invalid_request_error', 'totp_already_enabled', 'TOTP is already enabled.');
      const step = matchTotpStep(openTotpSecret(cred.totp_sealed), code, clock().getTime());
      if (step === null) throw fail(400, 'invalid_request_error', 'totp_invalid', 'code: that code is not valid; check the time on your phone and enter the current code.', 'code');
      store.enableTotp(step, clock().toISOString());
      logger.info('admin TOTP enabled');
    },

    async totpDisable(input: { password: string; code: string }, client: ClientKey): Promise<void> {
      const cred = store.getCredentials();
      if (cred?.totp_enabled !== 1) throw fail(409, 'invalid_request_error', 'totp_not_enabled', 'TOTP is not enabled.');
      await limited(client, async () => {
        if (!cred.password_hash || !(await verifyPassword(input.password, cred.password_hash))) {
          return { ok: false, counts: true, error: fail(400, 'invalid_request_error', 'password_incorrect', 'password: that is not the current password', 'password') };
        }
        const totpError = checkTotp(input.code, 'code', 400);
        return totpError ? { ok: false, counts: true, error: totpError } : { ok: true, value: undefined };
      });
      store.disableTotp(clock().toISOString());
      logger.info('admin TOTP disabled');
    },
  };
}
export type AdminAuth = ReturnType<typeof createAdminAuth>;
