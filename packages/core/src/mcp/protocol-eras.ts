/**
 * MCP protocol revisions and the two eras the gateway serves.
 * Legacy: initialize + Mcp-Session-Id. Modern (2026-07-28 on): stateless POSTs with a per-request
 * `_meta` envelope. Revision ids are ISO dates, so string comparison orders them.
 */
export const FIRST_MODERN_PROTOCOL_VERSION = '2026-07-28';
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ['2026-07-28'];
export const LEGACY_PROTOCOL_VERSIONS: readonly string[] = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
];
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [
  ...MODERN_PROTOCOL_VERSIONS,
  ...LEGACY_PROTOCOL_VERSIONS,
];

/** The version a legacy client that sends no MCP-Protocol-Version header is assumed to speak. */
export const DEFAULT_LEGACY_PROTOCOL_VERSION = '2025-03-26';

export type ProtocolEra = 'legacy' | 'modern';

export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';

export function eraOf(version: string): ProtocolEra {
  return version >= FIRST_MODERN_PROTOCOL_VERSION ? 'modern' : 'legacy';
}

export function isSupportedProtocolVersion(version: string): boolean {
  return SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}
