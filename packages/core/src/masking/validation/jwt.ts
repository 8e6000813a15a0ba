/** Decodes base64url text; undefined when it is not base64url. */
function base64UrlDecode(part: string): string | undefined {
  try {
    const padded = part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4);
    return atob(padded);
  } catch {
    return undefined;
  }
}

/** A JWT (JWS or JWE compact form): its header decodes to a JSON object naming an `alg`. */
export function hasJwtHeader(token: string): boolean {
  const dot = token.indexOf('.');
  if (dot <= 0) return false;
  const header = base64UrlDecode(token.slice(0, dot));
  if (header === undefined) return false;
  try {
    const parsed = JSON.parse(header) as unknown;
    return (
      typeof parsed === 'object' && parsed !== null && typeof (parsed as { alg?: unknown }).alg === 'string'
    );
  } catch {
    return false;
  }
}
