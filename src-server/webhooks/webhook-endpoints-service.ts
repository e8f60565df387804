// Webhook endpoints: registration, secrets (sealed under the key store's data key), rotation,
// the delivery log and manual redelivery. The dispatcher does the sending.
import type { Storage } from '../storage/index.ts';
import type { DeliveryStatus, WebhookEndpointRow } from '../storage/webhooks-store.ts';
import { isWellFormedId, newId } from '../util/ids.ts';
import { openSealedString, seal } from '../wallet/secret-box.ts';
import type { KeyStore } from '../wallet/key-store.ts';
import { WebhookInputError, type Caller, type EventsService } from './events-service.ts';
import { isWebhookFormat, WEBHOOK_FORMAT_IDS, type WebhookFormatId } from './formats.ts';
import { newWebhookSecret } from './signing.ts';
import { subscriptionProblem } from './subscriptions.ts';
import { nonPublicTargetProblem, parseWebhookUrl, type Resolve } from './target-guard.ts';
import { deliveryObject, endpointObject, previousSecretLive, type WebhookDeliveryObject, type WebhookEndpointObject } from './webhook-objects.ts';
import { listPage } from '../util/list-page.ts';
import { ownedBy } from '../util/owned-by.ts';

export const DEFAULT_ROTATION_OVERLAP_S = 24 * 3600;

export interface EndpointInput {
  url: string;
  events: string[];
  description?: string | null | undefined;
  format?: string | undefined;
  enabled?: boolean | undefined;
}

export type EndpointPatch = Partial<EndpointInput>;

const secretContext = (endpointId: string) => `webhook_endpoint:${endpointId}`;

/** The secrets an endpoint signs with right now, the current one first; throws when they cannot be unsealed. */
export function liveSigningSecrets(row: WebhookEndpointRow, keyStore: KeyStore, now: Date): string[] {
  if (!keyStore.dataKey) throw new Error('no key store is open, so the signing secret cannot be unsealed');
  const secrets = [openSealedString(keyStore.dataKey, row.secret_sealed, secretContext(row.id))];
  if (previousSecretLive(row, now)) secrets.push(openSealedString(keyStore.dataKey, row.previous_secret_sealed!, secretContext(row.id)));
  return secrets;
}

