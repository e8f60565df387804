// Home: today's and 30-day volume, revenue per asset per UTC day, counts, recent payments, sync.
import { getNetwork, resolveAsset, type NetworkId } from '../../money/assets.ts';
import { formatAmount } from '../../money/amount.ts';
import type { PaymentIntentObject } from '../../payments/payment-intents-service.ts';
import type { AdminOutput } from '../contract.ts';
import type { AdminHandlers } from '../handler-types.ts';
import { ADMIN_STORE_ID, type HandlerContext } from './context.ts';
import { formatUsd, usdPrice, usdValue } from '../../money/usd-value.ts';
import { revenueSeries, startOfUtcDay, sumKnown, sumVolumes, type Volume } from './overview-math.ts';

const DAY_MS = 86_400_000;

export function overviewHandlers(ctx: HandlerContext): Pick<AdminHandlers, 'GET /overview'> {
  const { deps } = ctx;

  function priced(volumes: Volume[]) {
    const rows = volumes.map((v) => {
      const asset = resolveAsset(getNetwork(v.network as NetworkId), v.asset);
      const price = asset ? usdPrice(asset, deps.rateSources) : null;
      const usd = price ? usdValue(v.units, v.decimals, price) : null;
      return { network: v.network, asset: v.asset, amount: formatAmount(v.units, v.decimals), usd };
    });
    const total = sumKnown(rows.map((r) => r.usd));
    return { rows: rows.map((r) => ({ ...r, usd: r.usd === null ? null : formatUsd(r.usd) })), total: total === null ? null : formatUsd(total) };
  }

  return {
    'GET /overview': ({ query }) => {
      const livemode = query.mode === 'live';
      const now = ctx.clock();
      const today = startOfUtcDay(now);
      const end = new Date(today.getTime() + DAY_MS);
      const from = new Date(today.getTime() - 29 * DAY_MS);
      const paid = deps.storage.intents.paidBetween(ADMIN_STORE_ID, livemode, from.toISOString(), end.toISOString());
      const paidToday = paid.filter((r) => Date.parse(r.paid_at) >= today.getTime());
      const todayVolumes = priced(sumVolumes(paidToday));
      const monthVolumes = priced(sumVolumes(paid));
      const counts = deps.storage.intents.countByStatus(ADMIN_STORE_ID, livemode);

      const serialized = new Map<string, PaymentIntentObject>();
      const recent: AdminOutput<'GET /overview'>['recent_payments'] = [];
      for (const p of deps.storage.payments.recentForStore(ADMIN_STORE_ID, livemode, 10)) {
        let intent = serialized.get(p.intent_id);
        if (!intent) {
          const row = deps.storage.intents.get(p.intent_id);
          if (!row) continue;
          intent = deps.intents.serialize(row);
          serialized.set(p.intent_id, intent);
        }
        const payment = intent.payments.find((x) => x.id === p.id);
        if (payment) recent.push({ ...payment, network: intent.network, asset: intent.asset });
      }

      return {
        mode: query.mode,
        today: todayVolumes.rows,
        last_30_days: monthVolumes.rows,
        totals_usd: { today: todayVolumes.total, last_30_days: monthVolumes.total },
        revenue: revenueSeries(paid, now, 30),
        counts: {
          pending: counts.pending ?? 0,
          confirming: counts.confirming ?? 0,
          paid_today: paidToday.length,
          needs_attention: deps.storage.intents.countNeedingAttention(ADMIN_STORE_ID, livemode),
        },
        recent_payments: recent,
        sync: ctx.sync.views(query.mode),
      };
    },
  };
}
