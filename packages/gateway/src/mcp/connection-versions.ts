import {
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JsonRpcMessage,
  type ProtocolEra,
} from '@airlock/core';
import type { AgentDirectory } from './agent-directory.js';

const ERA_VERSIONS: Record<ProtocolEra, readonly string[]> = {
  legacy: LEGACY_PROTOCOL_VERSIONS,
  modern: MODERN_PROTOCOL_VERSIONS,
};

/** The protocol versions of `eras`, in the order given. */
export function versionsOfEras(eras: readonly ProtocolEra[]): string[] {
  return eras.flatMap((era) => ERA_VERSIONS[era]);
}

/**
 * Which protocol versions a client can really use on a connection, end to end: the versions of the
 * eras its agent announces, narrowed to what the server itself said it supports in the last
 * `server/discover` answer relayed through this gateway (servers list theirs there, SEP-2575).
 * An unsupported-version error carries this list, so a client that retries with one of them
 * reaches a server that speaks it, rather than one Airlock speaks and the server does not.
 */
export class ConnectionVersions {
  private readonly discovered = new Map<string, readonly string[]>();

  constructor(private readonly directory: AgentDirectory) {}

  /** Versions for `connection`, newest first; empty when no agent serves it. */
  supported(connection: string): readonly string[] {
    const eras = this.directory.connection(connection)?.eras;
    if (eras === undefined) return [];
    const servable = versionsOfEras(eras);
    const server = this.discovered.get(connection);
    const versions = server === undefined ? servable : servable.filter((v) => server.includes(v));
    return SUPPORTED_PROTOCOL_VERSIONS.filter((v) => versions.includes(v));
  }

  /** Whether the server said (in its last `server/discover`) that it does not speak `version`. */
  refusedByServer(connection: string, version: string): boolean {
    const server = this.discovered.get(connection);
    return server !== undefined && !server.includes(version);
  }

  /** Reads `result.supportedVersions` from a server's answer to `server/discover`. */
  learn(connection: string, reply: JsonRpcMessage): void {
    if (!('result' in reply)) return;
    const listed = (reply.result as Record<string, unknown> | undefined)?.['supportedVersions'];
    if (!Array.isArray(listed) || !listed.every((v) => typeof v === 'string')) return;
    this.discovered.set(connection, listed as string[]);
  }
}
