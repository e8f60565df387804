// The derive pool hands out addresses a worker thread derived ahead of need. Whatever it returns
// must be exactly deriveAddress(xpub, scheme, index); a miss returns undefined (the caller derives).
import { afterEach, describe, expect, it } from 'vitest';
import { accountXpub, deriveAddress } from '../../../src-server/wallet/derive.ts';
import { createDerivePool, type DerivePool } from '../../../src-server/wallet/derive-pool.ts';

const seed = new Uint8Array(64).fill(9);
let pool: DerivePool | null = null;
afterEach(async () => {
  await pool?.close();
  pool = null;
});

/** Polls take(index) until the worker has derived it, or fails at the deadline. */
async function takeWhenReady(p: DerivePool, xpub: string, scheme: 'evm' | 'tron' | 'btc' | 'ltc', index: number): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const address = p.take(xpub, scheme, index);
    if (address !== undefined) return address;
    if (Date.now() > deadline) throw new Error(`index ${index} was not derived ahead in 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('derive pool', () => {
  for (const scheme of ['evm', 'tron', 'btc'] as const) {
    it(`${scheme}: addresses taken from the pool equal deriveAddress, index by index`, async () => {
      pool = createDerivePool();
      const xpub = accountXpub(seed, scheme);
      expect(pool.take(xpub, scheme, 0)).toBeUndefined(); // cold: the caller derives inline
      expect(await takeWhenReady(pool, xpub, scheme, 1)).toBe(deriveAddress(xpub, scheme, 1));
      let hits = 0;
      for (let i = 2; i < 400; i++) {
        const fromPool = pool.take(xpub, scheme, i);
        if (fromPool !== undefined) hits++;
        expect(fromPool ?? deriveAddress(xpub, scheme, i), `${scheme} ${i}`).toBe(deriveAddress(xpub, scheme, i));
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 50)); // let the worker refill
      }
      expect(hits).toBeGreaterThan(100);
    }, 60_000);
  }

  it('keeps chain nodes apart and never hands out an index twice', async () => {
    pool = createDerivePool();
    const evm = accountXpub(seed, 'evm');
    const other = accountXpub(new Uint8Array(64).fill(10), 'evm');
    pool.take(evm, 'evm', 0);
    pool.take(other, 'evm', 0);
    expect(await takeWhenReady(pool, evm, 'evm', 1)).toBe(deriveAddress(evm, 'evm', 1));
    expect(await takeWhenReady(pool, other, 'evm', 1)).toBe(deriveAddress(other, 'evm', 1));
    // Taken once: a second take of the same index (a rolled-back allocation reusing it) is a miss.
    expect(pool.take(evm, 'evm', 1)).toBeUndefined();
  }, 60_000);

  it('after close, every take is a miss', async () => {
    pool = createDerivePool();
    const xpub = accountXpub(seed, 'evm');
    pool.take(xpub, 'evm', 0);
    await pool.close();
    expect(pool.take(xpub, 'evm', 1)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.take(xpub, 'evm', 2)).toBeUndefined();
  });
});
