// Settings: store rules, networks and RPC, tunnel, notifications, key store, backup, node facts,
// the admin password and two-factor sign-in, and signing out.
import { type ReactNode, useState } from 'react';
import type { SessionView } from '../../../src-server/admin/contract.ts';
import { NetworksEditor } from '../components/networks-editor.tsx';
import { StoreSettingsForm } from '../components/store-settings-form.tsx';
import { TunnelPanel } from '../components/tunnel-panel.tsx';
import { Checkbox, DateTime, Fact, Field, FormError, NotLoaded } from '../components/ui.tsx';
import { api, fieldError, formError, type Out, useLoad, useSubmit } from '../lib/api.ts';

type Settings = Out<'GET /settings'>;

const SECTIONS = [
  ['store', 'Store'],
  ['networks', 'Networks and RPC'],
  ['tunnel', 'Tunnel'],
  ['notifications', 'Notifications'],
  ['key-store', 'Key store'],
  ['backup', 'Backup'],
  ['node', 'Node'],
  ['security', 'Sign-in and security'],
] as const;

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="card settings-section" aria-labelledby={`${id}-h`} id={id}>
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
    </section>
  );
}

export function SettingsPage({ session, onSignedOut }: { session: SessionView; onSignedOut: () => void }) {
  const settings = useLoad(() => api.call('GET /settings'), []);
  const s = settings.data;
  return (
    <>
      <h1 tabIndex={-1}>Settings</h1>
      <nav aria-label="Settings sections" className="toc">
        <ul>
          {SECTIONS.map(([id, title]) => (
            <li key={id}>
              <a href={`#${id}`}>{title}</a>
            </li>
          ))}
        </ul>
      </nav>
      {!s ? (
        <NotLoaded load={settings} what="settings" />
      ) : (
        <>
          {s.node.restart_required && (
            <p className="warn-note" role="status">
              Network changes take effect when the node restarts.
            </p>
          )}
          <Section id="store" title="Store">
            <StoreSettingsForm store={s.store} onSaved={() => void settings.reload()} />
          </Section>
          <Section id="networks" title="Networks and RPC">
            <NetworksEditor networks={s.networks} onSaved={() => void settings.reload()} />
          </Section>
          <Section id="tunnel" title="Tunnel">
            <TunnelPanel tunnel={s.tunnel} onChange={(tunnel) => settings.setData((x) => (x ? { ...x, tunnel } : x))} />
          </Section>
          <Section id="notifications" title="Notifications">
            <Notifications value={s.notifications} />
          </Section>
          <Section id="key-store" title="Key store">
            <KeyStore s={s} />
          </Section>
          <Section id="backup" title="Backup">
            <Backup s={s} />
          </Section>
          <Section id="node" title="Node">
            <dl className="facts two-col">
              <Fact label="Version">{s.node.version}</Fact>
              <Fact label="Data folder">
                <code className="mono wrap">{s.node.home}</code>
              </Fact>
              <Fact label="Merchant API">
                <code className="mono wrap">{s.node.merchant_url}</code>
              </Fact>
              <Fact label="Public listener">
                <code className="mono wrap">{s.node.public_url}</code>
              </Fact>
              <Fact label="Checkout links use">
                <code className="mono wrap">{s.node.public_base_url}</code>
              </Fact>
              <Fact label="API docs">
                <a href="/docs" target="_blank" rel="noopener noreferrer">
                  /docs<span className="visually-hidden"> (opens in a new tab)</span>
                </a>
              </Fact>
            </dl>
          </Section>
        </>
      )}
      <Section id="security" title="Sign-in and security">
        <Security session={session} onSignedOut={onSignedOut} />
      </Section>
    </>
  );
}

