import { Writable } from 'node:stream';
import { REDACTED_LOG_PATHS } from '@airlock/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestLog } from '../src/request-log.js';

function capture(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // As the CLI makes the process logger: every Airlock redact path, wildcards included.
  const root = pino({ level, redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' } }, destination);
  return { root, lines };
}

const call = (id: number) => ({
  jsonrpc: '2.0' as const,
  id,
  method: 'tools/call',
  params: { name: 'echo' },
});

describe('RequestLog', () => {
  it('writes one line per answered call, the session bindings still redacted', async () => {
    const { root, lines } = capture('info');
    // A binding no code should ever make, to show the session logger's redaction stays in force.
    const session = root.child({ sessionId: 's-1', subject: 'alice', token: 'tok-must-not-appear' });
    const log = new RequestLog(session);
    log.started(call(1));
    log.started(call(2));
    log.answered({ jsonrpc: '2.0', id: 1, result: {} });
    log.answered({ jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'bad' } });
    log.answered({ jsonrpc: '2.0', id: 3, result: {} });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l['msg'], l['method'], l['id'], l['outcome'], l['errorCode']])).toEqual([
      ['request', 'tools/call', '1', 'result', undefined],
      ['request', 'tools/call', '2', 'error', -32602],
    ]);
    expect(lines[0]).toMatchObject({ sessionId: 's-1', subject: 'alice', token: '[redacted]' });
    expect(typeof lines[0]?.['durationMs']).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('tok-must-not-appear');
    // The session logger itself still redacts what is logged through it.
    session.warn({ detail: { token: 'nested-secret' } }, 'other');
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.stringify(lines)).not.toContain('nested-secret');
  });

  it('writes nothing when the level is above info', async () => {
    const { root, lines } = capture('warn');
    const log = new RequestLog(root.child({ sessionId: 's-2' }));
    log.started(call(1));
    log.answered({ jsonrpc: '2.0', id: 1, result: {} });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([]);
  });
});
