// The admin password at rest: scrypt with a random salt, its parameters stored with the hash so
// they can be raised later without locking anyone out.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { assertScryptParams, deriveKeyFromPassphrase, type ScryptParams } from '../../wallet/secret-box.ts';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;
/** 2^15 × 8 × 128 B = 32 MiB, about 0.1 s: a login stays quick, an offline guess stays costly. */
export const PASSWORD_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
const SALT_BYTES = 16;

interface StoredPasswordHash {
  algo: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  if (password.trim() !== password) return 'must not start or end with spaces';
  return null;
}

/** JSON text with the algorithm, parameters, salt and hash (base64). */
export async function hashPassword(password: string, params: ScryptParams = PASSWORD_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await deriveKeyFromPassphrase(password, salt, params);
  const stored: StoredPasswordHash = { algo: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64'), hash: hash.toString('base64') };
  return JSON.stringify(stored);
}

function parseStored(text: string): StoredPasswordHash | null {
  try {
    const value = JSON.parse(text) as Partial<StoredPasswordHash>;
    if (value.algo !== 'scrypt' || typeof value.salt !== 'string' || typeof value.hash !== 'string') return null;
    const params = { N: Number(value.N), r: Number(value.r), p: Number(value.p) };
    assertScryptParams(params);
    return { algo: 'scrypt', ...params, salt: value.salt, hash: value.hash };
  } catch {
    return null;
  }
}

/** True when `password` matches the stored hash; a malformed stored value never matches. */
export async function verifyPassword(password: string, storedText: string): Promise<boolean> {
  const stored = parseStored(storedText);
  if (!stored) return false;
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await deriveKeyFromPassphrase(password, Buffer.from(stored.salt, 'base64'), stored);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
