// Where the node's data key lives: the OS keychain, else wrapped under a passphrase, else nowhere.
//
// The data key (32 random bytes) encrypts every secret at rest (see secret-box.ts). It is never
// written to disk in plaintext. `<home>/keystore.json` records where it lives so that later runs
// find the same key or fail with an actionable error — never silently make a new key (the
// secrets already sealed under the old one would be lost) and never fall back to plaintext.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, realpath, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { AsyncEntry } from '@napi-rs/keyring';
import type { EntryOptions } from '@napi-rs/keyring';
import * as z from 'zod';
import {
  DEFAULT_SCRYPT_PARAMS,
  SecretBoxError,
  assertScryptParams,
  deriveKeyFromPassphrase,
  openSealed,
  seal,
} from './secret-box.ts';
import type { ScryptParams } from './secret-box.ts';

export type KeyStoreKind = 'keychain' | 'passphrase' | 'none';

export interface PassphrasePromptRequest {
  /** 'create': a new key store (ask twice); 'unlock': an existing one. */
  purpose: 'create' | 'unlock';
  home: string;
}

export interface KeyStoreOptions {
  home: string;
  /** Only chooses for a home without keystore.json; afterwards the recorded kind decides. */
  prefer?: 'auto' | 'keychain' | 'passphrase' | 'none';
  /** From KASSA_PASSPHRASE. An empty string counts as absent. */
  passphrase?: string | undefined;
  promptPassphrase?: ((request: PassphrasePromptRequest) => Promise<string>) | undefined;
  /** scrypt cost for a new passphrase key store; existing ones use their recorded params. */
  scrypt?: ScryptParams;
  /** Keychain service name for a new keychain key store; default 'kassa'. */
  serviceName?: string;
}

export interface KeyStore {
  kind: KeyStoreKind;
  /** null when kind === 'none'. */
  dataKey: Buffer | null;
  /** A human line such as "OS keychain (Secret Service)"; never key material. */
  describe(): string;
}

export type KeyStoreErrorCode =
  | 'keychain_unavailable'
  | 'keychain_key_missing'
  | 'passphrase_required'
  | 'passphrase_wrong'
  | 'keystore_corrupt';

export class KeyStoreError extends Error {
  readonly code: KeyStoreErrorCode;
  /** A sentence naming the fix; also appended to `message`. */
  readonly fix: string;

  constructor(code: KeyStoreErrorCode, problem: string, fix: string, options?: { cause?: unknown }) {
    super(`${problem} ${fix}`, options);
    this.name = 'KeyStoreError';
    this.code = code;
    this.fix = fix;
  }
}

export const KEYSTORE_FILE = 'keystore.json';
const DEFAULT_SERVICE_NAME = 'kassa';
const RECORD_VERSION = 1;
const DATA_KEY_BYTES = 32;
const SALT_BYTES = 16;
// Associated data for the wrapped key, so a sealed value from elsewhere cannot pass as the data key.
const WRAPPED_KEY_CONTEXT = 'keystore:data-key';
// Generous: on a desktop with a locked keyring the OS asks the user to unlock it.
const KEYCHAIN_TIMEOUT_MS = 60_000;
// Without pinning, @napi-rs/keyring on Linux falls back to the kernel keyring (keyutils), which
// forgets everything at logout or reboot — and with it the data key.
const KEYCHAIN_ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

const scryptParamsSchema = z.object({
  // Upper bounds keep a tampered file from asking for gigabytes of memory.
  N: z.number().int().min(2).max(2 ** 22),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
});

const keychainRecordSchema = z.object({
  version: z.literal(RECORD_VERSION),
  kind: z.literal('keychain'),
  service: z.string().min(1),
  account: z.string().min(1),
  created_at: z.string(),
});

