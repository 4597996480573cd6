/** Cursor pagination: callers fetch `limit + 1` rows; the extra one tells whether a next page exists. */
export function page<T extends { id: string }, V>(rows: T[], limit: number, view: (row: T) => V): { items: V[]; nextCursor: string | null } {
  const kept = rows.slice(0, limit);
  return { items: kept.map(view), nextCursor: rows.length > limit ? kept[kept.length - 1].id : null };
}
