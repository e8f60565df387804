#!/usr/bin/env node
// `kassa serve | keys … | wallet … | backup FILE`. Flags beat env (KASSA_*) beat <home>/config.json.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { LOGIN_URL_COMMAND, mintOneTimeToken, oneTimeLoginUrl } from './admin/auth/one-time.ts';
import { hashPassword, passwordProblem } from './admin/auth/password.ts';
import { ConfigError, defaultHome, isLoopbackHost, loadConfig } from './config/config.ts';
import { SERVE_FLAGS, serveConfigFlags } from './config/serve-flags.ts';
import { storageErrorOf } from './http/errors.ts';
import { createApiKeysService, KeyInputError } from './keys/api-keys-service.ts';
import { DEFAULT_STORE_ID, openHome, startNode, VERSION } from './node.ts';
import { backupDatabase } from './storage/db.ts';
import { ADDRESS_SCHEMES, type AddressScheme } from './wallet/derive.ts';
import { parseWatchOnlyInput } from './wallet/extended-key.ts';
import { KeyStoreError, NO_KEY_STORE, openKeyStore, type PassphrasePromptRequest } from './wallet/key-store.ts';
import { createWalletService, WalletError } from './wallet/wallet-service.ts';
import { cmdTunnel, TUNNEL_USAGE, TunnelCommandError } from './tunnel/tunnel-command.ts';

const HELP = `kassa ${VERSION} — your own crypto payment gateway

Usage:
  kassa serve [--home DIR] [--host 127.0.0.1] [--port 8420] [--public-port 8421]
              [--devnet-rpc URL | --no-devnet] [--block-time SECONDS] [--allow-remote]
  kassa keys create --mode test|live [--scopes a,b] [--rate-limit N|off] [--name NAME] [--json]
  kassa keys list [--json]
  kassa keys revoke KEY_ID
  kassa wallet create            make the live wallet (24 words, shown once)
  kassa wallet import            import a live wallet's words (read from the terminal or stdin)
  kassa wallet import --watch-only
                                 a watch-only live wallet from extended public keys, one
                                 scheme=key per line on the terminal or stdin (evm=xpub…,
                                 btc=zpub…, ltc=Ltub…, tron=xpub…; one bare key = evm):
                                 detects payments, can never sign a sweep or withdrawal
  kassa wallet addresses [--mode test|live] [--scheme evm|tron|btc|ltc] [--limit N] [--json]
  kassa backup FILE              consistent copy of the database (SQLite online backup)
  kassa admin login-url          a one-time dashboard login link (15 minutes, single use); works
                                 for a running or a stopped node
  kassa admin password [--stdin] set the dashboard password (typed twice on the terminal, or one
                                 line on stdin); ends every signed-in dashboard session
  kassa admin totp disable       turn off the dashboard's TOTP (recovery when the phone is lost)
  ${TUNNEL_USAGE}
                                 the tunnel exposing the public listener (checkout pages only);
                                 waits for a running node to connect, else saved for \`kassa serve\`
  kassa transfers unattributed [--json]
                                 money that reached our addresses but pays no intent (wrong asset,
                                 or an amount matching no intent on a shared address)

Home: --home, else KASSA_HOME, else the OS app-data dir. Config: <home>/config.json, KASSA_* env, flags.`;

class UsageError extends Error {}

function fail(message: string, code = 2): never {
  process.stderr.write(`kassa: ${message}\n`);
  process.exit(code);
}

async function readHidden(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(prompt);
  output._writeToOutput = () => {}; // do not echo secrets
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer.trim();
}

/** Public input (extended public keys): echoed, several lines, ended by an empty line or EOF. */
async function readLines(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const lines: string[] = [];
  await new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      if (line.trim() === '') return lines.length > 0 ? rl.close() : undefined;
      lines.push(line);
    });
    rl.once('close', resolve);
  });
  return lines.join('\n');
}

async function promptPassphrase(req: PassphrasePromptRequest): Promise<string> {
  if (!process.stdin.isTTY) throw new KeyStoreError('passphrase_required', 'A passphrase is needed to unlock the key file.', 'Set KASSA_PASSPHRASE.');
  const first = await readHidden(req.purpose === 'create' ? 'New passphrase for the Kassa key file: ' : 'Kassa passphrase: ');
  if (req.purpose === 'create') {
    const again = await readHidden('Repeat the passphrase: ');
    if (again !== first) throw new UsageError('the passphrases differ');
  }
  return first;
}

