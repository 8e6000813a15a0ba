import type { IncomingMessage } from 'node:http';

/** Test servers accept request bodies up to 16 MiB: enough for the `big` round trips, bounded all the same. */
export const MAX_TEST_BODY_BYTES = 16 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads a node request body into one Buffer, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_TEST_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
