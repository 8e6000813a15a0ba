// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Attach as _airlock_tunnel_v1_Attach, Attach__Output as _airlock_tunnel_v1_Attach__Output } from '../../../airlock/tunnel/v1/Attach.js';
import type { Frame as _airlock_tunnel_v1_Frame, Frame__Output as _airlock_tunnel_v1_Frame__Output } from '../../../airlock/tunnel/v1/Frame.js';
import type { End as _airlock_tunnel_v1_End, End__Output as _airlock_tunnel_v1_End__Output } from '../../../airlock/tunnel/v1/End.js';

/**
 * Agent → gateway on a Session stream.
 */
export interface SessionRequest {
  'attach'?: (_airlock_tunnel_v1_Attach | null);
  'frame'?: (_airlock_tunnel_v1_Frame | null);
  'end'?: (_airlock_tunnel_v1_End | null);
  'kind'?: "attach"|"frame"|"end";
}

/**
 * Agent → gateway on a Session stream.
 */
export interface SessionRequest__Output {
  'attach'?: (_airlock_tunnel_v1_Attach__Output | null);
  'frame'?: (_airlock_tunnel_v1_Frame__Output | null);
  'end'?: (_airlock_tunnel_v1_End__Output | null);
  'kind'?: "attach"|"frame"|"end";
}
