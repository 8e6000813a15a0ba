// Original file: proto/airlock/tunnel/v1/tunnel.proto

export const ProtocolEra = {
  PROTOCOL_ERA_UNSPECIFIED: 'PROTOCOL_ERA_UNSPECIFIED',
  /**
   * 2024-11-05 to 2025-11-25: initialize, Mcp-Session-Id.
   */
  PROTOCOL_ERA_LEGACY: 'PROTOCOL_ERA_LEGACY',
  /**
   * 2026-07-28 on: stateless requests with a per-request _meta envelope.
   */
  PROTOCOL_ERA_MODERN: 'PROTOCOL_ERA_MODERN',
} as const;

export type ProtocolEra =
  | 'PROTOCOL_ERA_UNSPECIFIED'
  | 0
  /**
   * 2024-11-05 to 2025-11-25: initialize, Mcp-Session-Id.
   */
  | 'PROTOCOL_ERA_LEGACY'
  | 1
  /**
   * 2026-07-28 on: stateless requests with a per-request _meta envelope.
   */
  | 'PROTOCOL_ERA_MODERN'
  | 2

export type ProtocolEra__Output = typeof ProtocolEra[keyof typeof ProtocolEra]
