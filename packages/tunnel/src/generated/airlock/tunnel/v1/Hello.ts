// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Connection as _airlock_tunnel_v1_Connection, Connection__Output as _airlock_tunnel_v1_Connection__Output } from '../../../airlock/tunnel/v1/Connection.js';

export interface Hello {
  'agentId'?: (string);
  /**
   * The agent's software version, for `airlock agents list` and compatibility checks.
   */
  'version'?: (string);
  /**
   * Feature flags the agent supports (for example "chunked-frames").
   */
  'capabilities'?: (string)[];
  'connections'?: (_airlock_tunnel_v1_Connection)[];
}

export interface Hello__Output {
  'agentId': (string);
  /**
   * The agent's software version, for `airlock agents list` and compatibility checks.
   */
  'version': (string);
  /**
   * Feature flags the agent supports (for example "chunked-frames").
   */
  'capabilities': (string)[];
  'connections': (_airlock_tunnel_v1_Connection__Output)[];
}
