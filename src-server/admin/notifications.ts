// What the desktop shell shows as OS notifications: a payment arrived, a payment arrived late, a
// webhook endpoint keeps failing (or was disabled for it). Each respects the dashboard's
// notification settings, read when it happens.
import { resolveNetwork } from '../money/assets.ts';
import type { Storage } from '../storage/index.ts';
import type { WebhookEndpointRow } from '../storage/webhooks-store.ts';
import type { ApiEvent, EventsService } from '../webhooks/events-service.ts';
import { notificationPrefs, type SettingsStore } from './handlers/context.ts';

export interface AdminNotification {
  kind: 'paid' | 'paid_late' | 'webhook_failing';
  title: string;
  body: string;
  invoice_id?: string;
}

export interface NotifierDeps {
  events: Pick<EventsService, 'onEvent'>;
  storage: { admin: SettingsStore; webhooks: Pick<Storage['webhooks'], 'failingEndpoints'> };
  onNotification: (n: AdminNotification) => void;
  /** An endpoint counts as failing once it has failed without a success this long. Default 5 min. */
  failingAfterMs?: number;
  /** How often failing endpoints are looked for. Default 60 s. */
  pollIntervalMs?: number;
  clock?: () => Date;
}

interface IntentLike {
  id?: unknown;
  livemode?: unknown;
  network?: unknown;
  asset?: unknown;
  amount_received?: unknown;
  custom_id?: unknown;
  late_payment_policy?: unknown;
  status?: unknown;
}

function intentSummary(o: IntentLike): string {
  const network = typeof o.network === 'string' ? (resolveNetwork(o.network)?.name ?? o.network) : '';
  const parts = [`${String(o.amount_received ?? '')} ${String(o.asset ?? '')} on ${network}`.trim()];
  if (typeof o.custom_id === 'string' && o.custom_id) parts.push(o.custom_id);
  if (o.livemode === false) parts.push('test mode');
  return parts.join(' · ');
}

/** The notification an event makes, before the settings are consulted; null for events that make none. */
export function notificationForEvent(event: Pick<ApiEvent, 'type' | 'data'>): AdminNotification | null {
  const o = event.data.object as IntentLike & { url?: unknown };
  const id = typeof o.id === 'string' ? o.id : undefined;
  switch (event.type) {
    case 'payment_intent.paid':
      return { kind: 'paid', title: 'Payment received', body: intentSummary(o), ...(id ? { invoice_id: id } : {}) };
    case 'payment_intent.paid_late': {
      const held = o.late_payment_policy === 'flag' && o.status === 'expired';
      return {
        kind: 'paid_late',
        title: held ? 'Late payment needs your decision' : 'Late payment received',
        body: `${intentSummary(o)} — paid after the invoice expired${held ? '; accept it or refund it in the dashboard' : ''}`,
        ...(id ? { invoice_id: id } : {}),
      };
    }
    case 'webhook_endpoint.disabled':
      return { kind: 'webhook_failing', title: 'Webhook endpoint disabled', body: `${String(o.url ?? id ?? '')} failed every delivery for too long and was disabled; fix it, then enable it again.` };
    default:
      return null;
  }
}

export function failingNotification(endpoint: Pick<WebhookEndpointRow, 'url' | 'failing_since' | 'livemode'>): AdminNotification {
  return {
    kind: 'webhook_failing',
    title: 'Webhook deliveries failing',
    body: `${endpoint.url}${endpoint.livemode === 0 ? ' (test mode)' : ''} has failed every delivery since ${endpoint.failing_since}; Kassa keeps retrying.`,
  };
}

export function createNotifier(deps: NotifierDeps): { stop(): void; checkFailingNow(): void } {
  const clock = deps.clock ?? (() => new Date());
  const failingAfterMs = deps.failingAfterMs ?? 5 * 60_000;
  /** One notification per failing spell: endpoint id → the failing_since it was told about. */
  const told = new Map<string, string>();

  function deliver(n: AdminNotification): void {
    if (!notificationPrefs(deps.storage.admin)[n.kind]) return;
    try {
      deps.onNotification(n);
    } catch {
      // A notification the shell could not show must never disturb the payment that caused it.
    }
  }

  const unsubscribe = deps.events.onEvent((event) => {
    const n = notificationForEvent(event);
    if (n) deliver(n);
  });

  function lookForFailing(): void {
    try {
      const now = clock().getTime();
      const failing = deps.storage.webhooks.failingEndpoints();
      const stillFailing = new Set(failing.map((e) => e.id));
      for (const id of told.keys()) if (!stillFailing.has(id)) told.delete(id);
      for (const e of failing) {
        if (e.enabled !== 1 || !e.failing_since || told.get(e.id) === e.failing_since) continue;
        if (now - Date.parse(e.failing_since) < failingAfterMs) continue;
        told.set(e.id, e.failing_since);
        deliver(failingNotification(e));
      }
    } catch {
      // The database may be closing with the node; the next poll tries again.
    }
  }
  const timer = setInterval(lookForFailing, deps.pollIntervalMs ?? 60_000);
  timer.unref();

  return {
    /** Looks for failing endpoints now instead of at the next poll. */
    checkFailingNow: lookForFailing,
    stop(): void {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
