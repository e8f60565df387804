// Networks, their RPC endpoints and confirmations, with a connectivity check; used by the setup
// wizard and Settings. Stored RPC URLs come back redacted, so they are sent only when edited.
import { type ReactNode, useState } from 'react';
import type { Out } from '../lib/api.ts';
import { api, fieldError, formError, useSubmit } from '../lib/api.ts';
import { Checkbox, Field, FormError } from './ui.tsx';

/** Where the node takes this network's RPC URLs from at its next start. */
const RPC_SOURCE_HINT = {
  config_file: 'Listed by hand in config.json, which wins: edit them there.',
  dashboard: 'Saved here, encrypted with the key store.',
  default: 'Using the public defaults.',
} as const;

type NetworkSetting = Out<'GET /settings'>['networks'][number];
type CheckView = Out<'POST /setup/networks/check'>;

interface Draft {
  enabled: boolean;
  rpcText: string;
  rpcDirty: boolean;
  confirmations: string;
}

const splitUrls = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

function draftOf(n: NetworkSetting): Draft {
  return { enabled: n.enabled, rpcText: n.rpc_urls.join('\n'), rpcDirty: false, confirmations: String(n.confirmations) };
}

export function NetworksEditor(props: { networks: NetworkSetting[]; onSaved?: (restartRequired: boolean) => void; saveLabel?: string; renderActions?: (save: () => Promise<boolean>, busy: boolean) => ReactNode }) {
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() => Object.fromEntries(props.networks.map((n) => [n.id, draftOf(n)])));
  const [saved, setSaved] = useState<string | null>(null);
  const submit = useSubmit();

  const update = (id: string, patch: Partial<Draft>) => setDrafts((d) => ({ ...d, [id]: { ...d[id]!, ...patch } }));

  const save = async (): Promise<boolean> => {
    setSaved(null);
    const networks: Record<string, { enabled: boolean; rpc_urls?: string[]; confirmations?: number }> = {};
    for (const n of props.networks) {
      const d = drafts[n.id]!;
      // Not a whole number: sent as is (NaN becomes null) so the server names the field.
      const conf = Number(d.confirmations);
      networks[n.id] = {
        enabled: d.enabled,
        ...(d.rpcDirty ? { rpc_urls: splitUrls(d.rpcText) } : {}),
        ...(d.confirmations.trim() !== '' && conf !== n.confirmations ? { confirmations: conf } : {}),
      };
    }
    const result = await submit.run(() => api.call('PUT /settings/networks', { body: { networks } }));
    if (!result) return false;
    setSaved(result.restart_required ? 'Saved. Restart the node for network changes to take effect.' : 'Saved.');
    props.onSaved?.(result.restart_required);
    return true;
  };

  const fields = props.networks.flatMap((n) => [`networks.${n.id}`]);
  return (
    <div className="networks-editor">
      <FormError message={formError(submit.error, fields)} />
      <div className="network-list">
        {props.networks.map((n) => (
          <NetworkRow key={n.id} network={n} draft={drafts[n.id]!} onChange={(patch) => update(n.id, patch)} error={submit.error} />
        ))}
      </div>
      {saved && (
        <p className="ok-note" role="status">
          {saved}
        </p>
      )}
      {props.renderActions ? (
        props.renderActions(save, submit.busy)
      ) : (
        <button type="button" className="primary" disabled={submit.busy} onClick={() => void save()}>
          {submit.busy ? 'Saving…' : (props.saveLabel ?? 'Save networks')}
        </button>
      )}
    </div>
  );
}

function NetworkRow({ network: n, draft, onChange, error }: { network: NetworkSetting; draft: Draft; onChange: (patch: Partial<Draft>) => void; error: Error | null }) {
  const check = useSubmit();
  const [result, setResult] = useState<CheckView | null>(null);
  const runCheck = async () => {
    setResult(null);
    const urls = splitUrls(draft.rpcText);
    const r = await check.run(() => api.call('POST /setup/networks/check', { body: { network: n.id, rpc_urls: urls.length ? urls : n.default_rpc_urls } }));
    if (r) setResult(r);
  };
  const base = `networks.${n.id}`;
  return (
    <fieldset className="network">
      <legend>
        {n.name} <span className="muted">({n.assets.join(', ')})</span>
      </legend>
      <Checkbox label={`Accept payments on ${n.name}`} checked={draft.enabled} onChange={(enabled) => onChange({ enabled })} error={fieldError(error, `${base}.enabled`)} />
      {/* An off network needs no endpoints yet: keep the list short. */}
      {draft.enabled && (
        <>
          <Field
            label={`${n.name} RPC URLs`}
            hint={`${RPC_SOURCE_HINT[n.rpc_urls_source]} ${n.default_rpc_urls.length ? `One per line, tried in order. Empty: the defaults (${n.default_rpc_urls.join(', ')}).` : 'One per line, tried in order.'}`}
            error={fieldError(error, `${base}.rpc_urls`) ?? fieldError(check.error, 'rpc_urls')}
          >
            {(p) => (
              <textarea
                {...p}
                rows={2}
                spellCheck={false}
                autoComplete="off"
                value={draft.rpcText}
                placeholder={n.default_rpc_urls.join('\n')}
                onChange={(e) => onChange({ rpcText: e.target.value, rpcDirty: true })}
              />
            )}
          </Field>
          <Field label={`${n.name} confirmations`} hint={`Blocks before a payment counts as paid (default ${n.default_confirmations}).`} error={fieldError(error, `${base}.confirmations`)}>
            {(p) => <input {...p} type="number" min={1} max={1000} inputMode="numeric" value={draft.confirmations} onChange={(e) => onChange({ confirmations: e.target.value })} />}
          </Field>
          <div className="row">
            <button type="button" className="secondary small" disabled={check.busy} onClick={() => void runCheck()}>
              {check.busy ? 'Checking…' : 'Check connection'}
            </button>
            <FormError message={formError(check.error, ['rpc_urls'])} />
          </div>
          {result && (
            <div role="status" className="check-results">
              <p className={result.ok ? 'ok-note' : 'warn-note'}>{result.ok ? `${n.name}: connected.` : `${n.name}: no endpoint answered correctly.`}</p>
              <ul>
                {result.results.map((r, i) => (
                  <li key={i}>
                    <code className="mono">{r.url}</code> — {r.ok ? `OK, chain ${r.chain_id ?? '?'}, block ${r.head ?? '?'}, ${r.latency_ms ?? '?'} ms` : `failed: ${r.error ?? 'no answer'}`}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </fieldset>
  );
}
