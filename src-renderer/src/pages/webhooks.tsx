// Webhook endpoints of the current mode: create (secret shown once), enable or disable, send a
// test event, rotate the secret, delete, and each endpoint's delivery log with redeliver.
import { useEffect, useState } from 'react';
import type { WebhookEndpointView } from '../../../src-server/admin/contract.ts';
import { ConfirmButton, DateTime, FormError, NotLoaded, SecretOnce, StatusBadge } from '../components/ui.tsx';
import { WebhookCreate } from '../components/webhook-create.tsx';
import { api, useLoad, useSubmit } from '../lib/api.ts';
import { useMode } from '../lib/mode.tsx';
import { useStreamEvent } from '../lib/stream.tsx';
import { Deliveries } from './invoice-detail.tsx';

export function WebhooksPage() {
  const { mode } = useMode();
  const endpoints = useLoad(() => api.call('GET /webhook-endpoints', { query: { mode } }), [mode]);
  const [creating, setCreating] = useState(false);
  const replace = (ep: WebhookEndpointView) => endpoints.setData((l) => (l ? { ...l, data: l.data.map((x) => (x.id === ep.id ? { ...ep, secret: undefined } : x)) } : l));

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>Webhooks</h1>
        {!creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Add endpoint
          </button>
        )}
      </div>
      {creating && (
        <section className="card" aria-labelledby="new-endpoint-h">
          <h2 id="new-endpoint-h">New {mode} endpoint</h2>
          <WebhookCreate mode={mode} onCreated={() => void endpoints.reload()} />
          <button type="button" className="link-button" onClick={() => setCreating(false)}>
            Close
          </button>
        </section>
      )}
      {!endpoints.data ? (
        <NotLoaded load={endpoints} what="webhook endpoints" />
      ) : endpoints.data.data.length === 0 ? (
        <p className="muted">No {mode} endpoints yet. Add one to have Kassa tell your shop about payments.</p>
      ) : (
        <ul className="endpoint-list">
          {endpoints.data.data.map((ep) => (
            <Endpoint key={ep.id} ep={ep} onChange={replace} onDeleted={() => void endpoints.reload()} />
          ))}
        </ul>
      )}
    </>
  );
}

function Endpoint({ ep, onChange, onDeleted }: { ep: WebhookEndpointView; onChange: (ep: WebhookEndpointView) => void; onDeleted: () => void }) {
  const submit = useSubmit();
  const [secret, setSecret] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [showDeliveries, setShowDeliveries] = useState(false);

  const toggle = async () => {
    const next = await submit.run(() => api.call('PATCH /webhook-endpoints/:id', { params: { id: ep.id }, body: { enabled: !ep.enabled } }));
    if (next) onChange(next);
  };
  const rotate = async () => {
    const next = await submit.run(() => api.call('POST /webhook-endpoints/:id/rotate-secret', { params: { id: ep.id } }));
    if (next) {
      setSecret(next.secret ?? null);
      onChange(next);
    }
  };
  const sendTest = async () => {
    setNote(null);
    const delivery = await submit.run(() => api.call('POST /webhook-endpoints/:id/test', { params: { id: ep.id } }));
    if (delivery) {
      setNote(`Test event sent (${delivery.status}).`);
      setShowDeliveries(true);
    }
  };
  const remove = async () => {
    const ok = await submit.run(() => api.call('DELETE /webhook-endpoints/:id', { params: { id: ep.id } }));
    if (ok) onDeleted();
  };

  return (
    <li className="card endpoint" data-id={ep.id}>
      <div className="endpoint-head">
        <code className="mono wrap">{ep.url}</code>
        <StatusBadge status={ep.enabled ? 'enabled' : ep.disabled_reason === 'failing' ? 'failing' : 'disabled'} />
      </div>
      {ep.description && <p>{ep.description}</p>}
      <p className="muted small">
        {ep.events.includes('*') ? 'All events' : ep.events.join(', ')} · format {ep.format} · created <DateTime value={ep.created_at} />
        {ep.failing_since && (
          <>
            {' '}
            · <span className="error-text">failing since <DateTime value={ep.failing_since} /></span>
          </>
        )}
        {ep.previous_secret_expires_at && (
          <>
            {' '}
            · old secret valid until <DateTime value={ep.previous_secret_expires_at} />
          </>
        )}
      </p>
      {secret && <SecretOnce label="New signing secret" value={secret} />}
      <FormError message={submit.error?.message ?? null} />
      {note && (
        <p className="ok-note" role="status">
          {note}
        </p>
      )}
      <div className="row actions">
        <button type="button" className="secondary small" disabled={submit.busy} onClick={() => void toggle()}>
          {ep.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" className="secondary small" disabled={submit.busy} onClick={() => void sendTest()}>
          Send test event
        </button>
        <ConfirmButton small label="Rotate secret" question="Issue a new signing secret? Then update your shop with it." confirmLabel="Rotate" onConfirm={rotate} />
        <button type="button" className="secondary small" aria-expanded={showDeliveries} onClick={() => setShowDeliveries((v) => !v)}>
          {showDeliveries ? 'Hide deliveries' : 'Deliveries'}
        </button>
        <ConfirmButton small danger label="Delete" question="Delete this endpoint? Pending deliveries stop." confirmLabel="Delete endpoint" onConfirm={remove} />
      </div>
      {showDeliveries && <EndpointDeliveries id={ep.id} />}
    </li>
  );
}

function EndpointDeliveries({ id }: { id: string }) {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const list = useLoad(() => api.call('GET /webhook-endpoints/:id/deliveries', { params: { id }, query: { limit: 20, starting_after: cursor } }), [id, cursor]);
  useStreamEvent('delivery', (d) => {
    if (d.endpoint_id !== id || cursor) return;
    list.setData((l) => (l ? { ...l, data: l.data.some((x) => x.id === d.id) ? l.data.map((x) => (x.id === d.id ? d : x)) : [d, ...l.data] } : l));
  });
  // Until the stream carries every delivery change, re-read while one is still in flight.
  const pending = !!list.data?.data.some((d) => d.status === 'pending');
  useEffect(() => {
    if (!pending) return;
    const t = window.setInterval(() => void list.reload(), 3000);
    return () => window.clearInterval(t);
  }, [pending, list.reload]);
  if (!list.data) return <NotLoaded load={list} what="deliveries" />;
  return (
    <div className="endpoint-deliveries">
      <h3>Deliveries</h3>
      <Deliveries deliveries={list.data.data} showEndpoint={false} onRedelivered={() => void list.reload()} />
      <div className="pager">
        {cursor && (
          <button type="button" className="secondary small" onClick={() => setCursor(undefined)}>
            Newest
          </button>
        )}
        {list.data.has_more && list.data.next_cursor && (
          <button type="button" className="secondary small" onClick={() => setCursor(list.data!.next_cursor ?? undefined)}>
            Older
          </button>
        )}
      </div>
    </div>
  );
}
