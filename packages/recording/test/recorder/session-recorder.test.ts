import {
  AirlockError,
  GENESIS_HASH,
  verifyChain,
  type Caller,
  type RecordingEvent,
  type RelayContext,
} from '@airlock/core';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionRecorder, sha256Hex, Spool, type RecorderEntry } from '../../src/index.js';
import { DiskFullIo } from '../spool/disk-full-io.js';
import { readAll, TempDirs } from '../spool/spool-fixtures.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const caller: Caller = {
  subject: 'user-123',
  email: 'alice@example.com',
  groups: ['dev', 'ops'],
  tokenId: 'jti-9',
  anonymous: false,
};

function context(sessionId: string, who: Caller = caller): RelayContext {
  return { sessionId, connection: 'github', caller: who, era: 'legacy', protocolVersion: '2025-06-18' };
}

function request(id: number, method = 'tools/call', source: 'gateway' | 'agent' = 'gateway'): RecorderEntry {
  return {
    source,
    direction: 'client_to_server',
    message: { jsonrpc: '2.0', id, method, params: { name: 'echo', arguments: { text: `call ${id}` } } },
    decision: 'pass',
    at: Date.now(),
  };
}

function response(id: number): RecorderEntry {
  return {
    source: 'gateway',
    direction: 'server_to_client',
    message: { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `answer ${id}` }] } },
    at: Date.now(),
  };
}

function chains(events: readonly RecordingEvent[]): Map<string, RecordingEvent[]> {
  const bySession = new Map<string, RecordingEvent[]>();
  for (const event of events) {
    const key = `${event.sessionId}/${event.source}`;
    bySession.set(key, [...(bySession.get(key) ?? []), event]);
  }
  return bySession;
}

