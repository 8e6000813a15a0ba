// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { SessionKind as _airlock_tunnel_v1_SessionKind, SessionKind__Output as _airlock_tunnel_v1_SessionKind__Output } from '../../../airlock/tunnel/v1/SessionKind.js';
import type { Caller as _airlock_tunnel_v1_Caller, Caller__Output as _airlock_tunnel_v1_Caller__Output } from '../../../airlock/tunnel/v1/Caller.js';
import type { ProtocolEra as _airlock_tunnel_v1_ProtocolEra, ProtocolEra__Output as _airlock_tunnel_v1_ProtocolEra__Output } from '../../../airlock/tunnel/v1/ProtocolEra.js';
import type { MaskingPolicy as _airlock_tunnel_v1_MaskingPolicy, MaskingPolicy__Output as _airlock_tunnel_v1_MaskingPolicy__Output } from '../../../airlock/tunnel/v1/MaskingPolicy.js';
import type { Frame as _airlock_tunnel_v1_Frame, Frame__Output as _airlock_tunnel_v1_Frame__Output } from '../../../airlock/tunnel/v1/Frame.js';

/**
 * The gateway asks the agent to open a Session stream.
 */
export interface OpenSession {
  /**
   * Correlates the Session stream's Attach with this request.
   */
  'openId'?: (string);
  'connection'?: (string);
  /**
   * The gateway's session id (legacy era) or the recording id it minted (modern era).
   */
  'sessionId'?: (string);
  'kind'?: (_airlock_tunnel_v1_SessionKind);
  'protocolVersion'?: (string);
  'caller'?: (_airlock_tunnel_v1_Caller | null);
  /**
   * Headers the upstream needs that cannot be derived from the body (MCP 2026-07-28
   * Mcp-Param-*). Never Authorization: the client's token stops at the gateway.
   */
  'forwardHeaders'?: ({[key: string]: string});
  /**
   * The MCP protocol era the session speaks, so the agent need not infer it from protocol_version
   * (an agent older than the gateway may not know a newer revision).
   */
  'era'?: (_airlock_tunnel_v1_ProtocolEra);
  /**
   * What the agent masks in every server→client message of this session. The agent raises it to
   * its own floor, so a gateway can add masking but never remove what the agent requires. Absent
   * (a gateway that predates masking): the agent applies its floor alone.
   */
  'masking'?: (_airlock_tunnel_v1_MaskingPolicy | null);
  /**
   * Only on a standby stream, to an agent that announced the "open-with-request" capability: the
   * first frame of the exchange's request, which would otherwise follow as a message of its own.
   */
  'firstFrame'?: (_airlock_tunnel_v1_Frame | null);
}

/**
 * The gateway asks the agent to open a Session stream.
 */
export interface OpenSession__Output {
  /**
   * Correlates the Session stream's Attach with this request.
   */
  'openId': (string);
  'connection': (string);
  /**
   * The gateway's session id (legacy era) or the recording id it minted (modern era).
   */
  'sessionId': (string);
  'kind': (_airlock_tunnel_v1_SessionKind__Output);
  'protocolVersion': (string);
  'caller': (_airlock_tunnel_v1_Caller__Output | null);
  /**
   * Headers the upstream needs that cannot be derived from the body (MCP 2026-07-28
   * Mcp-Param-*). Never Authorization: the client's token stops at the gateway.
   */
  'forwardHeaders': ({[key: string]: string});
  /**
   * The MCP protocol era the session speaks, so the agent need not infer it from protocol_version
   * (an agent older than the gateway may not know a newer revision).
   */
  'era': (_airlock_tunnel_v1_ProtocolEra__Output);
  /**
   * What the agent masks in every server→client message of this session. The agent raises it to
   * its own floor, so a gateway can add masking but never remove what the agent requires. Absent
   * (a gateway that predates masking): the agent applies its floor alone.
   */
  'masking': (_airlock_tunnel_v1_MaskingPolicy__Output | null);
  /**
   * Only on a standby stream, to an agent that announced the "open-with-request" capability: the
   * first frame of the exchange's request, which would otherwise follow as a message of its own.
   */
  'firstFrame': (_airlock_tunnel_v1_Frame__Output | null);
}
