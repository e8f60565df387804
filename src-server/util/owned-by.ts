/** Whether a stored object belongs to the caller's store and mode; anything else reads as missing. */
export function ownedBy<R extends { store_id: string; livemode: number }>(row: R | null | undefined, caller: { storeId: string; livemode: boolean }): row is R {
  return !!row && row.store_id === caller.storeId && (row.livemode === 1) === caller.livemode;
}
