// When a failed delivery is tried again (SPEC §7): a schedule of waits, each scaled by jitter so
// that a receiver coming back is not hit by every queued retry in the same second.

/** Seconds before retry 1…8: 1 m, 5 m, 15 m, 1 h, 6 h, 12 h, 24 h, 24 h — about 3 days in all. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [60, 300, 900, 3600, 21_600, 43_200, 86_400, 86_400];

/**
 * Milliseconds to wait after the `failedAttempts`-th failed attempt, or null when the schedule is
 * spent and the delivery has failed for good.
 */
export function retryDelayMs(failedAttempts: number, schedule: readonly number[], jitter: number, random: () => number = Math.random): number | null {
  if (failedAttempts < 1 || failedAttempts > schedule.length) return null;
  const base = schedule[failedAttempts - 1]! * 1000;
  const factor = 1 + jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * factor));
}
