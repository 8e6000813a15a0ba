// Original file: proto/airlock/tunnel/v1/tunnel.proto

export const Transport = {
  TRANSPORT_UNSPECIFIED: 'TRANSPORT_UNSPECIFIED',
  TRANSPORT_STDIO: 'TRANSPORT_STDIO',
  TRANSPORT_HTTP: 'TRANSPORT_HTTP',
} as const;

export type Transport =
  | 'TRANSPORT_UNSPECIFIED'
  | 0
  | 'TRANSPORT_STDIO'
  | 1
  | 'TRANSPORT_HTTP'
  | 2

export type Transport__Output = typeof Transport[keyof typeof Transport]
