// Decimal strings as the API sends them ("25.00"), compared and scaled with bigint: money never
// passes through a float, not even to draw a chart bar.

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Digits after the point ("25.00" → 2); null when the text is not a plain decimal. */
export function fractionDigits(text: string): number | null {
  const m = DECIMAL.exec(text.trim());
  if (!m) return null;
  return m[3]?.length ?? 0;
}

/** The decimal as an integer count of 10^-scale units; throws on text that is not a decimal or has more digits than scale. */
export function toScaled(text: string, scale: number): bigint {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  const frac = m[3] ?? '';
  if (frac.length > scale) throw new Error(`${text} has more than ${scale} fractional digits`);
  const units = BigInt(m[2]! + frac.padEnd(scale, '0'));
  return m[1] === '-' ? -units : units;
}

/** Bar heights in whole pixels, proportional to the amounts; any non-zero amount gets at least 1 px. */
export function barHeights(amounts: readonly string[], maxPx: number): number[] {
  if (amounts.length === 0) return [];
  const scale = Math.max(0, ...amounts.map((a) => fractionDigits(a) ?? 0));
  const units = amounts.map((a) => (fractionDigits(a) === null ? 0n : toScaled(a, scale)));
  const max = units.reduce((m, u) => (u > m ? u : m), 0n);
  if (max <= 0n) return units.map(() => 0);
  const px = BigInt(maxPx);
  return units.map((u) => {
    if (u <= 0n) return 0;
    const h = Number((u * px) / max);
    return h === 0 ? 1 : h;
  });
}

/** The largest of the amounts, as the text it came in (for an axis label); "0" for none. */
export function maxDecimal(amounts: readonly string[]): string {
  const valid = amounts.filter((a) => fractionDigits(a) !== null);
  if (valid.length === 0) return '0';
  const scale = Math.max(...valid.map((a) => fractionDigits(a)!));
  let best = valid[0]!;
  for (const a of valid) if (toScaled(a, scale) > toScaled(best, scale)) best = a;
  return best;
}

/** True for "0", "0.00", "-0"; false for anything else, non-decimals included. */
export function isZero(text: string): boolean {
  const m = DECIMAL.exec(text.trim());
  return !!m && /^0+$/.test(m[2]!) && /^0*$/.test(m[3] ?? '');
}

/** "0x1234567890abcdef" → "0x1234…cdef": for display only, the full value stays in a title and copy button. */
export function shorten(text: string, head = 8, tail = 6): string {
  return text.length <= head + tail + 1 ? text : `${text.slice(0, head)}…${text.slice(-tail)}`;
}
