// The session decides the page: sign in, the setup wizard until it has finished once, else the
// dashboard with its navigation, the Test/Live switch and the live stream of the chosen mode.
import { type ReactNode, useEffect, useRef } from 'react';
import type { Mode, SessionView } from '../../src-server/admin/contract.ts';
import { Loading, LoadError } from './components/ui.tsx';
import { api, setUnauthorizedHandler, useLoad } from './lib/api.ts';
import { ModeProvider, useMode } from './lib/mode.tsx';
import { Link, matchPath, navigate, useLocation } from './lib/router.tsx';
import { StreamProvider, useStreamLive } from './lib/stream.tsx';
import { ApiKeysPage } from './pages/api-keys.tsx';
import { BalancesPage } from './pages/balances.tsx';
import { HomePage } from './pages/home.tsx';
import { InvoiceDetailPage } from './pages/invoice-detail.tsx';
import { InvoicesPage } from './pages/invoices.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { SetupWizard } from './pages/setup-wizard.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';

export function App() {
  const session = useLoad(() => api.call('GET /session'), []);
  useEffect(() => setUnauthorizedHandler(() => void session.reload()), [session.reload]);

  if (!session.data) {
    return (
      <main id="main" className="center-page">
        {session.error ? (
          <>
            <h1>Kassa</h1>
            <p>The dashboard cannot reach its node.</p>
            <LoadError error={session.error} retry={() => void session.reload()} />
          </>
        ) : (
          <Loading what="the dashboard" />
        )}
      </main>
    );
  }
  const s = session.data;
  const setSession = (next: SessionView) => session.setData(() => next);
  if (!s.authenticated) return <SignInPage session={s} onSignedIn={setSession} />;
  if (!s.setup_complete) {
    return (
      <ModeProvider initial="test">
        <SetupWizard
          onDone={async () => {
            navigate('/', { replace: true });
            await session.reload();
          }}
          onSignOut={() => void session.reload()}
        />
      </ModeProvider>
    );
  }
  return (
    <ModeProvider initial="test">
      <StreamProvider>
        <Shell session={s} onSignedOut={() => void session.reload()} />
      </StreamProvider>
    </ModeProvider>
  );
}

interface NavItem {
  to: string;
  label: string;
  /** Other paths under this entry (the invoice detail belongs to Invoices). */
  prefix?: string;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Home' },
  { to: '/invoices', label: 'Invoices', prefix: '/invoices/' },
  { to: '/balances', label: 'Balances' },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/api-keys', label: 'API keys' },
  { to: '/settings', label: 'Settings' },
];
// Their own issues add these pages; the navigation keeps their place.
const COMING_SOON = ['Withdrawals', 'Escrow'];

function route(pathname: string, session: SessionView, onSignedOut: () => void): { title: string; page: ReactNode } {
  if (pathname === '/' || pathname === '/index.html') return { title: 'Home', page: <HomePage /> };
  if (pathname === '/invoices') return { title: 'Invoices', page: <InvoicesPage /> };
  const detail = matchPath('/invoices/:id', pathname);
  if (detail) return { title: `Invoice ${detail.id}`, page: <InvoiceDetailPage id={detail.id!} key={detail.id} /> };
  if (pathname === '/balances') return { title: 'Balances', page: <BalancesPage /> };
  if (pathname === '/webhooks') return { title: 'Webhooks', page: <WebhooksPage /> };
  if (pathname === '/api-keys') return { title: 'API keys', page: <ApiKeysPage /> };
  if (pathname === '/settings') return { title: 'Settings', page: <SettingsPage session={session} onSignedOut={onSignedOut} /> };
  return {
    title: 'Not found',
    page: (
      <>
        <h1 tabIndex={-1}>Page not found</h1>
        <p>
          Nothing lives at <code>{pathname}</code>. <Link to="/">Go to Home</Link>.
        </p>
      </>
    ),
  };
}

function ModeSwitch() {
  const { mode, setMode } = useMode();
  const options: { value: Mode; label: string }[] = [
    { value: 'test', label: 'Test' },
    { value: 'live', label: 'Live' },
  ];
  return (
    <fieldset className="mode-switch">
      <legend className="visually-hidden">Mode</legend>
      {options.map((o) => (
        <label key={o.value} className={mode === o.value ? 'on' : undefined}>
          <input type="radio" name="mode" value={o.value} checked={mode === o.value} onChange={() => setMode(o.value)} />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}

function LiveIndicator() {
  const live = useStreamLive();
  return (
    <span className={`live-dot${live ? ' on' : ''}`} role="status" title={live ? 'Receiving live updates' : 'Not connected: updates resume when the node answers'}>
      {live ? 'Live updates' : 'Reconnecting…'}
    </span>
  );
}

function Shell({ session, onSignedOut }: { session: SessionView; onSignedOut: () => void }) {
  const { pathname } = useLocation();
  const { mode } = useMode();
  const { title, page } = route(pathname, session, onSignedOut);
  const first = useRef(true);

  useEffect(() => {
    document.title = `${title} · Kassa${mode === 'test' ? ' (test)' : ''}`;
  }, [title, mode]);
  // After a navigation, move focus to the new page's heading so screen readers announce it.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>('main h1')?.focus();
    window.scrollTo(0, 0);
  }, [pathname]);

  return (
    <div className={`app mode-${mode}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Kassa
        </Link>
        <div className="topbar-right">
          <LiveIndicator />
          <ModeSwitch />
        </div>
      </header>
      {mode === 'test' ? (
        <div className="test-banner" role="note" data-testid="test-banner">
          <strong>TEST MODE</strong> — test objects on the built-in devnet. No real money moves.
        </div>
      ) : (
        <div className="live-banner" role="note">
          <strong>Live mode</strong> — real payments on the real networks.
        </div>
      )}
      <div className="layout">
        <nav aria-label="Main" className="sidenav">
          <ul>
            {NAV.map((item) => {
              const current = pathname === item.to || (item.prefix ? pathname.startsWith(item.prefix) : false);
              return (
                <li key={item.to}>
                  <Link to={item.to} aria-current={current ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              );
            })}
            {COMING_SOON.map((label) => (
              <li key={label}>
                <span className="nav-disabled" aria-disabled="true">
                  {label} <span className="soon">coming soon</span>
                </span>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {page}
        </main>
      </div>
    </div>
  );
}
