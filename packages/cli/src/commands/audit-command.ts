import { AirlockError } from '@airlock/core/client';
import type { Argv, CommandModule } from 'yargs';
import { commandGroup } from '../command-line/command-group.js';

interface TailArgs {
  stream: string;
  region: string | undefined;
  endpoint: string | undefined;
  'from-start': boolean;
  json: boolean;
}

/** Exit status when the stream showed a chain break: scripts must not miss one. */
const EXIT_CHAIN_BREAK = 3;

const tail: CommandModule<object, TailArgs> = {
  command: 'tail',
  describe:
    'Print recorded sessions live from the Kinesis stream: each event once, in order, hash chains verified',
  builder: (y) =>
    y
      .option('stream', { type: 'string', demandOption: true, describe: 'Kinesis data stream name' })
      .option('region', {
        type: 'string',
        describe: 'AWS region (default: $AWS_REGION, the AWS config file)',
      })
      .option('endpoint', {
        type: 'string',
        describe: 'Kinesis endpoint URL (a VPC endpoint, or a local Kinesis-compatible server)',
      })
      .option('from-start', {
        type: 'boolean',
        default: false,
        describe: 'Read everything the stream retains, not only what arrives from now on',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe:
          'One JSON object per line: {"type":"event","verified":…,"event":{…}}, chain_break, chain_joined, invalid_record',
      })
      .epilogue(
        'Credentials come from the AWS default provider chain (environment, shared files, SSO, web identity, ' +
          `container or instance role). Exits ${EXIT_CHAIN_BREAK} if a chain break was seen.`,
      ) as Argv<TailArgs>,
  handler: async (args) => {
    // Loaded when this command runs: the recording package loads its stores and AWS SDK clients.
    const { formatAuditItem, KinesisAuditConsumer } = await import('@airlock/recording');
    const consumer = new KinesisAuditConsumer({
      streamName: args.stream,
      region: args.region,
      endpoint: args.endpoint,
      from: args['from-start'] ? 'start' : 'latest',
      // On stderr, so JSON on stdout stays pure; scripts may wait for it before producing events.
      onReading: (shards) =>
        process.stderr.write(
          `Reading Kinesis stream "${args.stream}" (${shards} shard${shards === 1 ? '' : 's'}) ` +
            `${args['from-start'] ? 'from its start' : 'from now on'}; Ctrl-C to stop.\n`,
        ),
    });
    const stop = (): void => consumer.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let breaks = 0;
    try {
      for await (const item of consumer.read()) {
        if (item.type === 'chain_break') breaks += 1;
        process.stdout.write(formatAuditItem(item, args.json));
      }
    } catch (error) {
      process.stderr.write(`airlock: ${describeFailure(error)}\n`);
      process.exitCode = 1;
      return;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      consumer.close();
    }
    const stats = consumer.stats();
    process.stderr.write(
      `Stopped: ${stats.events} events, ${stats.duplicates} duplicates dropped, ${stats.chainBreaks} chain breaks, ` +
        `${stats.invalidRecords} invalid records.\n`,
    );
    if (breaks > 0) process.exitCode = EXIT_CHAIN_BREAK;
  },
};

function describeFailure(error: unknown): string {
  const message = AirlockError.from(error).message;
  return /region is missing/i.test(message) ? 'No AWS region: pass --region or set AWS_REGION.' : message;
}

export const auditCommand = commandGroup({
  name: 'audit',
  describe: 'Read the recording stream as a security team does',
  subcommands: [tail],
});
