import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { verifySession, type RecordingStore } from '@airlock/recording';
import { connectV1Client, startKinesalite, waitFor, type RunningKinesalite } from '@airlock/testkit';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { endedSession } from './support/recorded-sessions.js';
import { textOf } from './support/mcp-http.js';
import {
  startUpstreams,
  TEST_AWS_ACCESS_KEY_ID,
  useTestAwsCredentials,
  type Upstreams,
} from './support/upstreams.js';

/**
 * Masking in the agent, end to end: MCP SDK clients, gateway and agent over gRPC, a stdio server
 * the agent injected AWS credentials into, PGlite, kinesalite. The secrets must reach neither the
 * client nor any byte the gateway or agent wrote.
 */
const SECRET_ACCESS_KEY = 'airlock-e2e-secret-access-key-not-real';
const CARD = '4111 1111 1111 1111';
const EMAIL = 'jane.doe@example.com';

let upstreams: Upstreams;
type V1Client = Awaited<ReturnType<typeof connectV1Client>>;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
});

afterAll(async () => {
  await upstreams?.close();
});

async function endSession(client: V1Client): Promise<void> {
  await (client.transport as StreamableHTTPClientTransport).terminateSession();
  await client.close();
}

/** Every file under `dir`, concatenated: what a person with the disk could read. */
function bytesUnder(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else parts.push(readFileSync(full));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

async function kinesisBytes(kinesis: RunningKinesalite, stream: string): Promise<Buffer> {
  const shards = await kinesis.client.send(new ListShardsCommand({ StreamName: stream }));
  const parts: Buffer[] = [];
  for (const shard of shards.Shards ?? []) {
    const { ShardIterator } = await kinesis.client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = ShardIterator;
    for (let round = 0; iterator && round < 20; round++) {
      const page = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const record of page.Records ?? []) parts.push(Buffer.from(record.Data ?? new Uint8Array()));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return Buffer.concat(parts);
}

describe('the agent masks before anything leaves it', () => {
  let kinesis: RunningKinesalite;
  let airlock: AirlockHarness;

  beforeAll(async () => {
    kinesis = await startKinesalite({ createStreamMs: 0 });
    await kinesis.createStream('masking-e2e', 1);
    airlock = await startAirlock({
      connections: { 'kitchen-stdio': upstreams.connections['kitchen-stdio'] as Record<string, unknown> },
      recording: {
        spool: { fsync: 'never' },
        kinesis: { stream: 'masking-e2e', region: kinesis.region, endpoint: kinesis.endpoint },
      },
    });
  });

  afterAll(async () => {
    await airlock?.close();
    await kinesis?.close();
  });

  it('masks the injected AWS credentials and personal data for the client, the recordings, the spools and Kinesis', async () => {
    const client = await connectV1Client(airlock.mcpUrl('kitchen-stdio'), { name: 'masking-e2e' });
    const keyId = textOf(await client.callTool({ name: 'env', arguments: { name: 'AWS_ACCESS_KEY_ID' } }));
    const secret = textOf(
      await client.callTool({ name: 'env', arguments: { name: 'AWS_SECRET_ACCESS_KEY' } }),
    );
    const echoed = textOf(
      await client.callTool({ name: 'echo', arguments: { text: `card ${CARD}, mail ${EMAIL}` } }),
    );
    await endSession(client);
    expect(keyId).toBe('[MASKED:AWS_ACCESS_KEY_ID]');
    expect(secret).toBe('[MASKED:AWS_SECRET_ACCESS_KEY]');
    expect(echoed).toContain('[MASKED:PAYMENT_CARD]');
    expect(echoed).toContain('[MASKED:EMAIL]');

    const events = await endedSession(airlock.gateway.recording?.store as RecordingStore, 'kitchen-stdio');
    const secretResults = events.filter(
      (e) =>
        e.direction === 'server_to_client' &&
        JSON.stringify(e.message).includes('[MASKED:AWS_SECRET_ACCESS_KEY]'),
    );
    // Both sides recorded the masked answer with the same metadata: type and path, never the value.
    expect(secretResults.map((e) => e.source).sort()).toEqual(['agent', 'gateway']);
    for (const event of secretResults) {
      expect(event.schema).toBe(2);
      expect(event.masking).toEqual([
        { type: 'AWS_SECRET_ACCESS_KEY', path: 'result.content[0].text', count: 1 },
      ]);
    }

    // Verification still holds: both chains intact, and the two sides agree on every message.
    const report = verifySession(events);
    expect(report.agreement.mismatches).toEqual([]);
    expect(report.ok).toBe(true);

    // The client's own request carried the card (client→server is recorded as sent); every
    // server→client event is masked.
    const fromServer = JSON.stringify(events.filter((e) => e.direction === 'server_to_client'));
    expect(fromServer).not.toContain(CARD);
    expect(fromServer).not.toContain(EMAIL);

    // Nothing the gateway or the agent wrote holds the credentials: spools and the PGlite store on
    // disk, the Kinesis records, the logs. The masked marker is there, so the search is real.
    const onDisk = bytesUnder(airlock.dir);
    expect(onDisk.includes('[MASKED:AWS_SECRET_ACCESS_KEY]')).toBe(true);
    expect(onDisk.includes(SECRET_ACCESS_KEY)).toBe(false);
    expect(onDisk.includes(TEST_AWS_ACCESS_KEY_ID)).toBe(false);
    const published = await waitFor('the masked answer in Kinesis', async () => {
      const bytes = await kinesisBytes(kinesis, 'masking-e2e');
      return bytes.includes('[MASKED:AWS_SECRET_ACCESS_KEY]') ? bytes : undefined;
    });
    expect(published.includes(SECRET_ACCESS_KEY)).toBe(false);
    expect(published.includes(TEST_AWS_ACCESS_KEY_ID)).toBe(false);
    expect(airlock.logs()).not.toContain(SECRET_ACCESS_KEY);
    expect(airlock.logs()).not.toContain(TEST_AWS_ACCESS_KEY_ID);
  });

  it('masks a 20 MiB result to its last byte while other sessions on the agent go on', async () => {
    const big = await connectV1Client(airlock.mcpUrl('kitchen-stdio'), { name: 'big' });
    const small = await connectV1Client(airlock.mcpUrl('kitchen-stdio'), { name: 'small' });
    const done: string[] = [];
    const bigCall = big
      .callTool(
        { name: 'big', arguments: { bytes: 20 * 1024 * 1024, suffix: ` mail ${EMAIL}` } },
        undefined,
        {
          timeout: 120_000,
        },
      )
      .then((result) => {
        done.push('big');
        return textOf(result);
      });
    const smallCall = small.callTool({ name: 'echo', arguments: { text: 'still here' } }).then((result) => {
      done.push('small');
      return textOf(result);
    });
    const [bigText, smallText] = await Promise.all([bigCall, smallCall]);
    expect(smallText).toBe('still here');
    expect(done).toEqual(['small', 'big']);
    expect(bigText.length).toBeGreaterThan(20 * 1024 * 1024);
    expect(bigText.endsWith(' mail [MASKED:EMAIL]')).toBe(true);
    await Promise.all([endSession(big), endSession(small)]);
  });
});

describe("the agent's floor", () => {
  let airlock: AirlockHarness;

  beforeAll(async () => {
    airlock = await startAirlock({
      connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
      // The gateway asks for no masking at all; the agent's floor (secrets, the default) still holds.
      gateway: { masking: [{ connections: ['*'], enabled: false }] },
    });
  });

  afterAll(async () => {
    await airlock?.close();
  });

  it('cannot be switched off by the gateway', async () => {
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
    const echoed = textOf(
      await client.callTool({ name: 'echo', arguments: { text: `key AKIAIOSFODNN7EXAMPLE mail ${EMAIL}` } }),
    );
    await client.close();
    expect(echoed).toBe(`key [MASKED:AWS_ACCESS_KEY_ID] mail ${EMAIL}`);
  });
});

describe('replacement styles', () => {
  let airlock: AirlockHarness;

  beforeAll(async () => {
    airlock = await startAirlock({
      connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
      gateway: {
        masking: [
          {
            connections: ['kitchen-http'],
            detectors: ['email', 'payment_card'],
            replacement: { style: 'hash' },
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await airlock?.close();
  });

  it('gives equal values equal keyed hashes, and different values different ones', async () => {
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
    const first = textOf(await client.callTool({ name: 'echo', arguments: { text: `${EMAIL} ${CARD}` } }));
    const second = textOf(
      await client.callTool({ name: 'echo', arguments: { text: `${EMAIL} other@example.com` } }),
    );
    await client.close();
    const hashes = [...`${first} ${second}`.matchAll(/\[MASKED:(\w+):([0-9a-f]{12})\]/g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
    expect(hashes).toHaveLength(4);
    expect(hashes[0]).toBe(hashes[2]); // the same email in both calls
    expect(hashes[3]).not.toBe(hashes[0]);
    expect(hashes[1]?.startsWith('PAYMENT_CARD:')).toBe(true);
    expect(`${first}${second}`).not.toContain(EMAIL);
  });
});
