// Original file: proto/airlock/tunnel/v1/tunnel.proto


export interface Failure {
  /**
   * An Airlock error code (see packages/core errors), for example "upstream_failed".
   */
  'code'?: (string);
  /**
   * What happened and what to do next, for people.
   */
  'message'?: (string);
}

export interface Failure__Output {
  /**
   * An Airlock error code (see packages/core errors), for example "upstream_failed".
   */
  'code': (string);
  /**
   * What happened and what to do next, for people.
   */
  'message': (string);
}
