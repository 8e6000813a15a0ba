import { EventEmitter } from 'node:events';

/**
 * Stops one upstream request. undici takes an EventEmitter as a request's `signal` (it reads
 * `aborted`, then waits for 'abort'), and one of these costs far less than an AbortController: the
 * controller, its signal and the listener undici adds to it cost about 12 µs per request under
 * load, and a request is made for every relayed call.
 */
export class AbortEmitter extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }

  /** Resolves after `ms`, or at once when aborted (then or before). */
  sleep(ms: number): Promise<void> {
    if (this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.off('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.once('abort', wake);
    });
  }
}