describe('SessionRecorder', () => {
  it('records each session as a gap-free hash chain from session_start to session_end', async () => {
    const spool = await Spool.open({ dir: temp.make(), sinks: ['store'] });
    const recorder = new SessionRecorder({ spool, source: 'gateway', gatewayId: 'gw-1' });
    const initialize: RecorderEntry = {
      source: 'gateway',
      direction: 'client_to_server',
      message: {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          clientInfo: { name: 'ide', version: '1.2' },
          capabilities: {},
        },
      },
      at: Date.now(),
    };
    await Promise.all([recorder.record(context('a'), initialize), recorder.record(context('b'), request(1))]);
    // Concurrent calls of one session, not awaited one by one: the chain is still gap-free.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => [
        recorder.record(context('a'), request(i + 10)),
        recorder.record(context('b'), response(i + 10)),
      ]).flat(),
    );
    await recorder.end(context('a'), 'client_closed');
    await recorder.end(context('b'), 'expired');
    expect(recorder.liveSessions).toBe(0);

    const bySession = chains(await readAll(spool, 'store'));
    expect([...bySession.keys()].sort()).toEqual(['a/gateway', 'b/gateway']);
    for (const [key, chain] of bySession) {
      expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: chain.length }, (_, i) => i + 1));
      expect(verifyChain(chain, sha256Hex)).toEqual([]);
      expect(chain[0]).toMatchObject({ kind: 'session_start', prevHash: GENESIS_HASH });
      expect(chain.at(-1)).toMatchObject({
        kind: 'session_end',
        end: { reason: key.startsWith('a') ? 'client_closed' : 'expired' },
      });
      expect(chain.filter((e) => e.kind === 'message')).toHaveLength(21);
      for (const event of chain) {
        expect(event).toMatchObject({
          schema: 2,
          source: 'gateway',
          connection: 'github',
          gatewayId: 'gw-1',
          era: 'legacy',
          protocolVersion: '2025-06-18',
        });
        expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number.isNaN(Date.parse(event.at))).toBe(false);
      }
    }
    expect(bySession.get('a/gateway')?.[0]?.start).toEqual({ clientInfo: { name: 'ide', version: '1.2' } });
    expect(bySession.get('a/gateway')?.[1]).toMatchObject({ kind: 'message', direction: 'client_to_server' });
    expect(
      bySession.get('b/gateway')?.find((e) => e.direction === 'server_to_client')?.message,
    ).toMatchObject({
      result: { content: [{ text: 'answer 10' }] },
    });
    await spool.close();
  });

  it('writes the text it hashed: records read back from disk are the events, hashes intact', async () => {
    const dir = temp.make();
    const spool = await Spool.open({ dir, sinks: ['store'] });
    const recorder = new SessionRecorder({ spool, source: 'gateway', gatewayId: 'gw-1' });
    const odd: RecorderEntry = {
      ...request(2),
      message: {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'q"uote\\', arguments: { z: [1, null, { b: 'é\u0000', a: '😀' }], a: {} } },
      },
      masking: [{ type: 'email', path: '$.params.arguments.a', count: 1 }],
    };
    await recorder.record(context('disk'), request(1));
    await recorder.record(context('disk'), odd);
    await recorder.end(context('disk'), 'client_closed');
    const inMemory = await readAll(spool, 'store');
    await spool.close();
    // Reopened: nothing is in memory any more, every record is parsed from its frame on disk.
    const reopened = await Spool.open({ dir, sinks: ['store'] });
    const fromDisk = await readAll(reopened, 'store');
    await reopened.close();
    expect(fromDisk).toHaveLength(4);
    expect(fromDisk).toEqual(JSON.parse(JSON.stringify(inMemory)));
    expect(verifyChain(fromDisk, sha256Hex)).toEqual([]);
    expect(fromDisk[2]?.message).toEqual(odd.message);
  });

  it('lets verifyChain point at an event that was changed after the fact', async () => {
    const spool = await Spool.open({ dir: temp.make(), sinks: ['store'] });
    const recorder = new SessionRecorder({ spool, source: 'agent', agentId: 'agent-7' });
    for (let id = 1; id <= 5; id += 1)
      await recorder.record(context('s'), request(id, 'tools/call', 'agent'));
    const chain = await readAll(spool, 'store');
    expect(chain.every((e) => e.agentId === 'agent-7' && e.source === 'agent')).toBe(true);
    expect(verifyChain(chain, sha256Hex)).toEqual([]);

    const tampered = chain.map((e) =>
      e.seq === 4
        ? { ...e, message: { jsonrpc: '2.0' as const, id: 3, method: 'tools/call', params: { name: 'rm' } } }
        : e,
    );
    expect(verifyChain(tampered, sha256Hex)).toEqual([
      expect.objectContaining({ seq: 4, eventId: chain[3]?.id, problem: 'hash_mismatch' }),
    ]);
    // Re-hashing the forged event does not help: its successor's prevHash no longer matches.
    const forged = tampered.map((e) => (e.seq === 4 ? { ...e, hash: sha256Hex(JSON.stringify(e)) } : e));
    expect(verifyChain(forged, sha256Hex).map((b) => [b.seq, b.problem])).toContainEqual([
      5,
      'prev_hash_mismatch',
    ]);
    await spool.close();
  });

  it('records identity from the caller only, never a token, plus masking findings and decisions', async () => {
    const spool = await Spool.open({ dir: temp.make(), sinks: ['store'] });
    const recorder = new SessionRecorder({ spool, source: 'gateway' });
    // An adapter that carelessly attached the bearer token to the caller object.
    const leaky = { ...caller, token: 'eyJhbGciOiJSUzI1NiJ9.secret', authorization: 'Bearer eyJ' } as Caller;
    await recorder.record(context('s', leaky), {
      ...request(1),
      masking: [{ type: 'aws_access_key', path: '$.result.content[0].text', count: 2 }],
      decisionDetail: { action: 'deny', rule: 'no-rm', reason: 'destructive tool' },
    });
    const events = await readAll(spool, 'store');
    const text = JSON.stringify(events);
    expect(text).not.toContain('eyJ');
    for (const event of events) {
      expect(event.identity).toEqual({
        subject: 'user-123',
        email: 'alice@example.com',
        groups: ['dev', 'ops'],
        tokenId: 'jti-9',
      });
    }
    expect(events[1]).toMatchObject({
      masking: [{ type: 'aws_access_key', path: '$.result.content[0].text', count: 2 }],
      decision: { action: 'deny', rule: 'no-rm', reason: 'destructive tool' },
    });
    await spool.close();
  });

  it('continues a chain for a late message and ignores a second end()', async () => {
    const spool = await Spool.open({ dir: temp.make(), sinks: ['store'] });
    const recorder = new SessionRecorder({ spool, source: 'gateway' });
    await recorder.record(context('s'), request(1));
    await recorder.end(context('s'), 'client_closed');
    await recorder.end(context('s'), 'client_closed');
    await recorder.record(context('s'), response(1));
    const chain = await readAll(spool, 'store');
    expect(chain.map((e) => e.kind)).toEqual(['session_start', 'message', 'session_end', 'message']);
    expect(verifyChain(chain, sha256Hex)).toEqual([]);
    await spool.close();
  });

  it('refuses a message of the other source: that is a wiring mistake', async () => {
    const spool = await Spool.open({ dir: temp.make(), sinks: ['store'] });
    const recorder = new SessionRecorder({ spool, source: 'gateway' });
    await expect(recorder.record(context('s'), request(1, 'tools/call', 'agent'))).rejects.toSatisfy((e) =>
      AirlockError.is(e, 'internal'),
    );
    await spool.close();
  });
});

