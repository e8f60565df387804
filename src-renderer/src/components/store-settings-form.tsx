// Store name, expiry, late-payment window and policy, underpayment tolerance: the wizard's
// "Payments" step and the Settings page. Only changed fields are sent.
import { type ReactNode, useState } from 'react';
import type { AdminInput } from '../../../src-server/admin/contract.ts';
import { api, fieldError, formError, type Out, useSubmit } from '../lib/api.ts';
import { Field, FormError } from './ui.tsx';

type Store = Out<'GET /settings'>['store'];
type Policy = 'default' | 'accept' | 'flag';

const policyOf = (p: Store['late_payment_policy']): Policy => p ?? 'default';

/** The API counts seconds; these fields show minutes and hours, so a range error is restated in them. */
function inUnits(error: Error | null, field: 'expires_in' | 'monitoring_window'): string | null {
  const message = fieldError(error, field);
  if (!message) return null;
  return field === 'expires_in' ? 'Give a whole number of minutes from 1 to 10080 (7 days).' : 'Give a whole number of hours from 0 to 2160 (90 days).';
}

export function StoreSettingsForm(props: { store: Store; onSaved?: () => void; renderActions?: (save: () => Promise<boolean>, busy: boolean) => ReactNode }) {
  const s = props.store;
  const [name, setName] = useState(s.name);
  const [expiryMinutes, setExpiryMinutes] = useState(String(Math.round(s.expires_in / 60)));
  const [windowHours, setWindowHours] = useState(String(Math.round(s.monitoring_window / 3600)));
  const [policy, setPolicy] = useState<Policy>(policyOf(s.late_payment_policy));
  const [tolerance, setTolerance] = useState(String(s.underpaid_tolerance_bps));
  const [saved, setSaved] = useState(false);
  const submit = useSubmit();

  const save = async (): Promise<boolean> => {
    setSaved(false);
    const body: AdminInput<'PUT /settings/store'>['body'] = {};
    if (name !== s.name) body.name = name;
    if (expiryMinutes !== String(Math.round(s.expires_in / 60))) body.expires_in = Number(expiryMinutes) * 60;
    if (windowHours !== String(Math.round(s.monitoring_window / 3600))) body.monitoring_window = Number(windowHours) * 3600;
    if (policy !== policyOf(s.late_payment_policy)) body.late_payment_policy = policy === 'default' ? null : policy;
    if (tolerance !== String(s.underpaid_tolerance_bps)) body.underpaid_tolerance_bps = Number(tolerance);
    if (Object.keys(body).length === 0) {
      setSaved(true);
      props.onSaved?.();
      return true;
    }
    const result = await submit.run(() => api.call('PUT /settings/store', { body }));
    if (!result) return false;
    setSaved(true);
    props.onSaved?.();
    return true;
  };

  return (
    <div className="store-form">
      <FormError message={formError(submit.error, ['name', 'expires_in', 'monitoring_window', 'late_payment_policy', 'underpaid_tolerance_bps'])} />
      <Field label="Store name" error={fieldError(submit.error, 'name')}>
        {(p) => <input {...p} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label="Invoice expiry (minutes)" hint="How long a customer has to pay before the invoice expires." error={inUnits(submit.error, 'expires_in')}>
        {(p) => <input {...p} type="number" min={1} inputMode="numeric" value={expiryMinutes} onChange={(e) => setExpiryMinutes(e.target.value)} />}
      </Field>
      <Field label="Watch for late payments (hours)" hint="After expiry, payments are still detected this long and marked paid late." error={inUnits(submit.error, 'monitoring_window')}>
        {(p) => <input {...p} type="number" min={0} inputMode="numeric" value={windowHours} onChange={(e) => setWindowHours(e.target.value)} />}
      </Field>
      <Field label="Late payments" error={fieldError(submit.error, 'late_payment_policy')}>
        {(p) => (
          <select {...p} value={policy} onChange={(e) => setPolicy(e.target.value as Policy)}>
            <option value="default">Accept stablecoins, flag volatile assets (default)</option>
            <option value="accept">Accept: the invoice becomes paid</option>
            <option value="flag">Flag: stays expired until you accept it</option>
          </select>
        )}
      </Field>
      <Field label="Underpayment tolerance (basis points)" hint="100 bps = 1 %. A payment this much short still counts as paid." error={fieldError(submit.error, 'underpaid_tolerance_bps')}>
        {(p) => <input {...p} type="number" min={0} max={1000} inputMode="numeric" value={tolerance} onChange={(e) => setTolerance(e.target.value)} />}
      </Field>
      {saved && (
        <p className="ok-note" role="status">
          Saved.
        </p>
      )}
      {props.renderActions ? (
        props.renderActions(save, submit.busy)
      ) : (
        <button type="button" className="primary" disabled={submit.busy} onClick={() => void save()}>
          {submit.busy ? 'Saving…' : 'Save store settings'}
        </button>
      )}
    </div>
  );
}
