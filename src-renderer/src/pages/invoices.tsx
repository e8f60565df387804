// Invoices: a live table (new invoices appear, statuses change without a reload), filters and
// search kept in the URL, cursor pages, a CSV export of everything the filters match, and a new
// invoice made right here (it opens in its detail, where test mode can simulate the payment).
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { PaymentIntentView } from '../../../src-server/admin/contract.ts';
import { DataTable } from '../components/data-table.tsx';
import { InvoiceCreate } from '../components/invoice-create.tsx';
import { Amount, DateTime, Field, LoadError, NotLoaded, StatusBadge, statusLabel } from '../components/ui.tsx';
import { api, useLoad } from '../lib/api.ts';
import { apiQueryOf, applyInvoiceUpdate, filtersFromSearch, type InvoiceFilters, searchFromFilters } from '../lib/invoice-filters.ts';
import { useMode } from '../lib/mode.tsx';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import { useStreamEvent } from '../lib/stream.tsx';

// The contract's INVOICE_STATUSES, repeated because the bundle takes only types from the server.
const STATUSES: readonly PaymentIntentView['status'][] = ['pending', 'confirming', 'paid', 'expired', 'canceled', 'refunded'];

export function InvoicesPage() {
  const { mode } = useMode();
  const { search } = useLocation();
  const filters = filtersFromSearch(search);
  const after = search.get('after') ?? undefined;
  const filterKey = searchFromFilters(filters);
  // Cursors of the pages before this one, so Previous can go back.
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  const [announce, setAnnounce] = useState('');
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const newInvoiceHeading = useRef<HTMLHeadingElement>(null);
  // Opening the form moves focus to it, so keyboard and screen-reader users land where it appeared.
  useEffect(() => {
    if (creating) newInvoiceHeading.current?.focus();
  }, [creating]);

  const list = useLoad(() => api.call('GET /invoices', { query: { ...apiQueryOf(filters, mode), limit: 25, starting_after: after } }), [mode, filterKey, after]);
  const settings = useLoad(() => api.call('GET /settings'), []);

  useEffect(() => {
    if (!after) setPrevious([]);
  }, [after]);

  // Updates that arrive while a page is loading are applied once it has loaded.
  const missed = useRef<PaymentIntentView[]>([]);
  useEffect(() => {
    if (list.loading || !list.data || missed.current.length === 0) return;
    const updates = missed.current;
    missed.current = [];
    list.setData((p) => (p ? { ...p, data: updates.reduce((rows, inv) => applyInvoiceUpdate(rows, inv, filters, !after), p.data) } : p));
  });

  useStreamEvent('invoice', (inv) => {
    const page = list.data;
    if (!page || list.loading) {
      missed.current.push(inv);
      return;
    }
    const known = page.data.some((r) => r.id === inv.id);
    if (applyInvoiceUpdate(page.data, inv, filters, !after) === page.data) return;
    list.setData((p) => (p ? { ...p, data: applyInvoiceUpdate(p.data, inv, filters, !after) } : p));
    setAnnounce(known ? `Invoice ${inv.id} is now ${statusLabel(inv.status).toLowerCase()}.` : `New invoice ${inv.id}.`);
    setFresh((s) => new Set(s).add(inv.id));
  });

  const setFilters = (next: InvoiceFilters) => navigate(`/invoices${searchFromFilters(next)}`, { replace: true });
  const networks = settings.data?.networks ?? [];
  const assets = [...new Set(networks.flatMap((n) => n.assets))].sort();
  const csvUrl = api.url('GET /invoices.csv', { query: apiQueryOf(filters, mode) });

  const onSearch = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget).get('q') ?? '').trim();
    setFilters({ ...filters, q: q || undefined });
  };

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>Invoices</h1>
        <div className="row">
          {!creating && (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              New invoice
            </button>
          )}
          <a className="button secondary" href={csvUrl} download={`kassa-invoices-${mode}.csv`}>
            Export CSV
          </a>
        </div>
      </div>

      {creating && (
        <section className="card" aria-labelledby="new-invoice-h">
          <h2 id="new-invoice-h" tabIndex={-1} ref={newInvoiceHeading}>
            New {mode} invoice
          </h2>
          <InvoiceCreate mode={mode} onCreated={(created) => navigate(`/invoices/${encodeURIComponent(created.invoice.id)}`)} />
          <button type="button" className="link-button" onClick={() => setCreating(false)}>
            Close
          </button>
        </section>
      )}

      <form className="search" role="search" onSubmit={onSearch} key={filters.q ?? ''}>
        <Field label="Search invoices" hint="Invoice id, your order id, customer email, address or transaction id.">
          {(p) => <input {...p} type="search" name="q" defaultValue={filters.q ?? ''} autoComplete="off" spellCheck={false} />}
        </Field>
        <button type="submit" className="secondary">
          Search
        </button>
      </form>

      <fieldset className="filters">
        <legend className="visually-hidden">Filters</legend>
        <Field label="Status">
          {(p) => (
            <select {...p} value={filters.status ?? ''} onChange={(e) => setFilters({ ...filters, status: e.target.value || undefined })}>
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Network">
          {(p) => (
            <select {...p} value={filters.network ?? ''} onChange={(e) => setFilters({ ...filters, network: e.target.value || undefined })}>
              <option value="">Any network</option>
              {networks.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.name}
                </option>
              ))}
              {filters.network && !networks.some((n) => n.id === filters.network) && <option value={filters.network}>{filters.network}</option>}
            </select>
          )}
        </Field>
        <Field label="Asset">
          {(p) => (
            <select {...p} value={filters.asset ?? ''} onChange={(e) => setFilters({ ...filters, asset: e.target.value || undefined })}>
              <option value="">Any asset</option>
              {assets.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
              {filters.asset && !assets.includes(filters.asset) && <option value={filters.asset}>{filters.asset}</option>}
            </select>
          )}
        </Field>
        <Field label="Created from">
          {(p) => <input {...p} type="date" value={filters.from ?? ''} onChange={(e) => setFilters({ ...filters, from: e.target.value || undefined })} />}
        </Field>
        <Field label="Created to">
          {(p) => <input {...p} type="date" value={filters.to ?? ''} onChange={(e) => setFilters({ ...filters, to: e.target.value || undefined })} />}
        </Field>
        {filterKey && (
          <button type="button" className="link-button" onClick={() => setFilters({})}>
            Clear filters
          </button>
        )}
      </fieldset>

      <p className="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>

      {!list.data ? (
        <NotLoaded load={list} what="invoices" />
      ) : (
        <>
          {list.error && <LoadError error={list.error} retry={() => void list.reload()} />}
          <InvoiceTable rows={list.data.data} fresh={fresh} empty={filterKey ? 'No invoices match these filters.' : 'No invoices yet. Create one with New invoice, or through the API with a key from API keys.'} />
          <nav className="pager" aria-label="Invoice pages">
            <button
              type="button"
              className="secondary"
              disabled={!after}
              onClick={() => {
                const back = previous[previous.length - 1];
                setPrevious((p) => p.slice(0, -1));
                navigate(`/invoices${searchFromFilters(filters, { after: back })}`);
              }}
            >
              Previous
            </button>
            <button
              type="button"
              className="secondary"
              disabled={!list.data.has_more || !list.data.next_cursor}
              onClick={() => {
                setPrevious((p) => [...p, after]);
                navigate(`/invoices${searchFromFilters(filters, { after: list.data!.next_cursor ?? undefined })}`);
              }}
            >
              Next
            </button>
          </nav>
        </>
      )}
    </>
  );
}

