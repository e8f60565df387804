// The webhook dispatcher: sends what the outbox holds (SPEC §7).
//
// Every delivery is a row written in the transaction that recorded its event, so nothing is lost
// to a crash: a row stays `pending` until an attempt's outcome is committed, and one in flight when
// the process died is simply sent again after restart. Slots are bounded overall and per endpoint,
// so a slow or failing endpoint never holds back the others, and retries wait in the database, not
// in memory.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KassaConfig } from '../config/config.ts';
import type { Storage } from '../storage/index.ts';
import type { DueDeliveryRow, WebhookEndpointRow } from '../storage/webhooks-store.ts';
import type { KeyStore } from '../wallet/key-store.ts';
import type { EventsService } from './events-service.ts';
import { WEBHOOK_FORMATS, isWebhookFormat } from './formats.ts';
import { retryDelayMs } from './retry-schedule.ts';
import { isNonPublicAddress } from './target-guard.ts';
import { endpointObject, previousSecretLive } from './webhook-objects.ts';
import { liveSigningSecrets } from './webhook-endpoints-service.ts';

export const RESPONSE_BODY_LIMIT = 4096;
const PREFETCH = 64;
const OUTCOME_BATCH_MAX = 256;
const OUTCOME_BATCH_WAIT_MS = 5;

export interface AttemptResult {
  status: number | null;
  body: string;
  truncated: boolean;
  error: string | null;
}

/** Refuses to connect to a non-public address; used for live endpoints when blockPrivateTargets is on. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 4);
    const bad = addresses.find((a) => isNonPublicAddress(a.address));
    if (bad) return callback(Object.assign(new Error(`${hostname} resolves to the non-public address ${bad.address} (webhooks.blockPrivateTargets)`), { code: 'ENONPUBLIC' }), '', 4);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/** One POST; resolves (never rejects) with what came back, the body cut at 4 KB. */
export function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  opts: { timeoutMs: number; agents: { http: http.Agent; https: https.Agent }; publicOnly: boolean },
): { done: Promise<AttemptResult>; abort: () => void } {
  let abort = () => {};
  const done = new Promise<AttemptResult>((resolve) => {
    const url = new URL(target);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (opts.publicOnly && isIP(host) && isNonPublicAddress(host)) {
      resolve({ status: null, body: '', truncated: false, error: `${host} is a non-public address (webhooks.blockPrivateTargets)` });
      return;
    }
    const isHttps = url.protocol === 'https:';
    let status: number | null = null;
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let settled = false;
    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, body: Buffer.concat(chunks).toString('utf8'), truncated, error });
    };
    const req = (isHttps ? https : http).request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: isHttps ? opts.agents.https : opts.agents.http,
      ...(opts.publicOnly ? { lookup: publicOnlyLookup } : {}),
    });
    const timer = setTimeout(() => {
      // A 2xx already received stands; the receiver acknowledged in time.
      finish(status === null ? `timed out after ${opts.timeoutMs} ms without a response` : null);
      req.destroy();
    }, opts.timeoutMs);
    abort = () => {
      finish('aborted: the node is stopping');
      req.destroy();
    };
    req.on('error', (err: NodeJS.ErrnoException) => finish(status === null ? err.message || err.code || 'request failed' : null));
    req.on('response', (res) => {
      status = res.statusCode ?? null;
      res.on('data', (chunk: Buffer) => {
        if (size < RESPONSE_BODY_LIMIT) chunks.push(chunk.subarray(0, RESPONSE_BODY_LIMIT - size));
        size += chunk.length;
        if (size > RESPONSE_BODY_LIMIT) truncated = true;
      });
      res.on('end', () => finish(null));
      res.on('error', () => finish(null));
      res.on('close', () => finish(null));
    });
    req.end(body);
  });
  return { done, abort: () => abort() };
}

