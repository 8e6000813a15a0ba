import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSseEvents } from '../../src/upstream/sse-reader.js';

describe('readSseEvents', () => {
  it('rejects an event over maxEventChars as message_too_large, and the end of the body after it does not throw', async () => {
    // Found by test/bench/fuzz-inputs.mjs: the end of the body fed the parser that had already
    // refused, which threw from inside the stream's 'end' event (an uncaught exception).
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const body = Readable.from([Buffer.from(`data: ${'x'.repeat(200)}`), Buffer.from('\n\n')]);
      await expect(
        readSseEvents(body, { maxEventChars: 100, onEvent: async () => undefined }),
      ).rejects.toMatchObject({
        code: 'message_too_large',
        message: expect.stringMatching(/larger than 100 characters/),
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('delivers events split anywhere, in order', async () => {
    const seen: string[] = [];
    const text = 'data: {"a":1}\n\nid: 7\ndata: two\n\n: keepalive\n\n';
    const chunks = [...Buffer.from(text)].map((byte) => Buffer.from([byte]));
    await readSseEvents(Readable.from(chunks), {
      maxEventChars: 1000,
      onEvent: async (e) => void seen.push(e.data),
    });
    expect(seen).toEqual(['{"a":1}', 'two']);
  });
});
