// Create an API key for the current mode; the key is shown once with a Copy button.
import { useState } from 'react';
import type { Mode } from '../../../src-server/admin/contract.ts';
import { api, fieldError, formError, type Out, useSubmit } from '../lib/api.ts';
import { Field, FormError, SecretOnce } from './ui.tsx';

export function ApiKeyCreate(props: { mode: Mode; defaultName?: string; onCreated?: (created: Out<'POST /api-keys'>) => void }) {
  const [name, setName] = useState(props.defaultName ?? '');
  const [created, setCreated] = useState<Out<'POST /api-keys'> | null>(null);
  const submit = useSubmit();

  const create = async () => {
    const result = await submit.run(() => api.call('POST /api-keys', { body: { mode: props.mode, ...(name.trim() ? { name: name.trim() } : {}) } }));
    if (result) {
      setCreated(result);
      props.onCreated?.(result);
    }
  };

  return (
    <div className="api-key-create">
      {created ? (
        <SecretOnce label={`API key "${created.api_key.name ?? created.api_key.hint}"`} value={created.key} testId="new-api-key" />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <FormError message={formError(submit.error, ['name', 'mode', 'scopes', 'rate_limit'])} />
          <Field label="Key name" hint="Where it is used, e.g. “Shop backend”." error={fieldError(submit.error, 'name')}>
            {(p) => <input {...p} name="api-key-name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <button type="submit" className="primary" disabled={submit.busy}>
            {submit.busy ? 'Creating…' : `Create ${props.mode} API key`}
          </button>
        </form>
      )}
    </div>
  );
}
