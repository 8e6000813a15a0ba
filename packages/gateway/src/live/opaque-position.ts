/** A stream position as the client holds it: base64url of a JSON array, passed back as it was. */
export function encodeOpaqueCursorText(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** The array, or undefined when `text` is not one. */
export function decodeOpaqueCursorText(text: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