const passphraseRecordSchema = z.object({
  version: z.literal(RECORD_VERSION),
  kind: z.literal('passphrase'),
  kdf: z.literal('scrypt'),
  params: scryptParamsSchema,
  salt: z.base64(),
  // The data key sealed under the passphrase-derived key. Opening it doubles as the passphrase
  // verifier (a wrong passphrase fails GCM authentication), and wrapping a random key rather
  // than using the derived key directly lets the passphrase change, or the key move to the
  // keychain, without re-encrypting every secret.
  wrapped_data_key: z.string().min(1),
  created_at: z.string(),
});

const keyStoreRecordSchema = z.discriminatedUnion('kind', [keychainRecordSchema, passphraseRecordSchema]);

type KeychainRecord = z.infer<typeof keychainRecordSchema>;
type PassphraseRecord = z.infer<typeof passphraseRecordSchema>;
type KeyStoreRecord = z.infer<typeof keyStoreRecordSchema>;

/**
 * Opens the home's key store, creating it on first run.
 *
 * New home, prefer 'auto': OS keychain if it works, else a passphrase (opts.passphrase, else
 * promptPassphrase), else 'none'. 'none' is not recorded, so a later run with a keychain or a
 * passphrase upgrades. An explicit prefer never falls back: 'keychain' without a working
 * keychain throws `keychain_unavailable`, 'passphrase' without one throws `passphrase_required`.
 *
 * Assumes one process initialises a home at a time (the node holds the home); a concurrent
 * creator's keystore.json is never overwritten, and this call then opens that one instead.
 */
export async function openKeyStore(opts: KeyStoreOptions): Promise<KeyStore> {
  const home = await prepareHome(opts.home);
  const recordPath = join(home, KEYSTORE_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const record = await readRecord(recordPath);
    if (record) return openRecorded(record, home, recordPath, opts);
    const created = await createKeyStore(home, recordPath, opts);
    if (created) return created;
  }
  throw new KeyStoreError(
    'keystore_corrupt',
    `${recordPath} keeps changing while Kassa opens it.`,
    'Make sure only one Kassa process uses this home, then start it again.',
  );
}

/** True when the OS keychain can store, read back and delete an entry right now. */
export async function keychainAvailable(serviceName = DEFAULT_SERVICE_NAME): Promise<boolean> {
  return (await probeKeychain(serviceName)) === null;
}

/** The keychain account name for a home: unique per home, stable while the home stays put. */
export async function keychainAccountForHome(home: string): Promise<string> {
  const digest = createHash('sha256').update(await realpath(home)).digest('hex');
  return `data-key:${digest.slice(0, 16)}`;
}

// ---------------------------------------------------------------------------------------------
// Opening an existing key store

async function openRecorded(
  record: KeyStoreRecord,
  home: string,
  recordPath: string,
  opts: KeyStoreOptions,
): Promise<KeyStore> {
  switch (record.kind) {
    case 'keychain':
      return openFromKeychain(record, recordPath);
    case 'passphrase':
      return openWithPassphrase(record, home, recordPath, opts);
    default:
      return assertNever(record);
  }
}

async function openFromKeychain(record: KeychainRecord, recordPath: string): Promise<KeyStore> {
  let stored: string | null;
  try {
    // The record names the entry, so moving the home directory does not lose the key.
    const entry = keychainEntry(record.service, record.account);
    stored = await entry.getPassword(AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS));
  } catch (cause) {
    throw new KeyStoreError(
      'keychain_unavailable',
      `This node's data key is in the OS keychain (${keychainName()}), which cannot be reached: ${errorMessage(cause)}.`,
      `Start and unlock the keychain for this user (headless Linux: a D-Bus session with gnome-keyring-daemon --unlock), then start Kassa again; Kassa will not make a new key, because the secrets sealed under this one would become unreadable.`,
      { cause },
    );
  }
  if (stored === null) {
    throw new KeyStoreError(
      'keychain_key_missing',
      `${recordPath} says the data key is in the OS keychain (service "${record.service}", account "${record.account}"), but that entry is gone.`,
      'Restore the entry from a backup of the keychain, or restore this node from its seed backup into a new home; Kassa will not make a new key, because the secrets sealed under the old one would become unreadable.',
    );
  }
  return new OpenedKeyStore('keychain', decodeKeychainValue(stored, record));
}

