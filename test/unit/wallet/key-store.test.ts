import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyStoreOptions, PassphrasePromptRequest } from '../../../src-server/wallet/key-store.ts';
import { KEYSTORE_FILE, KeyStoreError, keychainAvailable, openKeyStore } from '../../../src-server/wallet/key-store.ts';

// Unit tests must never reach the developer's real keychain: point D-Bus at nothing (Linux).
// The real keychain is exercised by test/integration/keychain.test.ts inside a throwaway session.
process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/kassa-unit-test-bus';
const onLinux = process.platform === 'linux';

const LOW_COST = { N: 2 ** 10, r: 8, p: 1 };
const SERVICE = 'kassa-unit-test';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'kassa-keystore-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function options(extra: Partial<KeyStoreOptions> = {}): KeyStoreOptions {
  return { home, scrypt: LOW_COST, serviceName: SERVICE, ...extra };
}

async function expectKeyStoreError(promise: Promise<unknown>, code: KeyStoreError['code']): Promise<KeyStoreError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KeyStoreError);
  const keyStoreError = error as KeyStoreError;
  expect(keyStoreError.code).toBe(code);
  expect(keyStoreError.fix.length).toBeGreaterThan(10);
  expect(keyStoreError.message).toContain(keyStoreError.fix);
  return keyStoreError;
}

function readRecord(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(home, KEYSTORE_FILE), 'utf8')) as Record<string, unknown>;
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

function expectNoFileHolds(directory: string, key: Buffer): void {
  const encodings = [key.toString('hex'), key.toString('base64'), key.toString('base64url')];
  const files = filesUnder(directory);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const bytes = readFileSync(file);
    expect(bytes.includes(key), `${file} holds the raw key`).toBe(false);
    for (const encoded of encodings) {
      expect(bytes.toString('latin1').includes(encoded), `${file} holds the key as text`).toBe(false);
    }
  }
}

describe('passphrase key store', () => {
  it('creates a random data key wrapped under the passphrase, recorded in keystore.json (0600)', async () => {
    const store = await openKeyStore(options({ prefer: 'passphrase', passphrase: 'correct horse battery staple' }));
    expect(store.kind).toBe('passphrase');
    expect(store.dataKey).toHaveLength(32);
    expect(store.describe()).toBe('passphrase file (scrypt)');

    const record = readRecord();
    expect(record).toMatchObject({ version: 1, kind: 'passphrase', kdf: 'scrypt', params: LOW_COST });
    expect(Buffer.from(record.salt as string, 'base64')).toHaveLength(16);
    expect(record.wrapped_data_key).toMatch(/^kassa-box:v1:/u);
    if (process.platform !== 'win32') expect(statSync(join(home, KEYSTORE_FILE)).mode & 0o777).toBe(0o600);
    expect(readdirSync(home)).toEqual([KEYSTORE_FILE]); // no temp file left behind
  });

  it('reopens with the right passphrase to the same data key, whatever is preferred now', async () => {
    const created = await openKeyStore(options({ prefer: 'passphrase', passphrase: 'pw one' }));
    for (const prefer of ['passphrase', 'auto', 'keychain', 'none'] as const) {
      const reopened = await openKeyStore(options({ prefer, passphrase: 'pw one' }));
      expect(reopened.kind).toBe('passphrase');
      expect(reopened.dataKey!.equals(created.dataKey!)).toBe(true);
    }
  });

  it('uses the recorded scrypt params on reopen, not the caller\'s', async () => {
    const created = await openKeyStore(options({ prefer: 'passphrase', passphrase: 'pw' }));
    const reopened = await openKeyStore(options({ passphrase: 'pw', scrypt: { N: 2 ** 11, r: 8, p: 1 } }));
    expect(reopened.dataKey!.equals(created.dataKey!)).toBe(true);
  });

  it('wrong passphrase → passphrase_wrong', async () => {
    await openKeyStore(options({ prefer: 'passphrase', passphrase: 'right' }));
    await expectKeyStoreError(openKeyStore(options({ passphrase: 'wrong' })), 'passphrase_wrong');
  });

  it('missing passphrase → passphrase_required (an empty one counts as missing)', async () => {
    await openKeyStore(options({ prefer: 'passphrase', passphrase: 'right' }));
    await expectKeyStoreError(openKeyStore(options()), 'passphrase_required');
    await expectKeyStoreError(openKeyStore(options({ passphrase: '' })), 'passphrase_required');
    await expectKeyStoreError(openKeyStore(options({ promptPassphrase: async () => '' })), 'passphrase_required');
  });

  it('asks the prompt, saying whether it creates or unlocks', async () => {
    const requests: PassphrasePromptRequest['purpose'][] = [];
    const promptPassphrase = async (request: PassphrasePromptRequest) => {
      requests.push(request.purpose);
      return 'typed at the prompt';
    };
    const created = await openKeyStore(options({ prefer: 'passphrase', promptPassphrase }));
    const reopened = await openKeyStore(options({ promptPassphrase }));
    expect(requests).toEqual(['create', 'unlock']);
    expect(reopened.dataKey!.equals(created.dataKey!)).toBe(true);
  });

  it('prefer passphrase without one → passphrase_required, and nothing recorded', async () => {
    await expectKeyStoreError(openKeyStore(options({ prefer: 'passphrase' })), 'passphrase_required');
    expect(readdirSync(home)).toEqual([]);
  });

  it('writes no key material to any file under home', async () => {
    const store = await openKeyStore(options({ prefer: 'passphrase', passphrase: 'pw' }));
    expectNoFileHolds(home, store.dataKey!);
  });

  it('never prints the data key when the store is logged or serialised', async () => {
    const store = await openKeyStore(options({ prefer: 'passphrase', passphrase: 'pw' }));
    const key = store.dataKey!;
    for (const text of [JSON.stringify(store), inspect(store, { showHidden: true, depth: 5 }), String(store), store.describe()]) {
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
      expect(text).not.toMatch(/<Buffer/u);
    }
    expect(JSON.parse(JSON.stringify(store))).toEqual({ kind: 'passphrase', description: 'passphrase file (scrypt)' });
  });
});

