// Webhook deliveries per second: Kassa's dispatcher (outbox in SQLite, one committed attempt row
// per delivery) against a bare HTTP client sending the same signed requests, both to one receiver
// in a child process, measured alternately in one run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { rmSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ConfigSchema } from '../src-server/config/config.ts';
import { DEFAULT_STORE_ID, openHome, VERSION } from '../src-server/node.ts';
import { newId } from '../src-server/util/ids.ts';
import { isoSeconds } from '../src-server/util/time.ts';
import type { KeyStore } from '../src-server/wallet/key-store.ts';
import { createWebhookDispatcher } from '../src-server/webhooks/dispatcher.ts';
import { createEventsService } from '../src-server/webhooks/events-service.ts';
import { createWebhookEndpointsService } from '../src-server/webhooks/webhook-endpoints-service.ts';
import type { BenchOptions, BenchRow } from './lib.ts';

const TARGET_RATIO = 0.5;
const CONCURRENCIES = [4, 16];
const RECORD_BATCH = 500;
const RUN_TIMEOUT_MS = 60_000;
const USER_AGENT = `Kassa-Webhooks/${VERSION}`;

interface Arrived {
  count: number;
  bodyBytes: number;
  notPost: number;
  headerNames: string;
}

interface Receiver {
  url: string;
  /** Resets the receiver's count; resolves once armed, with a promise of the moment `n` requests have arrived. */
  expect(n: number): Promise<{ arrived: Promise<Arrived> }>;
  stop(): void;
}

