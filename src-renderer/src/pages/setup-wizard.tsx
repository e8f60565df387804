// The first-run wizard: test or live, the wallet (live only), networks, payment rules, the first
// API key, a webhook endpoint, the tunnel, finish. Every step but the first can be skipped and
// revisited with Back; what a step saves is saved at once, so nothing is lost by leaving.
import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { Mode } from '../../../src-server/admin/contract.ts';
import { ApiKeyCreate } from '../components/api-key-create.tsx';
import { NetworksEditor } from '../components/networks-editor.tsx';
import { StoreSettingsForm } from '../components/store-settings-form.tsx';
import { TunnelPanel } from '../components/tunnel-panel.tsx';
import { Fact, Field, FormError, LoadError, NotLoaded } from '../components/ui.tsx';
import { WebhookCreate } from '../components/webhook-create.tsx';
import { api, fieldError, formError, type Out, useLoad, useSubmit } from '../lib/api.ts';
import { useMode } from '../lib/mode.tsx';

type SetupView = Out<'GET /setup'>;
type StepId = 'mode' | 'wallet' | 'networks' | 'payments' | 'api-key' | 'webhook' | 'tunnel' | 'finish';

const STEP_LABEL: Record<StepId, string> = {
  mode: 'Mode',
  wallet: 'Wallet',
  networks: 'Networks',
  payments: 'Payments',
  'api-key': 'API key',
  webhook: 'Webhook',
  tunnel: 'Tunnel',
  finish: 'Finish',
};

/** Test mode has its wallet already (the devnet's), so it skips that step. */
export function stepsFor(mode: Mode): StepId[] {
  return mode === 'live' ? ['mode', 'wallet', 'networks', 'payments', 'api-key', 'webhook', 'tunnel', 'finish'] : ['mode', 'networks', 'payments', 'api-key', 'webhook', 'tunnel', 'finish'];
}

export function SetupWizard({ onDone, onSignOut }: { onDone: () => Promise<void>; onSignOut: () => void }) {
  const setup = useLoad(() => api.call('GET /setup'), []);
  const { mode, setMode } = useMode();
  const [step, setStep] = useState<StepId>('mode');
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);

  const steps = stepsFor(mode);
  const index = steps.indexOf(step);
  const go = (delta: number) => setStep(steps[Math.min(steps.length - 1, Math.max(0, index + delta))]!);

  useEffect(() => {
    document.title = `Set up: ${STEP_LABEL[step]} · Kassa`;
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [step]);
  useEffect(() => {
    // Resume in the mode chosen before (a reload mid-wizard).
    if (setup.data?.chosen_mode) setMode(setup.data.chosen_mode);
  }, [setup.data?.chosen_mode, setMode]);

  const signOut = async () => {
    await api.call('POST /auth/logout').catch(() => undefined);
    onSignOut();
  };

  let body: ReactNode;
  if (!setup.data) body = <NotLoaded load={setup} what="setup" />;
  else {
    const s = setup.data;
    const nav = (opts: { next?: () => Promise<boolean>; nextLabel?: string; skip?: boolean } = {}) => (
      <StepNav
        onBack={index > 0 ? () => go(-1) : undefined}
        onNext={async () => {
          if (opts.next && !(await opts.next())) return;
          go(1);
        }}
        nextLabel={opts.nextLabel}
        onSkip={opts.skip ? () => go(1) : undefined}
      />
    );
    if (step === 'mode') body = <ModeStep setup={s} onChosen={(next) => setup.setData(() => next)} nav={nav} />;
    else if (step === 'wallet') body = <WalletStep setup={s} onChanged={(next) => setup.setData(() => next)} nav={nav} />;
    else if (step === 'networks') body = <NetworksStep nav={nav} />;
    else if (step === 'payments') body = <PaymentsStep nav={nav} />;
    else if (step === 'api-key') body = <ApiKeyStep mode={mode} existing={s.api_keys[mode]} nav={nav} />;
    else if (step === 'webhook') body = <WebhookStep mode={mode} existing={s.webhook_endpoints[mode]} nav={nav} />;
    else if (step === 'tunnel') body = <TunnelStep nav={nav} />;
    else body = <FinishStep setup={s} mode={mode} onBack={() => go(-1)} onDone={onDone} onRefresh={setup.reload} />;
  }

  return (
    <div className="wizard-page">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Kassa setup</span>
        <button type="button" className="secondary small" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {mode === 'test' && step !== 'mode' && (
        <div className="test-banner" role="note">
          <strong>TEST MODE</strong> — setting up test mode on the built-in devnet. No real money moves.
        </div>
      )}
      <main id="main" className="wizard" tabIndex={-1}>
        <nav aria-label="Setup steps">
          <ol className="steps">
            {steps.map((id, i) => (
              <li key={id} aria-current={id === step ? 'step' : undefined} className={i < index ? 'done' : undefined}>
                <span className="step-num">{i + 1}</span> {STEP_LABEL[id]}
              </li>
            ))}
          </ol>
        </nav>
        <section className="card wizard-card" aria-labelledby="step-heading">
          <h1 id="step-heading" ref={heading} tabIndex={-1}>
            {STEP_LABEL[step]}
          </h1>
          {body}
        </section>
      </main>
    </div>
  );
}