describe.runIf(onLinux)('without a keychain', () => {
  it('the keychain probe reports unavailable', async () => {
    expect(await keychainAvailable(SERVICE)).toBe(false);
  });

  it("auto with nothing available → 'none', and 'none' is not recorded", async () => {
    const store = await openKeyStore(options({ prefer: 'auto' }));
    expect(store.kind).toBe('none');
    expect(store.dataKey).toBeNull();
    expect(store.describe()).toMatch(/^none/u);
    expect(readdirSync(home)).toEqual([]);
  });

  it("a later run with a passphrase upgrades from 'none'", async () => {
    expect((await openKeyStore(options())).kind).toBe('none');
    const upgraded = await openKeyStore(options({ passphrase: 'pw' }));
    expect(upgraded.kind).toBe('passphrase');
    expect(readRecord().kind).toBe('passphrase');
  });

  it('auto picks the passphrase when one is given', async () => {
    expect((await openKeyStore(options({ passphrase: 'pw' }))).kind).toBe('passphrase');
  });

  it('prefer keychain does not fall back: keychain_unavailable, nothing recorded', async () => {
    await expectKeyStoreError(openKeyStore(options({ prefer: 'keychain', passphrase: 'pw' })), 'keychain_unavailable');
    expect(readdirSync(home)).toEqual([]);
  });

  it('a home recorded as keychain fails with keychain_unavailable instead of making a new key', async () => {
    writeFileSync(
      join(home, KEYSTORE_FILE),
      JSON.stringify({ version: 1, kind: 'keychain', service: SERVICE, account: 'data-key:0123456789abcdef', created_at: new Date().toISOString() }),
    );
    const before = readFileSync(join(home, KEYSTORE_FILE), 'utf8');
    const error = await expectKeyStoreError(openKeyStore(options({ passphrase: 'pw' })), 'keychain_unavailable');
    expect(error.fix).toMatch(/will not make a new key/u);
    expect(readFileSync(join(home, KEYSTORE_FILE), 'utf8')).toBe(before);
  });
});

describe('a damaged keystore.json', () => {
  it.each([
    ['not JSON', '{"kind": "passph'],
    ['unknown kind', JSON.stringify({ version: 1, kind: 'plaintext', key: 'x' })],
    ['missing fields', JSON.stringify({ version: 1, kind: 'passphrase', kdf: 'scrypt' })],
    ['absurd scrypt cost', JSON.stringify({ version: 1, kind: 'passphrase', kdf: 'scrypt', params: { N: 2 ** 30, r: 8, p: 1 }, salt: randomBytes(16).toString('base64'), wrapped_data_key: 'kassa-box:v1:a:b:c', created_at: 'x' })],
  ])('%s → keystore_corrupt', async (_name, content) => {
    writeFileSync(join(home, KEYSTORE_FILE), content);
    await expectKeyStoreError(openKeyStore(options({ passphrase: 'pw' })), 'keystore_corrupt');
  });

  it('from a newer Kassa → keystore_corrupt naming the upgrade', async () => {
    writeFileSync(join(home, KEYSTORE_FILE), JSON.stringify({ version: 2, kind: 'hardware' }));
    const error = await expectKeyStoreError(openKeyStore(options({ passphrase: 'pw' })), 'keystore_corrupt');
    expect(error.fix).toMatch(/Upgrade Kassa/u);
  });

  it('a tampered wrapped key → keystore_corrupt, not passphrase_wrong', async () => {
    await openKeyStore(options({ prefer: 'passphrase', passphrase: 'pw' }));
    const record = readRecord();
    writeFileSync(join(home, KEYSTORE_FILE), JSON.stringify({ ...record, wrapped_data_key: 'kassa-box:v1:zz' }));
    await expectKeyStoreError(openKeyStore(options({ passphrase: 'pw' })), 'keystore_corrupt');
  });
});
