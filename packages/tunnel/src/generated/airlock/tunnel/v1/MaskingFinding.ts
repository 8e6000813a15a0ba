// Original file: proto/airlock/tunnel/v1/tunnel.proto


/**
 * What masking changed in one message: never the value.
 */
export interface MaskingFinding {
  'type'?: (string);
  /**
   * JSON path of the masked string, for example "result.content[0].text".
   */
  'path'?: (string);
  'count'?: (number);
}

/**
 * What masking changed in one message: never the value.
 */
export interface MaskingFinding__Output {
  'type': (string);
  /**
   * JSON path of the masked string, for example "result.content[0].text".
   */
  'path': (string);
  'count': (number);
}
