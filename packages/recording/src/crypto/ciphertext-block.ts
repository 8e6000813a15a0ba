import { AirlockError } from '@airlock/core';

/**
 * One encrypted value (a stored `message`, a spool record's event), self-describing:
 *
 * ```
 * [u8  version = 1]
 * [u8  key id length n][n bytes key id, ASCII]   the session data key that sealed it
 * [12 bytes nonce]                                random per value (never reused with one key)
 * [16 bytes GCM tag]
 * [ciphertext]                                    AES-256-GCM of the UTF-8 plaintext
 * ```
 *
 * The AAD is not stored: the reader rebuilds it from the event id and session id it already holds
 * (see `eventAad`), so a block moved to another event or session fails authentication.
 */
export const CIPHERTEXT_VERSION = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

export interface CiphertextBlock {
  readonly keyId: string;
  readonly nonce: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

export function encodeCiphertextBlock(block: CiphertextBlock): Buffer {
  const keyId = Buffer.from(block.keyId, 'ascii');
  if (keyId.length === 0 || keyId.length > 255) throw new Error('key id must be 1..255 ASCII bytes');
  return Buffer.concat([
    Buffer.from([CIPHERTEXT_VERSION, keyId.length]),
    keyId,
    block.nonce,
    block.tag,
    block.ciphertext,
  ]);
}

/** Parses the framing only; authenticity is checked when the block is opened. */
export function decodeCiphertextBlock(bytes: Buffer, what: string): CiphertextBlock {
  const version = bytes[0];
  const keyIdLength = bytes[1] ?? 0;
  const headerEnd = 2 + keyIdLength + NONCE_BYTES + TAG_BYTES;
  if (version !== CIPHERTEXT_VERSION || keyIdLength === 0 || bytes.length < headerEnd) {
    throw new AirlockError(
      'internal',
      `${what} is not a readable ciphertext block (version ${version ?? 'missing'}, ${bytes.length} bytes): it was damaged or written by a newer Airlock.`,
      { data: { reason: 'tampered' } },
    );
  }
  const nonceStart = 2 + keyIdLength;
  return {
    keyId: bytes.subarray(2, nonceStart).toString('ascii'),
    nonce: bytes.subarray(nonceStart, nonceStart + NONCE_BYTES),
    tag: bytes.subarray(nonceStart + NONCE_BYTES, headerEnd),
    ciphertext: bytes.subarray(headerEnd),
  };
}
