/**
 * The ticks of one side's heartbeat timer, and whether this process could hear its peer since the
 * last one.
 *
 * A timer that fires after the event loop was held (a large message parsed, masked or serialised
 * in one go, a long garbage collection) runs before the loop reads its sockets: the peer's
 * heartbeats of that time sit there unread, and judging the peer's silence then would drop a
 * live peer. So a tick that comes late by half an interval or more gives no verdict; the next
 * one, after the loop has read what arrived, does. A peer that is really gone is dropped one
 * interval later than it would have been; a process whose loop is held for most of every
 * interval judges nothing, and gRPC's keepalive still ends a dead connection.
 */
export class HeartbeatClock {
  readonly #intervalMs: number;
  #lastTickAt = performance.now();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** Call once per tick: true when this tick came on time, so silence seen now is the peer's. */
  tickOnTime(): boolean {
    const now = performance.now();
    const lateMs = now - this.#lastTickAt - this.#intervalMs;
    this.#lastTickAt = now;
    return lateMs < this.#intervalMs / 2;
  }
}
