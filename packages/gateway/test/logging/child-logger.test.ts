import { Writable } from 'node:stream';
import { childLogger } from '@airlock/core';
import { repeatedKeys } from '@airlock/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

/** A pino logger writing into an array of lines, as the gateway's logger writes to stdout. */
function capture(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ base: { gatewayId: 'g1' } }, sink), lines };
}

describe('childLogger', () => {
  it('names a component inside another as its subcomponent, each key once per line', () => {
    const { logger, lines } = capture();
    const recording = childLogger(logger, { component: 'recording' });
    childLogger(recording, { component: 'retention' }).info('retention run');
    // What pino's own child does: the key twice, and a reader keeps only the last.
    recording.child({ component: 'retention' }).info('plain child');

    expect(repeatedKeys(lines[0]!)).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ component: 'recording', subcomponent: 'retention' });
    expect(repeatedKeys(lines[1]!)).toEqual(['component']);
  });

  it("keeps the parent's value of a key it already binds, and binds the rest", () => {
    const { logger, lines } = capture();
    childLogger(logger, { component: 'tunnel-server', gatewayId: 'other', sink: 'store' }).info('x');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(repeatedKeys(lines[0]!)).toEqual([]);
    expect(line).toMatchObject({ component: 'tunnel-server', gatewayId: 'g1', sink: 'store' });
  });

  it('keeps a third level under the second name, and skips a component already named', () => {
    const { logger, lines } = capture();
    const api = childLogger(logger, { component: 'sessions-api' });
    const identity = childLogger(api, { component: 'identity' });
    childLogger(identity, { component: 'jwks' }).info('third');
    childLogger(api, { component: 'sessions-api' }).info('same');
    expect(lines.map(repeatedKeys)).toEqual([[], []]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ component: 'sessions-api', subcomponent: 'identity' });
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('subcomponent');
  });
});

describe('repeatedKeys', () => {
  it('finds a key repeated in any one object, not across objects or inside strings', () => {
    expect(repeatedKeys('{"a":1,"b":{"a":2,"c":"{\\"a\\":3,\\"a\\":4}"},"d":[{"a":1},{"a":2}]}')).toEqual([]);
    expect(repeatedKeys('{"a":1,"b":{"c":1,"c":2},"a":[{"x":1,"x":2}]}')).toEqual(['c', 'a', 'x']);
  });
});
