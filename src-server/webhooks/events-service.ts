import type { EventRow } from '../storage/events-store.ts';
import type { Storage } from '../storage/index.ts';
import { isWellFormedId, newId } from '../util/ids.ts';
import { isoSeconds } from '../util/time.ts';
import type { EventType } from './event-types.ts';
import { subscribes } from './subscriptions.ts';
import { listPage } from '../util/list-page.ts';
import { ownedBy } from '../util/owned-by.ts';

export { EVENT_TYPES, type EventType } from './event-types.ts';

export interface Caller {
  storeId: string;
  livemode: boolean;
}

/** A rule-level failure of the events and webhooks API; the HTTP edge maps it to a 4xx naming `param`. */
export class WebhookInputError extends Error {
  readonly status: 400 | 404 | 409 | 422;
  readonly code: string;
  readonly param: string | null;
  constructor(status: WebhookInputError['status'], code: string, param: string | null, message: string) {
    super(message);
    this.name = 'WebhookInputError';
    this.status = status;
    this.code = code;
    this.param = param;
  }
}


export interface ApiEvent {
  object: 'event';
  id: string;
  type: string;
  livemode: boolean;
  created_at: string;
  data: { object: Record<string, unknown> };
}

/** A listener hears about events after their transaction commits (the webhook dispatcher hooks in here). */
export type EventListener = (event: ApiEvent) => void;

export function createEventsService(storage: Storage) {
  const listeners = new Set<EventListener>();
  let pending: ApiEvent[] = [];

  function toApiEvent(row: EventRow): ApiEvent {
    return {
      object: 'event',
      id: row.id,
      type: row.type,
      livemode: row.livemode === 1,
      created_at: isoSeconds(new Date(row.created_at)),
      data: { object: JSON.parse(row.data) as Record<string, unknown> },
    };
  }

  return {
    toApiEvent,
    onEvent(listener: EventListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /**
     * Appends an event; call inside the transaction that makes the state change, so the change and
     * its event commit (or roll back) together. Listeners hear it after `flush()`.
     */
    record(input: {
      type: EventType;
      storeId: string;
      livemode: boolean;
      objectType: string;
      objectId: string;
      object: Record<string, unknown>;
      at: Date;
      /** Only these endpoints get it (a test event); by default every enabled endpoint subscribed to the type. */
      deliverTo?: readonly string[];
    }): ApiEvent {
      const row: Omit<EventRow, 'seq'> = {
        id: newId('evt'),
        type: input.type,
        store_id: input.storeId,
        livemode: input.livemode ? 1 : 0,
        object_type: input.objectType,
        object_id: input.objectId,
        data: JSON.stringify(input.object),
        created_at: input.at.toISOString(),
      };
      storage.events.insert(row);
      // The outbox: one delivery per endpoint, in this same transaction, so a crash loses none.
      const endpoints = input.deliverTo
        ? input.deliverTo.flatMap((id) => storage.webhooks.getEndpoint(id) ?? [])
        : storage.webhooks.enabledEndpoints(input.storeId, input.livemode).filter((e) => subscribes(JSON.parse(e.events) as string[], input.type));
      for (const endpoint of endpoints) {
        storage.webhooks.insertDelivery({ id: newId('whd'), endpoint_id: endpoint.id, event_id: row.id, next_attempt_at: row.created_at, redelivery_of: null, created_at: row.created_at });
      }
      const event = toApiEvent({ ...row, seq: 0 });
      pending.push(event);
      return event;
    },
    get(caller: Caller, id: string): ApiEvent {
      const row = isWellFormedId(id, 'evt') ? storage.events.get(id) : null;
      if (!ownedBy(row, caller)) {
        throw new WebhookInputError(404, 'resource_missing', 'id', `No such event: '${id.slice(0, 80)}'`);
      }
      return toApiEvent(row);
    },
    list(caller: Caller, q: { limit: number; startingAfter?: string | undefined; type?: string | undefined; objectId?: string | undefined; createdGte?: Date | undefined; createdLte?: Date | undefined }) {
      let beforeSeq: number | undefined;
      if (q.startingAfter !== undefined) {
        const anchor = isWellFormedId(q.startingAfter, 'evt') ? storage.events.get(q.startingAfter) : null;
        if (!ownedBy(anchor, caller)) {
          throw new WebhookInputError(400, 'parameter_invalid', 'starting_after', `starting_after: no such event '${q.startingAfter.slice(0, 80)}'`);
        }
        beforeSeq = anchor.seq;
      }
      const rows = storage.events.list({
        storeId: caller.storeId,
        livemode: caller.livemode,
        type: q.type,
        objectId: q.objectId,
        createdGte: q.createdGte?.toISOString(),
        createdLte: q.createdLte?.toISOString(),
        beforeSeq,
        limit: q.limit + 1,
      });
      return listPage(rows, q.limit, toApiEvent);
    },
    /** Announces events recorded since the last flush (call after commit). */
    flush(): void {
      const batch = pending;
      pending = [];
      for (const event of batch) for (const l of listeners) l(event);
    },
    /** Drops unannounced events (call after a rollback). */
    discardPending(): void {
      pending = [];
    },
  };
}
export type EventsService = ReturnType<typeof createEventsService>;
