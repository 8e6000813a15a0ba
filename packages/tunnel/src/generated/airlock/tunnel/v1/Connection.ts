// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Transport as _airlock_tunnel_v1_Transport, Transport__Output as _airlock_tunnel_v1_Transport__Output } from '../../../airlock/tunnel/v1/Transport.js';
import type { ProtocolEra as _airlock_tunnel_v1_ProtocolEra, ProtocolEra__Output as _airlock_tunnel_v1_ProtocolEra__Output } from '../../../airlock/tunnel/v1/ProtocolEra.js';

/**
 * One MCP server the agent can reach.
 */
export interface Connection {
  'name'?: (string);
  'transport'?: (_airlock_tunnel_v1_Transport);
  'eras'?: (_airlock_tunnel_v1_ProtocolEra)[];
}

/**
 * One MCP server the agent can reach.
 */
export interface Connection__Output {
  'name': (string);
  'transport': (_airlock_tunnel_v1_Transport__Output);
  'eras': (_airlock_tunnel_v1_ProtocolEra__Output)[];
}
