// A watch-only live wallet end to end: `kassa wallet import --watch-only` takes the EVM account
// xpub of "abandon … about" on stdin in a home with no key store, and a node on an anvil that
// calls itself Ethereum mainnet (USDT's real address holding the test token's code) hands out its
// index-0 address and sees the payment, with no seed anywhere.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HDKey } from '@scure/bip32';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devnetMine, devnetPay } from '../../../src-server/chains/devnet/devnet.ts';
import { mnemonicToSeed } from '../../../src-server/wallet/mnemonic.ts';
import { MAINNET_USDT, startMainnetLikeChain, type TestDevnet } from '../../helpers/anvil.ts';
import { apiClient, CLI, createApiKey, nodeEnv, ROOT, startNode, tempHome, type TestNode } from '../../helpers/node.ts';

const ABANDON = `${'abandon '.repeat(11)}about`;
const ABANDON_EVM_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';

let chain: TestDevnet;
let node: TestNode | undefined;
let home: string;
let evmAccountXpub: string;
let evmAccountXprv: string;

/** `kassa …` with stdin; reports the exit code instead of throwing. nodeEnv sets KASSA_KEY_STORE=none. */
function kassa(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], { env: nodeEnv(home), cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
    proc.stdin.end(input);
  });
}

beforeAll(async () => {
  const account = HDKey.fromMasterSeed(await mnemonicToSeed(ABANDON)).derive("m/44'/60'/0'");
  evmAccountXpub = account.publicExtendedKey;
  evmAccountXprv = account.privateExtendedKey;
  home = tempHome('kassa-watch-only-');

  chain = await startMainnetLikeChain();
}, 120_000);

afterAll(async () => {
  await node?.stop();
  await chain?.stop();
});

it('refuses an xprv on stdin without storing anything or echoing it', async () => {
  const res = await kassa(['wallet', 'import', '--watch-only'], `evm=${evmAccountXprv}\n`);
  expect(res.code, res.stderr).toBe(2);
  expect(res.stderr).toMatch(/this is a private key/);
  expect(res.stderr).toMatch(/export the xpub/);
  expect(res.stderr + res.stdout).not.toContain(evmAccountXprv.slice(4, 30));
  expect(res.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  const accounts = JSON.parse((await kassa(['wallet', 'addresses', '--mode', 'live', '--json'])).stdout) as { account: string | null }[];
  expect(accounts.every((a) => a.account === null)).toBe(true);
});

it('imports the EVM account xpub from stdin with no key store, and shows the wallet as watch-only', async () => {
  const res = await kassa(['wallet', 'import', '--watch-only'], `${evmAccountXpub}\n`);
  expect(res.code, res.stderr).toBe(0);
  expect(res.stdout).toMatch(/watch-only live wallet/);
  expect(res.stdout).toContain(`evm   ${ABANDON_EVM_0}`);

  const listed = JSON.parse((await kassa(['wallet', 'addresses', '--mode', 'live', '--json'])).stdout) as { scheme: string; account: string | null; watch_only: boolean }[];
  expect(listed.find((a) => a.scheme === 'evm')).toMatchObject({ account: expect.stringMatching(/^xpub/), watch_only: true });
  expect(listed.filter((a) => a.scheme !== 'evm').every((a) => a.account === null)).toBe(true);
  const text = await kassa(['wallet', 'addresses', '--mode', 'live']);
  expect(text.stdout).toMatch(/^evm: 0 allocated, watch-only$/m);

  const again = await kassa(['wallet', 'import', '--watch-only'], `evm=${evmAccountXpub}\n`);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/already has a live wallet/);
});

it('a live intent receives at index 0 of the imported key and becomes paid; no seed is sealed', async () => {
  node = await startNode({
    home,
    noDevnet: true,
    config: { networks: { ethereum: { enabled: true, rpcUrls: [chain.rpcUrl], confirmations: 2 } } },
  });
  const api = apiClient(node.merchantUrl, await createApiKey(home, 'live'));
  const created = await api.post('/api/v1/payment-intents', { network: 'ethereum', asset: 'USDT', amount: '12.50', custom_id: 'WATCH-1' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const intent = created.body.data;
  expect(intent).toMatchObject({ livemode: true, network: 'ethereum', token_contract: MAINNET_USDT, receive_address: ABANDON_EVM_0 });

  await devnetPay({ rpcUrl: chain.rpcUrl, from: chain.info.faucet, to: intent.receive_address, token: MAINNET_USDT, amount: 12_500_000n });
  await devnetMine(chain.rpcUrl, 2);
  const poll = async () => (await api.get(`/api/v1/payment-intents/${intent.id}`)).body.data;
  await expect.poll(async () => (await poll()).status, { timeout: 20_000, interval: 100 }).toBe('paid');
  expect(await poll()).toMatchObject({ amount_received: '12.50', amount_confirmed: '12.50' });

  const listed = JSON.parse((await kassa(['wallet', 'addresses', '--mode', 'live', '--scheme', 'evm', '--json'])).stdout);
  expect(listed[0].addresses[0]).toMatchObject({ index: 0, address: ABANDON_EVM_0, purpose: `payment_intent:${intent.id}` });

  const db = new Database(join(home, 'kassa.db'), { readonly: true });
  try {
    expect(db.prepare("SELECT name FROM secrets WHERE name LIKE 'wallet.live%'").all()).toEqual([]);
    expect(db.prepare('SELECT scheme, watch_only FROM wallet_accounts WHERE livemode = 1').all()).toEqual([{ scheme: 'evm', watch_only: 1 }]);
  } finally {
    db.close();
  }
});
