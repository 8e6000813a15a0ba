import type { AccessRequestView } from '@airlock/core';
import { callApi } from './api-client.js';

const REQUESTS = '/api/v1/access/requests';

/** Your requests, those you may decide, or (auditors) all; newest first. */
export function listAccessRequests(): Promise<{ requests: AccessRequestView[] }> {
  return callApi(`${REQUESTS}?limit=100`);
}

export function requestAccess(input: {
  connection: string;
  tools?: string[];
  duration: string;
  reason: string;
}): Promise<AccessRequestView> {
  return callApi(REQUESTS, { method: 'POST', body: input });
}

export function decideAccess(
  id: string,
  step: 'grant' | 'deny' | 'revoke',
  reason: string,
): Promise<AccessRequestView> {
  return callApi(`${REQUESTS}/${encodeURIComponent(id)}/${step}`, {
    method: 'POST',
    body: reason === '' ? {} : { reason },
  });
}
