import type * as grpc from '@grpc/grpc-js';
import { GrpcStatus } from '@airlock/core';
import type { SessionRequest__Output } from '../generated/airlock/tunnel/v1/SessionRequest.js';
import type { SessionResponse } from '../generated/airlock/tunnel/v1/SessionResponse.js';

export type StandbyCall = grpc.ServerDuplexStream<SessionRequest__Output, SessionResponse>;

/**
 * One agent's standby Session calls: attached (Attach.standby), paused, and waiting for the gateway
 * to give them a modern-era exchange. Taking one costs no round trip, where opening a stream on
 * demand costs an OpenSession on the control stream and the agent's new call and Attach; the agent
 * opens a replacement as soon as one is taken, off the exchange's path. Bounded by the number the
 * gateway asked for in its Welcome; a call the agent cancels leaves at once.
 */
export class StandbyStreams {
  /** In arrival order: the oldest is taken first. */
  readonly #calls = new Set<StandbyCall>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Keeps the call until taken or gone. False when full: the caller refuses it. */
  add(call: StandbyCall): boolean {
    if (this.#calls.size >= this.#capacity) return false;
    this.#calls.add(call);
    const drop = (): void => {
      this.#calls.delete(call);
    };
    call.once('cancelled', drop);
    call.once('error', drop);
    call.once('close', drop);
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
