// PUT /settings/networks' rule for RPC URLs: where they go (the sealed map, never config.json),
// when config.json's hand-written URLs stand in the way, and when a key store is required.
import { describe, expect, it } from 'vitest';
import { applyRpcUrlSettings } from '../../../src-server/admin/handlers/config-file.ts';

const KEYED = 'https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef';
const SHOWN = 'https://mainnet.infura.io/v3/***';
const FILE = '/home/m/config.json';
const sealable = { canSeal: true, configFile: FILE };
const noKeyStore = { canSeal: false, configFile: FILE };

type Case = {
  name: string;
  body: Record<string, { enabled: boolean; rpc_urls?: string[] }>;
  file?: Record<string, unknown>;
  sealed?: Record<string, string[]>;
  opts?: typeof sealable;
  expected: { urls: Record<string, string[]>; changed: boolean } | { status: number; code: string; param: string };
};

const cases: Case[] = [
  { name: 'new URLs are sealed', body: { ethereum: { enabled: true, rpc_urls: [KEYED] } }, expected: { urls: { ethereum: [KEYED] }, changed: true } },
  { name: 'rpc_urls omitted keeps the saved ones', body: { ethereum: { enabled: false } }, sealed: { ethereum: [KEYED] }, expected: { urls: { ethereum: [KEYED] }, changed: false } },
  { name: 'the redacted URL sent back keeps the saved one', body: { ethereum: { enabled: true, rpc_urls: [SHOWN] } }, sealed: { ethereum: [KEYED] }, expected: { urls: { ethereum: [KEYED] }, changed: false } },
  {
    name: 'a redacted URL kept beside a new one',
    body: { ethereum: { enabled: true, rpc_urls: ['https://new.example', SHOWN] } },
    sealed: { ethereum: [KEYED], bsc: ['https://bsc.example'] },
    expected: { urls: { ethereum: ['https://new.example', KEYED], bsc: ['https://bsc.example'] }, changed: true },
  },
  { name: '[] returns to the defaults', body: { ethereum: { enabled: true, rpc_urls: [] } }, sealed: { ethereum: [KEYED] }, expected: { urls: {}, changed: true } },
  { name: 'a redacted URL matching nothing saved is refused', body: { ethereum: { enabled: true, rpc_urls: [SHOWN] } }, expected: { status: 400, code: 'parameter_invalid', param: 'networks.ethereum.rpc_urls[0]' } },
  {
    name: 'config.json URLs sent back as shown: nothing to do',
    body: { ethereum: { enabled: true, rpc_urls: [SHOWN] } },
    file: { ethereum: { enabled: true, rpcUrls: [KEYED] } },
    expected: { urls: {}, changed: false },
  },
  {
    name: 'config.json URLs changed from the dashboard: the file wins, so 409',
    body: { ethereum: { enabled: true, rpc_urls: ['https://other.example'] } },
    file: { ethereum: { enabled: true, rpcUrls: [KEYED] } },
    expected: { status: 409, code: 'rpc_urls_in_config_file', param: 'networks.ethereum.rpc_urls' },
  },
  { name: 'no key store: saving URLs is refused', body: { bsc: { enabled: true, rpc_urls: ['https://bsc.example'] } }, opts: noKeyStore, expected: { status: 422, code: 'key_store_required', param: 'networks.bsc.rpc_urls' } },
  { name: 'no key store: [] and omitted still work', body: { bsc: { enabled: true, rpc_urls: [] }, tron: { enabled: true } }, opts: noKeyStore, expected: { urls: {}, changed: false } },
  { name: 'a bad URL is named before the key store', body: { bsc: { enabled: true, rpc_urls: ['ftp://x'] } }, opts: noKeyStore, expected: { status: 400, code: 'parameter_invalid', param: 'networks.bsc.rpc_urls[0]' } },
];

describe('applyRpcUrlSettings', () => {
  it.each(cases)('$name', ({ body, file, sealed, opts, expected }) => {
    const run = () => applyRpcUrlSettings({ networks: body }, file ?? {}, sealed ?? {}, opts ?? sealable);
    if ('status' in expected) expect(run).toThrow(expect.objectContaining(expected));
    else expect(run()).toEqual(expected);
  });

  it('the 422 says why and what to do', () => {
    expect(() => applyRpcUrlSettings({ networks: { bsc: { enabled: true, rpc_urls: ['https://bsc.example'] } } }, {}, {}, noKeyStore)).toThrow(
      /API keys.*KASSA_PASSPHRASE.*\/home\/m\/config\.json as networks\.bsc\.rpcUrls/,
    );
  });
});
