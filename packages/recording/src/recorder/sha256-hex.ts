import { createHash } from 'node:crypto';

/** The hash function of recording chains, in the shape `verifyChain` takes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
