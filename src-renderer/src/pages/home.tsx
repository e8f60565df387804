// Home: what came in today and over 30 days, a chart per asset, the latest payments and whether
// each network's watcher is keeping up. Sync status arrives live; totals refresh on invoice events.
import { useRef } from 'react';
import { DataTable } from '../components/data-table.tsx';
import { RevenueChart } from '../components/revenue-chart.tsx';
import { Amount, DateTime, Mono, NotLoaded, StatusBadge, Usd } from '../components/ui.tsx';
import { api, type Out, useLoad } from '../lib/api.ts';
import { useMode } from '../lib/mode.tsx';
import { Link } from '../lib/router.tsx';
import { useStreamEvent } from '../lib/stream.tsx';

type Overview = Out<'GET /overview'>;
type Sync = Overview['sync'][number];

export function HomePage() {
  const { mode } = useMode();
  const overview = useLoad(() => api.call('GET /overview', { query: { mode } }), [mode]);
  const refresh = useRef<number | undefined>(undefined);

  useStreamEvent('sync', (sync) => overview.setData((o) => (o ? { ...o, sync } : o)));
  useStreamEvent('invoice', () => {
    // A burst of updates (a block confirming many payments) costs one reload.
    window.clearTimeout(refresh.current);
    refresh.current = window.setTimeout(() => void overview.reload(), 800);
  });

  return (
    <>
      <h1 tabIndex={-1}>Home</h1>
      {!overview.data ? <NotLoaded load={overview} what="the overview" /> : <Overview o={overview.data} />}
    </>
  );
}

function VolumeCard({ title, rows, usd, testId }: { title: string; rows: Overview['today']; usd: string | null; testId: string }) {
  return (
    <section className="card stat" aria-labelledby={`${testId}-h`} data-testid={testId}>
      <h2 id={`${testId}-h`}>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">Nothing paid yet.</p>
      ) : (
        <ul className="plain">
          {rows.map((r) => (
            <li key={`${r.network}/${r.asset}`}>
              <Amount value={r.amount} asset={r.asset} /> <span className="muted">on {r.network}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="stat-usd">
        Total: <Usd value={usd} />
      </p>
    </section>
  );
}

function Overview({ o }: { o: Overview }) {
  return (
    <>
      <div className="stats">
        <VolumeCard title="Today" rows={o.today} usd={o.totals_usd.today} testId="volume-today" />
        <VolumeCard title="Last 30 days" rows={o.last_30_days} usd={o.totals_usd.last_30_days} testId="volume-30d" />
        <section className="card stat" aria-labelledby="counts-h">
          <h2 id="counts-h">Invoices</h2>
          <ul className="plain counts">
            <li>
              <Link to="/invoices?status=pending">{o.counts.pending} pending</Link>
            </li>
            <li>
              <Link to="/invoices?status=confirming">{o.counts.confirming} confirming</Link>
            </li>
            <li>{o.counts.paid_today} paid today</li>
            <li>{o.counts.needs_attention > 0 ? <strong className="error-text">{o.counts.needs_attention} need attention</strong> : '0 need attention'}</li>
          </ul>
        </section>
      </div>

      <section aria-labelledby="revenue-h">
        <h2 id="revenue-h">Revenue</h2>
        {o.revenue.length === 0 ? <p className="muted">No payments in the last 30 days.</p> : <div className="charts">{o.revenue.map((r) => <RevenueChart key={r.asset} asset={r.asset} points={r.points} />)}</div>}
      </section>

      <section aria-labelledby="recent-h">
        <h2 id="recent-h">Recent payments</h2>
        <DataTable
          rows={o.recent_payments}
          rowKey={(p) => p.id}
          empty="No payments yet."
          columns={[
            { label: 'When', cell: (p) => <DateTime value={p.detected_at} /> },
            { label: 'Amount', num: true, cell: (p) => <Amount value={p.amount} asset={p.asset} /> },
            { label: 'Network', cell: (p) => p.network },
            { label: 'Status', cell: (p) => <StatusBadge status={p.status} /> },
            {
              label: 'Invoice',
              cell: (p) => (
                <Link to={`/invoices/${encodeURIComponent(p.payment_intent)}`}>
                  <Mono value={p.payment_intent} short={false} />
                </Link>
              ),
            },
            { label: 'Transaction', cell: (p) => <Mono value={p.txid} /> },
          ]}
        />
      </section>

      <section aria-labelledby="sync-h">
        <h2 id="sync-h">Network sync</h2>
        {o.sync.length === 0 ? <p className="muted">No watchers are running.</p> : <SyncList sync={o.sync} />}
      </section>
    </>
  );
}

export function SyncList({ sync }: { sync: Sync[] }) {
  return (
    <ul className="sync-list">
      {sync.map((s) => {
        const catchingUp = s.progress < 1;
        const percent = Math.floor(s.progress * 100);
        return (
          <li key={`${s.chain}/${s.network}`} className="card sync">
            <div className="sync-head">
              <strong>{s.network}</strong>
              <span className="muted">{s.chain !== s.network ? ` (${s.chain})` : ''}</span>
              <span className={s.healthy ? 'ok-text' : 'error-text'}>{s.healthy ? (catchingUp ? 'Catching up' : 'Synced') : 'Not healthy'}</span>
            </div>
            {catchingUp && (
              <>
                <progress max={100} value={percent} aria-label={`${s.network} sync progress`}>
                  {percent} %
                </progress>
                <span className="muted"> {percent} %</span>
              </>
            )}
            <p className="muted small">
              Block {s.head ?? '—'}
              {s.lag !== null && s.lag > 0 ? ` · ${s.lag} behind` : ''} · updated <DateTime value={s.synced_at} />
            </p>
            {s.last_error && <p className="error-text small">{s.last_error}</p>}
          </li>
        );
      })}
    </ul>
  );
}