type NavFn = (opts?: { next?: () => Promise<boolean>; nextLabel?: string; skip?: boolean }) => ReactNode;

function StepNav(props: { onBack?: () => void; onNext: () => Promise<void>; nextLabel?: string; onSkip?: () => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <div className="step-nav">
      {props.onBack ? (
        <button type="button" className="secondary" onClick={props.onBack}>
          Back
        </button>
      ) : (
        <span />
      )}
      <div className="row">
        {props.onSkip && (
          <button type="button" className="link-button" onClick={props.onSkip}>
            Skip this step
          </button>
        )}
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await props.onNext();
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Saving…' : (props.nextLabel ?? 'Next')}
        </button>
      </div>
    </div>
  );
}

function ModeStep({ setup, onChosen, nav }: { setup: SetupView; onChosen: (s: SetupView) => void; nav: NavFn }) {
  const { mode, setMode } = useMode();
  const submit = useSubmit();
  const choose = async () => {
    const next = await submit.run(() => api.call('POST /setup/mode', { body: { mode } }));
    if (!next) return false;
    onChosen(next);
    return true;
  };
  const options: { value: Mode; title: string; text: string }[] = [
    { value: 'test', title: 'Test mode', text: 'Try everything on the built-in devnet: test tokens, simulated payments, no real money. Switch to live any time.' },
    { value: 'live', title: 'Live mode', text: 'Accept real payments on the real networks with your own wallet: create or import a seed, or watch addresses only.' },
  ];
  return (
    <>
      <p>Welcome. Kassa is your own payment gateway: it runs here, holds your keys, and tells your shop when a customer has paid.</p>
      <FormError message={formError(submit.error, ['mode'])} />
      <fieldset className="choice-cards">
        <legend>How do you want to start?</legend>
        {options.map((o) => (
          <div className={`choice${mode === o.value ? ' on' : ''}`} key={o.value}>
            <input type="radio" id={`mode-${o.value}`} name="setup-mode" value={o.value} checked={mode === o.value} onChange={() => setMode(o.value)} aria-describedby={`mode-${o.value}-text`} />
            <label htmlFor={`mode-${o.value}`}>{o.title}</label>
            <p id={`mode-${o.value}-text`} className="hint">
              {o.text}
            </p>
          </div>
        ))}
      </fieldset>
      {setup.chosen_mode && <p className="muted">You chose {setup.chosen_mode} mode before; choose again to change it.</p>}
      {nav({ next: choose })}
    </>
  );
}

