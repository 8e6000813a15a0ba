import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { Agent } from 'node:http';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { closeServer, listen } from '@airlock/demo';

export interface KinesaliteOptions {
  /** How long kinesalite keeps a new stream CREATING. Default 0: tests need no wait. */
  createStreamMs?: number;
}

/** An in-process Kinesis API (kinesalite, in memory) on a random loopback port. */
export interface RunningKinesalite {
  /** http://127.0.0.1:PORT — give it to the SDK as `endpoint` (or put a fault proxy in front). */
  readonly endpoint: string;
  /** Fixed credentials and region for clients of this server (kinesalite checks neither). */
  readonly region: string;
  /** A client for test set-up and assertions, talking to kinesalite directly. */
  readonly client: KinesisClient;
  /** Creates a stream and resolves once it is ACTIVE. */
  createStream(name: string, shards: number): Promise<void>;
  close(): Promise<void>;
}

type KinesaliteFactory = (options: {
  createStreamMs?: number;
  deleteStreamMs?: number;
  updateStreamMs?: number;
  shardLimit?: number;
}) => Server;

// kinesalite is CommonJS without types; without `path` it keeps its LevelDB in memory (memdown),
// so its optional native `leveldown` is never loaded or built.
const kinesalite = createRequire(import.meta.url)('kinesalite') as KinesaliteFactory;

export const KINESALITE_REGION = 'us-east-1';

export async function startKinesalite(options: KinesaliteOptions = {}): Promise<RunningKinesalite> {
  const server = kinesalite({
    createStreamMs: options.createStreamMs ?? 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 100,
  });
  const port = await listen(server, '127.0.0.1', 0);
  const endpoint = `http://127.0.0.1:${port}`;
  const agent = new Agent({ keepAlive: true });
  const client = new KinesisClient({
    region: KINESALITE_REGION,
    endpoint,
    credentials: { accessKeyId: 'kinesalite', secretAccessKey: 'kinesalite' },
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  });

  return {
    endpoint,
    region: KINESALITE_REGION,
    client,
    async createStream(name, shards) {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      for (let i = 0; i < 200; i += 1) {
        const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`kinesalite: stream "${name}" did not become ACTIVE within 5 s`);
    },
    async close() {
      client.destroy();
      agent.destroy();
      await closeServer(server);
    },
  };
}
