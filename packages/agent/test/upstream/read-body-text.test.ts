import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBodyText } from '../../src/upstream/http-response.js';

describe('readBodyText', () => {
  it('joins the chunks of a body as UTF-8, a character split across chunks included', async () => {
    const euro = Buffer.from('€', 'utf8');
    const body = Readable.from([
      Buffer.from('{"a":"'),
      euro.subarray(0, 1),
      euro.subarray(1),
      Buffer.from('"}'),
    ]);
    expect(await readBodyText(body, 1024)).toBe('{"a":"€"}');
    expect(await readBodyText(Readable.from([]), 1024)).toBe('');
  });

  it('refuses a body over the limit as message_too_large and stops reading it', async () => {
    const body = new PassThrough();
    const read = readBodyText(body, 10);
    body.write('0123456789');
    body.write('x');
    await expect(read).rejects.toMatchObject({ code: 'message_too_large' });
    expect(body.destroyed).toBe(true);
  });

  it("fails with the body's error, and when the body closes before its end", async () => {
    const failing = new PassThrough();
    const failed = readBodyText(failing, 1024);
    failing.write('{"partial":');
    failing.destroy(Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' }));
    await expect(failed).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });

    const cut = new PassThrough();
    const short = readBodyText(cut, 1024);
    cut.write('{"partial":');
    cut.destroy();
    await expect(short).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    await expect(readBodyText(cut, 1024)).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });
});
