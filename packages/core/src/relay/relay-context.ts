import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { ProtocolEra } from '../mcp/protocol-eras.js';
import type { MaskingPolicy } from '../masking/masking-policy.js';
import type { Caller } from './caller.js';

/** Which way a message travels. */
export type Direction = 'client_to_server' | 'server_to_client';

/**
 * One MCP session as both ends of the tunnel see it. A legacy session lives from `initialize`
 * to DELETE; a modern-era request is an "exchange" with its own recording session id.
 */
export interface RelayContext {
  readonly sessionId: string;
  readonly connection: string;
  readonly caller: Caller;
  readonly era: ProtocolEra;
  readonly protocolVersion: string;
  /**
   * Which of the session's chains this process records on, when several gateways record one
   * session (a modern-era group shared across a cluster): the gateway's session tag. Absent: the
   * session has one chain per source. Never sent to the agent: it records its own chain.
   */
  readonly chain?: string | undefined;
}

/** What the gateway asks an agent to open: one tunnel stream per session or exchange. */
export interface SessionOpenRequest extends RelayContext {
  readonly kind: 'session' | 'exchange';
  /**
   * Headers the upstream needs that cannot be derived from the body (2026-07-28 `Mcp-Param-*`).
   * Never Authorization: the client's token stops at the gateway.
   */
  readonly forwardHeaders: Readonly<Record<string, string>>;
  /** What the gateway asks the agent to mask (the agent adds its floor); absent = the floor alone. */
  readonly masking?: MaskingPolicy | undefined;
}

/** A message in flight through the relay, with what the pipeline knows about it. */
export interface RelayedMessage {
  readonly message: JsonRpcMessage;
  readonly direction: Direction;
  /**
   * The client request this server message belongs to (its JSON-RPC id key, see `idKey`),
   * when known: the gateway then streams it on that request's SSE response.
   */
  readonly relatedRequest?: string | undefined;
}
