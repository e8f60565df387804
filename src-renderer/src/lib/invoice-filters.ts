// The invoice list's filters: read from and written to the URL (so a reload or a shared link keeps
// them), turned into the API query, and checked against an invoice that arrives on the live stream.
import type { PaymentIntentView } from '../../../src-server/admin/contract.ts';

export interface InvoiceFilters {
  status?: string;
  exception?: string;
  network?: string;
  asset?: string;
  /** YYYY-MM-DD, local day. */
  from?: string;
  to?: string;
  q?: string;
}

const KEYS = ['status', 'exception', 'network', 'asset', 'from', 'to', 'q'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromSearch(search: URLSearchParams): InvoiceFilters {
  const out: InvoiceFilters = {};
  for (const key of KEYS) {
    const v = search.get(key)?.trim();
    if (v) out[key] = v;
  }
  return out;
}

export function searchFromFilters(f: InvoiceFilters, extra: Record<string, string | undefined> = {}): string {
  const s = new URLSearchParams();
  for (const key of KEYS) if (f[key]) s.set(key, f[key]!);
  for (const [k, v] of Object.entries(extra)) if (v) s.set(k, v);
  const text = s.toString();
  return text ? `?${text}` : '';
}

/** Start of a local day, or the last millisecond of it, as an ISO instant; undefined for anything else. */
export function dayBound(day: string | undefined, end: boolean): string | undefined {
  if (!day || !DAY.test(day)) return undefined;
  const d = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00.000'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The API's query for these filters (without paging). */
export function apiQueryOf(f: InvoiceFilters, mode: 'test' | 'live') {
  return {
    mode,
    status: f.status as 'pending' | undefined,
    exception: f.exception as 'underpaid' | undefined,
    network: f.network,
    asset: f.asset,
    created_gte: dayBound(f.from, false),
    created_lte: dayBound(f.to, true),
    q: f.q,
  };
}

const startsWithFold = (value: string | null | undefined, q: string) => !!value && value.toLowerCase().startsWith(q.toLowerCase());

/** Whether an invoice pushed by the stream belongs in the list as filtered now (the server's rules, as the client can apply them). */
export function matchesFilters(inv: PaymentIntentView, f: InvoiceFilters): boolean {
  if (f.status && inv.status !== f.status) return false;
  if (f.exception && inv.exception !== f.exception) return false;
  if (f.network && inv.network !== f.network) return false;
  if (f.asset && inv.asset.toUpperCase() !== f.asset.toUpperCase()) return false;
  const created = Date.parse(inv.created_at);
  const gte = dayBound(f.from, false);
  const lte = dayBound(f.to, true);
  if (gte && created < Date.parse(gte)) return false;
  if (lte && created > Date.parse(lte)) return false;
  if (f.q) {
    const q = f.q.trim();
    const hit =
      startsWithFold(inv.id, q) ||
      startsWithFold(inv.custom_id, q) ||
      startsWithFold(inv.customer_email, q) ||
      startsWithFold(inv.receive_address, q) ||
      inv.payments.some((p) => startsWithFold(p.txid, q));
    if (!hit) return false;
  }
  return true;
}

/** The list after a live update: the row replaced where it is, or put first when new and wanted. */
export function applyInvoiceUpdate(rows: PaymentIntentView[], inv: PaymentIntentView, f: InvoiceFilters, firstPage: boolean): PaymentIntentView[] {
  const i = rows.findIndex((r) => r.id === inv.id);
  if (i >= 0) {
    const next = rows.slice();
    next[i] = inv;
    return next;
  }
  if (!firstPage || !matchesFilters(inv, f)) return rows;
  return [inv, ...rows];
}
