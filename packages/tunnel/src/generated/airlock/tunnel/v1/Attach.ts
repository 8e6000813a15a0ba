// Original file: proto/airlock/tunnel/v1/tunnel.proto


export interface Attach {
  'openId'?: (string);
}

export interface Attach__Output {
  'openId': (string);
}
