import type { EventRow } from '../storage/events-store.ts';
import type { Storage } from '../storage/index.ts';
import { newId } from '../util/ids.ts';
import { isoSeconds } from '../util/time.ts';

export const EVENT_TYPES = [
  'payment_intent.created',
  'payment_intent.payment_detected',
  'payment_intent.paid',
  'payment_intent.paid_late',
  'payment_intent.underpaid',
  'payment_intent.expired',
  'payment_intent.canceled',
  'payment_intent.refunded',
  'payment.reverted',
  'checkout_session.completed',
  'withdrawal.created',
  'withdrawal.approved',
  'withdrawal.broadcast',
  'withdrawal.confirmed',
  'withdrawal.failed',
  'sweep.completed',
  'escrow.created',
  'escrow.funded',
  'escrow.released',
  'escrow.settled',
  'escrow.refunded',
  'escrow.disputed',
  'escrow.expired',
  'test.webhook',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

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
      const event = toApiEvent({ ...row, seq: 0 });
      pending.push(event);
      return event;
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
