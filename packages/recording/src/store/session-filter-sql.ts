import type { SessionFilter } from './recording-store.js';

/**
 * The SQL conditions of the sessions list's filters, on `recording_sessions` aliased `s` or `t`
 * (`alias`), one list for the list itself and for the change feed, so both select alike. The text
 * search is the list's alone (it needs the store's search key: see message-search.ts).
 */
export function sessionFilterConditions(
  filter: Omit<SessionFilter, 'cursor' | 'limit' | 'text'>,
  param: (value: unknown) => string,
  alias = 's',
): string[] {
  const where: string[] = [];
  const a = alias;
  if (filter.subject !== undefined) where.push(`${a}.subject = ${param(filter.subject)}`);
  if (filter.connection !== undefined) where.push(`${a}.connection = ${param(filter.connection)}`);
  if (filter.from !== undefined)
    where.push(`${a}.last_event_at >= ${param(filter.from.toISOString())}::timestamptz`);
  if (filter.to !== undefined) where.push(`${a}.started_at < ${param(filter.to.toISOString())}::timestamptz`);
  if (filter.tool !== undefined) where.push(`${a}.tools @> ARRAY[${param(filter.tool)}::text]`);
  if (filter.status !== undefined) where.push(`${a}.status = ${param(filter.status)}`);
  return where;
}
