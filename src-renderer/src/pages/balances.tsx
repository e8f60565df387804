// Balances as the chains report them now: per network, asset and address, totals and USD.
import { Amount, DateTime, Loading, LoadError, Mono, Usd } from '../components/ui.tsx';
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
        balances.error ? (
          <LoadError error={balances.error} retry={() => void balances.reload()} />
        ) : (
          <Loading what="balances from the chains" />
        )
      ) : (
        <>
          {balances.error && <LoadError error={balances.error} retry={() => void balances.reload()} />}
          <p className="muted" role="status">
            Read from the chains <DateTime value={b.read_at} /> · {b.addresses_checked} address{b.addresses_checked === 1 ? '' : 'es'} checked
          </p>
          <section aria-labelledby="totals-h" className="card">
            <h2 id="totals-h">Totals</h2>
            {b.totals.length === 0 ? (
              <p className="muted">Nothing held yet.</p>
            ) : (
              <div className="table-wrap">
                <table className="stack-sm" data-testid="balance-totals">
                  <thead>
                    <tr>
                      <th scope="col">Network</th>
                      <th scope="col">Asset</th>
                      <th scope="col" className="num">
                        Amount
                      </th>
                      <th scope="col" className="num">
                        USD
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {b.totals.map((t) => (
                      <tr key={`${t.network}/${t.asset}`}>
                        <td data-label="Network">{t.network}</td>
                        <td data-label="Asset">{t.asset}</td>
                        <td data-label="Amount" className="num">
                          <Amount value={t.amount} />
                        </td>
                        <td data-label="USD" className="num">
                          <Usd value={t.usd} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <p className="stat-usd">
              Total in USD: <Usd value={b.total_usd} />
            </p>
          </section>
          <section aria-labelledby="addresses-h">
            <h2 id="addresses-h">By address</h2>
            {b.rows.length === 0 ? (
              <p className="muted">No address holds anything.</p>
            ) : (
              <div className="table-wrap">
                <table className="stack-sm" data-testid="balance-rows">
                  <thead>
                    <tr>
                      <th scope="col">Network</th>
                      <th scope="col">Asset</th>
                      <th scope="col">Address</th>
                      <th scope="col">Role</th>
                      <th scope="col" className="num">
                        Amount
                      </th>
                      <th scope="col" className="num">
                        USD
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {b.rows.map((r) => (
                      <tr key={`${r.network}/${r.asset}/${r.address}`}>
                        <td data-label="Network">{r.network}</td>
                        <td data-label="Asset">{r.asset}</td>
                        <td data-label="Address">
                          <Mono value={r.address} />
                        </td>
                        <td data-label="Role">{ROLE_LABEL[r.role]}</td>
                        <td data-label="Amount" className="num">
                          {r.amount !== null ? <Amount value={r.amount} /> : <span className="error-text">could not read{r.error ? `: ${r.error}` : ''}</span>}
                        </td>
                        <td data-label="USD" className="num">
                          {r.amount !== null ? <Usd value={r.usd} /> : <span className="muted">—</span>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
