import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { RecordingEvent } from '@airlock/core';
import { spawnNode, startKinesalite, type NodeProcess, type RunningKinesalite } from '@airlock/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KinesisSink } from '../../src/kinesis/kinesis-sink.js';
import { chainedEvents, useTestAwsEnvironment } from './chained-events.js';

// The built CLI (`npx tsc -b packages/cli` first), run as an operator would.
const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

describe('airlock audit tail (built CLI, against kinesalite)', () => {
  let kinesis: RunningKinesalite;
  let sink: KinesisSink;
  let tail: NodeProcess | undefined;
  const stream = `tail-${randomUUID().slice(0, 8)}`;

  const env = {
    AWS_ACCESS_KEY_ID: 'AKIDTESTKINESALITE',
    AWS_SECRET_ACCESS_KEY: 'test-secret-not-real',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: undefined,
  };

  beforeAll(async () => {
    useTestAwsEnvironment();
    kinesis = await startKinesalite();
    await kinesis.createStream(stream, 2);
    sink = new KinesisSink({ streamName: stream, region: kinesis.region, endpoint: kinesis.endpoint });
  });

  afterEach(async () => {
    await tail?.kill();
    tail = undefined;
  });

  afterAll(async () => {
    sink.close();
    await kinesis.close();
  });

  it('prints sessions readably, each event once, a tampered one as a loud chain break, and exits 3', async () => {
    const chain = chainedEvents(4);
    const tampered = { ...chain[2]!, connection: 'somewhere-else' } as RecordingEvent;
    await sink.send([chain[0]!, chain[1]!, tampered, chain[3]!]);
    await sink.send(chain.slice(0, 2)); // redelivered

    tail = spawnNode(
      CLI,
      [
        'audit',
        'tail',
        '--stream',
        stream,
        '--region',
        kinesis.region,
        '--endpoint',
        kinesis.endpoint,
        '--from-start',
      ],
      { env },
    );
    await tail.waitForLine((line) => line.includes(`#4`), { timeoutMs: 15_000 });
    const lines = tail.stdoutLines.filter((line) => line.trim() !== '');
    const sessionLines = lines.filter((line) => line.includes(chain[0]!.sessionId));
    expect(sessionLines).toHaveLength(5); // 4 events + 1 break, duplicates dropped
    expect(sessionLines[0]).toMatch(
      new RegExp(
        `^2026-01-01T12:00:00\\.001Z  ${chain[0]!.sessionId}  gateway  #1  c→s  tools/call echo \\(id 1\\)  by alice <alice@example.com>  on demo$`,
      ),
    );
    expect(sessionLines[1]).toContain('#2  s→c  result (id 1)');
    expect(sessionLines[2]).toMatch(
      /^!!! CHAIN BREAK !!! session .* \(gateway\) seq 3 event .*: HASH_MISMATCH/,
    );
    expect(sessionLines[3]).toMatch(/#3 .* on somewhere-else {2}\[UNVERIFIED\]$/);
    expect(sessionLines[4]).toMatch(/#4 /);

    // Credentials reach the SDK, never the output.
    expect(`${lines.join('\n')}${tail.stderr()}`).not.toContain(env.AWS_SECRET_ACCESS_KEY);
    await tail.kill();
    expect((await tail.exited).code).toBe(3);
    expect(tail.stderr()).toMatch(/Stopped: 4 events, 2 duplicates dropped, 1 chain breaks/);
  });

  it('--json prints one JSON object per item, live as events arrive', async () => {
    tail = spawnNode(
      CLI,
      [
        'audit',
        'tail',
        '--stream',
        stream,
        '--region',
        kinesis.region,
        '--endpoint',
        kinesis.endpoint,
        '--json',
      ],
      { env },
    );
    const chain = chainedEvents(3, { source: 'agent' });
    // From "now": produce only once the tail says it is reading every shard.
    for (let i = 0; !/Reading Kinesis stream .* from now on/.test(tail.stderr()); i += 1) {
      if (i > 150) throw new Error(`the tail did not start reading; stderr: ${tail.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await sink.send(chain);
    await tail.waitForLine((line) => line.includes('"seq":3') && line.includes(chain[0]!.sessionId), {
      timeoutMs: 15_000,
    });
    const items = tail.stdoutLines
      .map((line) => JSON.parse(line) as { type: string; verified?: boolean; event?: RecordingEvent })
      .filter((item) => item.event?.sessionId === chain[0]!.sessionId);
    expect(items.map((i) => [i.type, i.verified, i.event?.seq])).toEqual([
      ['event', true, 1],
      ['event', true, 2],
      ['event', true, 3],
    ]);
    expect(items.map((i) => i.event)).toEqual(chain);
  });

  it('explains a stream that does not exist and exits 1', async () => {
    tail = spawnNode(
      CLI,
      [
        'audit',
        'tail',
        '--stream',
        'no-such-stream',
        '--region',
        kinesis.region,
        '--endpoint',
        kinesis.endpoint,
      ],
      { env },
    );
    expect((await tail.exited).code).toBe(1);
    expect(tail.stderr()).toMatch(/Cannot read Kinesis stream "no-such-stream".*ResourceNotFoundException/);
  });
});
