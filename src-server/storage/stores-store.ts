import type { Db } from './db.ts';

export interface StoreRow {
  id: string;
  name: string;
  default_expires_in: number;
  monitoring_window: number;
  late_payment_policy: 'accept' | 'flag' | null;
  underpaid_tolerance_bps: number;
  /** JSON array of network ids that use a shared address + unique amount. */
  shared_address_networks: string;
  created_at: string;
}

export function createStoresStore(db: Db) {
  const byId = db.prepare<[string], StoreRow>('SELECT * FROM stores WHERE id = ?');
  const insert = db.prepare(
    'INSERT INTO stores (id, name, created_at) VALUES (@id, @name, @created_at) ON CONFLICT(id) DO NOTHING',
  );
  const update = db.prepare(
    `UPDATE stores SET name = @name, default_expires_in = @default_expires_in, monitoring_window = @monitoring_window,
       late_payment_policy = @late_payment_policy, underpaid_tolerance_bps = @underpaid_tolerance_bps,
       shared_address_networks = @shared_address_networks WHERE id = @id`,
  );
  const all = db.prepare<[], StoreRow>('SELECT * FROM stores ORDER BY created_at');
  return {
    get: (id: string) => byId.get(id) ?? null,
    list: () => all.all(),
    updateSettings: (row: Omit<StoreRow, 'created_at'>) => void update.run(row),
    ensure(id: string, name: string, createdAt: string): StoreRow {
      insert.run({ id, name, created_at: createdAt });
      return byId.get(id)!;
    },
  };
}
export type StoresStore = ReturnType<typeof createStoresStore>;