async function startReceiver(): Promise<Receiver> {
  const proc: ChildProcess = spawn(process.execPath, [join(import.meta.dirname, 'webhook-receiver.ts')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let onMessage: (msg: { type: string } & Partial<Arrived> & { port?: number }) => void = () => {};
  proc.on('message', (msg: { type: string }) => onMessage(msg));
  const nextMessage = (type: string) =>
    new Promise<{ type: string } & Partial<Arrived> & { port?: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`webhook receiver: no '${type}' within ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS).unref();
      onMessage = (msg) => {
        if (msg.type !== type) return;
        clearTimeout(timer);
        resolve(msg);
      };
    });
  const { port } = await nextMessage('listening');
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    async expect(n) {
      const armed = nextMessage('armed');
      proc.send({ type: 'arm', expect: n });
      await armed;
      return { arrived: nextMessage('reached') as Promise<Arrived> };
    },
    stop: () => void proc.kill('SIGTERM'),
  };
}

/** A payment intent as the API shows it, about 1.5 KB of JSON. */
function paymentIntentObject(i: number, now: Date): Record<string, unknown> {
  const id = newId('pi');
  return {
    object: 'payment_intent',
    id,
    livemode: false,
    store_id: DEFAULT_STORE_ID,
    status: 'requires_payment',
    exception: null,
    network: 'devnet',
    asset: 'USDT',
    amount: '25.00',
    currency: 'USD',
    pay_amount: '25.000317',
    amount_received: '0',
    amount_confirmed: '0',
    amount_due: '25.000317',
    decimals: 6,
    token_contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    rate: { 'USD/USDT': '1.0000', source: 'fixed' },
    receive_address: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
    address_mode: 'shared',
    payment_uri: 'ethereum:0x5FbDB2315678afecb367f032d93F642f64180aa3@31337/transfer?address=0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0&uint256=25000317',
    checkout_url: `http://127.0.0.1:3001/checkout/${id}`,
    confirmations_required: 1,
    late_payment_policy: 'accept',
    custom_id: `order-${String(i).padStart(8, '0')}`,
    customer_email: 'alice.buyer@example.com',
    description: 'Order #10042: 2 x Ceramic pour-over dripper (white), 1 x Paper filters, 100 pack',
    metadata: { cart_id: `cart_${String(i).padStart(10, '0')}`, channel: 'web', locale: 'en-GB', campaign: 'spring-sale-2026', shipping: 'standard' },
    success_url: 'https://shop.example.com/checkout/success?order=10042',
    cancel_url: 'https://shop.example.com/checkout/cancel?order=10042',
    payments: [],
    created_at: isoSeconds(now),
    expires_at: isoSeconds(new Date(now.getTime() + 3600_000)),
    monitor_until: isoSeconds(new Date(now.getTime() + 7200_000)),
    paid_at: null,
    canceled_at: null,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const secondsSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

export async function benchWebhooks(opts: BenchOptions): Promise<BenchRow[]> {
  const EVENTS_PER_RUN = opts.quick ? 2000 : 5000;
  const WARMUP_EVENTS = opts.quick ? 1000 : 2000;
  const RUNS = opts.quick ? 2 : 3;
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kassa-bench-webhooks-'));
  const receiver = await startReceiver();
  const home = openHome(dir);
  const cleanups: (() => unknown)[] = [() => receiver.stop(), () => home.close(), () => rmSync(dir, { recursive: true, force: true })];
  try {
    const { storage } = home;
    const keyStore: KeyStore = { kind: 'passphrase', dataKey: randomBytes(32), describe: () => 'bench' };
    const events = createEventsService(storage);
    const endpoints = createWebhookEndpointsService({ storage, events, keyStore, blockPrivateTargets: false, wakeDispatcher: () => {} });
    const endpoint = await endpoints.create({ storeId: DEFAULT_STORE_ID, livemode: false }, { url: receiver.url, events: ['*'] });
    const secret = endpoint.secret!;
    const logger = pino({ level: 'warn', base: { svc: 'kassa-bench' } });
    const pendingCount = storage.db.prepare<[], number>("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'").pluck();
    const succeededCount = storage.db.prepare<[], number>("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'succeeded'").pluck();

    // The bare sender's bodies: the same shape and size as the events Kassa sends.
    const now = new Date();
    const bareBodies = Array.from({ length: EVENTS_PER_RUN }, (_, i) =>
      JSON.stringify({ id: newId('evt'), object: 'event', type: 'payment_intent.created', created_at: isoSeconds(now), livemode: false, data: { object: paymentIntentObject(i, now) } }),
    );

    /** Kassa: N events recorded into the outbox first (untimed), then the dispatcher started and timed until none is pending. */
    async function kassaRun(n: number, concurrency: number) {
      for (let i = 0; i < n; i += RECORD_BATCH) {
        storage.transaction(() => {
          for (let j = i; j < Math.min(n, i + RECORD_BATCH); j++) {
            const at = new Date();
            const object = paymentIntentObject(j, at);
            events.record({ type: 'payment_intent.created', storeId: DEFAULT_STORE_ID, livemode: false, objectType: 'payment_intent', objectId: object.id as string, object, at });
          }
        });
        events.flush();
      }
      // Recording's checkpoint debt is not the dispatcher's: start each timed run with an empty WAL.
      storage.db.pragma('wal_checkpoint(TRUNCATE)');
      const succeededBefore = succeededCount.get()!;
      const config = { ...ConfigSchema.parse({}).webhooks, concurrency, perEndpointConcurrency: concurrency };
      const dispatcher = createWebhookDispatcher({ storage, events, keyStore, logger, config, userAgent: USER_AGENT, metrics: new Registry() });
      try {
        const { arrived } = await receiver.expect(n);
        const started = process.hrtime.bigint();
        dispatcher.start();
        const stats = await arrived;
        const deadline = Date.now() + RUN_TIMEOUT_MS;
        // The last few outcomes commit just after their responses arrive.
        while (pendingCount.get()! > 0) {
          if (Date.now() > deadline) throw new Error(`kassa: ${pendingCount.get()} deliveries still pending after ${RUN_TIMEOUT_MS} ms`);
          await nextTurn();
        }
        const seconds = secondsSince(started);
        const succeeded = succeededCount.get()! - succeededBefore;
        if (succeeded !== n) throw new Error(`kassa: ${succeeded} of ${n} deliveries succeeded`);
        return { perSecond: n / seconds, stats };
      } finally {
        await dispatcher.stop();
      }
    }

    /** Bare: a keep-alive agent and `concurrency` loops, each signing (HMAC at send time, like Kassa) and POSTing one body at a time. */
    async function bareRun(n: number, concurrency: number) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      let failures = 0;
      const post = (body: string, eventId: string) =>
        new Promise<number>((resolve, reject) => {
          const timestamp = Math.floor(Date.now() / 1000);
          const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
          const req = http.request(receiver.url, {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'user-agent': USER_AGENT,
              'x-kassa-event-id': eventId,
              'x-kassa-event-type': 'payment_intent.created',
              'x-kassa-timestamp': String(timestamp),
              'x-kassa-signature': `sha256=${signature}`,
              'content-length': String(Buffer.byteLength(body)),
            },
          });
          req.on('error', reject);
          req.on('response', (res) => {
            res.on('data', () => {});
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.end(body);
        });
      try {
        const { arrived } = await receiver.expect(n);
        const started = process.hrtime.bigint();
        let next = 0;
        const senders = Array.from({ length: concurrency }, async () => {
          while (next < n) {
            const body = bareBodies[next++ % bareBodies.length]!;
            const status = await post(body, body.slice(7, 31));
            if (status !== 200) failures++;
          }
        });
        const [stats] = await Promise.all([arrived, ...senders]);
        const seconds = secondsSince(started);
        if (failures) throw new Error(`bare: ${failures} of ${n} requests failed`);
        return { perSecond: n / seconds, stats };
      } finally {
        agent.destroy();
      }
    }

    console.log(`\nwebhook deliveries to a local receiver (child process, node:http, 200 "ok"), ${EVENTS_PER_RUN} payment_intent.created events per run:`);
    for (const concurrency of CONCURRENCIES) {
      await bareRun(WARMUP_EVENTS, concurrency);
      await kassaRun(WARMUP_EVENTS, concurrency);
      const kassa: number[] = [];
      const bare: number[] = [];
      let sample: { kassa: Arrived; bare: Arrived } | null = null;
      // Alternate, so machine noise falls on both alike.
      for (let run = 0; run < RUNS; run++) {
        const b = await bareRun(EVENTS_PER_RUN, concurrency);
        const k = await kassaRun(EVENTS_PER_RUN, concurrency);
        bare.push(b.perSecond);
        kassa.push(k.perSecond);
        sample = { kassa: k.stats, bare: b.stats };
      }
      const { kassa: ks, bare: bs } = sample!;
      if (ks.headerNames !== bs.headerNames || ks.bodyBytes !== bs.bodyBytes) {
        console.log(`  note: the requests differ: kassa ${ks.bodyBytes} body bytes, headers ${ks.headerNames}; bare ${bs.bodyBytes}, headers ${bs.headerNames}`);
      }
      const fmt = (xs: number[]) => `${median(xs).toFixed(0)}/s (runs ${xs.map((x) => x.toFixed(0)).join(', ')})`;
      console.log(`  concurrency ${concurrency}, N ${EVENTS_PER_RUN}, ${(ks.bodyBytes / ks.count).toFixed(0)}-byte bodies, median of ${RUNS}:`);
      console.log(`    kassa dispatcher (outbox read, unseal secret, sign, POST, attempt row + status committed in group transactions): ${fmt(kassa)}`);
      console.log(`    bare node:http client (sign, POST, keep-alive agent):                                                  ${fmt(bare)}`);
      console.log(`    ratio kassa / bare: ${(median(kassa) / median(bare)).toFixed(3)}`);
      rows.push({
        bench: 'webhooks',
        figure: `webhook deliveries per second, concurrency ${concurrency} (${EVENTS_PER_RUN} events per run, median of ${RUNS})`,
        ours: `${median(kassa).toFixed(0)}/s`,
        baseline: `bare node:http client ${median(bare).toFixed(0)}/s; target ratio >= ${TARGET_RATIO}`,
        ratio: (median(kassa) / median(bare)).toFixed(2),
        pass: median(kassa) / median(bare) >= TARGET_RATIO,
        values: { concurrency, events_per_run: EVENTS_PER_RUN, kassa_per_s: kassa, bare_per_s: bare },
      });
    }
    return rows;
  } finally {
    for (const fn of cleanups) {
      try {
        fn();
      } catch {
        // best effort: the rest still has to be cleaned up
      }
    }
  }
}
