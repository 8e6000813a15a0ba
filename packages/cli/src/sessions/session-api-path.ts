/** The gateway's recorded-sessions API (see createSessionsApi in @airlock/gateway). */
export const SESSIONS_PATH = '/api/v1/sessions';

/** `/api/v1/sessions/<id>[/view]`, the id encoded as one path segment. */
export function sessionPath(id: string, view = ''): string {
  return `${SESSIONS_PATH}/${encodeURIComponent(id)}${view ? `/${view}` : ''}`;
}
