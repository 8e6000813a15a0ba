// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { DetectorValidation as _airlock_tunnel_v1_DetectorValidation, DetectorValidation__Output as _airlock_tunnel_v1_DetectorValidation__Output } from '../../../airlock/tunnel/v1/DetectorValidation.js';

/**
 * A detector from the configuration: a pattern for a linear-time (RE2) engine.
 */
export interface CustomDetector {
  /**
   * The type shown as [MASKED:TYPE] and recorded in findings.
   */
  'type'?: (string);
  'pattern'?: (string);
  /**
   * When not empty, a match counts only with one of these words within keyword_window characters before it.
   */
  'keywords'?: (string)[];
  'keywordWindow'?: (number);
  'validation'?: (_airlock_tunnel_v1_DetectorValidation);
}

/**
 * A detector from the configuration: a pattern for a linear-time (RE2) engine.
 */
export interface CustomDetector__Output {
  /**
   * The type shown as [MASKED:TYPE] and recorded in findings.
   */
  'type': (string);
  'pattern': (string);
  /**
   * When not empty, a match counts only with one of these words within keyword_window characters before it.
   */
  'keywords': (string)[];
  'keywordWindow': (number);
  'validation': (_airlock_tunnel_v1_DetectorValidation__Output);
}