function InvoiceTable({ rows, fresh, empty }: { rows: PaymentIntentView[]; fresh: ReadonlySet<string>; empty: string }) {
  if (rows.length === 0) return <p className="muted empty">{empty}</p>;
  return (
    <DataTable
      rows={rows}
      rowKey={(inv) => inv.id}
      rowAttributes={(inv) => ({ 'data-id': inv.id, 'data-status': inv.status, className: fresh.has(inv.id) ? 'fresh' : undefined })}
      className="invoices"
      testId="invoices-table"
      caption="Invoices, newest first"
      columns={[
        { label: 'Created', cell: (inv) => <DateTime value={inv.created_at} /> },
        {
          label: 'Invoice',
          cell: (inv) => (
            <>
              <Link to={`/invoices/${encodeURIComponent(inv.id)}`} className="mono">
                {inv.id}
              </Link>
              {inv.custom_id && <div className="muted small">{inv.custom_id}</div>}
            </>
          ),
        },
        {
          label: 'Status',
          cell: (inv) => (
            <>
              <StatusBadge status={inv.status} />
              {inv.exception && (
                <>
                  {' '}
                  <StatusBadge status={inv.exception} />
                </>
              )}
            </>
          ),
        },
        { label: 'Amount', num: true, cell: (inv) => <Amount value={inv.amount} asset={inv.asset} /> },
        { label: 'Received', num: true, cell: (inv) => <Amount value={inv.amount_received} /> },
        { label: 'Network', cell: (inv) => inv.network },
        { label: 'Customer', cell: (inv) => inv.customer_email ?? <span className="muted">—</span> },
      ]}
    />
  );
}
