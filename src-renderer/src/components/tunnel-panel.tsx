// The tunnel that exposes the public listener (checkout pages) to customers: status, and a
// provider to start. "None" leaves checkout pages on this machine only.
import { useState } from 'react';
import type { AdminInput } from '../../../src-server/admin/contract.ts';
import { api, fieldError, formError, type Out, useSubmit } from '../lib/api.ts';
import { Checkbox, DateTime, Fact, Field, FormError, StatusBadge } from './ui.tsx';

type Tunnel = Out<'GET /tunnel'>;
type Provider = 'none' | 'localtunnel' | 'ngrok' | 'cloudflared' | 'custom';
type StartBody = AdminInput<'POST /tunnel/start'>['body'];

const PROVIDERS: { value: Provider; label: string; hint: string }[] = [
  { value: 'none', label: 'None', hint: 'Checkout pages stay on this machine (fine for testing).' },
  { value: 'localtunnel', label: 'localtunnel', hint: 'Free, no account; the URL changes unless you reserve a subdomain.' },
  { value: 'ngrok', label: 'ngrok', hint: 'Needs an ngrok authtoken; a reserved domain keeps links stable.' },
  { value: 'cloudflared', label: 'Cloudflare quick tunnel', hint: 'Needs the cloudflared program installed on this machine.' },
  { value: 'custom', label: 'My own public URL', hint: 'Your reverse proxy already forwards to the public listener.' },
];

export function TunnelStatus({ tunnel }: { tunnel: Tunnel }) {
  return (
    <dl className="facts">
      <Fact label="Status">
        <StatusBadge status={tunnel.status} /> {tunnel.provider ? <span className="muted">via {tunnel.provider}</span> : null}
      </Fact>
      <Fact label="Public URL">{tunnel.url ? <code className="mono">{tunnel.url}</code> : <span className="muted">none</span>}</Fact>
      <Fact label="Checkout links use">{tunnel.public_base_url ? <code className="mono">{tunnel.public_base_url}</code> : <span className="muted">—</span>}</Fact>
      {tunnel.last_error && (
        <Fact label="Last error" className="error-text">
          {tunnel.last_error} (<DateTime value={tunnel.last_error_at} />)
        </Fact>
      )}
    </dl>
  );
}

export function TunnelPanel(props: { tunnel: Tunnel | undefined; onChange: (t: Tunnel) => void; wizard?: boolean }) {
  const [provider, setProvider] = useState<Provider>((props.tunnel?.desired.provider as Provider | null) ?? 'none');
  const [host, setHost] = useState('');
  const [subdomain, setSubdomain] = useState('');
  const [authtoken, setAuthtoken] = useState('');
  const [domain, setDomain] = useState('');
  const [url, setUrl] = useState('');
  const [probe, setProbe] = useState(true);
  const submit = useSubmit();

  const start = async () => {
    let body: StartBody;
    if (provider === 'localtunnel') body = { provider, ...(host ? { host } : {}), ...(subdomain ? { subdomain } : {}) };
    else if (provider === 'ngrok') body = { provider, ...(authtoken ? { authtoken } : {}), ...(domain ? { domain } : {}) };
    else if (provider === 'cloudflared') body = { provider };
    else if (provider === 'custom') body = { provider, url, probe };
    else return;
    const t = await submit.run(() => api.call('POST /tunnel/start', { body }));
    if (t) {
      setAuthtoken('');
      props.onChange(t);
    }
  };
  const stop = async () => {
    const t = await submit.run(() => api.call('POST /tunnel/stop', { body: {} }));
    if (t) props.onChange(t);
  };

  const running = props.tunnel && props.tunnel.status !== 'stopped';
  return (
    <div className="tunnel-panel">
      {props.tunnel && <TunnelStatus tunnel={props.tunnel} />}
      <FormError message={formError(submit.error, ['provider', 'host', 'subdomain', 'authtoken', 'domain', 'url', 'probe'])} />
      <fieldset>
        <legend>Tunnel provider</legend>
        {PROVIDERS.map((p) => (
          <div className="radio" key={p.value}>
            <input type="radio" id={`tunnel-${p.value}`} name="tunnel-provider" value={p.value} checked={provider === p.value} onChange={() => setProvider(p.value)} aria-describedby={`tunnel-${p.value}-hint`} />
            <label htmlFor={`tunnel-${p.value}`}>{p.label}</label>
            <p className="hint" id={`tunnel-${p.value}-hint`}>
              {p.hint}
            </p>
          </div>
        ))}
      </fieldset>
      {provider === 'localtunnel' && (
        <>
          <Field label="localtunnel server" hint="Empty: https://localtunnel.me" error={fieldError(submit.error, 'host')}>
            {(p) => <input {...p} type="url" value={host} placeholder="https://localtunnel.me" onChange={(e) => setHost(e.target.value)} />}
          </Field>
          <Field label="Subdomain (optional)" error={fieldError(submit.error, 'subdomain')}>
            {(p) => <input {...p} value={subdomain} onChange={(e) => setSubdomain(e.target.value)} />}
          </Field>
        </>
      )}
      {provider === 'ngrok' && (
        <>
          <Field label="ngrok authtoken" hint="Stored sealed and never shown again. Leave empty to keep a stored token or use NGROK_AUTHTOKEN." error={fieldError(submit.error, 'authtoken')}>
            {(p) => <input {...p} type="password" autoComplete="off" value={authtoken} onChange={(e) => setAuthtoken(e.target.value)} />}
          </Field>
          <Field label="Reserved domain (optional)" error={fieldError(submit.error, 'domain')}>
            {(p) => <input {...p} value={domain} placeholder="shop.ngrok.app" onChange={(e) => setDomain(e.target.value)} />}
          </Field>
        </>
      )}
      {provider === 'custom' && (
        <>
          <Field label="Public URL" hint="https, or http on loopback." error={fieldError(submit.error, 'url')}>
            {(p) => <input {...p} type="url" value={url} placeholder="https://pay.example.com" onChange={(e) => setUrl(e.target.value)} />}
          </Field>
          <Checkbox label="Check first that the URL reaches this node's public listener" checked={probe} onChange={setProbe} error={fieldError(submit.error, 'probe')} />
        </>
      )}
      <div className="row">
        {provider !== 'none' && (
          <button type="button" className={props.wizard ? 'secondary' : 'primary'} disabled={submit.busy} onClick={() => void start()}>
            {submit.busy ? 'Starting…' : 'Start tunnel'}
          </button>
        )}
        {running && (
          <button type="button" className="secondary" disabled={submit.busy} onClick={() => void stop()}>
            Stop tunnel
          </button>
        )}
      </div>
    </div>
  );
}
