import type { EnrollAgentResponse, ListAgentsResponse, ToolPinListView } from '@airlock/core';
import { callApi } from './api-client.js';

/** `airlock agents list`: every enrolled agent and whether it is connected to this gateway. */
export function listAgents(): Promise<ListAgentsResponse> {
  return callApi('/api/v1/agents');
}

/** `airlock agents create`: the token is in this answer once, and nowhere else ever again. */
export function createAgent(name: string, connections: string[]): Promise<EnrollAgentResponse> {
  return callApi('/api/v1/agents', { method: 'POST', body: { name, connections } });
}

export function revokeAgent(name: string): Promise<unknown> {
  return callApi(`/api/v1/agents/${encodeURIComponent(name)}`, { method: 'DELETE' });
}

/** `airlock tools list <connection>`: pinned, changed (with the diff) and new tools. */
export function listTools(connection: string): Promise<ToolPinListView> {
  return callApi(`/api/v1/tools/${encodeURIComponent(connection)}`);
}

export function acceptTools(connection: string, tools: string[]): Promise<{ accepted: unknown }> {
  return callApi(`/api/v1/tools/${encodeURIComponent(connection)}/accept`, {
    method: 'POST',
    body: { tools },
  });
}
