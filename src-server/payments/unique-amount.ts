// Shared address + unique amount (SPEC §4): on a shared receiving address the amount itself says
// which intent a transfer pays, so every intent open on that address gets its own pay_amount.

/** Offsets are whole steps of 0.0001 of the asset (one base unit for assets with fewer decimals). */
export function uniqueAmountStep(decimals: number): bigint {
  return decimals >= 4 ? 10n ** BigInt(decimals - 4) : 1n;
}

export const MAX_UNIQUE_OFFSETS = 10_000;

/**
 * The smallest pay_amount ≥ `amount` (in steps of `uniqueAmountStep`) that no intent still watched
 * on the same address and asset uses. The customer pays at most 0.9999 more, never less.
 * null when every offset is taken (then the caller should refuse, not collide).
 */
export function pickUniqueAmount(amount: bigint, decimals: number, taken: ReadonlySet<bigint>): bigint | null {
  const step = uniqueAmountStep(decimals);
  for (let i = 0n; i < BigInt(MAX_UNIQUE_OFFSETS); i++) {
    const candidate = amount + i * step;
    if (!taken.has(candidate)) return candidate;
  }
  return null;
}

export interface SharedCandidate {
  id: string;
  pay_amount: string;
  status: string;
}

/**
 * Which intent a transfer to a shared address pays: the one whose pay_amount it matches exactly,
 * preferring one still waiting for money. A transfer matching none cannot be attributed.
 */
export function attributeSharedTransfer(amount: bigint, candidates: readonly SharedCandidate[]): SharedCandidate | null {
  const exact = candidates.filter((c) => BigInt(c.pay_amount) === amount);
  return exact.find((c) => c.status === 'pending') ?? exact.find((c) => c.status === 'expired') ?? exact[0] ?? null;
}