function WalletStep({ setup, onChanged, nav }: { setup: SetupView; onChanged: (s: SetupView) => void; nav: NavFn }) {
  const wallet = setup.wallets.live;
  const canSeal = setup.key_store.can_seal;
  const [kind, setKind] = useState<'create' | 'import' | 'watch'>(canSeal ? 'create' : 'watch');

  if (wallet.exists) {
    return (
      <>
        <p role="status" className="ok-note">
          Your live wallet is ready: {wallet.kind === 'watch_only' ? 'watch-only' : 'a seed'} ({wallet.schemes.join(', ') || 'no schemes'}).
        </p>
        {nav()}
      </>
    );
  }
  return (
    <>
      <p>Live payments go to addresses derived from your own wallet. Kassa never sends your keys anywhere.</p>
      <p className="muted">Key store: {setup.key_store.description}</p>
      {!canSeal && <p className="warn-note">Without a keychain or passphrase, Kassa cannot keep a seed safely; choose watch-only, or set a passphrase and restart the node.</p>}
      <fieldset className="choice-cards">
        <legend>Your wallet</legend>
        {(
          [
            ['create', 'Create a new seed', '24 words, shown once for your backup.', !canSeal],
            ['import', 'Import a seed', 'The 12 or 24 words of a wallet you already have.', !canSeal],
            ['watch', 'Watch only', 'Give extended public keys (xpubs): Kassa sees payments but can never move funds.', false],
          ] as const
        ).map(([value, title, text, disabled]) => (
          <div className={`choice${kind === value ? ' on' : ''}`} key={value}>
            <input type="radio" id={`wallet-${value}`} name="wallet-kind" value={value} checked={kind === value} disabled={disabled} onChange={() => setKind(value)} aria-describedby={`wallet-${value}-text`} />
            <label htmlFor={`wallet-${value}`}>{title}</label>
            <p id={`wallet-${value}-text`} className="hint">
              {text}
            </p>
          </div>
        ))}
      </fieldset>
      {kind === 'create' && <CreateSeed onDone={onChanged} />}
      {kind === 'import' && <ImportSeed onDone={onChanged} />}
      {kind === 'watch' && <WatchOnly onDone={onChanged} />}
      {nav({ skip: true, nextLabel: 'Next' })}
    </>
  );
}

function CreateSeed({ onDone }: { onDone: (s: SetupView) => void }) {
  const [draft, setDraft] = useState<Out<'POST /setup/seed/draft'> | null>(null);
  const [written, setWritten] = useState(false);
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const submit = useSubmit();

  const makeDraft = async () => {
    const d = await submit.run(() => api.call('POST /setup/seed/draft'));
    if (d) {
      setDraft(d);
      setWritten(false);
      setAnswers({});
    }
  };
  const confirm = async () => {
    if (!draft) return;
    const words = Object.fromEntries(draft.confirm_positions.map((p) => [String(p), (answers[String(p)] ?? '').trim().toLowerCase()]));
    const next = await submit.run(() => api.call('POST /setup/seed/confirm', { body: { draft_id: draft.draft_id, words } }));
    if (next) {
      setDraft(null);
      onDone(next);
    }
  };

  if (!draft) {
    return (
      <div className="subpanel">
        <FormError message={submit.error?.message ?? null} />
        <button type="button" className="primary" disabled={submit.busy} onClick={() => void makeDraft()}>
          Create my seed
        </button>
      </div>
    );
  }
  if (!written) {
    return (
      <div className="subpanel">
        <p className="warn-note">Write these 24 words down, in order, on paper. Anyone with them can take your funds; without them, a lost computer means lost funds. They are shown only now.</p>
        <ol className="seed-words" aria-label="Your 24 seed words">
          {draft.words.map((w, i) => (
            <li key={i}>
              <span className="muted">{i + 1}.</span> <strong>{w}</strong>
            </li>
          ))}
        </ol>
        <button type="button" className="primary" onClick={() => setWritten(true)}>
          I have written them down
        </button>
      </div>
    );
  }
  return (
    <form
      className="subpanel"
      onSubmit={(e) => {
        e.preventDefault();
        void confirm();
      }}
    >
      <p>To be sure your copy is right, type these three words from it.</p>
      <FormError message={formError(submit.error, ['words', 'draft_id'])} />
      {draft.confirm_positions.map((p) => (
        <Field key={p} label={`Word number ${p}`} error={fieldError(submit.error, `words.${p}`)}>
          {(props) => <input {...props} autoComplete="off" autoCapitalize="none" spellCheck={false} value={answers[String(p)] ?? ''} onChange={(e) => setAnswers((a) => ({ ...a, [String(p)]: e.target.value }))} />}
        </Field>
      ))}
      {fieldError(submit.error, 'words') && !draft.confirm_positions.some((p) => fieldError(submit.error, `words.${p}`)) && <p className="field-error">{fieldError(submit.error, 'words')}</p>}
      <div className="row">
        <button type="button" className="secondary" onClick={() => setWritten(false)}>
          Show the words again
        </button>
        <button type="submit" className="primary" disabled={submit.busy}>
          Confirm seed
        </button>
      </div>
    </form>
  );
}

