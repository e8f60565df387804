// Balances as the chains report them now: per network, asset and address, totals and USD.
import { DataTable } from '../components/data-table.tsx';
import { Amount, DateTime, LoadError, Mono, NotLoaded, Usd } from '../components/ui.tsx';
import { api, useLoad } from '../lib/api.ts';
import { useMode } from '../lib/mode.tsx';

const ROLE_LABEL = { receive: 'Receive address', shared: 'Shared address', treasury: 'Treasury' } as const;

export function BalancesPage() {
  const { mode } = useMode();
  const balances = useLoad(() => api.call('GET /balances', { query: { mode } }), [mode]);
  const b = balances.data;
  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>Balances</h1>
        <button type="button" className="secondary" disabled={balances.loading} onClick={() => void balances.reload()}>
          {balances.loading && b ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {!b ? (
        <NotLoaded load={balances} what="balances from the chains" />
      ) : (
        <>
          {balances.error && <LoadError error={balances.error} retry={() => void balances.reload()} />}
          <p className="muted" role="status">
            Read from the chains <DateTime value={b.read_at} /> · {b.addresses_checked} address{b.addresses_checked === 1 ? '' : 'es'} checked
          </p>
          <section aria-labelledby="totals-h" className="card">
            <h2 id="totals-h">Totals</h2>
            <DataTable
              rows={b.totals}
              rowKey={(t) => `${t.network}/${t.asset}`}
              testId="balance-totals"
              empty="Nothing held yet."
              columns={[
                { label: 'Network', cell: (t) => t.network },
                { label: 'Asset', cell: (t) => t.asset },
                { label: 'Amount', num: true, cell: (t) => <Amount value={t.amount} /> },
                { label: 'USD', num: true, cell: (t) => <Usd value={t.usd} /> },
              ]}
            />
            <p className="stat-usd">
              Total in USD: <Usd value={b.total_usd} />
            </p>
          </section>
          <section aria-labelledby="addresses-h">
            <h2 id="addresses-h">By address</h2>
            <DataTable
              rows={b.rows}
              rowKey={(r) => `${r.network}/${r.asset}/${r.address}`}
              testId="balance-rows"
              empty="No address holds anything."
              columns={[
                { label: 'Network', cell: (r) => r.network },
                { label: 'Asset', cell: (r) => r.asset },
                { label: 'Address', cell: (r) => <Mono value={r.address} /> },
                { label: 'Role', cell: (r) => ROLE_LABEL[r.role] },
                { label: 'Amount', num: true, cell: (r) => (r.amount !== null ? <Amount value={r.amount} /> : <span className="error-text">could not read{r.error ? `: ${r.error}` : ''}</span>) },
                { label: 'USD', num: true, cell: (r) => (r.amount !== null ? <Usd value={r.usd} /> : <span className="muted">—</span>) },
              ]}
            />
          </section>
        </>
      )}
    </>
  );
}