async function openWithPassphrase(
  record: PassphraseRecord,
  home: string,
  recordPath: string,
  opts: KeyStoreOptions,
): Promise<KeyStore> {
  const passphrase = await obtainPassphrase(opts, { purpose: 'unlock', home });
  if (passphrase === null) {
    throw new KeyStoreError(
      'passphrase_required',
      `This node's data key is protected by a passphrase (${recordPath}).`,
      'Set KASSA_PASSPHRASE or run Kassa in a terminal so it can ask for the passphrase.',
    );
  }
  const keyEncryptionKey = await deriveKeyFromPassphrase(passphrase, Buffer.from(record.salt, 'base64'), record.params);
  try {
    const dataKey = openSealed(keyEncryptionKey, record.wrapped_data_key, WRAPPED_KEY_CONTEXT);
    if (dataKey.length !== DATA_KEY_BYTES) throw corruptRecord(recordPath, 'the wrapped data key has the wrong length');
    return new OpenedKeyStore('passphrase', dataKey);
  } catch (error) {
    if (error instanceof SecretBoxError && error.code === 'sealed_auth_failed') {
      throw new KeyStoreError(
        'passphrase_wrong',
        'The passphrase does not unlock this node\'s data key.',
        'Enter the passphrase chosen when this node was set up (KASSA_PASSPHRASE or the prompt).',
      );
    }
    if (error instanceof SecretBoxError) throw corruptRecord(recordPath, error.message, error);
    throw error;
  } finally {
    keyEncryptionKey.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Creating a key store for a new home

/** Returns null when another process published keystore.json first. */
async function createKeyStore(home: string, recordPath: string, opts: KeyStoreOptions): Promise<KeyStore | null> {
  const serviceName = opts.serviceName ?? DEFAULT_SERVICE_NAME;
  switch (opts.prefer ?? 'auto') {
    case 'keychain': {
      const problem = await probeKeychain(serviceName);
      if (problem) throw keychainUnavailableForCreate(problem);
      return createInKeychain(home, recordPath, serviceName);
    }
    case 'passphrase':
      return createWithPassphrase(home, recordPath, opts);
    case 'none':
      return new OpenedKeyStore('none', null);
    case 'auto':
      if (await keychainAvailable(serviceName)) return createInKeychain(home, recordPath, serviceName);
      if (hasPassphraseSource(opts)) return createWithPassphrase(home, recordPath, opts);
      return new OpenedKeyStore('none', null);
    default:
      throw new TypeError(`Unknown key store preference: ${String(opts.prefer)}`);
  }
}

async function createInKeychain(home: string, recordPath: string, service: string): Promise<KeyStore | null> {
  const account = await keychainAccountForHome(home);
  const record: KeychainRecord = {
    version: RECORD_VERSION,
    kind: 'keychain',
    service,
    account,
    created_at: new Date().toISOString(),
  };
  let dataKey: Buffer;
  try {
    const entry = keychainEntry(service, account);
    // An entry without keystore.json means the file was lost, not the key: adopt it, never overwrite it.
    const existing = await entry.getPassword(AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS));
    if (existing !== null) {
      dataKey = decodeKeychainValue(existing, record);
    } else {
      dataKey = randomBytes(DATA_KEY_BYTES);
      await entry.setPassword(dataKey.toString('base64'), AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS));
      const readBack = await entry.getPassword(AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS));
      if (readBack !== dataKey.toString('base64')) throw new Error('the keychain returned a different value than was stored');
    }
  } catch (cause) {
    if (cause instanceof KeyStoreError) throw cause;
    throw keychainUnavailableForCreate(cause);
  }
  const published = await publishRecord(recordPath, record);
  return published ? new OpenedKeyStore('keychain', dataKey) : null;
}

