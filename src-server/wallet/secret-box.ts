// Authenticated encryption of secrets at rest (seed, webhook secrets, tokens) under the node's data key.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

/**
 * Sealed format, version 1: `kassa-box:v1:<nonce>:<ciphertext>:<tag>`, each part base64url without
 * padding; AES-256-GCM with a random 96-bit nonce and a 128-bit tag. The `kassa-box:v1` header is
 * authenticated too, so a later version cannot be swapped in front of an old ciphertext.
 */
const SEALED_PREFIX = 'kassa-box';
const SEALED_VERSION = 'v1';
const HEADER = `${SEALED_PREFIX}:${SEALED_VERSION}`;
const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export type SecretBoxErrorCode = 'sealed_malformed' | 'sealed_unsupported_version' | 'sealed_auth_failed';

export class SecretBoxError extends Error {
  readonly code: SecretBoxErrorCode;

  constructor(code: SecretBoxErrorCode, message: string) {
    super(message);
    this.name = 'SecretBoxError';
    this.code = code;
  }
}

/**
 * Encrypts `plaintext` (bytes, or a string as UTF-8) under a 32-byte key.
 * `context` is optional associated data (e.g. `"webhook_endpoint:we_123:secret"`): not stored, but
 * `openSealed` must be given the same value, which stops a sealed value being moved to another row.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array | string, context = ''): string {
  assertKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(context));
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [HEADER, b64(nonce), b64(ciphertext), b64(tag)].join(':');
}

/** Decrypts a value from `seal`; throws `SecretBoxError` on a wrong key, tampering or bad format. */
export function openSealed(key: Uint8Array, sealed: string, context = ''): Buffer {
  assertKey(key);
  const parts = sealed.split(':');
  if (parts.length !== 5 || parts[0] !== SEALED_PREFIX) {
    throw new SecretBoxError('sealed_malformed', 'Not a sealed secret');
  }
  const [, version, nonceText, ciphertextText, tagText] = parts as [string, string, string, string, string];
  if (version !== SEALED_VERSION) {
    throw new SecretBoxError('sealed_unsupported_version', `Unsupported sealed secret version "${version}"`);
  }
  const nonce = fromB64(nonceText);
  const ciphertext = fromB64(ciphertextText);
  const tag = fromB64(tagText);
  if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretBoxError('sealed_malformed', 'Sealed secret has a bad nonce or tag length');
  }
  const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new SecretBoxError('sealed_auth_failed', 'Sealed secret failed authentication: wrong key, wrong context or tampered data');
  }
}

/** UTF-8 convenience over `openSealed`. */
export function openSealedString(key: Uint8Array, sealed: string, context = ''): string {
  return openSealed(key, sealed, context).toString('utf8');
}

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** 2^17 × 8 × 128 B = 128 MiB and roughly 0.3–0.5 s per derivation on a desktop CPU. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

export const MIN_SALT_BYTES = 16;

/**
 * Derives a 32-byte key from a passphrase with scrypt. The passphrase is NFKC-normalized so the
 * same visible text typed on another OS or keyboard layout gives the same key.
 * Callers may pass cheaper params (tests); whatever is used must be stored next to the salt.
 */
export async function deriveKeyFromPassphrase(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<Buffer> {
  assertScryptParams(params);
  if (salt.length < MIN_SALT_BYTES) throw new RangeError(`Salt must be at least ${MIN_SALT_BYTES} bytes`);
  const { N, r, p } = params;
  // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default 32 MiB cap would reject N = 2^17, r = 8.
  const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, KEY_BYTES, { N, r, p, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export function assertScryptParams(params: ScryptParams): void {
  const { N, r, p } = params;
  const isPowerOfTwo = Number.isSafeInteger(N) && N > 1 && Number.isInteger(Math.log2(N));
  if (!isPowerOfTwo || !Number.isSafeInteger(r) || r < 1 || !Number.isSafeInteger(p) || p < 1) {
    throw new RangeError(`Invalid scrypt params N=${N} r=${r} p=${p}`);
  }
}

function associatedData(context: string): Buffer {
  // NUL separates header and context so no context can imitate a different header.
  return Buffer.from(`${HEADER}\0${context}`, 'utf8');
}

function assertKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`Data key must be ${KEY_BYTES} bytes`);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function fromB64(text: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/u.test(text)) throw new SecretBoxError('sealed_malformed', 'Sealed secret is not base64url');
  return Buffer.from(text, 'base64url');
}