describe('SessionRecorder when the spool cannot write', () => {
  it('strict: refuses the call with recording_unavailable, then records a warning that explains the gap', async () => {
    const disk = new DiskFullIo(Number.MAX_SAFE_INTEGER);
    const dir = temp.make();
    const spool = await Spool.open({ dir, io: disk.io, sinks: ['store'] });
    const recorder = new SessionRecorder({ spool, source: 'gateway', mode: 'strict' });
    await recorder.record(context('s'), request(1));
    disk.free(0);
    const refused = await recorder.record(context('s'), request(2)).catch((error: unknown) => error);
    expect(AirlockError.is(refused, 'recording_unavailable')).toBe(true);
    expect((refused as AirlockError).message).toMatch(
      /disk full\?.*refused because recording is strict.*Free space in/,
    );
    expect((refused as AirlockError).toJsonRpcError()).toMatchObject({ code: -32007 });
    await expect(recorder.end(context('s'), 'client_closed')).rejects.toSatisfy((e) =>
      AirlockError.is(e, 'recording_unavailable'),
    );

    disk.free();
    await recorder.record(context('t'), request(3)); // other sessions work again
    await recorder.record(context('s'), request(4));
    const chain = (await readAll(spool, 'store')).filter((e) => e.sessionId === 's');
    expect(chain.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'session_start'],
      [2, 'message'],
      // 3: the refused call; 4, 5: the warning and session_end that end() tried while the disk was full.
      [6, 'warning'],
      [7, 'message'],
    ]);
    expect(chain[2]?.warning).toMatchObject({
      code: 'recording_gap',
      message: expect.stringMatching(
        /^events 3\.\.5 of this session could not be spooled \(.*ENOSPC.*refused/,
      ),
    });
    // The gap is visible to verify, and explained by the event right after it.
    expect(verifyChain(chain, sha256Hex)).toEqual([expect.objectContaining({ problem: 'gap', seq: 3 })]);
    await spool.close();
  });

  it('best-effort: the call goes ahead, and a warning event is recorded once the spool works again', async () => {
    const disk = new DiskFullIo(Number.MAX_SAFE_INTEGER);
    const spool = await Spool.open({ dir: temp.make(), io: disk.io, sinks: ['store'] });
    const warnings: unknown[] = [];
    const logger = (await import('pino')).pino(
      { level: 'warn' },
      { write: (line: string) => warnings.push(JSON.parse(line)) },
    );
    const recorder = new SessionRecorder({ spool, source: 'gateway', mode: 'best-effort', logger });
    await recorder.record(context('s'), request(1));
    disk.free(0);
    for (let id = 2; id <= 4; id += 1)
      await expect(recorder.record(context('s'), request(id))).resolves.toBeUndefined();
    expect(disk.writesRefused).toBe(3);
    disk.free();
    await recorder.record(context('s'), request(5));

    const chain = await readAll(spool, 'store');
    expect(chain.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'session_start'],
      [2, 'message'],
      // 3: call 2; 4, 5 and 6, 7: calls 3 and 4, each preceded by a warning that could not be written.
      [8, 'warning'],
      [9, 'message'],
    ]);
    expect(chain[2]?.warning?.message).toMatch(
      /^events 3\.\.7 .*ENOSPC.*went ahead unrecorded \(best-effort mode\)/,
    );
    // One log line when recording broke and one when it recovered, not one per lost event.
    expect(warnings.map((w) => (w as { msg: string }).msg)).toEqual([
      expect.stringContaining('recording failed'),
      'recording works again',
    ]);
    await spool.close();
  });
});
