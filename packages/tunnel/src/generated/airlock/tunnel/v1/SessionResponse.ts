// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Frame as _airlock_tunnel_v1_Frame, Frame__Output as _airlock_tunnel_v1_Frame__Output } from '../../../airlock/tunnel/v1/Frame.js';
import type { End as _airlock_tunnel_v1_End, End__Output as _airlock_tunnel_v1_End__Output } from '../../../airlock/tunnel/v1/End.js';

/**
 * Gateway → agent on a Session stream.
 */
export interface SessionResponse {
  'frame'?: (_airlock_tunnel_v1_Frame | null);
  'end'?: (_airlock_tunnel_v1_End | null);
  'kind'?: "frame"|"end";
}

/**
 * Gateway → agent on a Session stream.
 */
export interface SessionResponse__Output {
  'frame'?: (_airlock_tunnel_v1_Frame__Output | null);
  'end'?: (_airlock_tunnel_v1_End__Output | null);
  'kind'?: "frame"|"end";
}
