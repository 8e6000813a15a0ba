import * as grpc from '@grpc/grpc-js';

/** Metadata keys every tunnel call carries (see tunnel.proto, TunnelService). */
export const AGENT_ID_METADATA_KEY = 'airlock-agent-id';
export const AUTHORIZATION_METADATA_KEY = 'authorization';

export interface AgentCredentials {
  readonly agentId: string;
  readonly token: string;
}

export function agentCredentialsMetadata(credentials: AgentCredentials): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set(AUTHORIZATION_METADATA_KEY, `Bearer ${credentials.token}`);
  metadata.set(AGENT_ID_METADATA_KEY, credentials.agentId);
  return metadata;
}

function first(metadata: grpc.Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** The agent id and token a call presents; empty strings when absent or malformed. */
export function readAgentCredentials(metadata: grpc.Metadata): AgentCredentials {
  const authorization = first(metadata, AUTHORIZATION_METADATA_KEY) ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return { agentId: first(metadata, AGENT_ID_METADATA_KEY) ?? '', token: match?.[1] ?? '' };
}
