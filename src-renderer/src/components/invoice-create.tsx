// A new invoice for the current mode, created by the node exactly as the merchant API creates one
// (same checks, events and webhooks). Networks and assets are what the node can take in this mode.
import { useState } from 'react';
import type { Mode } from '../../../src-server/admin/contract.ts';
import { api, fieldError, formError, type Out, useLoad, useSubmit } from '../lib/api.ts';
import { assetAfterNetworkChange, assetsOf, createInvoiceBody, emptyForm, type InvoiceOptions, type NewInvoiceForm } from '../lib/new-invoice.ts';
import { Link } from '../lib/router.tsx';
import { Field, FormError, NotLoaded } from './ui.tsx';

const FIELDS = ['network', 'asset', 'amount', 'description', 'custom_id', 'customer_email'] as const;
/** The API's name for each of the form's fields. */
const PARAM_OF: Record<keyof NewInvoiceForm, (typeof FIELDS)[number]> = {
  network: 'network',
  asset: 'asset',
  amount: 'amount',
  description: 'description',
  customId: 'custom_id',
  email: 'customer_email',
};

export function InvoiceCreate(props: { mode: Mode; onCreated: (created: Out<'POST /invoices'>) => void }) {
  const options = useLoad(() => api.call('GET /invoice-options', { query: { mode: props.mode } }), [props.mode]);
  if (!options.data || options.data.mode !== props.mode) return <NotLoaded load={options} what="networks and assets" />;
  return <InvoiceForm key={props.mode} mode={props.mode} options={options.data} onCreated={props.onCreated} />;
}

function InvoiceForm({ mode, options, onCreated }: { mode: Mode; options: InvoiceOptions; onCreated: (created: Out<'POST /invoices'>) => void }) {
  const [form, setForm] = useState<NewInvoiceForm>(() => emptyForm(options));
  const submit = useSubmit();
  const set = (patch: Partial<NewInvoiceForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    // An error beside a field goes once that field is edited; it comes back if the node still refuses it.
    if ((Object.keys(patch) as (keyof NewInvoiceForm)[]).some((k) => fieldError(submit.error, PARAM_OF[k]) !== null)) submit.clear();
  };

  if (options.networks.length === 0) {
    return mode === 'live' ? (
      <p className="warn-note">
        No network takes live payments on this node yet. Enable one in <Link to="/settings">Settings</Link>; it applies when the node restarts.
      </p>
    ) : (
      <p className="warn-note">This node runs without its devnet (started with --no-devnet), so it has nowhere to create a test invoice.</p>
    );
  }

  const create = async () => {
    const created = await submit.run(() => api.call('POST /invoices', { body: createInvoiceBody(mode, form) }));
    if (created) onCreated(created);
  };

  return (
    <form
      className="invoice-create"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void create();
      }}
    >
      {mode === 'live' && !options.wallet && (
        <p className="warn-note">
          This node has no live wallet yet, so live invoices are refused: run <code>kassa wallet create</code> (or <code>kassa wallet import</code>) first.
        </p>
      )}
      <FormError message={formError(submit.error, FIELDS)} />
      <div className="form-grid">
        <Field
          label="Network"
          hint={mode === 'test' ? 'Test mode: every network runs on the local devnet; no real money moves.' : undefined}
          error={fieldError(submit.error, 'network')}
        >
          {(p) => (
            <select {...p} name="network" value={form.network} onChange={(e) => set({ network: e.target.value, asset: assetAfterNetworkChange(options, e.target.value, form.asset) })}>
              {options.networks.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Asset" error={fieldError(submit.error, 'asset')}>
          {(p) => (
            <select {...p} name="asset" value={form.asset} onChange={(e) => set({ asset: e.target.value })}>
              {assetsOf(options, form.network).map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Amount" hint={`In ${form.asset || 'the asset'}, e.g. 25.00.`} error={fieldError(submit.error, 'amount')}>
          {(p) => <input {...p} name="amount" inputMode="decimal" autoComplete="off" spellCheck={false} maxLength={100} value={form.amount} onChange={(e) => set({ amount: e.target.value })} />}
        </Field>
        <Field label="Description (optional)" hint="What the customer pays for; shown on the checkout page." error={fieldError(submit.error, 'description')}>
          {(p) => <input {...p} name="description" maxLength={1000} value={form.description} onChange={(e) => set({ description: e.target.value })} />}
        </Field>
        <Field label="Order id (optional)" hint={`Your own reference; unique among ${mode} invoices.`} error={fieldError(submit.error, 'custom_id')}>
          {(p) => <input {...p} name="custom_id" maxLength={255} autoComplete="off" spellCheck={false} value={form.customId} onChange={(e) => set({ customId: e.target.value })} />}
        </Field>
        <Field label="Customer email (optional)" error={fieldError(submit.error, 'customer_email')}>
          {(p) => <input {...p} name="customer_email" type="email" inputMode="email" autoComplete="off" maxLength={320} value={form.email} onChange={(e) => set({ email: e.target.value })} />}
        </Field>
      </div>
      <button type="submit" className="primary" disabled={submit.busy}>
        {submit.busy ? 'Creating…' : `Create ${mode} invoice`}
      </button>
    </form>
  );
}
