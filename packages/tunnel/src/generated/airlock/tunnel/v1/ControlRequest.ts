// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Hello as _airlock_tunnel_v1_Hello, Hello__Output as _airlock_tunnel_v1_Hello__Output } from '../../../airlock/tunnel/v1/Hello.js';
import type { Heartbeat as _airlock_tunnel_v1_Heartbeat, Heartbeat__Output as _airlock_tunnel_v1_Heartbeat__Output } from '../../../airlock/tunnel/v1/Heartbeat.js';
import type { OpenRejected as _airlock_tunnel_v1_OpenRejected, OpenRejected__Output as _airlock_tunnel_v1_OpenRejected__Output } from '../../../airlock/tunnel/v1/OpenRejected.js';

/**
 * Agent → gateway on the control stream.
 */
export interface ControlRequest {
  'hello'?: (_airlock_tunnel_v1_Hello | null);
  'heartbeat'?: (_airlock_tunnel_v1_Heartbeat | null);
  'openRejected'?: (_airlock_tunnel_v1_OpenRejected | null);
  'kind'?: "hello"|"heartbeat"|"openRejected";
}

/**
 * Agent → gateway on the control stream.
 */
export interface ControlRequest__Output {
  'hello'?: (_airlock_tunnel_v1_Hello__Output | null);
  'heartbeat'?: (_airlock_tunnel_v1_Heartbeat__Output | null);
  'openRejected'?: (_airlock_tunnel_v1_OpenRejected__Output | null);
  'kind'?: "hello"|"heartbeat"|"openRejected";
}
