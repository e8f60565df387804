// The `kassa` command line as an operator meets it: keys, config errors, the live wallet (sealed,
// never plaintext), import of known words, and an online backup that restores.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveAddress } from '../../../src-server/wallet/derive.ts';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';
import { apiClient, CLI, createApiKey, nodeEnv, ROOT, startNode, tempHome, type TestNode } from '../../helpers/node.ts';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kassa …` to completion (stdin optional) and reports the exit code instead of throwing. */
function kassa(home: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], { env: nodeEnv(home, opts.env), cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`kassa ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    proc.stdin.end(opts.input ?? '');
  });
}

function expectFailure(res: CliResult, ...mentions: (string | RegExp)[]) {
  expect(res.code, res.stderr).not.toBe(0);
  expect(res.code, res.stderr).not.toBeNull();
  for (const m of mentions) {
    if (typeof m === 'string') expect(res.stderr).toContain(m);
    else expect(res.stderr).toMatch(m);
  }
  expect(res.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/); // a message, not a stack trace
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

// Groups run side by side (each has its own home); the steps inside a group run in order.
const seq = { concurrent: false };

const PASSPHRASE_ENV = { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'correct horse battery staple' };
const ABANDON = `${'abandon '.repeat(11)}about`;
const ABANDON_EVM_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';

describe.concurrent('kassa keys', () => {
  let home: string;
  beforeAll(() => {
    home = tempHome();
  });

  it('keys create --mode test --json prints one JSON line: id, key (sk_test_ + 32), mode, scopes', seq, async () => {
    const res = await kassa(home, ['keys', 'create', '--mode', 'test', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!);
    expect(out.id).toMatch(/^key_/);
    expect(out.key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(out.mode).toBe('test');
    expect(out.scopes).toEqual(expect.arrayContaining(['payment_intents:read', 'payment_intents:write']));
  });

  it('--scopes a write scope implies its read scope; --mode live makes an sk_live_ key', seq, async () => {
    const res = await kassa(home, ['keys', 'create', '--mode', 'live', '--scopes', 'payment_intents:write', '--rate-limit', '7', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.key).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(out).toMatchObject({ mode: 'live', scopes: ['payment_intents:read', 'payment_intents:write'], rate_limit: 7 });
  });

  it('bad flags exit non-zero with a message naming the flag', seq, async () => {
    const cases: { args: string[]; mentions: string[] }[] = [
      { args: ['--mode', 'x'], mentions: ['--mode'] },
      { args: ['--mode', 'test', '--scopes', 'nope'], mentions: ['--scopes', '"nope"'] },
      { args: ['--mode', 'test', '--rate-limit', '-3'], mentions: ['--rate-limit'] },
      { args: ['--mode', 'test', '--rate-limit=-3'], mentions: ['--rate-limit'] },
      { args: ['--mode', 'test', '--rate-limit', '0'], mentions: ['--rate-limit'] },
      { args: ['--mode', 'test', '--colour', 'blue'], mentions: ['--colour'] },
    ];
    const results = await Promise.all(cases.map(({ args }) => kassa(home, ['keys', 'create', ...args])));
    results.forEach((res, i) => expectFailure(res, ...cases[i]!.mentions));
    expectFailure(await kassa(home, ['keys', 'revoke', 'key_nope']), 'key_nope');
    // None of the refused commands made a key.
    expect(JSON.parse((await kassa(home, ['keys', 'list', '--json'])).stdout)).toHaveLength(2);
  });

  it('keys list --json shows hints, never a key', seq, async () => {
    const made = JSON.parse((await kassa(home, ['keys', 'create', '--mode', 'test', '--json'])).stdout);
    const res = await kassa(home, ['keys', 'list', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).not.toContain(made.key);
    expect(res.stdout).not.toMatch(/sk_(test|live)_[0-9A-Za-z]{32}/);
    const list = JSON.parse(res.stdout) as { id: string; hint: string }[];
    const row = list.find((k) => k.id === made.id)!;
    expect(row.hint).toBe(`${made.key.slice(0, 8)}…${made.key.slice(-4)}`);
    // The database itself holds no key either, only its hash.
    const db = new Database(join(home, 'kassa.db'), { readonly: true });
    const stored = JSON.stringify(db.prepare('SELECT * FROM api_keys').all());
    db.close();
    expect(stored).not.toContain(made.key);
  });
});

describe.concurrent('kassa serve refuses a bad config.json', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['port "abc"', { port: 'abc' }, 'port'],
    ['an unknown key', { prot: 8420 }, 'prot'],
    ['an unknown nested key', { devnet: { blocktime: 1 } }, 'blocktime'],
    ['a bad rate', { rates: { 'EUR/USDT': 'cheap' } }, 'rates'],
  ];
  it('every bad config exits non-zero naming the key at fault', seq, async () => {
    const results = await Promise.all(
      cases.map(([, config]) => {
        const home = tempHome();
        writeFileSync(join(home, 'config.json'), JSON.stringify(config));
        return kassa(home, ['serve', '--no-devnet'], { timeoutMs: 20_000 });
      }),
    );
    results.forEach((res, i) => expectFailure(res, cases[i]![2], 'config.json'));
  });

  it('config.json that is not JSON → exits non-zero naming the file', seq, async () => {
    const home = tempHome();
    writeFileSync(join(home, 'config.json'), '{ port: 1 ');
    expectFailure(await kassa(home, ['serve', '--no-devnet'], { timeoutMs: 20_000 }), 'config.json', /not valid JSON/);
  });
});

describe.concurrent('kassa wallet', () => {
  it('wallet create with no key store refuses, naming the fix', seq, async () => {
    const home = tempHome();
    const res = await kassa(home, ['wallet', 'create']); // the harness sets KASSA_KEY_STORE=none
    expectFailure(res, /no key store/i, 'KASSA_PASSPHRASE');
    expect(res.stdout).toBe('');
    const addresses = JSON.parse((await kassa(home, ['wallet', 'addresses', '--mode', 'live', '--json'])).stdout) as { account: string | null }[];
    expect(addresses.every((a) => a.account === null)).toBe(true);
  });

  it('wallet create with a passphrase key store: 24 words once, xpubs for every scheme, never twice, never plaintext', seq, async () => {
    const home = tempHome();
    const res = await kassa(home, ['wallet', 'create'], { env: PASSPHRASE_ENV });
    expect(res.code, res.stderr).toBe(0);
    const words = [...res.stdout.matchAll(/^\s*(\d+)\. ([a-z]+)$/gm)].map((m) => m[2]!);
    expect(words).toHaveLength(24);
    const mnemonic = words.join(' ');

    const addresses = await kassa(home, ['wallet', 'addresses', '--mode', 'live', '--json']);
    expect(addresses.code, addresses.stderr).toBe(0);
    const accounts = JSON.parse(addresses.stdout) as { scheme: string; account: string | null }[];
    expect(accounts.map((a) => a.scheme).sort()).toEqual(['btc', 'evm', 'ltc', 'tron']);
    for (const a of accounts) expect(a.account).toMatch(/^xpub[1-9A-HJ-NP-Za-km-z]{100,}$/);
    expect(addresses.stdout).not.toContain(words[0]! + ' ' + words[1]!);

    const again = await kassa(home, ['wallet', 'create'], { env: PASSPHRASE_ENV });
    expectFailure(again, /already has a live wallet/);
    expect(again.stdout).toBe('');

    // The words exist nowhere in the clear: not in the database, its WAL, the key file, anything.
    const files = filesUnder(home);
    expect(files.some((f) => f.endsWith('kassa.db'))).toBe(true);
    expect(files.some((f) => f.endsWith('keystore.json'))).toBe(true);
    const needles = [mnemonic, ...words.slice(1).map((w, i) => `${words[i]} ${w}`), ...words.slice(1).map((w, i) => `${words[i]}","${w}`)];
    for (const file of files) {
      const bytes = readFileSync(file);
      const latin = bytes.toString('latin1');
      const utf16 = bytes.toString('utf16le');
      for (const needle of needles) {
        expect(latin.includes(needle), `${file} contains "${needle}"`).toBe(false);
        expect(utf16.includes(needle), `${file} contains "${needle}" (UTF-16)`).toBe(false);
      }
    }
  });
});

describe.concurrent('wallet import and live addresses', () => {
  let liveChain: TestDevnet;
  let liveNode: TestNode | undefined;
  let home: string;
  beforeAll(async () => {
    home = tempHome();
    liveChain = await startTestDevnet({ chainId: 56 });
  });
  afterAll(async () => {
    await liveNode?.stop();
    await liveChain?.stop();
  });

  it('an invalid mnemonic is refused and nothing is stored', seq, async () => {
    const res = await kassa(home, ['wallet', 'import'], { env: PASSPHRASE_ENV, input: `${'abandon '.repeat(12)}\n` });
    expectFailure(res, /not a valid BIP39 mnemonic/);
    const accounts = JSON.parse((await kassa(home, ['wallet', 'addresses', '--json'])).stdout) as { account: string | null }[];
    expect(accounts.every((a) => a.account === null)).toBe(true);
  });

  it('"abandon … about" on stdin: the stored EVM xpub derives 0x9858…Da94 at index 0', seq, async () => {
    const res = await kassa(home, ['wallet', 'import'], { env: PASSPHRASE_ENV, input: `  ${ABANDON.toUpperCase()}\n` });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Imported the live wallet/);
    expect(res.stdout + res.stderr).not.toContain('abandon');
    const accounts = JSON.parse((await kassa(home, ['wallet', 'addresses', '--mode', 'live', '--json'])).stdout) as { scheme: string; account: string }[];
    const evm = accounts.find((a) => a.scheme === 'evm')!;
    expect(deriveAddress(evm.account, 'evm', 0)).toBe(ABANDON_EVM_0);
    for (const file of filesUnder(home)) expect(readFileSync(file).toString('latin1')).not.toContain(ABANDON);
  });

  it('the node then hands out that address to the first live intent on an enabled network', seq, async () => {
    liveNode = await startNode({
      home,
      noDevnet: true,
      env: PASSPHRASE_ENV,
      config: { networks: { bsc: { enabled: true, rpcUrls: [liveChain.rpcUrl], confirmations: 1 } } },
    });
    const live = apiClient(liveNode.merchantUrl, await createApiKey(home, 'live'));
    const res = await live.post('/api/v1/payment-intents', { network: 'bsc', asset: 'USDT', amount: '12.50' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ livemode: true, network: 'bsc', asset: 'USDT', decimals: 18, pay_amount: '12.50', receive_address: ABANDON_EVM_0 });
    const second = await live.post('/api/v1/payment-intents', { network: 'bsc', asset: 'USDT', amount: '1' });
    expect(second.body.data.receive_address).not.toBe(ABANDON_EVM_0);
    const listed = JSON.parse((await kassa(home, ['wallet', 'addresses', '--mode', 'live', '--scheme', 'evm', '--json'])).stdout);
    expect(listed[0].addresses[0]).toMatchObject({ index: 0, address: ABANDON_EVM_0, purpose: `payment_intent:${res.body.data.id}` });
  });
});

describe.concurrent('kassa backup', () => {
  let node: TestNode;
  let restored: TestNode | undefined;
  beforeAll(async () => {
    node = await startNode({ blockTime: 0 });
  });
  afterAll(async () => {
    await restored?.stop();
    await node?.stop();
  });

  it('backs up a running node to a database that opens, and a node started on it serves the same intents', seq, async () => {
    const key = await createApiKey(node.home, 'test', ['--rate-limit', 'off']);
    const api = apiClient(node.merchantUrl, key);
    const ids: string[] = [];
    for (const amount of ['4.00', '5.50']) {
      const res = await api.post('/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount, custom_id: `backup-${amount}` });
      expect(res.status).toBe(201);
      ids.push(res.body.data.id);
    }

    const backupFile = join(tempHome('kassa-backup-'), 'kassa-backup.db');
    const res = await kassa(node.home, ['backup', backupFile]);
    expect(res.code, res.stderr).toBe(0);
    expect(existsSync(backupFile)).toBe(true);
    // The node kept serving while the backup ran.
    expect((await api.get(`/api/v1/payment-intents/${ids[0]}`)).status).toBe(200);

    const db = new Database(backupFile, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
    const rows = db.prepare('SELECT id, custom_id FROM payment_intents ORDER BY created_at').all() as { id: string; custom_id: string }[];
    db.close();
    expect(rows.map((r) => r.id)).toEqual(ids);

    // Restore: a fresh home whose kassa.db is the backup, on the same devnet.
    const health = (await (await fetch(`${node.merchantUrl}/healthz`)).json()) as { devnet: { rpc_url: string } };
    const restoredHome = tempHome('kassa-restore-');
    copyFileSync(backupFile, join(restoredHome, 'kassa.db'));
    restored = await startNode({ home: restoredHome, devnetRpc: health.devnet.rpc_url });
    const restoredApi = apiClient(restored.merchantUrl, key); // keys travel with the database
    for (const [i, id] of ids.entries()) {
      const got = await restoredApi.get(`/api/v1/payment-intents/${id}`);
      expect(got.status, JSON.stringify(got.body)).toBe(200);
      expect(got.body.data).toMatchObject({ id, amount: ['4.00', '5.50'][i], status: 'pending' });
    }
    const list = await restoredApi.get('/api/v1/payment-intents?custom_id=backup-5.50');
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([ids[1]]);
  });

  it('backup without a FILE exits non-zero with usage', seq, async () => {
    expectFailure(await kassa(node.home, ['backup']), 'backup FILE');
  });
});