export function createWebhookEndpointsService(deps: {
  storage: Storage;
  events: EventsService;
  keyStore: KeyStore;
  /** Live mode refuses loopback/private targets when set (config webhooks.blockPrivateTargets). */
  blockPrivateTargets: boolean;
  /** Wakes the dispatcher after a delivery was queued outside an event (redeliver). */
  wakeDispatcher: () => void;
  resolve?: Resolve;
  clock?: () => Date;
}) {
  const { storage, events, keyStore } = deps;
  const clock = deps.clock ?? (() => new Date());

  function dataKey(): Buffer {
    if (!keyStore.dataKey) {
      throw new WebhookInputError(
        409,
        'key_store_unavailable',
        null,
        'Webhook signing secrets are kept encrypted, and this node has no key store to encrypt them with. Run it where the OS keychain works, or set KASSA_PASSPHRASE (config keyStore: "passphrase") and restart.',
      );
    }
    return keyStore.dataKey;
  }

  async function checkedUrl(caller: Caller, raw: string): Promise<string> {
    const parsed = parseWebhookUrl(raw);
    if ('problem' in parsed) throw new WebhookInputError(400, 'parameter_invalid', 'url', parsed.problem);
    if (deps.blockPrivateTargets && caller.livemode) {
      const problem = await nonPublicTargetProblem(parsed.url, deps.resolve);
      if (problem) {
        throw new WebhookInputError(400, 'url_private_target', 'url', `url: ${problem}; live webhooks must reach a public address here (webhooks.blockPrivateTargets is on)`);
      }
    }
    return parsed.url.href;
  }

  function checkedEvents(list: string[]): string[] {
    if (list.length === 0) throw new WebhookInputError(400, 'parameter_invalid', 'events', 'events must name at least one event type, or ["*"] for all');
    list.forEach((entry, i) => {
      const problem = subscriptionProblem(entry);
      if (problem) throw new WebhookInputError(400, 'parameter_invalid', `events[${i}]`, `events[${i}]: ${problem}; see GET /api/v1/openapi.json for the list, or use "*"`);
    });
    return list.includes('*') ? ['*'] : [...new Set(list)];
  }

  function checkedFormat(format: string): WebhookFormatId {
    if (!isWebhookFormat(format)) throw new WebhookInputError(400, 'parameter_invalid', 'format', `format must be one of ${WEBHOOK_FORMAT_IDS.join(', ')}`);
    return format;
  }

  function endpointRow(caller: Caller, id: string, param = 'id'): WebhookEndpointRow {
    const row = isWellFormedId(id, 'we') ? storage.webhooks.getEndpoint(id) : null;
    if (!ownedBy(row, caller)) {
      throw new WebhookInputError(404, 'resource_missing', param, `No such webhook_endpoint: '${id.slice(0, 80)}'`);
    }
    return row;
  }

  function deliveryRow(endpoint: WebhookEndpointRow, deliveryId: string, param = 'delivery_id') {
    const row = isWellFormedId(deliveryId, 'whd') ? storage.webhooks.getDelivery(deliveryId) : null;
    if (!row || row.endpoint_id !== endpoint.id) {
      throw new WebhookInputError(404, 'resource_missing', param, `No such webhook_delivery: '${deliveryId.slice(0, 80)}' on endpoint ${endpoint.id}`);
    }
    return row;
  }

  const deliveryWithAttempts = (id: string): WebhookDeliveryObject => {
    const row = storage.webhooks.getDelivery(id)!;
    return deliveryObject(row, storage.webhooks.attemptsOf(id));
  };

  return {
    async create(caller: Caller, input: EndpointInput): Promise<WebhookEndpointObject> {
      const key = dataKey();
      const url = await checkedUrl(caller, input.url);
      const subscriptions = checkedEvents(input.events);
      const format = checkedFormat(input.format ?? 'native');
      const now = clock();
      const id = newId('we');
      const secret = newWebhookSecret();
      const enabled = input.enabled ?? true;
      const row: WebhookEndpointRow = {
        id,
        store_id: caller.storeId,
        livemode: caller.livemode ? 1 : 0,
        url,
        description: input.description ?? null,
        events: JSON.stringify(subscriptions),
        format,
        enabled: enabled ? 1 : 0,
        disabled_reason: enabled ? null : 'manual',
        secret_sealed: seal(key, secret, secretContext(id)),
        previous_secret_sealed: null,
        previous_secret_expires_at: null,
        failing_since: null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      };
      storage.webhooks.insertEndpoint(row);
      return endpointObject(row, now, secret);
    },

    list(caller: Caller, q: { limit: number; startingAfter?: string | undefined }) {
      let before: { created_at: string; id: string } | undefined;
      if (q.startingAfter !== undefined) {
        const anchor = endpointRow(caller, q.startingAfter, 'starting_after');
        before = { created_at: anchor.created_at, id: anchor.id };
      }
      const rows = storage.webhooks.listEndpoints({ storeId: caller.storeId, livemode: caller.livemode, before, limit: q.limit + 1 });
      const now = clock();
      return listPage(rows, q.limit, (r) => endpointObject(r, now));
    },

    get(caller: Caller, id: string): WebhookEndpointObject {
      return endpointObject(endpointRow(caller, id), clock());
    },

    async update(caller: Caller, id: string, patch: EndpointPatch): Promise<WebhookEndpointObject> {
      const current = endpointRow(caller, id);
      const url = patch.url !== undefined ? await checkedUrl(caller, patch.url) : current.url;
      const now = clock();
      const row: WebhookEndpointRow = {
        ...current,
        url,
        events: patch.events !== undefined ? JSON.stringify(checkedEvents(patch.events)) : current.events,
        format: patch.format !== undefined ? checkedFormat(patch.format) : current.format,
        description: patch.description !== undefined ? patch.description : current.description,
        updated_at: now.toISOString(),
      };
      if (patch.enabled === true) Object.assign(row, { enabled: 1, disabled_reason: null, failing_since: null });
      if (patch.enabled === false) Object.assign(row, { enabled: 0, disabled_reason: 'manual' });
      storage.webhooks.updateEndpoint(row);
      if (patch.enabled === true) deps.wakeDispatcher();
      return endpointObject(row, now);
    },

    remove(caller: Caller, id: string) {
      const row = endpointRow(caller, id);
      storage.webhooks.deleteEndpoint(row.id);
      return { object: 'webhook_endpoint' as const, id: row.id, deleted: true as const };
    },

    rotateSecret(caller: Caller, id: string, input: { expiresIn: number }): WebhookEndpointObject {
      const key = dataKey();
      const current = endpointRow(caller, id);
      const now = clock();
      const secret = newWebhookSecret();
      const overlap = input.expiresIn > 0;
      const row: WebhookEndpointRow = {
        ...current,
        secret_sealed: seal(key, secret, secretContext(current.id)),
        // One old secret at most: rotating again within the window retires the older one at once.
        previous_secret_sealed: overlap ? current.secret_sealed : null,
        previous_secret_expires_at: overlap ? new Date(now.getTime() + input.expiresIn * 1000).toISOString() : null,
        updated_at: now.toISOString(),
      };
      storage.webhooks.updateEndpoint(row);
      return endpointObject(row, now, secret);
    },

    sendTest(caller: Caller, id: string): WebhookDeliveryObject {
      const row = endpointRow(caller, id);
      if (row.enabled !== 1) {
        throw new WebhookInputError(409, 'webhook_endpoint_disabled', 'id', 'This webhook endpoint is disabled; enable it (PATCH {"enabled": true}) to send a test event.');
      }
      const now = clock();
      const event = storage.transaction(() =>
        events.record({
          type: 'test.webhook',
          storeId: row.store_id,
          livemode: row.livemode === 1,
          objectType: 'webhook_endpoint',
          objectId: row.id,
          object: endpointObject(row, now) as unknown as Record<string, unknown>,
          at: now,
          deliverTo: [row.id],
        }),
      );
      events.flush();
      const delivery = storage.webhooks.listDeliveries({ endpointId: row.id, eventId: event.id, limit: 1 })[0]!;
      return deliveryWithAttempts(delivery.id);
    },

    listDeliveries(caller: Caller, endpointId: string, q: { limit: number; startingAfter?: string | undefined; status?: DeliveryStatus | undefined; eventId?: string | undefined }) {
      const endpoint = endpointRow(caller, endpointId);
      const beforeSeq = q.startingAfter !== undefined ? deliveryRow(endpoint, q.startingAfter, 'starting_after').seq : undefined;
      const rows = storage.webhooks.listDeliveries({ endpointId: endpoint.id, status: q.status, eventId: q.eventId, beforeSeq, limit: q.limit + 1 });
      return listPage(rows, q.limit, (r) => deliveryObject(r, storage.webhooks.attemptsOf(r.id)));
    },

    getDelivery(caller: Caller, endpointId: string, deliveryId: string): WebhookDeliveryObject {
      const endpoint = endpointRow(caller, endpointId);
      return deliveryWithAttempts(deliveryRow(endpoint, deliveryId).id);
    },

    redeliver(caller: Caller, endpointId: string, deliveryId: string): WebhookDeliveryObject {
      const endpoint = endpointRow(caller, endpointId);
      const original = deliveryRow(endpoint, deliveryId);
      if (endpoint.enabled !== 1) {
        throw new WebhookInputError(409, 'webhook_endpoint_disabled', 'id', 'This webhook endpoint is disabled; enable it (PATCH {"enabled": true}) before redelivering.');
      }
      const now = clock().toISOString();
      const id = newId('whd');
      storage.webhooks.insertDelivery({ id, endpoint_id: endpoint.id, event_id: original.event_id, next_attempt_at: now, redelivery_of: original.id, created_at: now });
      deps.wakeDispatcher();
      return deliveryWithAttempts(id);
    },
  };
}
export type WebhooksService = ReturnType<typeof createWebhookEndpointsService>;
