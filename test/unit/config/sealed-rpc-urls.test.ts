// Dashboard-saved RPC URLs: the precedence rule, and the sealed map's round trip through the
// secrets table (no plaintext in the row, the data key needed to open it).
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseRpcUrls,
  readSealedRpcUrls,
  saveSealedRpcUrls,
  SEALED_RPC_URLS_SECRET,
  SealedRpcUrlsError,
} from '../../../src-server/config/sealed-rpc-urls.ts';
import { migrate, type Db } from '../../../src-server/storage/db.ts';
import { createStorage } from '../../../src-server/storage/index.ts';

const KEYED = 'https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef';
const DEFAULTS = ['https://ethereum-rpc.publicnode.com'];

describe('chooseRpcUrls: config.json > dashboard > defaults', () => {
  it.each([
    ['config.json lists URLs', ['https://file.example'], [KEYED], { urls: ['https://file.example'], source: 'config_file' }],
    ['only the dashboard saved some', undefined, [KEYED], { urls: [KEYED], source: 'dashboard' }],
    ['an empty config list counts as none', [], [KEYED], { urls: [KEYED], source: 'dashboard' }],
    ['neither', undefined, undefined, { urls: DEFAULTS, source: 'default' }],
    ['an empty dashboard list counts as none', undefined, [], { urls: DEFAULTS, source: 'default' }],
  ] as const)('%s', (_name, configured, sealed, expected) => {
    expect(chooseRpcUrls(configured, sealed, DEFAULTS)).toEqual(expected);
  });
});

describe('the sealed map in the secrets table', () => {
  const open: Db[] = [];
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
  });
  function storage() {
    const db = new Database(':memory:');
    open.push(db);
    migrate(db);
    return createStorage(db);
  }
  const at = new Date('2026-05-29T12:00:00Z');

  it('round trip: what is saved opens with the same key; the row holds no URL', () => {
    const s = storage();
    const key = randomBytes(32);
    expect(readSealedRpcUrls(s.secrets, key)).toEqual({});
    const urls = { ethereum: [KEYED, 'https://user:pw@backup.example/eth'], bsc: ['https://bsc.example/?apikey=abc'] };
    saveSealedRpcUrls(s, key, urls, at);
    expect(readSealedRpcUrls(s.secrets, key)).toEqual(urls);
    const row = s.secrets.getSealed(SEALED_RPC_URLS_SECRET)!;
    expect(row).toMatch(/^kassa-box:v1:/);
    for (const secret of ['0123456789abcdef', 'user:pw', 'apikey', 'infura']) expect(row).not.toContain(secret);

    // Saving again replaces the map; a network with [] drops out; nothing left removes the secret.
    saveSealedRpcUrls(s, key, { ethereum: [KEYED], bsc: [] }, at);
    expect(readSealedRpcUrls(s.secrets, key)).toEqual({ ethereum: [KEYED] });
    saveSealedRpcUrls(s, key, { ethereum: [] }, at);
    expect(s.secrets.getSealed(SEALED_RPC_URLS_SECRET)).toBeNull();
  });

  it('another key or no key cannot open it, and says so', () => {
    const s = storage();
    saveSealedRpcUrls(s, randomBytes(32), { ethereum: [KEYED] }, at);
    expect(() => readSealedRpcUrls(s.secrets, randomBytes(32))).toThrow(SealedRpcUrlsError);
    expect(() => readSealedRpcUrls(s.secrets, null)).toThrow(/no key store/);
  });

  it('without a key nothing is saved, but clearing works', () => {
    const s = storage();
    expect(() => saveSealedRpcUrls(s, null, { ethereum: [KEYED] }, at)).toThrow(SealedRpcUrlsError);
    expect(s.secrets.getSealed(SEALED_RPC_URLS_SECRET)).toBeNull();
    expect(() => saveSealedRpcUrls(s, null, {}, at)).not.toThrow();
  });
});
