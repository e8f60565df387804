// The node's disk fails under it while it takes payments.
//
// (b) Disk full: the node's home is a small tmpfs. With intents paid on-chain but not yet mined, a
//     ballast file fills the disk until the API answers 503 storage_full; blocks are mined while
//     the disk is full, reads and health are checked, then the ballast goes and everything must
//     recover: every payment credited once, new intents created and paid, every paid intent's
//     webhook delivered, PRAGMA integrity_check ok.
// (a) Read-only: the home is an ext4 image mounted with errors=remount-ro, and the kernel's own
//     error path (/sys/fs/ext4/<dev>/trigger_fs_error) turns it read-only under the running node,
//     exactly as a failing disk does. (chmod does not stop root; `mount -o remount,ro` refuses a
//     file system with files open for writing; this is what really happens to a running process.)
//     Writes must answer 503, reads keep working; after the operator's repair (umount, e2fsck,
//     mount) the database passes integrity_check and a restarted node credits what was paid
//     meanwhile, once.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startAnvil } from '../../../src-server/chains/devnet/anvil.ts';
import { ensureDevnetDeployed } from '../../../src-server/chains/devnet/devnet.ts';
import { createApiKey, runCli, startNode, type TestNode } from '../../helpers/node.ts';
import { startWebhookReceiver, jsonBody, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';
import { emptyResult, type Profile, type Scenario, type ScenarioContext, type ScenarioResult } from '../scenario.ts';
import { ErrorEnvelope } from './fuzz-api.ts';

const PLAN: Record<Profile, { episodes: number; intentsPerEpisode: number; holdMs: number }> = {
  ci: { episodes: 1, intentsPerEpisode: 3, holdMs: 5_000 },
  full: { episodes: 3, intentsPerEpisode: 8, holdMs: 20_000 },
};
const CONFIRMATIONS = 2;
const STORAGE_CODES = new Set(['storage_full', 'storage_read_only', 'storage_unavailable', 'storage_busy']);
const ENV = { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'storage-faults-not-secret' };
const NODE_CONFIG = { devnet: { tron: { enabled: false }, bitcoin: { enabled: false }, litecoin: { enabled: false } } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}
const mine = (url: string, blocks: number) => rpc(url, 'anvil_mine', [`0x${blocks.toString(16)}`]);

interface Api {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}
function api(baseUrl: string, key: string): Api {
  return {
    async call(method, path, body) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    },
  };
}

async function until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await sleep(250);
  }
  return null;
}

/** Judges an answer given while the disk is broken: a storage 503 in the envelope, or the real thing. */
function judgeBrokenDiskAnswer(res: { status: number; body: any }, okStatus: number, what: string, result: ScenarioResult): 'ok' | 'refused' {
  if (res.status === okStatus) return 'ok';
  const envelope = ErrorEnvelope.safeParse(res.body);
  if (res.status === 503 && envelope.success && STORAGE_CODES.has(envelope.data.error.code)) return 'refused';
  result.failures.push(`${what} with a broken disk answered ${res.status} ${JSON.stringify(res.body).slice(0, 200)} (want ${okStatus} or 503 storage_*)`);
  return 'refused';
}

