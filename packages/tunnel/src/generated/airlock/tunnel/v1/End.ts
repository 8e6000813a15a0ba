// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Failure as _airlock_tunnel_v1_Failure, Failure__Output as _airlock_tunnel_v1_Failure__Output } from '../../../airlock/tunnel/v1/Failure.js';

/**
 * The end of a session. No failure: a normal close.
 */
export interface End {
  'failure'?: (_airlock_tunnel_v1_Failure | null);
}

/**
 * The end of a session. No failure: a normal close.
 */
export interface End__Output {
  'failure': (_airlock_tunnel_v1_Failure__Output | null);
}