async function createWithPassphrase(home: string, recordPath: string, opts: KeyStoreOptions): Promise<KeyStore | null> {
  const passphrase = await obtainPassphrase(opts, { purpose: 'create', home });
  if (passphrase === null) {
    throw new KeyStoreError(
      'passphrase_required',
      'A passphrase key store was requested but no passphrase was given.',
      'Set KASSA_PASSPHRASE or run Kassa in a terminal so it can ask for a new passphrase.',
    );
  }
  const params = { ...(opts.scrypt ?? DEFAULT_SCRYPT_PARAMS) };
  assertScryptParams(params);
  const salt = randomBytes(SALT_BYTES);
  const keyEncryptionKey = await deriveKeyFromPassphrase(passphrase, salt, params);
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const record: PassphraseRecord = {
    version: RECORD_VERSION,
    kind: 'passphrase',
    kdf: 'scrypt',
    params,
    salt: salt.toString('base64'),
    wrapped_data_key: seal(keyEncryptionKey, dataKey, WRAPPED_KEY_CONTEXT),
    created_at: new Date().toISOString(),
  };
  keyEncryptionKey.fill(0);
  const published = await publishRecord(recordPath, record);
  return published ? new OpenedKeyStore('passphrase', dataKey) : null;
}

function keychainUnavailableForCreate(cause: unknown): KeyStoreError {
  return new KeyStoreError(
    'keychain_unavailable',
    `The OS keychain (${keychainName()}) cannot store the data key: ${errorMessage(cause)}.`,
    'Start and unlock the keychain for this user (headless Linux: a D-Bus session with gnome-keyring-daemon --unlock), or choose the passphrase key store instead.',
    { cause },
  );
}

// ---------------------------------------------------------------------------------------------
// The opened key store

class OpenedKeyStore implements KeyStore {
  readonly kind: KeyStoreKind;
  // Private, and exposed by a prototype getter, so logging or JSON-serialising the store never prints the key.
  readonly #dataKey: Buffer | null;

  constructor(kind: KeyStoreKind, dataKey: Buffer | null) {
    this.kind = kind;
    this.#dataKey = dataKey;
  }

  get dataKey(): Buffer | null {
    return this.#dataKey;
  }

  describe(): string {
    switch (this.kind) {
      case 'keychain':
        return `OS keychain (${keychainName()})`;
      case 'passphrase':
        return 'passphrase file (scrypt)';
      case 'none':
        return 'none (no data key: secrets cannot be stored)';
      default:
        return assertNever(this.kind);
    }
  }

  toJSON(): { kind: KeyStoreKind; description: string } {
    return { kind: this.kind, description: this.describe() };
  }

  [inspect.custom](): string {
    return `KeyStore { kind: '${this.kind}', ${this.describe()} }`;
  }
}

/** For work that keeps no secret (a watch-only import): never opens, creates or prompts for a key store. */
export const NO_KEY_STORE: KeyStore = new OpenedKeyStore('none', null);

// ---------------------------------------------------------------------------------------------
// Helpers

/** null when the keychain works; otherwise the error that shows why not. */
async function probeKeychain(serviceName: string): Promise<unknown> {
  const value = randomUUID();
  try {
    // A throwaway entry: reading alone would pass on a keychain that refuses writes.
    const entry = keychainEntry(serviceName, `probe:${randomUUID()}`);
    await entry.setPassword(value, AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS));
    const readBack = await entry.getPassword(AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS));
    await entry.deletePassword(AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS));
    return readBack === value ? null : new Error('the keychain returned a different value than was stored');
  } catch (error) {
    return error ?? new Error('unknown keychain error');
  }
}

// Call inside try: on Linux the constructor already connects to D-Bus and throws without a session bus.
function keychainEntry(service: string, account: string): AsyncEntry {
  return new AsyncEntry(service, account, KEYCHAIN_ENTRY_OPTIONS);
}

