import type { IncomingMessage } from 'node:http';
import { AirlockError } from '@airlock/core';

function tooLarge(limit: number): AirlockError {
  return new AirlockError(
    'body_too_large',
    `The request body is larger than this gateway accepts (${limit} bytes). Send a smaller message, or ask the operator to raise gateway.limits.maxBodyBytes.`,
    { data: { limitBytes: limit } },
  );
}

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a body that grows past it while streaming is cut off. Either way: 413.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed)
        resolve(
          chunks.length === 1
            ? (chunks[0] as Buffer).toString('utf8')
            : Buffer.concat(chunks).toString('utf8'),
        );
    });
    req.on('error', (cause) => {
      if (failed) return;
      failed = true;
      reject(
        new AirlockError('invalid_request', 'The request body could not be read; the client aborted it.', {
          cause,
        }),
      );
    });
  });
}