function homeFrom(flag: string | undefined): string {
  return flag ? flag : defaultHome();
}

async function cmdServe(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: SERVE_FLAGS, strict: true });
  const flags = serveConfigFlags(values, (message) => new ConfigError(message));
  const home = homeFrom(values.home);
  const { config } = loadConfig({ home, flags });
  // serve asks for a passphrase only to unlock an existing key file; choosing one is `wallet create`'s job.
  const canPrompt = process.stdin.isTTY && existsSync(join(home, 'keystore.json'));
  const node = await startNode({ home, config, promptPassphrase: canPrompt ? promptPassphrase : undefined });
  process.stderr.write(`kassa: merchant API ${node.merchantUrl}  ·  public ${node.publicUrl}  ·  docs ${node.merchantUrl}/docs\n`);
  // stdout, not only the logs: this is the line a newcomer needs to find.
  if (node.adminLoginUrl) {
    process.stdout.write(`\nOpen the dashboard: ${node.adminLoginUrl}\n  (a one-time login link: works once, for 15 minutes; a new one: ${LOGIN_URL_COMMAND})\n\n`);
  } else {
    process.stdout.write(`\nOpen the dashboard: ${node.merchantUrl}/\n\n`);
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`kassa: ${signal}, stopping\n`);
    await node.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function cmdKeys(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      home: { type: 'string' },
      mode: { type: 'string' },
      scopes: { type: 'string' },
      'rate-limit': { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const home = homeFrom(values.home);
  const { config } = loadConfig({ home });
  const { storage, close } = openHome(home);
  try {
    const keys = createApiKeysService({ storage, defaultRateLimit: config.rateLimitDefault });
    if (sub === 'create') {
      if (values.mode !== 'test' && values.mode !== 'live') throw new UsageError('keys create: --mode test|live is required');
      const rl = values['rate-limit'];
      let rateLimit: number | 'off' | undefined;
      if (rl !== undefined) {
        if (rl === 'off') rateLimit = 'off';
        else if (/^\d+$/.test(rl)) rateLimit = Number(rl);
        else throw new UsageError('--rate-limit: a whole number of requests per second, or "off"');
      }
      const { key, summary } = keys.create({ mode: values.mode, storeId: DEFAULT_STORE_ID, scopes: values.scopes, rateLimit, name: values.name });
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ id: summary.id, key, mode: summary.mode, scopes: summary.scopes, rate_limit: summary.rate_limit })}\n`);
      } else {
        process.stdout.write(`${key}\n`);
        process.stderr.write(`Created ${summary.mode} key ${summary.id} (scopes: ${summary.scopes.join(', ')}; rate limit: ${summary.rate_limit ?? 'off'}/s).\nThis is the only time the key is shown; store it now.\n`);
      }
    } else if (sub === 'list') {
      const list = keys.list();
      if (values.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else {
        for (const k of list) {
          process.stdout.write(`${k.id}  ${k.mode}  ${k.hint}  ${k.revoked_at ? 'revoked ' + k.revoked_at : 'active'}  last used ${k.last_used_at ?? 'never'}  ${k.scopes.length} scopes\n`);
        }
        if (list.length === 0) process.stderr.write('No API keys yet: kassa keys create --mode test\n');
      }
    } else if (sub === 'revoke') {
      const id = positionals[0];
      if (!id) throw new UsageError('keys revoke KEY_ID');
      const revoked = keys.revoke(id);
      if (!revoked) throw new UsageError(`keys revoke: no key with id ${id}`);
      process.stdout.write(values.json ? `${JSON.stringify(revoked)}\n` : `revoked ${id}\n`);
    } else {
      throw new UsageError('keys create|list|revoke');
    }
  } finally {
    close();
  }
}

async function cmdWallet(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      home: { type: 'string' },
      mode: { type: 'string', default: 'live' },
      scheme: { type: 'string' },
      limit: { type: 'string', default: '20' },
      json: { type: 'boolean' },
      'watch-only': { type: 'boolean' },
    },
    strict: true,
  });
  if (values['watch-only'] && sub !== 'import') throw new UsageError('--watch-only goes with `wallet import`');
  const home = homeFrom(values.home);
  const { config } = loadConfig({ home });
  const { storage, close } = openHome(home);
  try {
    if (sub === 'addresses') {
      if (values.mode !== 'test' && values.mode !== 'live') throw new UsageError('--mode test|live');
      const schemes = values.scheme ? [values.scheme] : [...ADDRESS_SCHEMES];
      for (const s of schemes) if (!(ADDRESS_SCHEMES as readonly string[]).includes(s)) throw new UsageError(`--scheme: one of ${ADDRESS_SCHEMES.join(', ')}`);
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit: a positive whole number');
      const livemode = values.mode === 'live';
      const out = schemes.map((scheme) => {
        const account = storage.wallet.getAccount(livemode, scheme as AddressScheme);
        return {
          scheme,
          account: account?.xpub ?? null,
          watch_only: account?.watch_only === 1,
          addresses: storage.wallet.listAddresses(livemode, scheme as AddressScheme, limit).map((a) => ({ index: a.derivation_index, address: a.address, purpose: a.purpose })),
        };
      });
      if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else {
        for (const s of out) {
          const state = s.account ? `${s.addresses.length} allocated${s.watch_only ? ', watch-only' : ''}` : `no ${values.mode} wallet`;
          process.stdout.write(`${s.scheme}: ${state}\n`);
          for (const a of s.addresses) process.stdout.write(`  #${a.index}  ${a.address}  ${a.purpose}\n`);
        }
      }
      return;
    }
    if (sub !== 'create' && sub !== 'import') throw new UsageError('wallet create|import|addresses');
    if (values['watch-only']) {
      // Public keys only, so no key store is opened, created or asked for.
      const text = await readLines('Paste the extended public keys, one scheme=key per line (evm=xpub…, btc=zpub…, ltc=Ltub…, tron=xpub…;\na single bare key is taken as evm). End with an empty line:\n');
      const { accounts } = createWalletService({ storage, keyStore: NO_KEY_STORE }).importWatchOnly(parseWatchOnlyInput(text));
      process.stdout.write(
        `Imported a watch-only live wallet: Kassa detects payments to its addresses and can never sign a sweep or withdrawal.\nCheck that your wallet shows the same first receive address (index 0):\n${accounts
          .map((a) => `  ${a.scheme.padEnd(4)}  ${a.firstAddress}`)
          .join('\n')}\n`,
      );
      return;
    }
    const keyStore = await openKeyStore({
      home,
      prefer: config.keyStore,
      passphrase: process.env.KASSA_PASSPHRASE || undefined,
      promptPassphrase: process.stdin.isTTY ? promptPassphrase : undefined,
    });
    const wallet = createWalletService({ storage, keyStore });
    let mnemonic: string | undefined;
    if (sub === 'import') mnemonic = await readHidden('Enter the 12 or 24 words, separated by spaces: ');
    const result = await wallet.createLiveWallet({ mnemonic });
    if (result.imported) {
      process.stdout.write(`Imported the live wallet. Its seed is sealed in: ${keyStore.describe()}.\n`);
    } else {
      process.stdout.write(
        `Your live wallet's recovery words (shown ONCE — write them down, offline, in order):\n\n${result.mnemonic
          .split(' ')
          .map((w, i) => `${String(i + 1).padStart(2, ' ')}. ${w}`)
          .join('\n')}\n\nAnyone with these words controls the funds. Kassa keeps them sealed in: ${keyStore.describe()}.\n`,
      );
    }
  } finally {
    close();
  }
}

