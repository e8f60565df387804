// Small building blocks every page uses: labelled fields with their error, copy buttons, secrets
// shown once, status badges, dates. Each keeps the accessible name and the error beside its input.
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { shorten } from '../lib/decimal.ts';

export interface FieldControlProps {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': boolean | undefined;
}

/** A label, the control (render prop gets its id and aria wiring), a hint and the error for it. */
export function Field(props: { label: ReactNode; hint?: ReactNode; error?: string | null; children: (control: FieldControlProps) => ReactNode; className?: string }) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = props.error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${props.error ? ' has-error' : ''}${props.className ? ` ${props.className}` : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, 'aria-describedby': describedBy, 'aria-invalid': props.error ? true : undefined })}
      {props.hint && (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p className="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** A checkbox with its label to the right, and its error below. */
export function Checkbox(props: { label: ReactNode; checked: boolean; onChange: (checked: boolean) => void; error?: string | null; hint?: ReactNode; disabled?: boolean; name?: string }) {
  const id = useId();
  return (
    <div className={`check${props.error ? ' has-error' : ''}`}>
      <input
        type="checkbox"
        id={id}
        name={props.name}
        checked={props.checked}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.checked)}
        aria-describedby={props.error ? `${id}-error` : props.hint ? `${id}-hint` : undefined}
        aria-invalid={props.error ? true : undefined}
      />
      <label htmlFor={id}>{props.label}</label>
      {props.hint && (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p className="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** An error about the whole form (not one field): announced when it appears. */
export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

async function writeClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function CopyButton({ value, label = 'Copy', what }: { value: string; label?: string; what?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    setState((await writeClipboard(value)) ? 'copied' : 'failed');
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), 2000);
  };
  return (
    <button type="button" className="secondary small" onClick={() => void copy()} aria-label={what ? `${label} ${what}` : undefined}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy it' : label}
    </button>
  );
}

/** A secret the server shows this once (API key, webhook signing secret). */
export function SecretOnce({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const id = useId();
  return (
    <div className="secret-once" role="region" aria-labelledby={id}>
      <p id={id}>
        <strong>{label}</strong> — shown this once. Store it now; Kassa keeps only a hash or a sealed copy.
      </p>
      <div className="secret-row">
        <code className="secret" data-testid={testId}>
          {value}
        </code>
        <CopyButton value={value} what={label} />
      </div>
    </div>
  );
}

const STATUS_LABEL: Record<string, string> = {
  pending: 'Pending',
  confirming: 'Confirming',
  paid: 'Paid',
  expired: 'Expired',
  canceled: 'Canceled',
  refunded: 'Refunded',
  succeeded: 'Succeeded',
  failed: 'Failed',
  detected: 'Detected',
  confirmed: 'Confirmed',
  reverted: 'Reverted',
  underpaid: 'Underpaid',
  overpaid: 'Overpaid',
  paid_late: 'Paid late',
  connected: 'Connected',
  starting: 'Starting',
  reconnecting: 'Reconnecting',
  stopped: 'Stopped',
  error: 'Error',
  enabled: 'Enabled',
  disabled: 'Disabled',
  failing: 'Failing',
};

export function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status.replace(/_/g, ' ');
}

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status} data-testid={testId}>
      {statusLabel(status)}
    </span>
  );
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

export function DateTime({ value, dateOnlyUtc }: { value: string | null | undefined; dateOnlyUtc?: boolean }) {
  if (!value) return <span className="muted">—</span>;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return <>{value}</>;
  return <time dateTime={value}>{dateOnlyUtc ? dateOnly.format(d) : dateTime.format(d)}</time>;
}

/** A long id, address or txid: shortened on screen, whole in the title and for screen readers. */
export function Mono({ value, short = true }: { value: string; short?: boolean }) {
  return (
    <code className="mono" title={value}>
      {short ? (
        <>
          <span aria-hidden="true">{shorten(value)}</span>
          <span className="visually-hidden">{value}</span>
        </>
      ) : (
        value
      )}
    </code>
  );
}

/** An amount exactly as the API wrote it, with its asset. */
export function Amount({ value, asset, testId }: { value: string | null | undefined; asset?: string; testId?: string }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  return (
    <span className="amount" data-testid={testId}>
      {value}
      {asset ? <span className="asset"> {asset}</span> : null}
    </span>
  );
}

export function Usd({ value }: { value: string | null | undefined }) {
  if (value === null || value === undefined) return <span className="muted">no rate</span>;
  return <span className="usd">${value}</span>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function LoadError({ error, retry }: { error: Error; retry?: () => void }) {
  return (
    <div className="form-error" role="alert">
      <p>{error.message}</p>
      {retry && (
        <button type="button" className="secondary small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** What a page shows until its data first arrives: the load's error with Try again, or that it is loading. */
export function NotLoaded({ load, what }: { load: { error: Error | null; reload: () => Promise<void> }; what: string }) {
  return load.error ? <LoadError error={load.error} retry={() => void load.reload()} /> : <Loading what={what} />;
}

/** One term and its value in a `dl.facts` list. */
export function Fact({ label, children, className }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd className={className}>{children}</dd>
    </div>
  );
}

/** "Are you sure?" inline, instead of a blocking window.confirm. */
export function ConfirmButton(props: { label: string; confirmLabel: string; question: string; onConfirm: () => void | Promise<unknown>; danger?: boolean; disabled?: boolean; small?: boolean }) {
  const [asking, setAsking] = useState(false);
  // The first click only asks; the red button is the one that acts.
  const cls = `secondary${props.small ? ' small' : ''}`;
  if (!asking) {
    return (
      <button type="button" className={cls} disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <button
        type="button"
        className={`${props.danger ? 'danger' : 'primary'}${props.small ? ' small' : ''}`}
        onClick={() => {
          setAsking(false);
          void props.onConfirm();
        }}
      >
        {props.confirmLabel}
      </button>
      <button type="button" className={`secondary${props.small ? ' small' : ''}`} onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
