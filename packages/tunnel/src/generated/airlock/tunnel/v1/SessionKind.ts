// Original file: proto/airlock/tunnel/v1/tunnel.proto

export const SessionKind = {
  SESSION_KIND_UNSPECIFIED: 'SESSION_KIND_UNSPECIFIED',
  /**
   * A legacy-era MCP session: initialize ... DELETE. Many messages both ways.
   */
  SESSION_KIND_SESSION: 'SESSION_KIND_SESSION',
  /**
   * A modern-era request: one client message, then the server's messages until its response.
   */
  SESSION_KIND_EXCHANGE: 'SESSION_KIND_EXCHANGE',
} as const;

export type SessionKind =
  | 'SESSION_KIND_UNSPECIFIED'
  | 0
  /**
   * A legacy-era MCP session: initialize ... DELETE. Many messages both ways.
   */
  | 'SESSION_KIND_SESSION'
  | 1
  /**
   * A modern-era request: one client message, then the server's messages until its response.
   */
  | 'SESSION_KIND_EXCHANGE'
  | 2

export type SessionKind__Output = typeof SessionKind[keyof typeof SessionKind]
