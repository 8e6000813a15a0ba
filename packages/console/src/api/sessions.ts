import type { RecordingEvent } from '@airlock/core';
import type { SessionSummary, SessionVerification } from '@airlock/recording';
import { callApi, query } from './api-client.js';

/** The filters of `GET /api/v1/sessions`, as the CLI's `airlock sessions list` sends them. */
export interface SessionFilters {
  subject?: string;
  connection?: string;
  from?: string;
  to?: string;
  tool?: string;
  status?: string;
  text?: string;
}

export const SESSIONS_API = '/api/v1/sessions';

export function listSessions(
  filters: SessionFilters,
  cursor?: string,
  limit = 50,
): Promise<{ sessions: SessionSummary[]; nextCursor?: string }> {
  return callApi(`${SESSIONS_API}${query({ ...filters, cursor, limit })}`);
}

export function getSession(id: string): Promise<SessionSummary> {
  return callApi(`${SESSIONS_API}/${encodeURIComponent(id)}`);
}

export function getEventPage(
  id: string,
  source: 'gateway' | 'agent',
  after?: string,
): Promise<{ events: RecordingEvent[]; nextCursor?: string }> {
  return callApi(`${SESSIONS_API}/${encodeURIComponent(id)}/events${query({ source, after, limit: 500 })}`);
}

export function verifySession(id: string): Promise<SessionVerification> {
  return callApi(`${SESSIONS_API}/${encodeURIComponent(id)}/verify`);
}

export function exportUrl(id: string, format: 'jsonl' | 'markdown'): string {
  return `${SESSIONS_API}/${encodeURIComponent(id)}/export?format=${format}`;
}
