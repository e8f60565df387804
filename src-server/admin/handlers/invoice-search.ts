// The invoice table's filters and search box, turned into a storage filter.
import type { IntentSearchFilter } from '../../storage/payment-intents-store.ts';

/** What the search box matches by prefix: hex (0x… or bare hex) compares addresses and txids ignoring case. */
export function invoiceSearch(q: string): NonNullable<IntentSearchFilter['search']> | undefined {
  const text = q.trim();
  if (text === '') return undefined;
  return {
    text,
    lower: text.toLowerCase(),
    // SQLite's substr counts characters (code points), not UTF-16 units.
    length: Array.from(text).length,
    hex: /^(0x)?[0-9a-f]+$/i.test(text),
  };
}

/** UTC date of a download's name, e.g. kassa-invoices-test-2026-05-29.csv. */
export function csvFileName(mode: 'test' | 'live', now: Date): string {
  return `kassa-invoices-${mode}-${now.toISOString().slice(0, 10)}.csv`;
}
