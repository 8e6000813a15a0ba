import { AirlockError, type ConnectionEra, type SessionOpenRequest } from '@airlock/core';

const eraLabel: Record<ConnectionEra, string> = {
  legacy: 'MCP 2025-era (legacy) sessions',
  modern: 'MCP 2026-07-28 (modern) requests',
};

/**
 * Refuses a session whose protocol era the connection does not serve, naming both sides so the
 * operator knows whether to fix the client or the connection's `eras`.
 */
export function eraMismatch(
  connection: string,
  eras: readonly ConnectionEra[],
  request: SessionOpenRequest,
): AirlockError | undefined {
  if (eras.includes(request.era)) return undefined;
  const serves = eras.map((era) => eraLabel[era]).join(' and ');
  return new AirlockError(
    'protocol_era_mismatch',
    `Connection "${connection}" serves ${serves} only; this client speaks ${request.protocolVersion}. ` +
      `Use a client that speaks a protocol version the connection serves, or add "${request.era}" to the connection's "eras".`,
    { data: { connection, eras: [...eras], requested: request.protocolVersion } },
  );
}
