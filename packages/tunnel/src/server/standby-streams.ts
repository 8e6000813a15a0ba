import type * as grpc from '@grpc/grpc-js';
import { GrpcStatus } from '@airlock/core';
import type { SessionRequest__Output } from '../generated/airlock/tunnel/v1/SessionRequest.js';
import type { SessionResponse } from '../generated/airlock/tunnel/v1/SessionResponse.js';

/** The most standby streams a pool holds with reuse (the agent's own limit is the same). */
export const MAX_REUSED_STANDBY_STREAMS = 64;

export type StandbyCall = grpc.ServerDuplexStream<SessionRequest__Output, SessionResponse>;

/**
 * One agent's standby Session calls: attached (Attach.standby), paused, and waiting for the gateway
 * to give them a modern-era exchange. Taking one costs no round trip, where opening a stream on
 * demand costs an OpenSession on the control stream and the agent's new call and Attach; the agent
 * opens a replacement as soon as one is taken, off the exchange's path. Bounded by the number the
 * gateway asked for in its Welcome; a call the agent cancels leaves at once. With reuse
 * (Welcome.reuse_standby_streams) a call whose exchange ended cleanly comes back here after the
 * agent's next Attach, so a steady stream of exchanges opens no new calls at all.
 */
export class StandbyStreams {
  /** In arrival order: the oldest is taken first. */
  readonly #calls = new Set<StandbyCall>();
  /**
   * Calls that carry this pool's listeners: added once per call, not per visit. A reused call
   * comes back after every exchange, and taking its three listeners off and putting them back
   * each time cost about 8 µs of every exchange; the listeners only drop a call that is here.
   */
  readonly #watched = new WeakSet<StandbyCall>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#calls.size;
  }

  /**
   * Keeps the call until taken or gone. False when full: the caller refuses it. A reused call (one
   * that just carried an exchange) may fill the pool up to MAX_REUSED_STANDBY_STREAMS, so the pool
   * follows the agent's peak of concurrent exchanges instead of closing streams it will need again.
   */
  add(call: StandbyCall, reused = false): boolean {
    const capacity = reused ? Math.max(this.#capacity, MAX_REUSED_STANDBY_STREAMS) : this.#capacity;
    if (this.#calls.size >= capacity) return false;
    if (!this.#watched.has(call)) {
      this.#watched.add(call);
      const drop = (): void => {
        this.#calls.delete(call);
      };
      call.once('cancelled', drop);
      call.once('error', drop);
      call.once('close', drop);
    }
    this.#calls.add(call);
    return true;
  }

  /** The oldest standby call, now the caller's; undefined when none is waiting. */
  take(): StandbyCall | undefined {
    for (const call of this.#calls) {
      this.#calls.delete(call);
      return call;
    }
    return undefined;
  }

  /** Ends every waiting call (the agent is gone or the gateway is stopping). */
  closeAll(details: string): void {
    const calls = [...this.#calls];
    this.#calls.clear();
    for (const call of calls) call.emit('error', { code: GrpcStatus.UNAVAILABLE, details });
  }
}