export function createWebhookDispatcher(deps: {
  storage: Storage;
  events: EventsService;
  keyStore: KeyStore;
  logger: Logger;
  config: KassaConfig['webhooks'];
  userAgent: string;
  metrics?: Registry;
  clock?: () => Date;
}) {
  const { storage, events, logger, config } = deps;
  const clock = deps.clock ?? (() => new Date());
  // The dispatcher bounds requests per endpoint itself; the agent must not add a per-host:port limit
  // of its own, or one slow endpoint would queue the requests of another on the same host.
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: config.concurrency }),
    https: new https.Agent({ keepAlive: true, maxSockets: config.concurrency }),
  };
  /** delivery id → endpoint id and how to abort its request. */
  const inflight = new Map<string, { endpointId: string; abort: () => void }>();
  /** Rows in `inflight` per endpoint: being sent, or sent and awaiting their outcome's commit. */
  const heldPerEndpoint = new Map<string, number>();
  /** Requests on the wire: the slots the concurrency limits count. */
  const sendingPerEndpoint = new Map<string, number>();
  let sendingTotal = 0;
  const bump = (map: Map<string, number>, key: string, by: number) => {
    const n = (map.get(key) ?? 0) + by;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  };
  let roundRobin = 0;
  /** Told the delivery id once an attempt's outcome is committed (the dashboard's live feed). */
  const outcomeListeners = new Set<(deliveryId: string) => void>();
  /** Due deliveries fetched ahead per endpoint, so a busy endpoint costs one query per batch, not per delivery. */
  const prefetched = new Map<string, DueDeliveryRow[]>();
  let timer: NodeJS.Timeout | null = null;
  /**
   * While outcomes cannot be recorded (a full or read-only disk), every delivery stays pending and
   * would be due again at once: sending pauses, doubling from 1 s up to 30 s, until a commit works.
   */
  let storageFailures = 0;
  let storagePausedUntil = 0;
  let tickQueued = false;
  let stopped = true;

  const attemptsTotal = deps.metrics
    ? new Counter({ name: 'kassa_webhook_attempts_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'] as const, registers: [deps.metrics] })
    : null;
  if (deps.metrics) {
    new Gauge({ name: 'kassa_webhook_inflight', help: 'Webhook deliveries in flight', registers: [deps.metrics], collect() { this.set(inflight.size); } });
  }

  function queueTick(): void {
    if (stopped || tickQueued) return;
    tickQueued = true;
    setImmediate(() => {
      tickQueued = false;
      try {
        tick();
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'webhook dispatch tick failed');
        scheduleWake(config.pollIntervalMs);
      }
    });
  }

  function scheduleWake(ms: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(queueTick, Math.max(0, ms));
    timer.unref();
  }

  /** Starts every due delivery there is a slot for, endpoints taken round-robin; then sleeps until the next is due. */
  function tick(): void {
    if (stopped) return;
    const now = clock();
    if (now.getTime() < storagePausedUntil) {
      scheduleWake(storagePausedUntil - now.getTime());
      return;
    }
    const nowIso = now.toISOString();
    const endpoints = storage.webhooks.allEnabledEndpoints();
    for (const id of prefetched.keys()) if (!endpoints.some((e) => e.id === id)) prefetched.delete(id);
    let wakeIn = config.pollIntervalMs;
    const offset = endpoints.length ? roundRobin++ % endpoints.length : 0;
    for (let i = 0; i < endpoints.length; i++) {
      const endpoint = endpoints[(offset + i) % endpoints.length]!;
      const room = Math.min(config.perEndpointConcurrency - (sendingPerEndpoint.get(endpoint.id) ?? 0), config.concurrency - sendingTotal);
      if (room > 0) {
        let queue = prefetched.get(endpoint.id) ?? [];
        if (queue.length === 0) {
          // Rows in flight are still pending (that is what makes them crash-safe): fetch past them.
          queue = storage.webhooks.dueForEndpoint(endpoint.id, nowIso, PREFETCH + (heldPerEndpoint.get(endpoint.id) ?? 0)).filter((d) => !inflight.has(d.id));
        }
        for (const delivery of queue.splice(0, room)) start(endpoint, delivery);
        if (queue.length) prefetched.set(endpoint.id, queue);
        else prefetched.delete(endpoint.id);
      }
      // An endpoint with requests in flight ticks again when they finish; only idle ones need a timer.
      if (heldPerEndpoint.has(endpoint.id)) continue;
      const next = storage.webhooks.nextDueForEndpoint(endpoint.id);
      if (next !== null) {
        const ms = Date.parse(next) - now.getTime();
        if (ms > 0) wakeIn = Math.min(wakeIn, ms);
      }
    }
    scheduleWake(wakeIn);
  }

  function start(endpoint: WebhookEndpointRow, delivery: DueDeliveryRow): void {
    const slot = { endpointId: endpoint.id, abort: () => {} };
    inflight.set(delivery.id, slot);
    bump(heldPerEndpoint, endpoint.id, 1);
    bump(sendingPerEndpoint, endpoint.id, 1);
    sendingTotal++;
    let sending = true;
    // The HTTP exchange is over: its slot may carry the next request while the outcome waits for its commit.
    const releaseSlot = () => {
      if (!sending) return;
      sending = false;
      bump(sendingPerEndpoint, endpoint.id, -1);
      sendingTotal--;
      queueTick();
    };
    void attempt(endpoint, delivery, slot, releaseSlot)
      .catch((err: unknown) => logger.error({ delivery: delivery.id, err: (err as Error).message }, 'webhook attempt failed unexpectedly'))
      .finally(() => {
        releaseSlot();
        inflight.delete(delivery.id);
        bump(heldPerEndpoint, endpoint.id, -1);
        queueTick();
      });
  }

  /** Unsealed secrets by their sealed text (AES-GCM per attempt would be wasted work); cleared when large. */
  const unsealed = new Map<string, string[]>();
  function signingSecrets(endpoint: WebhookEndpointRow, now: Date): string[] {
    const cacheKey = `${endpoint.secret_sealed}|${previousSecretLive(endpoint, now) ? endpoint.previous_secret_sealed : ''}`;
    let secrets = unsealed.get(cacheKey);
    if (!secrets) {
      if (unsealed.size > 1000) unsealed.clear();
      secrets = liveSigningSecrets(endpoint, deps.keyStore, now);
      unsealed.set(cacheKey, secrets);
    }
    return secrets;
  }

  async function attempt(endpoint: WebhookEndpointRow, delivery: DueDeliveryRow, slot: { abort: () => void }, releaseSlot: () => void): Promise<void> {
    const startedAt = clock();
    const event = events.toApiEvent({
      seq: delivery.event_seq,
      id: delivery.event_id,
      type: delivery.event_type,
      store_id: delivery.event_store_id,
      livemode: delivery.event_livemode,
      object_type: delivery.event_object_type,
      object_id: delivery.event_object_id,
      data: delivery.event_data,
      created_at: delivery.event_created_at,
    });
    let request: { headers: Record<string, string>; body: string } | null = null;
    let result: AttemptResult;
    try {
      const format = isWebhookFormat(endpoint.format) ? WEBHOOK_FORMATS[endpoint.format] : WEBHOOK_FORMATS.native;
      request = format.build(event, { timestamp: Math.floor(startedAt.getTime() / 1000), secrets: signingSecrets(endpoint, startedAt), userAgent: deps.userAgent });
    } catch (err) {
      result = { status: null, body: '', truncated: false, error: `could not sign the delivery: ${(err as Error).message}` };
    }
    if (request) {
      const sent = postWebhook(endpoint.url, request.headers, request.body, { timeoutMs: config.timeoutMs, agents, publicOnly: config.blockPrivateTargets && endpoint.livemode === 1 });
      slot.abort = sent.abort;
      result = await sent.done;
    }
    // Stopping mid-request: record nothing, so the row stays pending and goes out after restart.
    if (stopped) return;
    releaseSlot();
    const ok = result!.status !== null && result!.status >= 200 && result!.status < 300;
    let error = result!.error;
    if (!ok && !error && result!.status !== null && result!.status >= 300 && result!.status < 400) error = `HTTP ${result!.status}: redirects are not followed`;
    else if (!ok && !error && result!.status !== null) error = `HTTP ${result!.status}`;
    attemptsTotal?.inc({ outcome: ok ? 'succeeded' : 'failed' });
    if (!ok) logger.info({ endpoint: endpoint.id, delivery: delivery.id, event: event.id, status: result!.status, error }, 'webhook delivery attempt failed');
    // The row stays in `inflight` until its outcome is committed, so it cannot be picked up twice.
    await commitOutcome({ endpointId: endpoint.id, deliveryId: delivery.id, url: endpoint.url, startedAt, finishedAt: clock(), ok, request, result: result!, error });
  }

  interface Outcome {
    endpointId: string;
    deliveryId: string;
    url: string;
    startedAt: Date;
    finishedAt: Date;
    ok: boolean;
    request: { headers: Record<string, string>; body: string } | null;
    result: AttemptResult;
    error: string | null;
  }
  let outcomes: { outcome: Outcome; committed: () => void }[] = [];

  /** Outcomes finishing in the same turn share one transaction (one disk sync instead of one each). */
  let commitTimer: NodeJS.Timeout | null = null;
  // Send slots are free while an outcome waits, so waiting a few ms to commit many at once costs no throughput.
  function commitOutcome(outcome: Outcome): Promise<void> {
    return new Promise((resolve) => {
      outcomes.push({ outcome, committed: resolve });
      if (outcomes.length >= OUTCOME_BATCH_MAX) commitOutcomes();
      else commitTimer ??= setTimeout(commitOutcomes, OUTCOME_BATCH_WAIT_MS);
    });
  }

  function commitOutcomes(): void {
    if (commitTimer) clearTimeout(commitTimer);
    commitTimer = null;
    const batch = outcomes;
    outcomes = [];
    if (batch.length === 0) return;
    try {
      if (!stopped) {
        // Losing these to a power cut only means the deliveries go out again: no disk sync to wait for.
        storage.transactionWithoutSync(() => {
          const endpoints = new Map<string, WebhookEndpointRow | null>();
          for (const { outcome } of batch) recordOutcome(outcome, endpoints);
        });
        events.flush();
        storageFailures = 0;
        for (const { outcome } of batch) {
          for (const listener of outcomeListeners) {
            try {
              listener(outcome.deliveryId);
            } catch (err) {
              logger.warn({ err: (err as Error).message }, 'a delivery outcome listener failed');
            }
          }
        }
      }
    } catch (err) {
      // Nothing recorded: the deliveries stay pending and are sent again (at least once), after a pause.
      events.discardPending();
      storageFailures++;
      const pauseMs = Math.min(30_000, 1000 * 2 ** Math.min(storageFailures - 1, 5));
      storagePausedUntil = clock().getTime() + pauseMs;
      prefetched.clear();
      logger.error({ err: (err as Error).message, outcomes: batch.length, pauseMs }, 'could not record webhook attempt outcomes; sending paused');
    } finally {
      for (const { committed } of batch) committed();
    }
  }

  /** Logs the attempt and moves the delivery on: succeeded, retry later, or failed; may disable the endpoint. Inside a transaction. */
  function recordOutcome(o: Outcome, endpoints: Map<string, WebhookEndpointRow | null>): void {
    const current = storage.webhooks.getDeliveryState(o.deliveryId);
    if (!current || current.status !== 'pending') return; // the endpoint was deleted meanwhile
    const attemptNo = current.attempt_count + 1;
    storage.webhooks.insertAttempt({
      delivery_id: o.deliveryId,
      attempt: attemptNo,
      started_at: o.startedAt.toISOString(),
      duration_ms: o.finishedAt.getTime() - o.startedAt.getTime(),
      outcome: o.ok ? 'succeeded' : 'failed',
      request_url: o.url,
      request_headers: JSON.stringify(o.request?.headers ?? {}),
      request_body: o.request?.body ?? '',
      response_status: o.result.status,
      response_body: o.result.status === null ? null : o.result.body,
      response_truncated: o.result.truncated ? 1 : 0,
      error: o.error,
    });
    if (!endpoints.has(o.endpointId)) endpoints.set(o.endpointId, storage.webhooks.getEndpoint(o.endpointId));
    const endpoint = endpoints.get(o.endpointId)!;
    if (o.ok) {
      storage.webhooks.finishAttempt({ id: o.deliveryId, status: 'succeeded', attempt_count: attemptNo, next_attempt_at: null, last_attempt_at: o.finishedAt.toISOString(), delivered_at: o.finishedAt.toISOString() });
      if (endpoint?.failing_since) {
        storage.webhooks.setFailingSince(o.endpointId, null);
        endpoints.set(o.endpointId, { ...endpoint, failing_since: null });
      }
      return;
    }
    const wait = retryDelayMs(attemptNo, config.retrySchedule, config.jitter);
    storage.webhooks.finishAttempt({
      id: o.deliveryId,
      status: wait === null ? 'failed' : 'pending',
      attempt_count: attemptNo,
      next_attempt_at: wait === null ? null : new Date(o.finishedAt.getTime() + wait).toISOString(),
      last_attempt_at: o.finishedAt.toISOString(),
      delivered_at: null,
    });
    if (!endpoint) return;
    if (!endpoint.failing_since) {
      storage.webhooks.setFailingSince(o.endpointId, o.startedAt.toISOString());
      endpoints.set(o.endpointId, { ...endpoint, failing_since: o.startedAt.toISOString() });
    } else if (endpoint.enabled === 1 && o.finishedAt.getTime() - Date.parse(endpoint.failing_since) >= config.disableAfter * 1000) {
      const disabled: WebhookEndpointRow = { ...endpoint, enabled: 0, disabled_reason: 'failing', updated_at: o.finishedAt.toISOString() };
      storage.webhooks.updateEndpoint(disabled);
      endpoints.set(o.endpointId, disabled);
      events.record({
        type: 'webhook_endpoint.disabled',
        storeId: disabled.store_id,
        livemode: disabled.livemode === 1,
        objectType: 'webhook_endpoint',
        objectId: disabled.id,
        object: endpointObject(disabled, o.finishedAt) as unknown as Record<string, unknown>,
        at: o.finishedAt,
      });
      logger.warn({ endpoint: disabled.id, failingSince: endpoint.failing_since }, 'webhook endpoint disabled: it has failed every delivery for too long');
    }
  }

  const unsubscribe = events.onEvent(() => queueTick());

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      queueTick();
    },
    /** Wakes the dispatcher at once (a delivery was queued outside an event, or an endpoint came back). */
    wake: queueTick,
    inflightCount: () => inflight.size,
    onOutcome(listener: (deliveryId: string) => void): () => void {
      outcomeListeners.add(listener);
      return () => outcomeListeners.delete(listener);
    },
    async stop(): Promise<void> {
      // Outcomes already known are kept (their deliveries are not sent again); requests on the wire are not.
      commitOutcomes();
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      for (const slot of inflight.values()) slot.abort();
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
