import { AirlockError } from '@airlock/core';
import { MAX_SESSION_PAGE_SIZE, type SessionFilter, type SessionStatus } from '@airlock/recording';
import { limitParam } from './limit-param.js';
import { singleParam } from './single-param.js';

export const DEFAULT_SESSION_PAGE_SIZE = 50;
const STATUSES: readonly SessionStatus[] = ['open', 'ended', 'failed'];
const KNOWN = new Set(['subject', 'connection', 'from', 'to', 'tool', 'status', 'text', 'cursor', 'limit']);

/**
 * `GET /api/v1/sessions?subject&connection&from&to&tool&status&text&cursor&limit` as a store
 * filter. Unknown or malformed parameters are refused (400) rather than ignored: a typo in a
 * filter must not silently widen a search.
 */
export function parseSessionQuery(params: URLSearchParams): SessionFilter {
  for (const key of params.keys()) {
    if (!KNOWN.has(key)) {
      throw new AirlockError(
        'invalid_params',
        `Unknown session filter "${key}"; use ${[...KNOWN].join(', ')}.`,
      );
    }
  }
  const text = (key: string): string | undefined => singleParam(params, key);
  const status = text('status');
  if (status !== undefined && !STATUSES.includes(status as SessionStatus)) {
    throw new AirlockError('invalid_params', `"status" is one of ${STATUSES.join(', ')} (got "${status}").`);
  }
  const limit = limitParam(params, DEFAULT_SESSION_PAGE_SIZE, MAX_SESSION_PAGE_SIZE);
  return {
    subject: text('subject'),
    connection: text('connection'),
    from: time(text('from'), 'from'),
    to: time(text('to'), 'to'),
    tool: text('tool'),
    status: status as SessionStatus | undefined,
    text: text('text'),
    cursor: text('cursor'),
    limit,
  };
}

function time(value: string | undefined, key: string): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new AirlockError(
      'invalid_params',
      `"${key}" is not a time: give ISO-8601, e.g. 2026-01-31T09:00:00Z (got "${value}").`,
    );
  }
  return new Date(ms);
}