function ImportSeed({ onDone }: { onDone: (s: SetupView) => void }) {
  const [mnemonic, setMnemonic] = useState('');
  const submit = useSubmit();
  return (
    <form
      className="subpanel"
      onSubmit={async (e) => {
        e.preventDefault();
        const next = await submit.run(() => api.call('POST /setup/seed/import', { body: { mnemonic: mnemonic.trim().replace(/\s+/g, ' ') } }));
        if (next) {
          setMnemonic('');
          onDone(next);
        }
      }}
    >
      <FormError message={formError(submit.error, ['mnemonic'])} />
      <Field label="Seed words" hint="Separated by spaces. They are sealed by the key store and never shown again." error={fieldError(submit.error, 'mnemonic')}>
        {(p) => <textarea {...p} rows={3} autoComplete="off" autoCapitalize="none" spellCheck={false} value={mnemonic} onChange={(e) => setMnemonic(e.target.value)} />}
      </Field>
      <button type="submit" className="primary" disabled={submit.busy}>
        Import seed
      </button>
    </form>
  );
}

const SCHEMES = [
  { scheme: 'evm', label: 'EVM xpub (Ethereum, BSC, Polygon, Base, Arbitrum)', hint: "Account key at m/44'/60'/0'" },
  { scheme: 'tron', label: 'Tron xpub', hint: "Account key at m/44'/195'/0'" },
  { scheme: 'btc', label: 'Bitcoin zpub/xpub', hint: "BIP84 account key at m/84'/0'/0'" },
  { scheme: 'ltc', label: 'Litecoin xpub', hint: "BIP84 account key at m/84'/2'/0'" },
] as const;

function WatchOnly({ onDone }: { onDone: (s: SetupView) => void }) {
  const [keys, setKeys] = useState<Record<string, string>>({});
  const submit = useSubmit();
  const filled = SCHEMES.filter((s) => (keys[s.scheme] ?? '').trim());
  const save = async () => {
    const next = await submit.run(() => api.call('POST /setup/watch-only', { body: { keys: filled.map((s) => ({ scheme: s.scheme, key: keys[s.scheme]!.trim() })) } }));
    if (next) onDone(next);
  };
  // The server names `keys[i]` by the position in what was sent, so map it back to the scheme.
  const errorFor = (scheme: string) => {
    const i = filled.findIndex((s) => s.scheme === scheme);
    return i < 0 ? null : fieldError(submit.error, `keys[${i}]`);
  };
  return (
    <form
      className="subpanel"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <p>Give at least one. Payments on the other networks stay off.</p>
      <FormError message={formError(submit.error, ['keys'].concat(filled.map((_, i) => `keys[${i}]`)))} />
      {SCHEMES.map((s) => (
        <Field key={s.scheme} label={s.label} hint={s.hint} error={errorFor(s.scheme)}>
          {(p) => <input {...p} autoComplete="off" spellCheck={false} value={keys[s.scheme] ?? ''} onChange={(e) => setKeys((k) => ({ ...k, [s.scheme]: e.target.value }))} />}
        </Field>
      ))}
      {fieldError(submit.error, 'keys') && !filled.some((s) => errorFor(s.scheme)) && <p className="field-error">{fieldError(submit.error, 'keys')}</p>}
      <button type="submit" className="primary" disabled={submit.busy}>
        Save watch-only keys
      </button>
    </form>
  );
}

function NetworksStep({ nav }: { nav: NavFn }) {
  const { mode } = useMode();
  const [open, setOpen] = useState(mode === 'live');
  const settings = useLoad(() => api.call('GET /settings'), []);
  if (!settings.data) return <NotLoaded load={settings} what="networks" />;
  return (
    <>
      <p>
        {mode === 'test'
          ? 'Test mode runs every network on the built-in devnet, so nothing needs configuring now. The networks below are for live mode; you can set them up later in Settings.'
          : 'Choose the networks you accept and, if you like, your own RPC endpoints (public defaults are used otherwise). Check each one before saving.'}
      </p>
      {open ? (
        <NetworksEditor networks={settings.data.networks} renderActions={(save) => nav({ next: save, nextLabel: 'Save and continue', skip: true })} />
      ) : (
        <>
          <button type="button" className="secondary" aria-expanded={false} onClick={() => setOpen(true)}>
            Set up live networks now
          </button>
          {nav()}
        </>
      )}
    </>
  );
}

