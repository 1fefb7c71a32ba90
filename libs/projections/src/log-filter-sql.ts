import type { LogFilter } from '@geode/event-store';

/**
 * The event store's filter semantics (categories OR type prefixes, empty = all) as a SQL
 * condition on `geode_events e`, for the counts behind lag and rebuild totals. Parameters
 * are appended to `params`.
 */
export function logFilterCondition(filter: LogFilter, params: unknown[]): string {
  const conditions: string[] = [];
  if (filter.categories?.length) {
    params.push(filter.categories);
    conditions.push(`e.category = ANY ($${params.length}::text[])`);
  }
  if (filter.typePrefixes?.length) {
    params.push(filter.typePrefixes.map((prefix) => `${prefix.replace(/[\\%_]/g, '\\$&')}%`));
    conditions.push(`e.type LIKE ANY ($${params.length}::text[])`);
  }
  return conditions.length ? `(${conditions.join(' OR ')})` : 'true';
}
