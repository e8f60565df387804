/** One page of a cursor list from `limit + 1` rows: the extra row only tells whether there is more. */
export function listPage<R extends { id: string }, T>(rows: readonly R[], limit: number, toObject: (row: R) => T) {
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return {
    object: 'list' as const,
    data: page.map((row) => toObject(row)),
    has_more: hasMore,
    next_cursor: hasMore ? page[page.length - 1]!.id : null,
  };
}
