// The desired/live tunnel rows and the settings service: revisions, sealed authtoken, liveness.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';
import { createTunnelSettings, HEARTBEAT_STALE_MS, NGROK_AUTHTOKEN_SECRET } from '../../../src-server/tunnel/tunnel-service.ts';

function fresh(dataKey: Buffer | null = randomBytes(32)) {
  const storage = createStorage(openDatabase(':memory:'));
  return { storage, settings: createTunnelSettings({ storage, dataKey }) };
}

const TOKEN = '2abcDEFghiJKLmnoPQRstu_1234567890';

describe('tunnel settings', () => {
  it('each start/stop is a new revision; only the options given are stored', () => {
    const { storage, settings } = fresh();
    expect(storage.tunnel.getRevision()).toBe(0);
    expect(settings.start({ provider: 'localtunnel', host: 'http://127.0.0.1:9/' })).toBe(1);
    expect(settings.stop()).toBe(2);
    expect(settings.start({ provider: 'custom', url: 'https://pay.example.com/', probe: true })).toBe(3);
    expect(storage.tunnel.getSettings()).toMatchObject({ enabled: 1, provider: 'custom', options: '{"url":"https://pay.example.com","probe":true}', revision: 3 });
    expect(settings.view().desired).toEqual({ enabled: true, provider: 'custom', options: { url: 'https://pay.example.com', probe: true } });
  });

  it('an ngrok authtoken is sealed (never in plaintext in the database) and opens again with the key', () => {
    const { storage, settings } = fresh();
    settings.start({ provider: 'ngrok', authtoken: TOKEN });
    const sealed = storage.secrets.getSealed(NGROK_AUTHTOKEN_SECRET)!;
    expect(sealed).toMatch(/^kassa-box:v1:/);
    const dump = JSON.stringify(storage.db.prepare('SELECT * FROM secrets').all()) + JSON.stringify(storage.db.prepare('SELECT * FROM tunnel_settings').all());
    expect(dump).not.toContain(TOKEN);
    expect(settings.storedNgrokAuthtoken()).toBe(TOKEN);
    settings.start({ provider: 'ngrok', authtoken: `${TOKEN}x` }); // replaced, not duplicated
    expect(settings.storedNgrokAuthtoken()).toBe(`${TOKEN}x`);
  });

  it('without a key store an authtoken is refused, and nothing is saved', () => {
    const { storage, settings } = fresh(null);
    expect(() => settings.start({ provider: 'ngrok', authtoken: TOKEN })).toThrow(expect.objectContaining({ name: 'TunnelInputError', status: 409, code: 'key_store_unavailable', param: 'authtoken' }));
    expect(storage.tunnel.getRevision()).toBe(0);
    expect(storage.secrets.getSealed(NGROK_AUTHTOKEN_SECRET)).toBeNull();
  });

  it('the live status counts only while the node\'s heartbeat is fresh', () => {
    const { storage, settings } = fresh();
    settings.start({ provider: 'localtunnel' });
    const now = new Date('2026-01-01T00:00:10Z');
    storage.tunnel.putStatus({
      revision: 1, provider: 'localtunnel', status: 'connected', url: 'https://x.loca.lt', since: '2026-01-01T00:00:05Z', last_error: null, last_error_at: null,
      attempts: 0, next_retry_at: null, public_base_url: 'https://x.loca.lt', node_pid: 4242, heartbeat_at: '2026-01-01T00:00:09Z',
    });
    expect(settings.view(now)).toMatchObject({ status: 'connected', url: 'https://x.loca.lt', node_running: true, applied: true, public_base_url: 'https://x.loca.lt' });
    const later = new Date(Date.parse('2026-01-01T00:00:09Z') + HEARTBEAT_STALE_MS + 1);
    expect(settings.view(later)).toMatchObject({ status: 'stopped', url: null, node_running: false, applied: false, public_base_url: null });
    expect(storage.tunnel.heartbeat('2026-01-01T00:01:00Z', 4242)).toBe(true);
    expect(storage.tunnel.heartbeat('2026-01-01T00:01:00Z', 1)).toBe(false); // another process's row is not touched
    settings.stop();
    expect(settings.view(new Date('2026-01-01T00:01:01Z'))).toMatchObject({ applied: false, desired: { enabled: false } });
  });
});
