/**
 * The `Mcp-Name` header (MCP 2026-07-28, SEP-2243) mirrors one body field so intermediaries can
 * route without parsing JSON. Values that are not plain ASCII travel as `=?base64?{utf8-b64}?=`.
 */
const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';

/** Which body field `Mcp-Name` mirrors, per method; methods not listed carry no `Mcp-Name`. */
export const MCP_NAME_SOURCE: Readonly<Record<string, string>> = Object.freeze({
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
});

export function mcpNameSource(
  method: string,
  params: Record<string, unknown> | undefined,
): { field: string; value: string | undefined } | undefined {
  const field = Object.hasOwn(MCP_NAME_SOURCE, method) ? MCP_NAME_SOURCE[method] : undefined;
  if (field === undefined) return undefined;
  const raw = params?.[field];
  return { field, value: typeof raw === 'string' ? raw : undefined };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes a header value; `undefined` when the Base64 sentinel is malformed. */
export function decodeMcpHeaderValue(headerValue: string): string | undefined {
  const value = headerValue.trim();
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX))) return value;
  const encoded = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return undefined;
  const binary = atob(encoded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function needsBase64(s: string): boolean {
  if (s.length === 0 || s !== s.trim()) return true;
  if (s.startsWith(SENTINEL_PREFIX) && s.endsWith(SENTINEL_SUFFIX)) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 9 || (c >= 32 && c <= 126))) return true;
  }
  return false;
}

/** Encodes a body value for the `Mcp-Name` header. */
export function encodeMcpHeaderValue(value: string): string {
  if (!needsBase64(value)) return value;
  const bytes = new TextEncoder().encode(value);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `${SENTINEL_PREFIX}${btoa(binary)}${SENTINEL_SUFFIX}`;
}
