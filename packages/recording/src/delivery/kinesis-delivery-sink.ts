import type { KinesisSink } from '../kinesis/kinesis-sink.js';
import type { DeliverySink } from './delivery-sink.js';

/** Delivers to a Kinesis stream; `send` itself retries transient failures for as long as it takes. */
export function kinesisDeliverySink(sink: KinesisSink, name = 'kinesis'): DeliverySink {
  return {
    name,
    deliver: (records, signal) =>
      sink.send(
        records.map((record) => record.event),
        { signal },
      ),
  };
}
