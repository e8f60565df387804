import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SecretBoxError,
  deriveKeyFromPassphrase,
  openSealed,
  openSealedString,
  seal,
} from '../../../src-server/wallet/secret-box.ts';

const LOW_COST = { N: 2 ** 10, r: 8, p: 1 };

function expectSecretBoxError(fn: () => unknown, code: SecretBoxError['code']): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    expect((error as SecretBoxError).code).toBe(code);
    return;
  }
  throw new Error(`expected SecretBoxError ${code}`);
}

describe('seal / openSealed', () => {
  const key = randomBytes(32);

  it.each([
    ['utf-8 string', 'abandon abandon … about ✓'],
    ['empty string', ''],
    ['binary', randomBytes(1000)],
  ] as const)('round-trips %s', (_name, plaintext) => {
    const sealed = seal(key, plaintext);
    const opened = openSealed(key, sealed);
    expect(opened.equals(typeof plaintext === 'string' ? Buffer.from(plaintext) : plaintext)).toBe(true);
  });

  it('is self-describing and never reuses a nonce', () => {
    const a = seal(key, 'same');
    const b = seal(key, 'same');
    expect(a.startsWith('kassa-box:v1:')).toBe(true);
    expect(a.split(':')).toHaveLength(5);
    expect(a).not.toBe(b);
    expect(openSealedString(key, a)).toBe('same');
  });

  it('does not contain the plaintext', () => {
    const sealed = seal(key, 'webhook-secret-whsec_123');
    expect(sealed).not.toContain('whsec_123');
    expect(sealed).not.toContain(Buffer.from('webhook-secret-whsec_123').toString('base64url'));
  });

  it('fails with the wrong key', () => {
    const sealed = seal(key, 'secret');
    expectSecretBoxError(() => openSealed(randomBytes(32), sealed), 'sealed_auth_failed');
  });

  it('binds the context', () => {
    const sealed = seal(key, 'secret', 'webhook_endpoint:we_1');
    expect(openSealedString(key, sealed, 'webhook_endpoint:we_1')).toBe('secret');
    expectSecretBoxError(() => openSealed(key, sealed, 'webhook_endpoint:we_2'), 'sealed_auth_failed');
    expectSecretBoxError(() => openSealed(key, sealed), 'sealed_auth_failed');
  });

  const tamperings: ReadonlyArray<[string, (parts: string[]) => void]> = [
    ['ciphertext', (parts) => { parts[3] = flipFirstByte(parts[3]!); }],
    ['nonce', (parts) => { parts[2] = flipFirstByte(parts[2]!); }],
    ['tag', (parts) => { parts[4] = flipFirstByte(parts[4]!); }],
  ];
  it.each(tamperings)('detects a tampered %s', (_name, tamper) => {
    const parts = seal(key, 'a secret worth protecting').split(':');
    tamper(parts);
    expectSecretBoxError(() => openSealed(key, parts.join(':')), 'sealed_auth_failed');
  });

  it.each([
    ['not sealed', 'hello', 'sealed_malformed'],
    ['too few parts', 'kassa-box:v1:abc', 'sealed_malformed'],
    ['bad base64', 'kassa-box:v1:%%%:abc:def', 'sealed_malformed'],
    ['short tag', `kassa-box:v1:${Buffer.alloc(12).toString('base64url')}:AA:AA`, 'sealed_malformed'],
    ['future version', 'kassa-box:v9:a:b:c', 'sealed_unsupported_version'],
  ] as const)('rejects %s', (_name, sealed, code) => {
    expectSecretBoxError(() => openSealed(key, sealed), code);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => seal(randomBytes(16), 'x')).toThrow(RangeError);
  });
});

describe('deriveKeyFromPassphrase', () => {
  const salt = randomBytes(16);

  it('is deterministic per passphrase, salt and params', async () => {
    const a = await deriveKeyFromPassphrase('correct horse', salt, LOW_COST);
    const b = await deriveKeyFromPassphrase('correct horse', salt, LOW_COST);
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(true);
    expect((await deriveKeyFromPassphrase('correct horsf', salt, LOW_COST)).equals(a)).toBe(false);
    expect((await deriveKeyFromPassphrase('correct horse', randomBytes(16), LOW_COST)).equals(a)).toBe(false);
    expect((await deriveKeyFromPassphrase('correct horse', salt, { N: 2 ** 11, r: 8, p: 1 })).equals(a)).toBe(false);
  });

  it('normalizes Unicode so composed and decomposed input agree', async () => {
    const composed = await deriveKeyFromPassphrase('caf\u00e9', salt, LOW_COST);
    const decomposed = await deriveKeyFromPassphrase('cafe\u0301', salt, LOW_COST);
    expect(composed.equals(decomposed)).toBe(true);
  });

  it('runs the production cost (N=2^17, r=8) within the memory limit it sets', async () => {
    const key = await deriveKeyFromPassphrase('pw', salt);
    expect(key).toHaveLength(32);
  });

  it.each([
    { N: 1000, r: 8, p: 1 },
    { N: 1, r: 8, p: 1 },
    { N: 1024, r: 0, p: 1 },
    { N: 1024, r: 8, p: 0 },
  ])('rejects params %o', async (params) => {
    await expect(deriveKeyFromPassphrase('pw', salt, params)).rejects.toThrow(RangeError);
  });

  it('rejects a short salt', async () => {
    await expect(deriveKeyFromPassphrase('pw', randomBytes(8), LOW_COST)).rejects.toThrow(RangeError);
  });
});

function flipFirstByte(part: string): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64url');
}
