import type { End, End__Output } from '../generated/airlock/tunnel/v1/End.js';
import type { Frame, Frame__Output } from '../generated/airlock/tunnel/v1/Frame.js';
import type { OpenSession } from '../generated/airlock/tunnel/v1/OpenSession.js';

/** What either side writes on a Session call (SessionRequest and SessionResponse share these). */
export type OutgoingSessionMessage = { frame: Frame } | { end: End };

/**
 * The gateway's OpenSession on a standby stream, held back to carry the first frame, with how to
 * write it (the gateway's side of the call takes it; the agent's never writes one).
 */
export interface HeldOpen {
  readonly open: OpenSession;
  readonly write: (message: { open: OpenSession }, callback?: (error?: Error | null) => void) => boolean;
}

/** What either side reads on a Session call, after the agent's Attach has been taken off. */
export interface IncomingSessionMessage {
  readonly kind?: string;
  readonly frame?: Frame__Output | null;
  readonly end?: End__Output | null;
}

/** The part of a grpc-js duplex call (client or server side) a tunnel stream uses. */
export interface SessionCall extends NodeJS.EventEmitter {
  write(message: OutgoingSessionMessage, callback?: (error?: Error | null) => void): boolean;
  end(): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** Counters a caller (or a test) can read to see what went over the wire. */
export interface TunnelStreamStats {
  framesSent: number;
  framesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

/**
 * A paused Readable still reads ahead up to its highWaterMark: 16 objects for grpc-js calls, i.e.
 * 4 MiB of 256 KiB frames held per paused session before HTTP/2 flow control pushes back. grpc-js
 * offers no option for it, so lower it on the call's own readable state (a long-stable Node
 * internal); when the shape is not what we expect, the default simply stays.
 */
const READ_AHEAD_FRAMES = 2;
export function limitReadAhead(call: SessionCall): void {
  const state = (call as { _readableState?: { objectMode?: unknown; highWaterMark?: unknown } })
    ._readableState;
  if (state && state.objectMode === true && typeof state.highWaterMark === 'number') {
    state.highWaterMark = Math.min(state.highWaterMark, READ_AHEAD_FRAMES);
  }
}
