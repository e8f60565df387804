// The wizard's new seed: 24 words held in memory only (never written, never logged) until the
// merchant types back three of them, chosen at random, proving the backup was written down.
import { randomBytes, randomInt } from 'node:crypto';

export const SEED_DRAFT_TTL_MS = 10 * 60_000;
/** Older drafts are dropped beyond this many (each holds a seed in memory). */
const MAX_DRAFTS = 4;

export interface SeedDraft {
  id: string;
  words: string[];
  /** 1-based, ascending. */
  positions: number[];
  expiresAt: number;
}

/** Three distinct 1-based positions out of `count`, ascending, from a CSPRNG. */
export function pickConfirmPositions(count = 24, pick = 3, random: (max: number) => number = (max) => randomInt(max)): number[] {
  const chosen = new Set<number>();
  while (chosen.size < pick) chosen.add(random(count) + 1);
  return [...chosen].sort((a, b) => a - b);
}

/** Case and surrounding space do not matter; inner spaces never occur in a BIP39 word. */
export function normalizeWord(word: string): string {
  return word.normalize('NFKD').trim().toLowerCase();
}

export type ConfirmCheck =
  | { ok: true }
  | { ok: false; param: string; reason: 'missing' | 'unexpected' | 'mismatch'; position: number | string };

/** The words typed back for `positions`, keyed by position ("3": "word"). First problem wins, in position order. */
export function checkConfirmWords(words: readonly string[], positions: readonly number[], given: Readonly<Record<string, string>>): ConfirmCheck {
  for (const key of Object.keys(given)) {
    const position = Number(key);
    if (!positions.includes(position) || String(position) !== key) return { ok: false, param: `words.${key}`, reason: 'unexpected', position: key };
  }
  for (const position of positions) {
    const typed = given[String(position)];
    if (typed === undefined) return { ok: false, param: `words.${position}`, reason: 'missing', position };
    if (normalizeWord(typed) !== words[position - 1]) return { ok: false, param: `words.${position}`, reason: 'mismatch', position };
  }
  return { ok: true };
}

export function createSeedDrafts(opts: { now: () => number; generate: () => string }) {
  const drafts = new Map<string, SeedDraft>();
  const timers = new Map<string, NodeJS.Timeout>();
  function discard(id: string): void {
    const d = drafts.get(id);
    if (d) d.words.fill('');
    drafts.delete(id);
    clearTimeout(timers.get(id));
    timers.delete(id);
  }
  function prune(): void {
    const now = opts.now();
    for (const [id, d] of drafts) if (d.expiresAt <= now) discard(id);
  }
  return {
    create(): SeedDraft {
      prune();
      while (drafts.size >= MAX_DRAFTS) discard(drafts.keys().next().value!);
      const draft: SeedDraft = {
        id: `sd_${randomBytes(18).toString('base64url')}`,
        words: opts.generate().split(' '),
        positions: pickConfirmPositions(),
        expiresAt: opts.now() + SEED_DRAFT_TTL_MS,
      };
      drafts.set(draft.id, draft);
      // An abandoned draft is wiped when it expires, not whenever the wizard is next used (maybe never).
      timers.set(draft.id, setTimeout(() => discard(draft.id), SEED_DRAFT_TTL_MS).unref());
      return draft;
    },
    get(id: string): SeedDraft | null {
      prune();
      return drafts.get(id) ?? null;
    },
    discard,
    /** Once the live wallet exists no draft can become it: wipe them all. */
    discardAll(): void {
      for (const id of [...drafts.keys()]) discard(id);
    },
  };
}
