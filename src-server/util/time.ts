/** ISO-8601 UTC with second precision, as the API shows it: 2026-05-29T12:04:56Z. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ISO-8601 UTC with milliseconds, as stored (sorts correctly as text). */
export function isoMillis(date: Date): string {
  return date.toISOString();
}

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
