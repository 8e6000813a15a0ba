import { AirlockError } from '../errors/airlock-error.js';
import { isRequest, type JsonRpcMessage } from './jsonrpc.js';
import { decodeMcpHeaderValue, encodeMcpHeaderValue, mcpNameSource } from './mcp-name-header.js';
import {
  DEFAULT_LEGACY_PROTOCOL_VERSION,
  eraOf,
  isSupportedProtocolVersion,
  META_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type ProtocolEra,
} from './protocol-eras.js';

/** The MCP headers of one HTTP POST, lower-cased names, already read off the request. */
export interface McpRequestHeaders {
  readonly protocolVersion?: string | undefined;
  readonly mcpMethod?: string | undefined;
  readonly mcpName?: string | undefined;
}

export interface ClassifyOptions {
  /**
   * The versions the server behind this connection can be spoken to in, through Airlock (default:
   * every version Airlock relays). An error for a version Airlock does not know lists these, not
   * Airlock's own list, so a client retries with a version that will really work end to end.
   */
  readonly supportedVersions?: () => readonly string[];
}

export interface InboundClassification {
  readonly era: ProtocolEra;
  /** The protocol version this message speaks (header, envelope, or the legacy default). */
  readonly protocolVersion: string;
}

function envelopeVersion(message: JsonRpcMessage): string | undefined {
  if (!('method' in message)) return undefined;
  const meta = message.params?.['_meta'];
  if (typeof meta !== 'object' || meta === null) return undefined;
  const claim = (meta as Record<string, unknown>)[META_PROTOCOL_VERSION];
  return typeof claim === 'string' ? claim : undefined;
}

function mismatch(what: string): AirlockError {
  return new AirlockError(
    'header_mismatch',
    `Header/body mismatch: ${what}. The MCP headers must mirror the JSON-RPC body; fix the client or the proxy that rewrote them.`,
  );
}

/** -32022: `requested` is not one of `supported`; the error data carries both (SEP-2575). */
export function unsupportedProtocolVersion(requested: string, supported: readonly string[]): AirlockError {
  return new AirlockError(
    'unsupported_protocol_version',
    supported.length === 0
      ? `Protocol version ${requested} is not supported, and no version is served on this connection right now. Ask the operator which versions its server speaks.`
      : `Protocol version ${requested} is not supported here; supported versions: ${supported.join(', ')}. Retry with one of them.`,
    { data: { supported: [...supported], requested } },
  );
}

/**
 * Decides which protocol era a POSTed message belongs to and checks the 2026-07-28 standard
 * headers against the body. The body is the truth (policy is decided from the body, never from
 * headers alone); a header that disagrees is refused with HTTP 400 / JSON-RPC -32020, and that is
 * checked first: a request whose headers and body disagree has no one version to judge.
 */
export function classifyInbound(
  message: JsonRpcMessage,
  headers: McpRequestHeaders,
  options: ClassifyOptions = {},
): InboundClassification {
  const claim = envelopeVersion(message);
  const headerVersion = headers.protocolVersion?.trim() || undefined;

  if (claim !== undefined && eraOf(claim) === 'modern') {
    if (headerVersion !== undefined && headerVersion !== claim) {
      throw mismatch(`MCP-Protocol-Version is ${headerVersion} but the body's _meta names ${claim}`);
    }
    if (!isSupportedProtocolVersion(claim)) {
      throw unsupportedProtocolVersion(claim, options.supportedVersions?.() ?? SUPPORTED_PROTOCOL_VERSIONS);
    }
    if (isRequest(message)) {
      if (headerVersion === undefined)
        throw mismatch(`the body names protocol version ${claim} but MCP-Protocol-Version is absent`);
      checkMethodAndName(message.method, message.params, headers);
    } else if (
      'method' in message &&
      headers.mcpMethod !== undefined &&
      headers.mcpMethod.trim() !== message.method
    ) {
      throw mismatch(`Mcp-Method is "${headers.mcpMethod}" but the body's method is "${message.method}"`);
    }
    return { era: 'modern', protocolVersion: claim };
  }

  if (headerVersion !== undefined && eraOf(headerVersion) === 'modern') {
    if (claim !== undefined) {
      throw mismatch(`MCP-Protocol-Version is ${headerVersion} but the body's _meta names ${claim}`);
    }
    if (isRequest(message) || 'method' in message) {
      throw new AirlockError(
        'invalid_params',
        `MCP-Protocol-Version ${headerVersion} needs the per-request envelope: params._meta["${META_PROTOCOL_VERSION}"] is missing.`,
      );
    }
    return { era: 'modern', protocolVersion: headerVersion };
  }

  if (headers.mcpMethod !== undefined && 'method' in message && headers.mcpMethod.trim() !== message.method) {
    throw mismatch(`Mcp-Method is "${headers.mcpMethod}" but the body's method is "${message.method}"`);
  }
  return { era: 'legacy', protocolVersion: claim ?? headerVersion ?? DEFAULT_LEGACY_PROTOCOL_VERSION };
}

function checkMethodAndName(
  method: string,
  params: Record<string, unknown> | undefined,
  headers: McpRequestHeaders,
): void {
  if (headers.mcpMethod === undefined)
    throw mismatch(`the body names method ${method} but Mcp-Method is absent`);
  if (headers.mcpMethod.trim() !== method) {
    throw mismatch(`Mcp-Method is "${headers.mcpMethod}" but the body's method is "${method}"`);
  }
  const source = mcpNameSource(method, params);
  if (source === undefined) return;
  if (headers.mcpName === undefined) {
    if (source.value === undefined) return;
    throw mismatch(`the body carries params.${source.field}="${source.value}" but Mcp-Name is absent`);
  }
  const decoded = decodeMcpHeaderValue(headers.mcpName);
  if (decoded === undefined) throw mismatch('Mcp-Name carries an invalid Base64 sentinel value');
  if (source.value !== undefined && decoded !== source.value) {
    throw mismatch(
      `Mcp-Name names "${decoded}" but the body carries params.${source.field}="${source.value}"`,
    );
  }
}

/** The standard headers a message needs when it is sent upstream (the agent derives them from the body). */
export function standardHeadersFor(message: JsonRpcMessage, protocolVersion: string): Record<string, string> {
  const headers: Record<string, string> = { 'mcp-protocol-version': protocolVersion };
  if (eraOf(protocolVersion) !== 'modern' || !('method' in message)) return headers;
  headers['mcp-method'] = message.method;
  const source = mcpNameSource(message.method, message.params);
  if (source?.value !== undefined) headers['mcp-name'] = encodeMcpHeaderValue(source.value);
  return headers;
}
