/** A freshly generated session data key: the plaintext key and its wrapped (encrypted) form. */
export interface GeneratedDataKey {
  readonly dataKey: Buffer;
  /** Opaque, self-describing (`<wrapper>:<base64>`); safe to store next to the data. */
  readonly wrapped: string;
}

/**
 * Wraps session data keys under a key encryption key that never leaves its home (a local key file,
 * AWS KMS). Both operations bind the session id, so a wrapped key moved to another session does
 * not unwrap there.
 */
export interface KeyWrapper {
  /** `local-key-file` or `aws-kms`; the prefix of every wrapped key it produces. */
  readonly kind: string;
  generate(sessionId: string): Promise<GeneratedDataKey>;
  /** Throws a crypto failure (`tampered`, `wrong_key` or `key_unavailable`) when it cannot. */
  unwrap(wrapped: string, sessionId: string): Promise<Buffer>;
}

export const DATA_KEY_BYTES = 32;

export function splitWrapped(wrapped: string): { kind: string; blob: Buffer } {
  const colon = wrapped.indexOf(':');
  return colon < 0
    ? { kind: '', blob: Buffer.alloc(0) }
    : { kind: wrapped.slice(0, colon), blob: Buffer.from(wrapped.slice(colon + 1), 'base64') };
}
