/**
 * The capabilities an agent announces in its Hello: the parts of the tunnel protocol it supports.
 * The gateway uses a newer part only with agents that announced it, and says so in its Welcome
 * (see ConnectedAgent), so either side may be older than the other.
 */

/** Messages larger than a frame are split into frames (Frame.more). */
export const CHUNKED_FRAMES_CAPABILITY = 'chunked-frames';

/** The Hello capability of an agent that keeps standby Session streams when the Welcome asks. */
export const STANDBY_STREAMS_CAPABILITY = 'standby-streams';

/** The Hello capability of an agent that can run exchange after exchange on one standby stream. */
export const STANDBY_REUSE_CAPABILITY = 'standby-reuse';

/**
 * The Hello capability of an agent that, with reuse, treats a clean End each way as the stream's
 * return to the pool: it sends no Attach after an exchange (one gRPC message fewer per exchange).
 */
export const STANDBY_REJOIN_CAPABILITY = 'standby-rejoin';

/**
 * The Hello capability of an agent that reads OpenSession.first_frame: on a standby stream, the
 * exchange's OpenSession carries the request's first frame (one gRPC message instead of two).
 */
export const OPEN_WITH_REQUEST_CAPABILITY = 'open-with-request';

/**
 * The Hello capability of an agent that, with rejoin, completes an exchange with its own End:
 * riding on its answer's last frame (Frame.last), and answered by no End from the gateway.
 */
export const END_WITH_ANSWER_CAPABILITY = 'end-with-answer';

/** What this version's agent announces. */
export const AGENT_CAPABILITIES: readonly string[] = Object.freeze([
  CHUNKED_FRAMES_CAPABILITY,
  STANDBY_STREAMS_CAPABILITY,
  STANDBY_REUSE_CAPABILITY,
  STANDBY_REJOIN_CAPABILITY,
  OPEN_WITH_REQUEST_CAPABILITY,
  END_WITH_ANSWER_CAPABILITY,
]);