function PaymentsStep({ nav }: { nav: NavFn }) {
  const settings = useLoad(() => api.call('GET /settings'), []);
  if (!settings.data) return <NotLoaded load={settings} what="store settings" />;
  return (
    <>
      <p>How long customers have to pay, and what happens when they pay late.</p>
      <StoreSettingsForm store={settings.data.store} renderActions={(save) => nav({ next: save, nextLabel: 'Save and continue', skip: true })} />
    </>
  );
}

function ApiKeyStep({ mode, existing, nav }: { mode: Mode; existing: number; nav: NavFn }) {
  return (
    <>
      <p>Your shop's backend calls Kassa's API with this key (it starts with <code>{mode === 'test' ? 'sk_test_' : 'sk_live_'}</code>).</p>
      {existing > 0 && (
        <p className="muted">
          You already have {existing} {mode} key{existing === 1 ? '' : 's'}.
        </p>
      )}
      <ApiKeyCreate mode={mode} defaultName="Shop backend" />
      {nav({ skip: true })}
    </>
  );
}

function WebhookStep({ mode, existing, nav }: { mode: Mode; existing: number; nav: NavFn }) {
  return (
    <>
      <p>Kassa tells your shop about payments by POSTing signed events to this URL. Optional: your shop can also poll the API.</p>
      {existing > 0 && (
        <p className="muted">
          You already have {existing} {mode} endpoint{existing === 1 ? '' : 's'}.
        </p>
      )}
      <WebhookCreate mode={mode} />
      {nav({ skip: true })}
    </>
  );
}

function TunnelStep({ nav }: { nav: NavFn }) {
  const tunnel = useLoad(() => api.call('GET /tunnel'), []);
  return (
    <>
      <p>Customers open checkout pages from the internet. A tunnel makes this machine's public listener (checkout pages only, never this dashboard or the API) reachable.</p>
      {tunnel.error && <LoadError error={tunnel.error} retry={() => void tunnel.reload()} />}
      <TunnelPanel tunnel={tunnel.data} onChange={(t) => tunnel.setData(() => t)} wizard />
      {nav({ skip: true })}
    </>
  );
}

function FinishStep(props: { setup: SetupView; mode: Mode; onBack: () => void; onDone: () => Promise<void>; onRefresh: () => Promise<void> }) {
  const submit = useSubmit();
  const { setup: s, mode } = props;
  const onRefresh = props.onRefresh;
  useEffect(() => {
    void onRefresh();
  }, [onRefresh]);
  const wallet = s.wallets[mode];
  return (
    <>
      <p>You are ready. Here is what is set up:</p>
      <dl className="facts">
        <Fact label="Mode">{mode === 'test' ? 'Test (devnet)' : 'Live'}</Fact>
        <Fact label="Wallet">{wallet.exists ? (wallet.kind === 'watch_only' ? 'Watch-only' : 'Seed') : 'None yet'}</Fact>
        <Fact label="API keys">{s.api_keys[mode]}</Fact>
        <Fact label="Webhook endpoints">{s.webhook_endpoints[mode]}</Fact>
        <Fact label="Key store">{s.key_store.description}</Fact>
      </dl>
      {mode === 'live' && !wallet.exists && <p className="warn-note">Live mode has no wallet yet: live payments cannot be accepted until you add one (Back to the Wallet step).</p>}
      <FormError message={submit.error?.message ?? null} />
      <div className="step-nav">
        <button type="button" className="secondary" onClick={props.onBack}>
          Back
        </button>
        <button
          type="button"
          className="primary"
          disabled={submit.busy}
          onClick={async () => {
            const done = await submit.run(() => api.call('POST /setup/complete'));
            if (done) await props.onDone();
          }}
        >
          {submit.busy ? 'Finishing…' : 'Finish setup'}
        </button>
      </div>
    </>
  );
}
