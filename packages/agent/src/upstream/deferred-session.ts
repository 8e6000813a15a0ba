import { AirlockError } from '@airlock/core';
import type { UpstreamSession, UpstreamSink } from './upstream.js';

/**
 * A session that opens once `ready` settles (e.g. the person's role credentials are assumed):
 * sends wait for it, in order; a failure ends the sink and refuses every send with it; a close
 * before then never opens the upstream at all.
 */
export function deferredSession(
  ready: Promise<void>,
  open: () => UpstreamSession,
  sink: UpstreamSink,
): UpstreamSession {
  let closed = false;
  let failure: AirlockError | undefined;
  const session: Promise<UpstreamSession | undefined> = ready.then(
    () => (closed ? undefined : open()),
    (error: unknown) => {
      failure = AirlockError.from(error);
      sink.end(failure);
      return undefined;
    },
  );
  return {
    async send(message) {
      const upstream = await session;
      if (!upstream) {
        throw failure ?? new AirlockError('upstream_closed', 'The session is closed; start a new session.');
      }
      return upstream.send(message);
    },
    async close() {
      closed = true;
      const upstream = await session;
      if (upstream) await upstream.close();
      else if (!failure) sink.end();
    },
  };
}
