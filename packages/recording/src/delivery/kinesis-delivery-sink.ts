import type { KinesisSink } from '../kinesis/kinesis-sink.js';
import type { DeliverySink } from './delivery-sink.js';

/** Delivers to a Kinesis stream; `send` itself retries transient failures for as long as it takes. */
export function kinesisDeliverySink(sink: KinesisSink, name = 'kinesis'): DeliverySink {
  return { name, deliver: (events, signal) => sink.send(events, { signal }) };
}
