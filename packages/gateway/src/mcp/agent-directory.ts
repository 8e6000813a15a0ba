import type { ConnectionEra, SessionOpenRequest } from '@airlock/core';
import type { TunnelStream } from '@airlock/tunnel';

/** What the gateway needs from the tunnel: which connections have an agent, and a way to reach one. */
export interface AgentDirectory {
  /** The connection as currently announced by a connected agent; undefined when none serves it. */
  connection(name: string): { readonly eras: readonly ConnectionEra[] } | undefined;
  /** Opens a session stream to an agent serving the connection; fails fast when none is connected. */
  openSession(request: SessionOpenRequest): Promise<TunnelStream>;
}
