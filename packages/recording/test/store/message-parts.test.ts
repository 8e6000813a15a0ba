import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonRpcMessage } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyFileWrapper, type RecordingStore } from '../../src/index.js';
import { messageJson } from '@airlock/core';
import { MESSAGE_PART_CHARS, splitMessage } from '../../src/store/message-parts.js';
import { expectStoredAsRecorded, SessionScript } from './helpers/session-script.js';
import { STORE_BACKENDS, type OpenedStore } from './helpers/store-backends.js';

/**
 * A message longer than a part is stored in parts (one statement each) and read back whole:
 * byte for byte, in pages, found by search, deleted with its session.
 */

describe('splitMessage', () => {
  it('cuts a text in pieces where it cuts the joined text, surrogate pairs kept whole', () => {
    const alphabet = ['a', '"', '\\', '\n', 'é', '€', '🔐', '\ud800', '\u2028'];
    let state = 7;
    const next = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state / 2_147_483_648;
    };
    const text = (length: number): string => {
      let out = '';
      while (out.length < length) out += alphabet[Math.floor(next() * alphabet.length)]!;
      return out;
    };
    for (let seed = 1; seed <= 300; seed++) {
      const message = { id: seed, content: [text(200), { a: text(90), b: text(5) }] };
      const pieces = messageJson(message, 16, 12);
      expect(typeof pieces).toBe('object');
      const partChars = 2 + Math.floor(next() * 60);
      expect(splitMessage(pieces, partChars), `seed ${seed}, parts of ${partChars}`).toEqual(
        splitMessage(JSON.stringify(message), partChars),
      );
    }
  });

  it('leaves a message that fits in one part alone', () => {
    expect(splitMessage('{"a":1}', 8)).toBeUndefined();
    expect(splitMessage('x'.repeat(8), 8)).toBeUndefined();
  });

  it('cuts into parts of at most the size, never inside a surrogate pair', () => {
    // '🔐' is two code units; at size 4 the first cut would fall between them.
    const text = 'abc🔐defgh🔐ij';
    const parts = splitMessage(text, 4)!;
    expect(parts.join('')).toBe(text);
    expect(parts).toEqual(['abc', '🔐de', 'fgh', '🔐ij']);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4);
      expect(part).toBe(Buffer.from(part, 'utf8').toString('utf8'));
    }
  });
});

/** A tool result a little over `parts` parts long, with a pair straddling the first cut. */
function largeResult(id: number, lastWord: string): JsonRpcMessage {
  const prefix = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"';
  const head = 'a'.repeat(MESSAGE_PART_CHARS - prefix.length - 1);
  const body = `${head}🔐 nul \u0000 lone \ud800 ${'lorem ipsum '.repeat(200_000)}${lastWord}`;
  return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: body }] } };
}

const variants = STORE_BACKENDS.flatMap((backend) => [
  { backend, encrypted: false },
  { backend, encrypted: true },
]);

describe.each(variants)(
  'large messages on $backend.name (encrypted: $encrypted)',
  ({ backend, encrypted }) => {
    let keyDir: string;
    let opened: OpenedStore;
    let store: RecordingStore;

    beforeAll(async () => {
      keyDir = await mkdtemp(join(tmpdir(), 'airlock-parts-key-'));
      let wrapper;
      if (encrypted) {
        await LocalKeyFileWrapper.createKeyFile(join(keyDir, 'k'));
        wrapper = await LocalKeyFileWrapper.open(join(keyDir, 'k'));
      }
      opened = await backend.open(wrapper ? { wrapper } : undefined);
      store = opened.store;
      await store.migrate();
    }, 60_000);

    afterAll(async () => {
      await opened?.close();
      await rm(keyDir, { recursive: true, force: true });
    });

    const big = new SessionScript({
      sessionId: `parts-${backend.name}-${encrypted ? 'sealed' : 'clear'}`,
      subject: 'alice',
      connection: 'files',
      startAt: new Date('2030-05-01T10:00:00.000Z'),
    })
      .start()
      .call('read_file', { path: '/big' })
      .message(largeResult(1, 'narwhal'))
      .message(largeResult(1, 'narwhal'), 'agent')
      .end('client_closed');

    it('stores each event once and gives it back exactly as recorded', async () => {
      expect(JSON.stringify(big.events[3]!.message).length).toBeGreaterThan(2 * MESSAGE_PART_CHARS);
      expect(await store.insertEvents(big.events)).toEqual({ inserted: big.events.length });
      // Redelivered (the spool delivers at least once), alone and with the rest.
      expect(await store.insertEvents([big.events[3]!])).toEqual({ inserted: 0 });
      expect(await store.insertEvents(big.events)).toEqual({ inserted: 0 });
      expectStoredAsRecorded(await store.getEvents(big.sessionId), big.events);
      expect((await store.getSession(big.sessionId))?.eventCount).toBe(big.events.length);
    }, 60_000);

    it('counts a parted message at its full size in a page budget', async () => {
      // gateway: start, call, small result, large result, end. A budget of 2 KB holds the first
      // three; the large one then has a page to itself, and the end follows on the next.
      const seen: number[] = [];
      let after;
      do {
        const page = await store.getEventPage(big.sessionId, {
          source: 'gateway',
          limit: 10,
          maxBytes: 2048,
          ...(after ? { after } : {}),
        });
        seen.push(page.events.length);
        after = page.next;
      } while (after !== undefined);
      expect(seen).toEqual([3, 1, 1]);
    }, 60_000);

    it('finds a session by a word of any part', async () => {
      const ids = (await store.listSessions({ text: 'narwhal', limit: 10 })).sessions.map((s) => s.id);
      expect(ids).toEqual([big.sessionId]);
    }, 60_000);

    it('deletes the parts with their session', async () => {
      const result = await store.purgeOlderThan(new Date('2030-06-01T00:00:00.000Z'));
      expect(result.events).toBeGreaterThanOrEqual(big.events.length);
      expect(await store.getEvents(big.sessionId)).toEqual([]);
      // The same events stored again are new, whole, and read back as they were.
      expect(await store.insertEvents(big.events)).toEqual({ inserted: big.events.length });
      expect((await store.getEvents(big.sessionId, { source: 'agent' }))[0]).toEqual(big.events[4]);
    }, 60_000);
  },
);
