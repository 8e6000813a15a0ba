// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Welcome as _airlock_tunnel_v1_Welcome, Welcome__Output as _airlock_tunnel_v1_Welcome__Output } from '../../../airlock/tunnel/v1/Welcome.js';
import type { Heartbeat as _airlock_tunnel_v1_Heartbeat, Heartbeat__Output as _airlock_tunnel_v1_Heartbeat__Output } from '../../../airlock/tunnel/v1/Heartbeat.js';
import type { OpenSession as _airlock_tunnel_v1_OpenSession, OpenSession__Output as _airlock_tunnel_v1_OpenSession__Output } from '../../../airlock/tunnel/v1/OpenSession.js';

/**
 * Gateway → agent on the control stream.
 */
export interface ControlResponse {
  'welcome'?: (_airlock_tunnel_v1_Welcome | null);
  'heartbeat'?: (_airlock_tunnel_v1_Heartbeat | null);
  'openSession'?: (_airlock_tunnel_v1_OpenSession | null);
  'kind'?: "welcome"|"heartbeat"|"openSession";
}

/**
 * Gateway → agent on the control stream.
 */
export interface ControlResponse__Output {
  'welcome'?: (_airlock_tunnel_v1_Welcome__Output | null);
  'heartbeat'?: (_airlock_tunnel_v1_Heartbeat__Output | null);
  'openSession'?: (_airlock_tunnel_v1_OpenSession__Output | null);
  'kind'?: "welcome"|"heartbeat"|"openSession";
}
