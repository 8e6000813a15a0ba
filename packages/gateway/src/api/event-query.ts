import { AirlockError, type RecordingSource } from '@airlock/core';
import { decodeEventCursor, MAX_EVENT_PAGE_SIZE, type EventPageQuery } from '@airlock/recording';
import { limitParam } from './limit-param.js';
import { singleParam } from './single-param.js';

export const DEFAULT_EVENT_PAGE_SIZE = 500;
const KNOWN = new Set(['source', 'after', 'limit']);

/**
 * `GET /api/v1/sessions/<id>/events?source&after&limit` as a store page query. Unknown parameters
 * are refused: a client that pages with a misspelt cursor parameter would otherwise get the
 * first page again and again.
 */
export function parseEventQuery(params: URLSearchParams): EventPageQuery {
  for (const key of params.keys()) {
    if (!KNOWN.has(key)) {
      throw new AirlockError(
        'invalid_params',
        `Unknown events parameter "${key}"; use ${[...KNOWN].join(', ')} (pass a page's nextCursor as "after").`,
      );
    }
  }
  const text = (key: string): string | undefined => singleParam(params, key);
  const source = sourceParam(params);
  const limit = limitParam(params, DEFAULT_EVENT_PAGE_SIZE, MAX_EVENT_PAGE_SIZE);
  const afterText = text('after');
  const after = afterText === undefined ? undefined : decodeEventCursor(afterText);
  if (after !== undefined && source !== undefined && after.source !== source) {
    // Paging one record, a cursor into the other would skip or repeat events without a word.
    throw new AirlockError(
      'invalid_params',
      `The events cursor ("after") continues the ${after.source}'s record, but source=${source} was asked for; page with the same source as the request that gave the cursor, or start again without "after".`,
    );
  }
  return { source, after, limit };
}

/** `?source=gateway|agent`; empty or `all` means both records. */
export function sourceParam(params: URLSearchParams): RecordingSource | undefined {
  const source = params.get('source');
  if (source === null || source === '' || source === 'all') return undefined;
  if (source === 'gateway' || source === 'agent') return source;
  throw new AirlockError('invalid_params', `"source" is gateway or agent (got "${source}").`);
}