function integrity(dbFile: string): string {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

/** Fills the file system holding `dir` to the last byte. */
function fillDisk(dir: string): string {
  const ballast = join(dir, 'ballast.bin');
  const fd = openSync(ballast, 'w');
  const chunk = Buffer.alloc(1 << 20, 0xab);
  try {
    for (let size = chunk.length; size >= 512; ) {
      try {
        writeSync(fd, chunk, 0, size);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        size >>= 1;
      }
    }
  } finally {
    closeSync(fd);
  }
  return ballast;
}

interface Tracked {
  id: string;
  amount: string;
}

/** Checks every paid intent: credited exactly once, for exactly what was sent. */
async function audit(client: Api, paid: Tracked[], result: ScenarioResult, timeoutMs: number): Promise<void> {
  for (const intent of paid) {
    const final = await until(async () => {
      const res = await client.call('GET', `/api/v1/payment-intents/${intent.id}`);
      return res.status === 200 && res.body.data.status === 'paid' ? res.body.data : null;
    }, timeoutMs);
    const res = final ?? (await client.call('GET', `/api/v1/payment-intents/${intent.id}`)).body.data;
    const live = (res?.payments ?? []).filter((p: { status: string }) => p.status !== 'reverted');
    if (!final && live.length === 0) {
      result.lost++;
      result.failures.push(`${intent.id}: paid ${intent.amount} on-chain, never credited (status ${res?.status}, received ${res?.amount_received})`);
    } else if (live.length > 1 || res.amount_received !== res.amount) {
      result.doubled++;
      result.failures.push(`${intent.id}: ${live.length} payments, received ${res.amount_received} for ${res.amount}`);
    } else if (!final) {
      result.failures.push(`${intent.id}: credited but status ${res.status}`);
    }
  }
}

async function createAndPay(client: Api, n: number, result: ScenarioResult, tag: string): Promise<Tracked[]> {
  const out: Tracked[] = [];
  for (let i = 0; i < n; i++) {
    const amount = `${1 + i}.${String(10 + out.length).padStart(2, '0')}`;
    const created = await client.call('POST', '/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount, custom_id: `${tag}-${i}` });
    if (created.status !== 201) {
      result.failures.push(`${tag}: creating an intent on a healthy disk answered ${created.status} ${JSON.stringify(created.body).slice(0, 200)}`);
      continue;
    }
    const paid = await client.call('POST', `/api/v1/test-helpers/payment-intents/${created.body.data.id}/pay`, {});
    if (paid.status !== 200) {
      result.failures.push(`${tag}: paying ${created.body.data.id} answered ${paid.status} ${JSON.stringify(paid.body).slice(0, 200)}`);
      continue;
    }
    out.push({ id: created.body.data.id, amount: created.body.data.amount });
  }
  return out;
}

async function webhookAudit(receiver: WebhookReceiver, paid: Tracked[], result: ScenarioResult, timeoutMs: number): Promise<void> {
  const delivered = (ids: Set<string>) => {
    for (const r of receiver.received) {
      try {
        const event = jsonBody<{ type: string; data: { object: { id: string } } }>(r);
        if (event.type === 'payment_intent.paid') ids.delete(event.data.object.id);
      } catch {
        /* not ours */
      }
    }
    return ids.size === 0;
  };
  const waiting = new Set(paid.map((p) => p.id));
  await until(async () => delivered(waiting), timeoutMs);
  result.undelivered += waiting.size;
  for (const id of waiting) result.failures.push(`${id}: payment_intent.paid never delivered after the disk recovered`);
}

async function diskFull(ctx: ScenarioContext, result: ScenarioResult): Promise<void> {
  const plan = PLAN[ctx.profile];
  const home = mkdtempSync(join(tmpdir(), 'kassa-diskfull-'));
  try {
    sh('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'tmpfs', home]);
  } catch (err) {
    result.notes.push(`disk full: SKIPPED, cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): ${(err as Error).message.split('\n')[0]}`);
    rmSync(home, { recursive: true, force: true });
    return;
  }
  const anvil = await startAnvil({ blockTime: 0 });
  let node: TestNode | null = null;
  const receiver = await startWebhookReceiver();
  try {
    await ensureDevnetDeployed(anvil.rpcUrl);
    node = await startNode({ home, devnetRpc: anvil.rpcUrl, env: ENV, config: { ...NODE_CONFIG, devnet: { ...NODE_CONFIG.devnet, confirmations: CONFIRMATIONS } } });
    const client = api(node.merchantUrl, await createApiKey(home, 'test', ['--rate-limit', 'off']));
    const endpoint = await client.call('POST', '/api/v1/webhook-endpoints', { url: receiver.url, events: ['*'] });
    if (endpoint.status !== 201) throw new Error(`webhook endpoint: ${endpoint.status} ${JSON.stringify(endpoint.body)}`);
    const paidAll: Tracked[] = [];
    for (let episode = 1; episode <= plan.episodes; episode++) {
      // Paid on-chain, not yet mined: the watcher meets these blocks with a full disk.
      const paid = await createAndPay(client, plan.intentsPerEpisode, result, `full${episode}`);
      paidAll.push(...paid);
      result.runs += paid.length;
      // Deliveries on the wire when the disk fills: their outcomes cannot be recorded.
      // The first send of an event is slow (on the wire as the disk fills); any resend is answered at once.
      const sends = new Map<string, number>();
      receiver.setRespond((req) => {
        const id = req.headers['x-kassa-event-id'] ?? '?';
        sends.set(id, (sends.get(id) ?? 0) + 1);
        return sends.get(id) === 1 ? { delayMs: 1500 } : {};
      });
      const onTheWire = await createAndPay(client, 1, result, `wire${episode}`);
      paidAll.push(...onTheWire);
      result.runs += onTheWire.length;
      await until(async () => receiver.received.some((r) => r.rawBody.includes(onTheWire[0]?.id ?? '\u0000')), 10_000);
      const ballast = fillDisk(home);
      result.faults++;
      const arrivedBefore = receiver.received.length;
      // SQLite reuses its WAL and free pages: drive writes until the full disk shows.
      let refused = 0;
      let createdWhileFilling = 0;
      for (let i = 0; i < 3000 && refused < 3; i++) {
        const res = await client.call('POST', '/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '0.01', description: 'x'.repeat(900) });
        if (judgeBrokenDiskAnswer(res, 201, 'POST /payment-intents', result) === 'refused') refused++;
        else createdWhileFilling++;
        if (res.status === 503 && refused === 1) {
          ctx.log(`episode ${episode}: disk full after ${createdWhileFilling} more intents: 503 ${res.body.error.code}`);
          if (res.body.error.code !== 'storage_full') result.failures.push(`full disk answered 503 ${res.body.error.code}, want storage_full`);
        }
      }
      if (refused === 0) result.failures.push(`episode ${episode}: the disk never showed as full after 3000 writes`);
      await mine(anvil.rpcUrl, CONFIRMATIONS + 1);
      const holdUntil = Date.now() + plan.holdMs;
      let reads = 0;
      let degradedSeen = false;
      while (Date.now() < holdUntil) {
        const read = await client.call('GET', `/api/v1/payment-intents/${paid[0]?.id ?? 'pi_none'}`);
        if (paid[0] && read.status !== 200) result.failures.push(`GET an intent on a full disk answered ${read.status} ${JSON.stringify(read.body).slice(0, 200)}`);
        reads++;
        const write = await client.call('POST', '/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '0.02', description: 'y'.repeat(900) });
        judgeBrokenDiskAnswer(write, 201, 'POST /payment-intents', result);
        const health = await fetch(`${node.merchantUrl}/healthz`);
        if (health.status === 503) degradedSeen = true;
        await sleep(200);
      }
      const stormArrivals = receiver.received.length - arrivedBefore;
      const perEvent = new Map<string, number>();
      for (const r of receiver.received.slice(arrivedBefore)) {
        const id = r.headers['x-kassa-event-id'] ?? '?';
        perEvent.set(id, (perEvent.get(id) ?? 0) + 1);
      }
      const mostResent = Math.max(0, ...perEvent.values());
      receiver.setRespond(() => ({}));
      const check = integrity(join(home, 'kassa.db'));
      if (check !== 'ok') result.failures.push(`episode ${episode}: integrity_check on a full disk: ${check}`);
      unlinkSync(ballast);
      ctx.log(`episode ${episode}: held full ${plan.holdMs / 1000} s (${reads} reads ok, health degraded seen: ${degradedSeen}, ${stormArrivals} webhook requests, at most ${mostResent} of one event); ballast removed`);
      if (!degradedSeen) result.failures.push(`episode ${episode}: /healthz never reported the full disk (stayed 200)`);
      // A dispatcher that cannot record outcomes sends again (at least once), but must not hammer the receiver.
      if (mostResent > 2 + plan.holdMs / 2000) result.failures.push(`episode ${episode}: one event sent ${mostResent} times in ${plan.holdMs / 1000} s of full disk (a resend storm)`);
      await audit(client, paid, result, 60_000);
    }
    // After recovery: new intents are created and payments detected as before.
    const after = await createAndPay(client, 2, result, 'recovered');
    await mine(anvil.rpcUrl, CONFIRMATIONS + 1);
    await audit(client, after, result, 60_000);
    paidAll.push(...after);
    result.runs += after.length;
    await webhookAudit(receiver, paidAll, result, 60_000);
    const health = await until(async () => ((await fetch(`${node!.merchantUrl}/healthz`)).status === 200 ? true : null), 30_000);
    if (!health) result.failures.push('/healthz still degraded 30 s after the disk recovered');
    await node.stop();
    node = null;
    // Starting a command on a full disk: a sentence naming the cause, not "SqliteError: disk I/O error".
    const ballast = fillDisk(home);
    result.faults++;
    const refusal = await runCli(home, ['keys', 'create', '--mode', 'test', '--json'], ENV).then(
      (out) => ({ code: 0, stderr: out.stderr }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code ?? -1, stderr: err.stderr ?? '' }),
    );
    unlinkSync(ballast);
    if (refusal.code === 0) result.notes.push('kassa keys create on a full disk succeeded (SQLite found room)');
    else if (!/cannot write the node's database/.test(refusal.stderr)) result.failures.push(`kassa keys create on a full disk: exit ${refusal.code}, ${refusal.stderr.trim().slice(0, 300)}`);
    else ctx.log(`CLI on a full disk: ${refusal.stderr.trim().slice(0, 160)}`);
    const check = integrity(join(home, 'kassa.db'));
    if (check !== 'ok') result.failures.push(`integrity_check after the disk-full episodes: ${check}`);
    result.notes.push(`disk full: ${plan.episodes} episode(s) on a 48 MB tmpfs, ${paidAll.length} payments audited, integrity_check ${check}`);
  } finally {
    await node?.kill();
    await receiver.close();
    await anvil.stop();
    try {
      sh('umount', [home]);
    } catch {
      /* already gone */
    }
    rmSync(home, { recursive: true, force: true });
  }
}

async function readOnly(ctx: ScenarioContext, result: ScenarioResult): Promise<void> {
  const plan = PLAN[ctx.profile];
  const work = mkdtempSync(join(tmpdir(), 'kassa-readonly-'));
  const image = join(work, 'disk.img');
  const home = join(work, 'home');
  mkdirSync(home);
  let device = '';
  try {
    sh('truncate', ['-s', '64M', image]);
    sh('mkfs.ext4', ['-q', '-F', image]);
    sh('mount', ['-o', 'loop,errors=remount-ro', image, home]);
    device = basename(sh('findmnt', ['-n', '-o', 'SOURCE', home]).trim());
    sh('test', ['-w', `/sys/fs/ext4/${device}/trigger_fs_error`]);
  } catch (err) {
    result.notes.push(`read-only: SKIPPED, cannot mount an ext4 loop image with a triggerable error here: ${(err as Error).message.split('\n')[0]}`);
    try {
      sh('umount', [home]);
    } catch {
      /* not mounted */
    }
    rmSync(work, { recursive: true, force: true });
    return;
  }
  const anvil = await startAnvil({ blockTime: 0 });
  let node: TestNode | null = null;
  try {
    await ensureDevnetDeployed(anvil.rpcUrl);
    const config = { ...NODE_CONFIG, devnet: { ...NODE_CONFIG.devnet, confirmations: CONFIRMATIONS } };
    node = await startNode({ home, devnetRpc: anvil.rpcUrl, env: ENV, config });
    const key = await createApiKey(home, 'test', ['--rate-limit', 'off']);
    let client = api(node.merchantUrl, key);
    const paid = await createAndPay(client, plan.intentsPerEpisode, result, 'ro');
    result.runs += paid.length;
    // The kernel's error path: ext4 aborts its journal and remounts read-only, as on a failing disk.
    sh('sh', ['-c', `echo 1 > /sys/fs/ext4/${device}/trigger_fs_error`]);
    result.faults++;
    const options = sh('findmnt', ['-n', '-o', 'OPTIONS', home]).trim();
    ctx.log(`read-only: ${device} mounted ${options}`);
    if (!/(^|,)(ro|emergency_ro)(,|$)/.test(options)) result.notes.push(`read-only: mount options after the error: ${options}`);
    await mine(anvil.rpcUrl, CONFIRMATIONS + 1);
    let refused = 0;
    const holdUntil = Date.now() + plan.holdMs;
    let codes = new Set<string>();
    while (Date.now() < holdUntil) {
      const write = await client.call('POST', '/api/v1/payment-intents', { network: 'devnet', asset: 'USDT', amount: '0.03' });
      if (judgeBrokenDiskAnswer(write, 201, 'POST /payment-intents (read-only fs)', result) === 'refused') {
        refused++;
        if (write.body?.error?.code) codes.add(write.body.error.code);
      }
      const read = await client.call('GET', `/api/v1/payment-intents/${paid[0]?.id ?? 'pi_none'}`);
      if (paid[0] && read.status !== 200) result.failures.push(`GET an intent on a read-only disk answered ${read.status} ${JSON.stringify(read.body).slice(0, 200)}`);
      await sleep(200);
    }
    if (refused === 0) result.failures.push('read-only: no write was refused (the file system did not go read-only?)');
    const health = await (await fetch(`${node.merchantUrl}/healthz`)).json() as { status: string; networks: { last_error: string | null }[] };
    ctx.log(`read-only: ${refused} writes refused (${[...codes].join(', ')}); health ${health.status}, watcher error: ${health.networks[0]?.last_error ?? 'none'}`);
    const stopped = await Promise.race([node.stop().then(() => true), sleep(30_000).then(() => false)]);
    if (!stopped) {
      result.failures.push('read-only: the node did not stop within 30 s of SIGTERM');
      await node.kill();
    }
    node = null;
    // The operator's repair: unmount, check the file system, mount it again.
    sh('umount', [home]);
    try {
      sh('e2fsck', ['-f', '-y', image]);
    } catch (err) {
      // Exit 1 = errors corrected (the error we injected is recorded in the superblock).
      if ((err as { status?: number }).status !== 1) throw err;
    }
    sh('mount', ['-o', 'loop', image, home]);
    const check = integrity(join(home, 'kassa.db'));
    if (check !== 'ok') result.failures.push(`read-only: integrity_check after repair: ${check}`);
    node = await startNode({ home, devnetRpc: anvil.rpcUrl, env: ENV, config });
    client = api(node.merchantUrl, key);
    await audit(client, paid, result, 60_000);
    const after = await createAndPay(client, 1, result, 'ro-recovered');
    await mine(anvil.rpcUrl, CONFIRMATIONS + 1);
    await audit(client, after, result, 60_000);
    result.runs += after.length;
    result.notes.push(`read-only: ext4 remount-ro via trigger_fs_error; ${refused} writes refused with ${[...codes].join('/')}, reads served; integrity_check ${check}; restart after e2fsck credited ${paid.length} payments made meanwhile`);
    await node.stop();
    node = null;
  } finally {
    await node?.kill();
    await anvil.stop();
    try {
      sh('umount', [home]);
    } catch {
      /* already unmounted */
    }
    rmSync(work, { recursive: true, force: true });
  }
}

export const storageFaults: Scenario = {
  name: 'storage-faults',
  description: 'disk full (tmpfs + ballast) and read-only file system (ext4 remount-ro) under a running node: 503s, no corruption, recovery',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const result = emptyResult();
    await diskFull(ctx, result);
    await readOnly(ctx, result);
    return result;
  },
};