function Notifications({ value }: { value: Settings['notifications'] }) {
  const [n, setN] = useState(value);
  const submit = useSubmit();
  const set = async (key: keyof Settings['notifications'], on: boolean) => {
    const before = n;
    setN({ ...n, [key]: on });
    const ok = await submit.run(() => api.call('PUT /settings/notifications', { body: { [key]: on } }));
    if (!ok) setN(before);
  };
  return (
    <>
      <p className="muted">Desktop notifications from the Kassa app (the tray); a headless node has none.</p>
      <FormError message={formError(submit.error, [])} />
      <Checkbox label="A payment arrives (paid)" checked={n.paid} onChange={(on) => void set('paid', on)} />
      <Checkbox label="A payment arrives late" checked={n.paid_late} onChange={(on) => void set('paid_late', on)} />
      <Checkbox label="A webhook endpoint keeps failing" checked={n.webhook_failing} onChange={(on) => void set('webhook_failing', on)} />
    </>
  );
}

function KeyStore({ s }: { s: Settings }) {
  const k = s.key_store;
  const label = { keychain: 'OS keychain', passphrase: 'Passphrase', none: 'None' }[k.kind];
  return (
    <dl className="facts">
      <Fact label="Secrets are sealed with">{label}</Fact>
      <Fact label="Details">{k.description}</Fact>
      <Fact label="Can hold a live seed">{k.can_seal ? 'Yes' : 'No: live mode can only watch addresses'}</Fact>
    </dl>
  );
}

function Backup({ s }: { s: Settings }) {
  const submit = useSubmit();
  const [made, setMade] = useState<Out<'POST /settings/backup'> | null>(null);
  return (
    <>
      <p>
        Last backup:{' '}
        {made || s.backup.last_backup_at ? (
          <>
            <DateTime value={made?.created_at ?? s.backup.last_backup_at} /> <code className="mono wrap">{made?.path ?? s.backup.last_backup_path}</code>
          </>
        ) : (
          'never'
        )}
      </p>
      <p className="muted">A consistent copy of the database, taken while the node runs. Your seed is inside only in sealed form: keep your seed words too.</p>
      <FormError message={submit.error?.message ?? null} />
      {made && (
        <p className="ok-note" role="status">
          Backup written: {made.path} ({made.bytes} bytes).
        </p>
      )}
      <button
        type="button"
        className="secondary"
        disabled={submit.busy}
        onClick={async () => {
          const b = await submit.run(() => api.call('POST /settings/backup'));
          if (b) setMade(b);
        }}
      >
        {submit.busy ? 'Backing up…' : 'Back up now'}
      </button>
    </>
  );
}

/** base64 of UTF-8 text, for a data: URL (btoa alone rejects characters above U+00FF). */
function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function Security({ session, onSignedOut }: { session: SessionView; onSignedOut: () => void }) {
  const [passwordSet, setPasswordSet] = useState(session.password_set);
  const [totpEnabled, setTotpEnabled] = useState(session.totp_enabled);
  const signOut = useSubmit();
  return (
    <>
      <p className="muted">
        Signed in {session.via === 'launch' ? 'by the desktop app' : session.via === 'one_time' ? 'with a one-time link' : 'with the admin password'}
        {session.expires_at ? (
          <>
            ; the session ends <DateTime value={session.expires_at} />
          </>
        ) : null}
        .
      </p>
      <PasswordForm passwordSet={passwordSet} onSet={() => setPasswordSet(true)} />
      <Totp enabled={totpEnabled} passwordSet={passwordSet} onChange={setTotpEnabled} />
      <h3>Sign out</h3>
      <FormError message={signOut.error?.message ?? null} />
      <button
        type="button"
        className="secondary"
        disabled={signOut.busy}
        onClick={async () => {
          await signOut.run(() => api.call('POST /auth/logout'));
          onSignedOut();
        }}
      >
        Sign out
      </button>
    </>
  );
}

