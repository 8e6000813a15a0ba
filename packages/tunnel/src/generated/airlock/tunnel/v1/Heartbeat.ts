// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'sentAtUnixMs'?: (number | string | Long);
}

export interface Heartbeat__Output {
  'sentAtUnixMs': (number);
}
