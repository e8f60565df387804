import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

// Random bytes are drawn from the CSPRNG a few kilobytes at a time (a request makes three ids; one
// randomBytes call each cost more than the rest of the id). Each byte is used once.
const pool = Buffer.allocUnsafe(4096);
let poolPos = pool.length;

/** Uniformly random base62 string (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    if (poolPos === pool.length) {
      randomFillSync(pool);
      poolPos = 0;
    }
    const byte = pool[poolPos++]!;
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

export type IdPrefix = 'pi' | 'pay' | 'evt' | 'key' | 'st' | 'cs' | 'plink' | 'we' | 'cus' | 'wd' | 'esc' | 'whd';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(20)}`;
}

/** Ids are hostile input: only the shape we issue is looked up. */
export function isWellFormedId(value: string, prefix: IdPrefix): boolean {
  return value.length <= 64 && new RegExp(`^${prefix}_[0-9A-Za-z]{1,60}$`).test(value);
}
