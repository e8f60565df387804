// TOTP (RFC 6238: SHA-1, 6 digits, 30 s) as authenticator apps expect it. A matched code reports
// its time step so the caller can refuse the same code a second time.
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;
const DIGITS = 6;
export const TOTP_ISSUER = 'Kassa';

function totpOf(secretBase32: string, label = 'admin'): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/** A new 160-bit secret, base32 (what authenticator apps take when typed in). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secretBase32: string, label = 'admin'): string {
  return totpOf(secretBase32, label).toString();
}

/** The code at `timestampMs` (tests and the CLI's self-check). */
export function totpCode(secretBase32: string, timestampMs: number): string {
  return totpOf(secretBase32).generate({ timestamp: timestampMs });
}

/** The time step `code` belongs to (one step of clock drift either way), or null when it matches none. */
export function matchTotpStep(secretBase32: string, code: string, timestampMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpOf(secretBase32);
  const delta = totp.validate({ token: code, timestamp: timestampMs, window: 1 });
  return delta === null ? null : totp.counter({ timestamp: timestampMs }) + delta;
}