function PasswordForm({ passwordSet, onSet }: { passwordSet: boolean; onSet: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const submit = useSubmit();
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        setDone(false);
        if (next !== repeat) {
          setMismatch(true);
          return;
        }
        setMismatch(false);
        const ok = await submit.run(() => api.call('POST /auth/password', { body: { ...(passwordSet ? { current_password: current } : {}), new_password: next } }));
        if (ok) {
          setCurrent('');
          setNext('');
          setRepeat('');
          setDone(true);
          onSet();
        }
      }}
    >
      <h3>{passwordSet ? 'Change the admin password' : 'Set an admin password'}</h3>
      <p className="muted">Signs you in to this dashboard from a browser when no one-time link is at hand.</p>
      <FormError message={formError(submit.error, ['current_password', 'new_password'])} />
      {/* One account: the hidden name lets password managers file the password under this node. */}
      <input type="text" name="username" autoComplete="username" value="admin" readOnly hidden />
      {passwordSet && (
        <Field label="Current password" error={fieldError(submit.error, 'current_password')}>
          {(p) => <input {...p} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />}
        </Field>
      )}
      <Field label="New password" hint="At least 10 characters." error={fieldError(submit.error, 'new_password')}>
        {(p) => <input {...p} type="password" autoComplete="new-password" minLength={10} value={next} onChange={(e) => setNext(e.target.value)} />}
      </Field>
      <Field label="Repeat the new password" error={mismatch ? 'The two passwords differ.' : null}>
        {(p) => <input {...p} type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />}
      </Field>
      {done && (
        <p className="ok-note" role="status">
          Password saved.
        </p>
      )}
      <button type="submit" className="primary" disabled={submit.busy}>
        Save password
      </button>
    </form>
  );
}

function Totp({ enabled, passwordSet, onChange }: { enabled: boolean; passwordSet: boolean; onChange: (enabled: boolean) => void }) {
  const [setup, setSetup] = useState<Out<'POST /auth/totp/setup'> | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const submit = useSubmit();
  const digits = (v: string) => v.replace(/\D/g, '').slice(0, 6);

  if (enabled) {
    return (
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await submit.run(() => api.call('POST /auth/totp/disable', { body: { password, code } }));
          if (ok) {
            setPassword('');
            setCode('');
            onChange(false);
          }
        }}
      >
        <h3>Two-factor sign-in</h3>
        <p className="ok-note">On: signing in with the password also asks for a code from your authenticator app.</p>
        <FormError message={formError(submit.error, ['password', 'code'])} />
        <input type="text" name="username" autoComplete="username" value="admin" readOnly hidden />
        <Field label="Admin password" error={fieldError(submit.error, 'password')}>
          {(p) => <input {...p} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <Field label="Authenticator code" error={fieldError(submit.error, 'code')}>
          {(p) => <input {...p} inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(digits(e.target.value))} />}
        </Field>
        <button type="submit" className="danger" disabled={submit.busy}>
          Turn off two-factor sign-in
        </button>
      </form>
    );
  }
  return (
    <div>
      <h3>Two-factor sign-in</h3>
      <p className="muted">Off. With it on, the password alone is not enough to sign in.{passwordSet ? '' : ' Set a password first.'}</p>
      <FormError message={formError(submit.error, ['code'])} />
      {!setup ? (
        <button
          type="button"
          className="secondary"
          disabled={submit.busy || !passwordSet}
          onClick={async () => {
            const s = await submit.run(() => api.call('POST /auth/totp/setup'));
            if (s) setSetup(s);
          }}
        >
          Set up two-factor sign-in
        </button>
      ) : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const ok = await submit.run(() => api.call('POST /auth/totp/enable', { body: { code } }));
            if (ok) {
              setSetup(null);
              setCode('');
              onChange(true);
            }
          }}
        >
          <p>Scan this code with your authenticator app, then type the 6-digit code it shows.</p>
          <img className="totp-qr" src={`data:image/svg+xml;base64,${base64Utf8(setup.qr_svg)}`} alt="QR code for your authenticator app" width={200} height={200} />
          <p className="small">
            Or enter this key by hand: <code className="mono wrap">{setup.secret}</code>
          </p>
          <Field label="Authenticator code" error={fieldError(submit.error, 'code')}>
            {(p) => <input {...p} inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(digits(e.target.value))} />}
          </Field>
          <div className="row">
            <button type="submit" className="primary" disabled={submit.busy}>
              Turn on
            </button>
            <button type="button" className="secondary" onClick={() => setSetup(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
