// The wizard on a node without a key store (no devnet): a new or imported seed is refused with
// the reason, watch-only keys make the live wallet, RPC URLs cannot be saved (nothing to seal them
// with); and a session holds at most 20 live streams.
import { HDKey } from '@scure/bip32';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApiError } from '../../../src-server/admin/client.ts';
import { mnemonicToSeed } from '../../../src-server/wallet/mnemonic.ts';
import { signedInAdmin, type AdminSessionClient } from '../../helpers/admin-session.ts';
import { startNode, type TestNode } from '../../helpers/node.ts';

const ABANDON = `${'abandon '.repeat(11)}about`;

let node: TestNode;
let admin: AdminSessionClient;

beforeAll(async () => {
  node = await startNode({ noDevnet: true });
  admin = await signedInAdmin(node);
});
afterAll(async () => {
  await node?.stop();
});

async function expectAdminError(p: Promise<unknown>, status: number, code?: string): Promise<AdminApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AdminApiError);
    const e = err as AdminApiError;
    expect(e.status, e.message).toBe(status);
    if (code) expect(e.code).toBe(code);
    return e;
  }
  throw new Error(`expected HTTP ${status}`);
}

describe('no key store', () => {
  it('a seed is refused with the reason; watch-only keys make the live wallet', async () => {
    const setup = await admin.client.call('GET /setup');
    expect(setup.key_store).toMatchObject({ kind: 'none', can_seal: false });
    const draft = await expectAdminError(admin.client.call('POST /setup/seed/draft'), 422, 'key_store_missing');
    expect(draft.message).toMatch(/KASSA_PASSPHRASE/);
    await expectAdminError(admin.client.call('POST /setup/seed/import', { body: { mnemonic: ABANDON } }), 422, 'key_store_missing');

    const seed = await mnemonicToSeed(ABANDON);
    const evm = HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'").publicExtendedKey;
    const tron = HDKey.fromMasterSeed(seed).derive("m/44'/195'/0'").publicExtendedKey;
    const twice = await expectAdminError(
      admin.client.call('POST /setup/watch-only', { body: { keys: [{ scheme: 'evm', key: evm }, { scheme: 'evm', key: tron }] } }),
      400,
    );
    expect(twice.param).toBe('keys[1].scheme');
    const xprv = HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'").privateExtendedKey;
    const secret = await expectAdminError(admin.client.call('POST /setup/watch-only', { body: { keys: [{ scheme: 'evm', key: xprv }] } }), 400);
    expect(secret.param).toBe('keys[0].key');
    expect(secret.message).not.toContain(xprv);

    const done = await admin.client.call('POST /setup/watch-only', { body: { keys: [{ scheme: 'evm', key: evm }, { scheme: 'tron', key: ` ${tron}\n` }] } });
    expect(done.wallets.live).toMatchObject({ exists: true, kind: 'watch_only', schemes: ['evm', 'tron'] });
    await expectAdminError(admin.client.call('POST /setup/watch-only', { body: { keys: [{ scheme: 'evm', key: evm }] } }), 409, 'wallet_exists');

    await admin.client.call('POST /setup/mode', { body: { mode: 'live' } });
    expect((await admin.client.call('POST /setup/complete')).complete).toBe(true);
  });

  it('RPC URLs need a key store to be saved; enabling networks and confirmations do not', async () => {
    const refused = await expectAdminError(
      admin.client.call('PUT /settings/networks', { body: { networks: { bsc: { enabled: true, rpc_urls: ['https://bsc.example/v1/0123456789abcdef0123456789'] } } } }),
      422,
      'key_store_required',
    );
    expect(refused.param).toBe('networks.bsc.rpc_urls');
    expect(refused.message).toMatch(/KASSA_PASSPHRASE/);
    expect(refused.message).toContain(join(node.home, 'config.json'));
    expect(await admin.client.call('PUT /settings/networks', { body: { networks: { bsc: { enabled: true, confirmations: 20, rpc_urls: [] } } } })).toEqual({ restart_required: true });
    expect(JSON.parse(readFileSync(join(node.home, 'config.json'), 'utf8')).networks).toEqual({ bsc: { enabled: true, confirmations: 20 } });
  });

  it('at most 20 open streams per session; closing one frees its place', async () => {
    const controllers: AbortController[] = [];
    const open = async () => {
      const controller = new AbortController();
      const res = await fetch(`${node.merchantUrl}/api/admin/stream?mode=test`, { headers: { cookie: admin.cookie()! }, signal: controller.signal });
      controllers.push(controller);
      return res;
    };
    try {
      for (let i = 0; i < 20; i++) expect((await open()).status).toBe(200);
      const refused = await open();
      expect(refused.status).toBe(429);
      expect((await refused.json()).error).toMatchObject({ type: 'rate_limit_error', code: 'too_many_streams' });
      controllers.shift()!.abort();
      // The server notices the closed connection asynchronously: retry until the place is free.
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < deadline) {
        const res = await open();
        status = res.status;
        if (status === 200) break;
        await res.body?.cancel();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    } finally {
      for (const c of controllers) c.abort();
    }
  });
});
