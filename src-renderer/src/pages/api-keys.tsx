// API keys of the current mode: create (the key is shown once), see when each was last used, revoke.
import { useState } from 'react';
import { ApiKeyCreate } from '../components/api-key-create.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ConfirmButton, DateTime, FormError, NotLoaded } from '../components/ui.tsx';
import { api, useLoad, useSubmit } from '../lib/api.ts';
import { useMode } from '../lib/mode.tsx';

export function ApiKeysPage() {
  const { mode } = useMode();
  const keys = useLoad(() => api.call('GET /api-keys', { query: { mode } }), [mode]);
  const [creating, setCreating] = useState(false);
  const revoke = useSubmit();

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>API keys</h1>
        {!creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create API key
          </button>
        )}
      </div>
      <p className="muted">
        Your shop sends these as <code>Authorization: Bearer …</code>. Kassa stores only a hash: a key is shown once, when it is created.
      </p>
      {creating && (
        <section className="card" aria-labelledby="new-key-h">
          <h2 id="new-key-h">New {mode} key</h2>
          <ApiKeyCreate key={mode} mode={mode} onCreated={() => void keys.reload()} />
          <button type="button" className="link-button" onClick={() => setCreating(false)}>
            Close
          </button>
        </section>
      )}
      <FormError message={revoke.error?.message ?? null} />
      {!keys.data ? (
        <NotLoaded load={keys} what="API keys" />
      ) : (
        <DataTable
          rows={keys.data.data}
          rowKey={(k) => k.id}
          rowAttributes={(k) => ({ 'data-id': k.id })}
          testId="api-keys-table"
          empty={`No ${mode} keys yet.`}
          columns={[
            { label: 'Name', cell: (k) => k.name ?? <span className="muted">unnamed</span> },
            { label: 'Key', cell: (k) => <code className="mono">{k.hint}</code> },
            { label: 'Scopes', cell: (k) => (k.scopes.length > 4 ? `${k.scopes.length} scopes` : k.scopes.join(', ') || 'all') },
            { label: 'Created', cell: (k) => <DateTime value={k.created_at} /> },
            { label: 'Last used', cell: (k) => <DateTime value={k.last_used_at} /> },
            {
              label: 'Status',
              cell: (k) =>
                k.revoked_at ? (
                  <span className="muted">
                    Revoked <DateTime value={k.revoked_at} />
                  </span>
                ) : (
                  <span className="ok-text">Active</span>
                ),
            },
            {
              label: 'Actions',
              hiddenLabel: true,
              cell: (k) =>
                !k.revoked_at && (
                  <ConfirmButton
                    small
                    danger
                    label="Revoke"
                    question={`Revoke ${k.name ?? k.hint}? Calls with it fail at once.`}
                    confirmLabel="Revoke key"
                    onConfirm={async () => {
                      const revoked = await revoke.run(() => api.call('POST /api-keys/:id/revoke', { params: { id: k.id } }));
                      if (revoked) keys.setData((l) => (l ? { data: l.data.map((x) => (x.id === revoked.id ? revoked : x)) } : l));
                    }}
                  />
                ),
            },
          ]}
        />
      )}
    </>
  );
}
