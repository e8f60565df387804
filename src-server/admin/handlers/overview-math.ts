// The Home page's figures as pure functions: volumes per network and asset, the 30-day revenue
// series per asset (bigint, decimals aligned before summing), and per-chain sync progress.
import { formatAmount, pow10 } from '../../money/amount.ts';

export interface PaidAmount {
  network: string;
  asset: string;
  decimals: number;
  /** Base units (decimal text). */
  amount_received: string;
  /** ISO time it became paid. */
  paid_at: string;
}

export interface Volume {
  network: string;
  asset: string;
  decimals: number;
  units: bigint;
}

const DAY_MS = 86_400_000;

export function startOfUtcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/** Sums per (network, asset), in the order first seen; amounts of one key with other decimals are aligned to the larger. */
export function sumVolumes(rows: readonly PaidAmount[]): Volume[] {
  const out = new Map<string, Volume>();
  for (const r of rows) {
    const key = `${r.network}\u0000${r.asset}`;
    const units = BigInt(r.amount_received);
    const v = out.get(key);
    if (!v) {
      out.set(key, { network: r.network, asset: r.asset, decimals: r.decimals, units });
    } else if (r.decimals <= v.decimals) {
      v.units += units * pow10(v.decimals - r.decimals);
    } else {
      v.units = v.units * pow10(r.decimals - v.decimals) + units;
      v.decimals = r.decimals;
    }
  }
  return [...out.values()];
}

/**
 * One point per UTC day for `days` days ending with the day of `now`, per asset (networks summed;
 * an asset with 6 and 18 decimals on different networks is summed at 18). Assets in first-seen order.
 */
export function revenueSeries(rows: readonly PaidAmount[], now: Date, days = 30): { asset: string; points: { date: string; amount: string }[] }[] {
  const first = startOfUtcDay(now).getTime() - (days - 1) * DAY_MS;
  const byAsset = new Map<string, { decimals: number; perDay: bigint[] }>();
  for (const r of rows) {
    const day = Math.floor((Date.parse(r.paid_at) - first) / DAY_MS);
    if (day < 0 || day >= days) continue;
    let series = byAsset.get(r.asset);
    if (!series) byAsset.set(r.asset, (series = { decimals: r.decimals, perDay: Array.from({ length: days }, () => 0n) }));
    if (r.decimals > series.decimals) {
      const scale = pow10(r.decimals - series.decimals);
      series.perDay = series.perDay.map((u) => u * scale);
      series.decimals = r.decimals;
    }
    series.perDay[day]! += BigInt(r.amount_received) * pow10(series.decimals - r.decimals);
  }
  return [...byAsset].map(([asset, s]) => ({
    asset,
    points: s.perDay.map((units, i) => ({ date: new Date(first + i * DAY_MS).toISOString().slice(0, 10), amount: formatAmount(units, s.decimals) })),
  }));
}

/**
 * 1 when synced (lag 0); while catching up, the share of the blocks to scan since the node started
 * that are scanned (from `baseline`, the first block it had to scan); 0 while nothing is known.
 */
export function syncProgress(status: { head: number | null; nextBlock: number | null; lag: number | null }, baseline: number | null): number {
  if (status.lag === 0) return 1;
  if (status.head === null || status.nextBlock === null || baseline === null) return 0;
  const total = status.head + 1 - baseline;
  if (total <= 0) return 1;
  return Math.min(1, Math.max(0, (status.nextBlock - baseline) / total));
}

/** Which network a watcher's chain serves: 'devnet' itself, '<network>-devnet' in test mode, else a live network. */
export function chainNetwork(chain: string): { network: string; livemode: boolean } {
  if (chain === 'devnet') return { network: 'devnet', livemode: false };
  if (chain.endsWith('-devnet')) return { network: chain.slice(0, -'-devnet'.length), livemode: false };
  return { network: chain, livemode: true };
}

/** A total is shown only when every part has a value: a sum that silently skipped an asset would mislead. */
export function sumKnown(parts: readonly (bigint | null)[]): bigint | null {
  let total = 0n;
  for (const p of parts) {
    if (p === null) return null;
    total += p;
  }
  return total;
}
