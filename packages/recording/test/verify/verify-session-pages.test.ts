import type { JsonRpcMessage, RecordedDecision, RecordingEvent, RecordingSource } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { verifySession, verifySessionPages } from '../../src/index.js';
import { RecordedSession } from '../../../gateway/test/api/helpers/recorded-session.js';
import { referenceVerification } from './helpers/reference-agreement.js';

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Both records of a session with everything verification must notice: ids reused across requests
 * (and 1 next to "1"), methods, tools and outcomes that differ between the sides, messages only
 * one side holds, denied requests, notifications, then edited events, dropped events (gaps) and
 * second events claiming a seq (duplicates).
 */
function messySession(seed: number): RecordingEvent[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const chance = (p: number) => rnd() < p;
  // Every fourth session is recorded faithfully by both sides, and must verify.
  const clean = seed % 4 === 0;
  const faithful = (p: number) => clean || rnd() < p;
  const s = new RecordedSession({
    id: `mess-${seed}`,
    subject: 'alice',
    connection: 'c',
    startAt: new Date(0),
  });
  if (faithful(0.9)) s.start();
  const ids = [1, 2, 3, '1', 'x'] as const;
  const message = (
    source: RecordingSource,
    direction: 'client_to_server' | 'server_to_client',
    m: JsonRpcMessage,
    decision?: RecordedDecision,
  ) => s.add(source, { kind: 'message', direction, message: m, ...(decision ? { decision } : {}) });
  const request = (id: (typeof ids)[number], method: string, tool?: string): JsonRpcMessage => ({
    jsonrpc: '2.0',
    id,
    method,
    ...(tool === undefined ? {} : { params: { name: tool } }),
  });
  const response = (id: (typeof ids)[number] | null, error: boolean): JsonRpcMessage =>
    error
      ? { jsonrpc: '2.0', id, error: { code: -1, message: 'no' } }
      : ({ jsonrpc: '2.0', id, result: {} } as JsonRpcMessage); // a null id only to test the check
  for (let step = 0; step < 40; step += 1) {
    const id = pick(ids);
    switch (pick(['client', 'client', 'upstream', 'server', 'answer', 'note', 'warning'] as const)) {
      case 'client': {
        const method = pick(['tools/call', 'tools/call', 'tools/list', 'ping']);
        const tool = method === 'tools/call' ? pick(['read', 'write', undefined]) : undefined;
        const decision = pick<RecordedDecision | undefined>([
          undefined,
          { action: 'pass' },
          { action: 'approve' },
          { action: 'deny', rule: 'r' },
        ]);
        message('gateway', 'client_to_server', request(id, method, tool), decision);
        const forwarded = decision?.action !== 'deny';
        if (clean ? forwarded : chance(0.85))
          message(
            'agent',
            'client_to_server',
            request(id, faithful(0.9) ? method : 'prompts/list', faithful(0.9) ? tool : 'other'),
          );
        break;
      }
      case 'upstream': {
        const error = chance(0.3);
        message('agent', 'server_to_client', response(id, error));
        if (faithful(0.85))
          message('gateway', 'server_to_client', response(id, faithful(0.9) ? error : !error));
        break;
      }
      case 'server':
        message('agent', 'server_to_client', request(id, 'sampling/createMessage'));
        if (faithful(0.85)) message('gateway', 'server_to_client', request(id, 'sampling/createMessage'));
        break;
      case 'answer': {
        const error = chance(0.2);
        message('gateway', 'client_to_server', response(faithful(0.9) ? id : null, error));
        if (faithful(0.85)) message('agent', 'client_to_server', response(id, error));
        break;
      }
      case 'note':
        message(pick(['gateway', 'agent'] as const), 'client_to_server', {
          jsonrpc: '2.0',
          method: 'notifications/x',
        });
        break;
      case 'warning':
        s.add(pick(['gateway', 'agent'] as const), { kind: 'warning', warning: { code: 'w', message: 'm' } });
        break;
    }
  }
  if (faithful(0.8)) s.end();
  if (clean) return s.events;
  const events: RecordingEvent[] = [];
  for (const event of s.events) {
    const roll = rnd();
    if (roll < 0.04) continue; // lost: a gap
    // Edited after it was hashed.
    events.push(roll < 0.08 ? { ...event, at: new Date(1).toISOString() } : event);
    // A second event claiming the same seq.
    if (roll > 0.96) events.push({ ...event, id: `${event.id}:again`, hash: 'f'.repeat(64) });
  }
  return events;
}

/** The store's read order: source, seq, id. */
function storeOrder(events: readonly RecordingEvent[]): RecordingEvent[] {
  return [...events].sort(
    (a, b) => a.source.localeCompare(b.source) || a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

async function* pagesOf(events: readonly RecordingEvent[], size: number): AsyncGenerator<RecordingEvent[]> {
  for (let i = 0; i < events.length; i += size) yield events.slice(i, i + size);
}

describe('verifySessionPages', () => {
  it('gives the report verifySession gives, break for break and text for text, however the session is paged', async () => {
    let broken = 0;
    for (let seed = 1; seed <= 150; seed += 1) {
      const events = storeOrder(messySession(seed));
      const expected = referenceVerification(events);
      if (!expected.ok) broken += 1;
      expect(verifySession(events), `seed ${seed}`).toEqual(expected);
      for (const size of [1, 3, 17, 1000]) {
        expect(await verifySessionPages(pagesOf(events, size)), `seed ${seed}, page size ${size}`).toEqual(
          expected,
        );
      }
    }
    // The generator does produce broken sessions (and some intact ones), or this proved nothing.
    expect(broken).toBeGreaterThan(75);
    expect(broken).toBeLessThanOrEqual(150 - Math.floor(150 / 4));
  });

  it('keeps verifySession independent of the order events are given in', () => {
    for (let seed = 200; seed < 230; seed += 1) {
      const events = messySession(seed);
      const rnd = random(seed);
      const shuffled = events
        .map((event) => ({ event, key: rnd() }))
        .sort((a, b) => a.key - b.key)
        .map((e) => e.event);
      expect(verifySession(shuffled), `seed ${seed}`).toEqual(referenceVerification(shuffled));
    }
  });

  it('matches requests that all reuse one id in record order, tool by tool', () => {
    const s = new RecordedSession({ id: 'reuse', subject: 'alice', connection: 'c', startAt: new Date(0) });
    for (let i = 0; i < 5_000; i += 1) {
      const request: JsonRpcMessage = {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: `t${i % 3}` },
      };
      s.add('gateway', { kind: 'message', direction: 'client_to_server', message: request });
      s.add('agent', { kind: 'message', direction: 'client_to_server', message: request });
    }
    expect(verifySession(s.events).agreement).toEqual({
      ok: true,
      matched: 5_000,
      mismatches: [],
      inFlight: [],
    });
  });

  it('refuses a chain whose pages arrive out of seq order, instead of reporting nonsense', async () => {
    const events = storeOrder(messySession(7)).filter((e) => e.source === 'gateway');
    const reversed = [...events].reverse();
    await expect(verifySessionPages(pagesOf(reversed, 5))).rejects.toThrow(/checked in seq order/);
  });
});