async function cmdTransfers(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'unattributed') throw new UsageError('transfers unattributed [--json] [--limit N]');
  const { values } = parseArgs({ args: rest, options: { home: { type: 'string' }, json: { type: 'boolean' }, limit: { type: 'string', default: '100' } }, strict: true });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit: a positive whole number');
  const { storage, close } = openHome(homeFrom(values.home));
  try {
    const rows = storage.payments.listUnattributed(limit).map((r) => ({
      chain: r.chain,
      mode: r.livemode ? 'live' : 'test',
      txid: r.txid,
      index: r.output_index,
      to: r.to_address,
      from: r.from_address,
      token_contract: r.token_contract,
      amount_base_units: r.amount,
      block_number: r.block_number,
      reason: r.reason,
      status: r.status,
      detected_at: r.detected_at,
    }));
    if (values.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
    else if (rows.length === 0) process.stdout.write('No unattributed transfers.\n');
    else for (const r of rows) process.stdout.write(`${r.detected_at}  ${r.chain}/${r.mode}  ${r.reason}  ${r.amount_base_units} units of ${r.token_contract ?? 'native'} to ${r.to}  tx ${r.txid}#${r.index}  ${r.status}\n`);
  } finally {
    close();
  }
}

async function cmdAdmin(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const words = sub === 'totp' ? [sub, rest.shift()] : [sub];
  const { values } = parseArgs({ args: rest, options: { home: { type: 'string' }, stdin: { type: 'boolean' } }, strict: true });
  const home = homeFrom(values.home);
  const command = words.join(' ');
  if (command !== 'login-url' && command !== 'password' && command !== 'totp disable') throw new UsageError('admin login-url | admin password [--stdin] | admin totp disable');
  if (values.stdin && command !== 'password') throw new UsageError('--stdin goes with `admin password`');
  const { config } = loadConfig({ home });
  const { storage, close } = openHome(home);
  try {
    if (command === 'login-url') {
      const { token } = mintOneTimeToken(storage.admin);
      // The listener the node last started on (it records it), else the configured one; a wildcard bind is reached at loopback.
      const recorded = storage.admin.getSetting('node.merchant_url');
      const host = isLoopbackHost(config.host) || config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      const base = typeof recorded === 'string' ? recorded : `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
      process.stdout.write(`${oneTimeLoginUrl(base, token)}\n`);
      process.stderr.write('A one-time dashboard login link: it works once, for 15 minutes.\n');
      return;
    }
    if (command === 'totp disable') {
      storage.admin.disableTotp(new Date().toISOString());
      process.stdout.write('TOTP is off: the dashboard signs in with the password alone. Set it up again under Settings.\n');
      return;
    }
    let password: string;
    if (values.stdin) {
      password = (await readHidden('')).replace(/\r?\n$/, '');
    } else {
      if (!process.stdin.isTTY) throw new UsageError('admin password: type it on a terminal, or pipe it with --stdin (never as an argument)');
      password = await readHidden('New dashboard password: ');
      if ((await readHidden('Repeat the password: ')) !== password) throw new UsageError('the passwords differ');
    }
    const problem = passwordProblem(password);
    if (problem) throw new UsageError(`admin password: ${problem}`);
    storage.admin.setPassword(await hashPassword(password), new Date().toISOString());
    const ended = storage.admin.deleteAllSessions();
    process.stdout.write(`Dashboard password set.${ended ? ` ${ended} signed-in session(s) ended: sign in again with the new password.` : ''}\n`);
  } finally {
    close();
  }
}

async function cmdBackup(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { home: { type: 'string' } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (!file) throw new UsageError('backup FILE');
  const { storage, close } = openHome(homeFrom(values.home));
  try {
    await backupDatabase(storage.db, file);
    process.stdout.write(`backed up to ${file}\n`);
  } finally {
    close();
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await cmdServe(rest);
      case 'keys':
        return await cmdKeys(rest);
      case 'wallet':
        return await cmdWallet(rest);
      case 'backup':
        return await cmdBackup(rest);
      case 'transfers':
        return await cmdTransfers(rest);
      case 'admin':
        return await cmdAdmin(rest);
      case 'tunnel':
        return await cmdTunnel(rest, {
          home: homeFrom,
          loadConfig: (home) => loadConfig({ home }).config,
          openHome,
          readSecret: readHidden,
          promptPassphrase: process.stdin.isTTY ? promptPassphrase : undefined,
          stdout: (text) => process.stdout.write(text),
          stderr: (text) => process.stderr.write(text),
          env: process.env,
        });
      case 'version':
      case '--version':
        process.stdout.write(`${VERSION}\n`);
        return;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${HELP}\n`);
        return;
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
  } catch (err) {
    if (err instanceof UsageError) fail(err.message);
    if (err instanceof TunnelCommandError) fail(err.message, err.exitCode);
    if (err instanceof ConfigError) fail(err.message);
    if (err instanceof KeyStoreError) fail(`${err.message}\n  fix: ${err.fix}`);
    if (err instanceof WalletError) fail(`${err.message}\n  fix: ${err.fix}`);
    // Key input fields are the `keys create` flags; name them as typed (`--scopes: …`).
    if (err instanceof KeyInputError) fail(err.field !== 'store' && err.message.startsWith(`${err.field}:`) ? `--${err.message}` : err.message);
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) fail((err as Error).message);
    const e = err as Error;
    // A full, read-only or failing disk under the home: say so, not "SqliteError: disk I/O error".
    if (storageErrorOf(err)) {
      fail(`cannot write the node's database (${(err as { code: string }).code}: ${e.message}). Check that the disk holding the Kassa home has free space and is writable (df -h, mount), then run the command again.`, 1);
    }
    fail(`${e.name}: ${e.message}`, 1);
  }
}

await main(process.argv.slice(2));
