// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Failure as _airlock_tunnel_v1_Failure, Failure__Output as _airlock_tunnel_v1_Failure__Output } from '../../../airlock/tunnel/v1/Failure.js';

/**
 * Gateway → agent on a Record stream.
 */
export interface RecordResponse {
  'batchId'?: (string);
  /**
   * Absent: every event of the batch is stored. Present: none may be assumed stored; retry later.
   */
  'failure'?: (_airlock_tunnel_v1_Failure | null);
}

/**
 * Gateway → agent on a Record stream.
 */
export interface RecordResponse__Output {
  'batchId': (string);
  /**
   * Absent: every event of the batch is stored. Present: none may be assumed stored; retry later.
   */
  'failure': (_airlock_tunnel_v1_Failure__Output | null);
}
