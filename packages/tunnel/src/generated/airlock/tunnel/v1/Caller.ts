// Original file: proto/airlock/tunnel/v1/tunnel.proto


/**
 * Who is calling. Identity only, never a token.
 */
export interface Caller {
  'subject'?: (string);
  'email'?: (string);
  'groups'?: (string)[];
  'tokenId'?: (string);
  'anonymous'?: (boolean);
}

/**
 * Who is calling. Identity only, never a token.
 */
export interface Caller__Output {
  'subject': (string);
  'email': (string);
  'groups': (string)[];
  'tokenId': (string);
  'anonymous': (boolean);
}
