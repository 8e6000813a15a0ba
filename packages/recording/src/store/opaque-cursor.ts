/**
 * The wire form of the store's paging cursors: a JSON array, base64url-encoded, so that callers
 * pass it back as it was and never build one. Each cursor checks the decoded array's shape itself.
 */
export function encodeOpaqueCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** The decoded array, or undefined when `text` is not a cursor's wire form at all. */
export function decodeOpaqueCursor(text: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
