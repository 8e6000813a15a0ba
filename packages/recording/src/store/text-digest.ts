import { createHash } from 'node:crypto';
import type { MessageText } from '@airlock/core';

/** SHA-256 of the text's UTF-8 bytes, base64. */
export function textDigest(text: MessageText): string {
  const hash = createHash('sha256');
  if (typeof text === 'string') hash.update(text, 'utf8');
  else for (const piece of text.pieces) hash.update(piece, 'utf8');
  return hash.digest('base64');
}
