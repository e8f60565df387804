// API keys of the current mode: create (the key is shown once), see when each was last used, revoke.
import { useState } from 'react';
import { ApiKeyCreate } from '../components/api-key-create.tsx';
import { ConfirmButton, DateTime, FormError, Loading, LoadError } from '../components/ui.tsx';
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
        keys.error ? (
          <LoadError error={keys.error} retry={() => void keys.reload()} />
        ) : (
          <Loading what="API keys" />
        )
      ) : keys.data.data.length === 0 ? (
        <p className="muted">No {mode} keys yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="stack-sm" data-testid="api-keys-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.data.map((k) => (
                <tr key={k.id} data-id={k.id}>
                  <td data-label="Name">{k.name ?? <span className="muted">unnamed</span>}</td>
                  <td data-label="Key">
                    <code className="mono">{k.hint}</code>
                  </td>
                  <td data-label="Scopes">{k.scopes.length > 4 ? `${k.scopes.length} scopes` : k.scopes.join(', ') || 'all'}</td>
                  <td data-label="Created">
                    <DateTime value={k.created_at} />
                  </td>
                  <td data-label="Last used">
                    <DateTime value={k.last_used_at} />
                  </td>
                  <td data-label="Status">{k.revoked_at ? <span className="muted">Revoked <DateTime value={k.revoked_at} /></span> : <span className="ok-text">Active</span>}</td>
                  <td data-label="Actions">
                    {!k.revoked_at && (
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
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
