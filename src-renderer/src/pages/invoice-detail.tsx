// One invoice: status and exception, amounts, address, payments with confirmations, the event
// timeline and the webhook deliveries of its events (redeliver), and what the operator can do.
import { useEffect, useRef, useState } from 'react';
import type { WebhookDeliveryView } from '../../../src-server/admin/contract.ts';
import { DataTable } from '../components/data-table.tsx';
import { Amount, ConfirmButton, CopyButton, DateTime, Fact, FormError, Mono, NotLoaded, StatusBadge } from '../components/ui.tsx';
import { api, type Out, useLoad, useSubmit } from '../lib/api.ts';
import { Link } from '../lib/router.tsx';
import { useStreamEvent } from '../lib/stream.tsx';

type Detail = Out<'GET /invoices/:id'>;
const FINAL = new Set(['paid', 'expired', 'canceled', 'refunded']);

export function InvoiceDetailPage({ id }: { id: string }) {
  const detail = useLoad(() => api.call('GET /invoices/:id', { params: { id } }), [id]);
  const timer = useRef<number | undefined>(undefined);
  const soon = () => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void detail.reload(), 300);
  };
  useEffect(() => () => window.clearTimeout(timer.current), []);

  useStreamEvent('invoice', (inv) => {
    if (inv.id !== id) return;
    detail.setData((d) => (d ? { ...d, invoice: inv } : d));
    // Events, deliveries and the allowed actions change with it.
    soon();
  });
  useStreamEvent('delivery', (delivery) => {
    if (detail.data?.events.some((e) => e.id === delivery.event_id)) soon();
  });

  // While something is still settling (confirmations, a delivery in flight), re-read now and then
  // as well: a stream that dropped for a moment must not leave the page stale.
  const d = detail.data;
  const settling = !!d && (!FINAL.has(d.invoice.status) || d.deliveries.some((x) => x.status === 'pending') || recentEvent(d));
  useEffect(() => {
    if (!settling) return;
    const t = window.setInterval(() => void detail.reload(), 2500);
    return () => window.clearInterval(t);
  }, [settling, detail.reload]);

  return (
    <>
      <p className="breadcrumb">
        <Link to="/invoices">← Invoices</Link>
      </p>
      {!d ? (
        <>
          <h1 tabIndex={-1}>Invoice {id}</h1>
          <NotLoaded load={detail} what="the invoice" />
        </>
      ) : (
        <InvoiceDetail d={d} onChange={(next) => detail.setData(() => next)} reload={soon} />
      )}
    </>
  );
}

function recentEvent(d: Detail): boolean {
  const last = d.events[d.events.length - 1];
  return !!last && Date.now() - Date.parse(last.created_at) < 60_000;
}

