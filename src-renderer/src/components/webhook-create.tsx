// Create a webhook endpoint for the current mode; its signing secret is shown once.
import { useState } from 'react';
import type { Mode, WebhookEndpointView } from '../../../src-server/admin/contract.ts';
// A constant-only module (no imports), so the browser bundle can take the server's list itself.
import { EVENT_TYPES } from '../../../src-server/webhooks/event-types.ts';
import { api, fieldError, formError, useSubmit } from '../lib/api.ts';
import { Checkbox, Field, FormError, SecretOnce } from './ui.tsx';

/** The event types a shop usually picks from (payments, checkouts); "All events" sends every type, later ones included. */
export const COMMON_EVENT_TYPES = EVENT_TYPES.filter((t) => /^(payment_intent|payment|checkout_session)\./.test(t));

export function WebhookCreate(props: { mode: Mode; onCreated?: (endpoint: WebhookEndpointView) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [all, setAll] = useState(true);
  const [events, setEvents] = useState<string[]>(['payment_intent.paid', 'payment_intent.paid_late']);
  const [format, setFormat] = useState<'native' | 'claude_pay'>('native');
  const [created, setCreated] = useState<WebhookEndpointView | null>(null);
  const submit = useSubmit();

  const create = async () => {
    const body = { url: url.trim(), events: all ? ['*'] : events, format, ...(description.trim() ? { description: description.trim() } : {}) };
    const result = await submit.run(() => api.call('POST /webhook-endpoints', { query: { mode: props.mode }, body }));
    if (result) {
      setCreated(result);
      props.onCreated?.(result);
    }
  };

  if (created) {
    return (
      <div className="webhook-create">
        <p role="status" className="ok-note">
          Endpoint created: <code className="mono">{created.url}</code>
        </p>
        {created.secret && <SecretOnce label="Webhook signing secret" value={created.secret} testId="new-webhook-secret" />}
        <button type="button" className="secondary" onClick={() => setCreated(null)}>
          Add another endpoint
        </button>
      </div>
    );
  }
  return (
    <form
      className="webhook-create"
      onSubmit={(e) => {
        e.preventDefault();
        void create();
      }}
    >
      <FormError message={formError(submit.error, ['url', 'events', 'format', 'description'])} />
      <Field label="Endpoint URL" hint="Your shop's URL that receives signed POSTs." error={fieldError(submit.error, 'url')}>
        {(p) => <input {...p} name="webhook-url" type="url" inputMode="url" autoComplete="off" value={url} placeholder="https://shop.example.com/webhooks/kassa" onChange={(e) => setUrl(e.target.value)} />}
      </Field>
      <fieldset className={fieldError(submit.error, 'events') ? 'has-error' : undefined}>
        <legend>Events</legend>
        <Checkbox label="All events" checked={all} onChange={setAll} />
        {!all && (
          <div className="event-grid">
            {COMMON_EVENT_TYPES.map((t) => (
              <Checkbox key={t} label={<code>{t}</code>} checked={events.includes(t)} onChange={(on) => setEvents((list) => (on ? [...list, t] : list.filter((x) => x !== t)))} />
            ))}
          </div>
        )}
        {fieldError(submit.error, 'events') && <p className="field-error">{fieldError(submit.error, 'events')}</p>}
      </fieldset>
      <Field label="Payload format" error={fieldError(submit.error, 'format')}>
        {(p) => (
          <select {...p} value={format} onChange={(e) => setFormat(e.target.value as 'native' | 'claude_pay')}>
            <option value="native">Kassa (native)</option>
            <option value="claude_pay">Claude Pay compatible</option>
          </select>
        )}
      </Field>
      <Field label="Description (optional)" error={fieldError(submit.error, 'description')}>
        {(p) => <input {...p} maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <button type="submit" className="primary" disabled={submit.busy}>
        {submit.busy ? 'Creating…' : 'Create endpoint'}
      </button>
    </form>
  );
}
