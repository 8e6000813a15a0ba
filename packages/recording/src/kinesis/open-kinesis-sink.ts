import type { KinesisSink, KinesisSinkOptions } from './kinesis-sink.js';

/**
 * A Kinesis sink, with the AWS SDK's Kinesis client loaded only now: a role that records to no
 * stream never holds its modules (about 20 MB resident).
 */
export async function openKinesisSink(options: KinesisSinkOptions): Promise<KinesisSink> {
  const { KinesisSink: Sink } = await import('./kinesis-sink.js');
  return new Sink(options);
}
