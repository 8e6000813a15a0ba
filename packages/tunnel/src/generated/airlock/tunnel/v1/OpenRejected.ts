// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Failure as _airlock_tunnel_v1_Failure, Failure__Output as _airlock_tunnel_v1_Failure__Output } from '../../../airlock/tunnel/v1/Failure.js';

/**
 * The agent could not open a requested session (unknown connection, upstream down, ...).
 */
export interface OpenRejected {
  'openId'?: (string);
  'failure'?: (_airlock_tunnel_v1_Failure | null);
}

/**
 * The agent could not open a requested session (unknown connection, upstream down, ...).
 */
export interface OpenRejected__Output {
  'openId': (string);
  'failure': (_airlock_tunnel_v1_Failure__Output | null);
}