function InvoiceDetail({ d, onChange, reload }: { d: Detail; onChange: (d: Detail) => void; reload: () => void }) {
  const inv = d.invoice;
  const action = useSubmit();
  const act = async (route: 'POST /invoices/:id/cancel' | 'POST /invoices/:id/accept-late' | 'POST /invoices/:id/simulate') => {
    const next = await action.run(() => api.call(route, { params: { id: inv.id } }));
    if (next) onChange(next);
  };

  return (
    <article className="invoice-detail" data-status={inv.status} data-testid="invoice-detail">
      <div className="page-head">
        <h1 tabIndex={-1}>
          Invoice <span className="mono">{inv.id}</span>
        </h1>
        <div className="row" role="status" aria-live="polite">
          <StatusBadge status={inv.status} testId="invoice-status" />
          {inv.exception && <StatusBadge status={inv.exception} testId="invoice-exception" />}
          {!inv.livemode && <span className="badge badge-test">Test</span>}
        </div>
      </div>

      <div className="row actions">
        {d.actions.simulate && (
          <button type="button" className="primary" disabled={action.busy} onClick={() => void act('POST /invoices/:id/simulate')}>
            Simulate payment
          </button>
        )}
        {d.actions.accept_late && (
          <ConfirmButton label="Accept late payment" question="Mark this late payment as paid?" confirmLabel="Accept payment" onConfirm={() => act('POST /invoices/:id/accept-late')} />
        )}
        {d.actions.cancel && <ConfirmButton label="Cancel invoice" question="Cancel this invoice? The customer can no longer pay it." confirmLabel="Yes, cancel it" danger onConfirm={() => act('POST /invoices/:id/cancel')} />}
      </div>
      <FormError message={action.error?.message ?? null} />

      <section aria-labelledby="summary-h" className="card">
        <h2 id="summary-h">Summary</h2>
        <dl className="facts two-col">
          <Fact label="Amount">
            <Amount value={inv.amount} asset={inv.asset} testId="invoice-amount" />
            {inv.currency !== inv.asset && (
              <span className="muted">
                {' '}
                (priced in {inv.currency}
                {inv.rate ? ` at ${inv.rate.rate}, ${inv.rate.provider}` : ''})
              </span>
            )}
          </Fact>
          <Fact label="To pay">
            <Amount value={inv.pay_amount} asset={inv.asset} />
          </Fact>
          <Fact label="Received">
            <Amount value={inv.amount_received} asset={inv.asset} testId="invoice-received" />
          </Fact>
          <Fact label="Confirmed">
            <Amount value={inv.amount_confirmed} asset={inv.asset} />
          </Fact>
          <Fact label="Still due">
            <Amount value={inv.amount_due} asset={inv.asset} />
          </Fact>
          <Fact label="Network">
            {inv.network} · {inv.confirmations_required} confirmations
          </Fact>
          <Fact label="Address">
            <span className="with-copy">
              <code className="mono wrap">{inv.receive_address}</code>
              <CopyButton value={inv.receive_address} what="address" />
            </span>
            {inv.address_mode === 'shared' && <span className="muted small"> Shared address: the amount identifies the payment.</span>}
          </Fact>
          <Fact label="Order id">{inv.custom_id ?? <span className="muted">—</span>}</Fact>
          <Fact label="Customer">{inv.customer_email ?? <span className="muted">—</span>}</Fact>
          <Fact label="Description">{inv.description ?? <span className="muted">—</span>}</Fact>
          <Fact label="Created">
            <DateTime value={inv.created_at} />
          </Fact>
          <Fact label="Expires">
            <DateTime value={inv.expires_at} />
          </Fact>
          <Fact label="Late payments watched until">
            <DateTime value={inv.monitor_until} /> <span className="muted">({inv.late_payment_policy === 'accept' ? 'accepted' : 'flagged'})</span>
          </Fact>
          <Fact label="Paid">
            <DateTime value={inv.paid_at} />
          </Fact>
          {inv.canceled_at && (
            <Fact label="Canceled">
              <DateTime value={inv.canceled_at} />
            </Fact>
          )}
          <Fact label="Checkout page">
            <a href={inv.checkout_url} target="_blank" rel="noopener noreferrer">
              Open checkout page<span className="visually-hidden"> (opens in a new tab)</span>
            </a>
          </Fact>
          {Object.keys(inv.metadata).length > 0 && (
            <Fact label="Metadata">
              <ul className="plain">
                {Object.entries(inv.metadata).map(([k, v]) => (
                  <li key={k}>
                    <code>{k}</code>: {v}
                  </li>
                ))}
              </ul>
            </Fact>
          )}
        </dl>
      </section>

      <section aria-labelledby="payments-h">
        <h2 id="payments-h">Payments</h2>
        <DataTable
          rows={inv.payments}
          rowKey={(p) => p.id}
          rowAttributes={(p) => ({ 'data-id': p.id })}
          testId="payments-table"
          empty="No payment seen yet."
          columns={[
            {
              label: 'Transaction',
              cell: (p) => (
                <>
                  <Mono value={p.txid} />
                  {p.log_index !== null ? <span className="muted small"> log {p.log_index}</span> : p.vout !== null ? <span className="muted small"> out {p.vout}</span> : null}
                </>
              ),
            },
            { label: 'From', cell: (p) => <Mono value={p.from} /> },
            { label: 'Amount', num: true, cell: (p) => <Amount value={p.amount} asset={inv.asset} /> },
            { label: 'Block', num: true, cell: (p) => p.block_number ?? <span className="muted">mempool</span> },
            {
              label: 'Confirmations',
              cell: (p) => (
                <>
                  <span data-testid="payment-confirmations">
                    {Math.min(p.confirmations, inv.confirmations_required)}/{inv.confirmations_required}
                  </span>
                  <progress className="conf-bar" max={inv.confirmations_required} value={Math.min(p.confirmations, inv.confirmations_required)} aria-hidden="true" />
                </>
              ),
            },
            { label: 'Status', cell: (p) => <StatusBadge status={p.status} /> },
          ]}
        />
      </section>

      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        {d.events.length === 0 ? (
          <p className="muted">No events yet.</p>
        ) : (
          <ol className="timeline" data-testid="timeline">
            {d.events.map((e) => (
              <li key={e.id} data-type={e.type}>
                <code>{e.type}</code> <DateTime value={e.created_at} /> <span className="muted small mono">{e.id}</span>
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="deliveries-h">
        <h2 id="deliveries-h">Webhook deliveries</h2>
        <Deliveries
          deliveries={d.deliveries}
          onRedelivered={(created) => {
            onChange({ ...d, deliveries: [created, ...d.deliveries.filter((x) => x.id !== created.id)] });
            reload();
          }}
        />
      </section>
    </article>
  );
}

/** A delivery log with attempts and a Redeliver button per delivery; shared with the Webhooks page. */
export function Deliveries({ deliveries, onRedelivered, showEndpoint = true }: { deliveries: WebhookDeliveryView[]; onRedelivered: (d: WebhookDeliveryView) => void; showEndpoint?: boolean }) {
  const redeliver = useSubmit();
  const [pendingId, setPendingId] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  if (deliveries.length === 0) return <p className="muted">No webhook deliveries. Add an endpoint under Webhooks to be told about payments.</p>;
  return (
    <>
      <FormError message={redeliver.error?.message ?? null} />
      {done && (
        <p className="ok-note" role="status">
          {done}
        </p>
      )}
      <DataTable
        rows={deliveries}
        rowKey={(del) => del.id}
        rowAttributes={(del) => ({ 'data-id': del.id, 'data-event-type': del.event_type, 'data-status': del.status })}
        className="deliveries"
        testId="deliveries-table"
        columns={[
          {
            label: 'Event',
            cell: (del) => (
              <>
                <code>{del.event_type}</code>
                <div className="muted small">
                  {del.redelivery_of ? 'redelivery · ' : ''}
                  {showEndpoint ? <span className="mono">{del.endpoint_id}</span> : null}
                </div>
              </>
            ),
          },
          { label: 'Status', cell: (del) => <StatusBadge status={del.status} /> },
          { label: 'Attempts', num: true, cell: (del) => del.attempt_count },
          { label: 'Last response', cell: (del) => <LastResponse delivery={del} /> },
          { label: 'Created', cellClass: 'nowrap', cell: (del) => <DateTime value={del.created_at} /> },
          {
            label: 'Actions',
            hiddenLabel: true,
            cell: (del) => (
              <button
                type="button"
                className="secondary small"
                disabled={redeliver.busy && pendingId === del.id}
                aria-label={`Redeliver ${del.event_type} (${del.id})`}
                onClick={async () => {
                  setPendingId(del.id);
                  setDone(null);
                  const created = await redeliver.run(() => api.call('POST /deliveries/:id/redeliver', { params: { id: del.id } }));
                  setPendingId(null);
                  if (created) {
                    setDone(`Redelivery of ${del.event_type} queued.`);
                    onRedelivered(created);
                  }
                }}
              >
                Redeliver
              </button>
            ),
          },
        ]}
      />
    </>
  );
}

function LastResponse({ delivery }: { delivery: WebhookDeliveryView }) {
  const last = delivery.attempts[delivery.attempts.length - 1];
  return (
    <>
      {last ? (last.response ? `HTTP ${last.response.status}` : (last.error ?? 'no response')) : <span className="muted">not sent yet</span>}
      {delivery.attempts.length > 0 && <Attempts delivery={delivery} />}
    </>
  );
}

function Attempts({ delivery }: { delivery: WebhookDeliveryView }) {
  return (
    <details className="attempts">
      <summary>
        {delivery.attempts.length} attempt{delivery.attempts.length === 1 ? '' : 's'}
      </summary>
      <ol>
        {delivery.attempts.map((a) => (
          <li key={a.attempt}>
            <DateTime value={a.started_at} /> — {a.outcome === 'succeeded' ? 'succeeded' : 'failed'}
            {a.response ? `, HTTP ${a.response.status}` : ''}, {a.duration_ms} ms{a.error ? ` — ${a.error}` : ''}
            {a.response?.body ? (
              <pre className="response-body">
                {a.response.body}
                {a.response.body_truncated ? '…' : ''}
              </pre>
            ) : null}
          </li>
        ))}
      </ol>
    </details>
  );
}
