import type { Db } from './db.ts';

export interface EventRow {
  seq: number;
  id: string;
  type: string;
  store_id: string;
  livemode: 0 | 1;
  object_type: string;
  object_id: string;
  data: string;
  created_at: string;
}

export interface EventListFilter {
  storeId: string;
  livemode: boolean;
  type?: string | undefined;
  objectId?: string | undefined;
  createdGte?: string | undefined;
  createdLte?: string | undefined;
  beforeSeq?: number | undefined;
  limit: number;
}

/** Append-only: the table's triggers refuse UPDATE and DELETE. */
export function createEventsStore(db: Db) {
  const insertEvent = db.prepare(
    `INSERT INTO events (id, type, store_id, livemode, object_type, object_id, data, created_at)
     VALUES (@id, @type, @store_id, @livemode, @object_type, @object_id, @data, @created_at)`,
  );
  const byId = db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?');
  const byObject = db.prepare<[string], EventRow>('SELECT * FROM events WHERE object_id = ? ORDER BY seq');
  return {
    insert: (row: Omit<EventRow, 'seq'>) => Number(insertEvent.run(row).lastInsertRowid),
    get: (id: string) => byId.get(id) ?? null,
    listForObject: (objectId: string) => byObject.all(objectId),
    list(f: EventListFilter): EventRow[] {
      const where = ['store_id = @storeId', 'livemode = @livemode'];
      const params: Record<string, unknown> = { storeId: f.storeId, livemode: f.livemode ? 1 : 0, limit: f.limit };
      if (f.type) (where.push('type = @type'), (params.type = f.type));
      if (f.objectId) (where.push('object_id = @objectId'), (params.objectId = f.objectId));
      if (f.createdGte) (where.push('created_at >= @createdGte'), (params.createdGte = f.createdGte));
      if (f.createdLte) (where.push('created_at <= @createdLte'), (params.createdLte = f.createdLte));
      if (f.beforeSeq !== undefined) (where.push('seq < @beforeSeq'), (params.beforeSeq = f.beforeSeq));
      return db
        .prepare<Record<string, unknown>, EventRow>(
          `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`,
        )
        .all(params);
    },
  };
}
export type EventsStore = ReturnType<typeof createEventsStore>;
