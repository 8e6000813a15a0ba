// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Frame as _airlock_tunnel_v1_Frame, Frame__Output as _airlock_tunnel_v1_Frame__Output } from '../../../airlock/tunnel/v1/Frame.js';
import type { End as _airlock_tunnel_v1_End, End__Output as _airlock_tunnel_v1_End__Output } from '../../../airlock/tunnel/v1/End.js';
import type { OpenSession as _airlock_tunnel_v1_OpenSession, OpenSession__Output as _airlock_tunnel_v1_OpenSession__Output } from '../../../airlock/tunnel/v1/OpenSession.js';

/**
 * Gateway → agent on a Session stream.
 */
export interface SessionResponse {
  'frame'?: (_airlock_tunnel_v1_Frame | null);
  'end'?: (_airlock_tunnel_v1_End | null);
  /**
   * Only as the first message on a standby stream: the session this stream now carries.
   */
  'open'?: (_airlock_tunnel_v1_OpenSession | null);
  'kind'?: "frame"|"end"|"open";
}

/**
 * Gateway → agent on a Session stream.
 */
export interface SessionResponse__Output {
  'frame'?: (_airlock_tunnel_v1_Frame__Output | null);
  'end'?: (_airlock_tunnel_v1_End__Output | null);
  /**
   * Only as the first message on a standby stream: the session this stream now carries.
   */
  'open'?: (_airlock_tunnel_v1_OpenSession__Output | null);
  'kind'?: "frame"|"end"|"open";
}
