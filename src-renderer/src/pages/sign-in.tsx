// Sign in with the admin password (and TOTP code when enabled), or with the one-time login link the
// headless node prints. The desktop window never sees this page: Electron hands it a launch secret.
import { useEffect, useState } from 'react';
import type { SessionView } from '../../../src-server/admin/contract.ts';
import { Field, FormError } from '../components/ui.tsx';
import { AdminApiError, api, fieldError, formError, useSubmit } from '../lib/api.ts';

export function SignInPage({ session, onSignedIn }: { session: SessionView; onSignedIn: (s: SessionView) => void }) {
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const submit = useSubmit();
  // The server may ask for a code even when the session view did not say so (enabled since).
  const needsTotp = session.totp_enabled || (submit.error instanceof AdminApiError && submit.error.param === 'totp');

  useEffect(() => {
    document.title = 'Sign in · Kassa';
  }, []);

  const signIn = async () => {
    const next = await submit.run(() => api.call('POST /auth/login', { body: { password, ...(needsTotp && totp ? { totp } : {}) } }));
    if (next?.authenticated) onSignedIn(next);
  };

  return (
    <main id="main" className="center-page">
      <div className="card narrow">
        <h1>Sign in to Kassa</h1>
        {session.password_set ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void signIn();
            }}
            noValidate
          >
            <FormError message={formError(submit.error, ['password', 'totp'])} />
            {/* One account: the hidden name lets password managers file the password under this node. */}
            <input type="text" name="username" autoComplete="username" value="admin" readOnly hidden />
            <Field label="Admin password" error={fieldError(submit.error, 'password')}>
              {(p) => <input {...p} type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
            </Field>
            {needsTotp && (
              <Field label="Authenticator code" hint="The 6-digit code from your authenticator app." error={fieldError(submit.error, 'totp')}>
                {(p) => (
                  <input
                    {...p}
                    name="totp"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    pattern="\d{6}"
                    maxLength={6}
                    value={totp}
                    onChange={(e) => setTotp(e.target.value.replace(/\D/g, ''))}
                  />
                )}
              </Field>
            )}
            <button type="submit" className="primary" disabled={submit.busy}>
              {submit.busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        ) : (
          <p>No admin password is set yet. Sign in with a one-time login link, then set a password under Settings.</p>
        )}
        <section aria-labelledby="one-time-heading" className="one-time">
          <h2 id="one-time-heading">One-time login link</h2>
          <p>
            When a headless node starts (<code>kassa serve</code> or <code>npm start</code> without a display), it prints a login link that works once. For a new link, run this on
            the node's machine and open the link it prints in this browser:
          </p>
          <pre>
            <code>npm run kassa -- admin login-url</code>
          </pre>
          <p className="muted">The desktop app signs its own window in; it never needs this page.</p>
        </section>
      </div>
    </main>
  );
}
