import { hash } from 'node:crypto';

/**
 * SHA-256 of the UTF-8 text (or of bytes already encoded), hex: the hash function of the recording chain (see verifyChain).
 * One-shot `crypto.hash` rather than a Hash object per event: the same digest without allocating
 * and tearing down a hashing context for every recorded message.
 */
export function sha256Hex(text: string | Buffer): string {
  return hash('sha256', text, 'hex');
}
