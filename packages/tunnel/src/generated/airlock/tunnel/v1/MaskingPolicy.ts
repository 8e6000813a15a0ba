// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { CustomDetector as _airlock_tunnel_v1_CustomDetector, CustomDetector__Output as _airlock_tunnel_v1_CustomDetector__Output } from '../../../airlock/tunnel/v1/CustomDetector.js';
import type { ReplacementStyle as _airlock_tunnel_v1_ReplacementStyle, ReplacementStyle__Output as _airlock_tunnel_v1_ReplacementStyle__Output } from '../../../airlock/tunnel/v1/ReplacementStyle.js';

/**
 * Masking for one session, as the gateway's configuration asks for the connection.
 */
export interface MaskingPolicy {
  /**
   * Built-in detector names (for example "aws_access_key_id", "email").
   */
  'detectors'?: (string)[];
  'custom'?: (_airlock_tunnel_v1_CustomDetector)[];
  'replacementStyle'?: (_airlock_tunnel_v1_ReplacementStyle);
  /**
   * For REPLACEMENT_STYLE_PARTIAL: how many trailing characters stay visible.
   */
  'keepLast'?: (number);
}

/**
 * Masking for one session, as the gateway's configuration asks for the connection.
 */
export interface MaskingPolicy__Output {
  /**
   * Built-in detector names (for example "aws_access_key_id", "email").
   */
  'detectors': (string)[];
  'custom': (_airlock_tunnel_v1_CustomDetector__Output)[];
  'replacementStyle': (_airlock_tunnel_v1_ReplacementStyle__Output);
  /**
   * For REPLACEMENT_STYLE_PARTIAL: how many trailing characters stay visible.
   */
  'keepLast': (number);
}
