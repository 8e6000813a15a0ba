// Original file: proto/airlock/tunnel/v1/tunnel.proto

export const ReplacementStyle = {
  REPLACEMENT_STYLE_UNSPECIFIED: 'REPLACEMENT_STYLE_UNSPECIFIED',
  /**
   * [MASKED:TYPE]
   */
  REPLACEMENT_STYLE_TYPE: 'REPLACEMENT_STYLE_TYPE',
  /**
   * [MASKED:TYPE:…last characters]
   */
  REPLACEMENT_STYLE_PARTIAL: 'REPLACEMENT_STYLE_PARTIAL',
  /**
   * [MASKED:TYPE:keyed hash], an HMAC with a key only the agent holds
   */
  REPLACEMENT_STYLE_HASH: 'REPLACEMENT_STYLE_HASH',
} as const;

export type ReplacementStyle =
  | 'REPLACEMENT_STYLE_UNSPECIFIED'
  | 0
  /**
   * [MASKED:TYPE]
   */
  | 'REPLACEMENT_STYLE_TYPE'
  | 1
  /**
   * [MASKED:TYPE:…last characters]
   */
  | 'REPLACEMENT_STYLE_PARTIAL'
  | 2
  /**
   * [MASKED:TYPE:keyed hash], an HMAC with a key only the agent holds
   */
  | 'REPLACEMENT_STYLE_HASH'
  | 3

export type ReplacementStyle__Output = typeof ReplacementStyle[keyof typeof ReplacementStyle]