function decodeKeychainValue(value: string, record: KeychainRecord): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== DATA_KEY_BYTES || key.toString('base64') !== value) {
    throw new KeyStoreError(
      'keystore_corrupt',
      `The keychain entry (service "${record.service}", account "${record.account}") does not hold a Kassa data key.`,
      'Restore the entry from a backup of the keychain; do not delete it.',
    );
  }
  return key;
}

function hasPassphraseSource(opts: KeyStoreOptions): boolean {
  return Boolean(opts.passphrase) || opts.promptPassphrase !== undefined;
}

/** The passphrase from options, else from the prompt; null when neither yields a non-empty one. */
async function obtainPassphrase(opts: KeyStoreOptions, request: PassphrasePromptRequest): Promise<string | null> {
  if (opts.passphrase) return opts.passphrase;
  if (!opts.promptPassphrase) return null;
  const typed = await opts.promptPassphrase(request);
  return typed ? typed : null;
}

async function prepareHome(home: string): Promise<string> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  return realpath(home);
}

async function readRecord(recordPath: string): Promise<KeyStoreRecord | null> {
  let text: string;
  try {
    text = await readFile(recordPath, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw corruptRecord(recordPath, 'it is not valid JSON', cause);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > RECORD_VERSION) {
    throw new KeyStoreError(
      'keystore_corrupt',
      `${recordPath} was written by a newer version of Kassa (format ${version}).`,
      'Upgrade Kassa to the version that created this home.',
    );
  }
  const parsed = keyStoreRecordSchema.safeParse(json);
  if (!parsed.success) throw corruptRecord(recordPath, 'its fields are missing or invalid', parsed.error);
  if (parsed.data.kind === 'passphrase') {
    if (Buffer.from(parsed.data.salt, 'base64').length < SALT_BYTES) throw corruptRecord(recordPath, 'its salt is too short');
    try {
      assertScryptParams(parsed.data.params);
    } catch (cause) {
      throw corruptRecord(recordPath, 'its scrypt params are invalid', cause);
    }
  }
  return parsed.data;
}

function corruptRecord(recordPath: string, reason: string, cause?: unknown): KeyStoreError {
  return new KeyStoreError(
    'keystore_corrupt',
    `${recordPath} cannot be used: ${reason}.`,
    `Restore ${KEYSTORE_FILE} from a backup of this home; do not delete it, it is the only way to this node's data key.`,
    { cause },
  );
}

/**
 * Writes keystore.json atomically (temp file, fsync, then publish) with mode 0600, and never
 * replaces an existing one: publishing by hard link fails with EEXIST where a rename would
 * silently overwrite a record another process just wrote. Returns false in that case.
 */
async function publishRecord(recordPath: string, record: KeyStoreRecord): Promise<boolean> {
  const tempPath = `${recordPath}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await open(tempPath, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  let published = true;
  try {
    await link(tempPath, recordPath);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') {
      published = false;
    } else if (code !== undefined && LINK_UNSUPPORTED.has(code)) {
      // Filesystems without hard links: an atomic rename, having just seen no record.
      await rename(tempPath, recordPath);
      await syncDirectory(dirname(recordPath));
      return true;
    } else {
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
  }
  await unlink(tempPath);
  if (published) await syncDirectory(dirname(recordPath));
  return published;
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

async function syncDirectory(directory: string): Promise<void> {
  // Makes the new directory entry durable; not possible on Windows, where it is skipped.
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function keychainName(): string {
  switch (process.platform) {
    case 'darwin':
      return 'macOS Keychain';
    case 'win32':
      return 'Windows Credential Manager';
    default:
      return 'Secret Service';
  }
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

function errorMessage(error: unknown): string {
  // Callers append their own period.
  return (error instanceof Error ? error.message : String(error)).replace(/\.+$/u, '');
}

function assertNever(value: never): never {
  throw new TypeError(`Unexpected value: ${String(value)}`);
}
