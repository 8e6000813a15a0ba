import { AirlockError } from '@airlock/core';
import type { ChangeFeedStore, StopWatching, StoreChange } from '@airlock/recording';
import type { Logger } from 'pino';

export interface ChangeHubOptions {
  readonly store: Pick<ChangeFeedStore, 'watchChanges'>;
  readonly logger: Logger;
  /**
   * Every stream re-reads at this interval even without a hint (default 30 s): the safety net for
   * a NOTIFY lost in a way the listener could not notice. While the store cannot be watched at all
   * (its listening connection does not open), streams re-read every `fallbackMs` instead.
   */
  readonly resyncMs?: number | undefined;
  readonly fallbackMs?: number | undefined;
  /** Live streams one person may hold on this gateway at once (default 6). */
  readonly maxStreamsPerPerson?: number | undefined;
  /** Live streams this gateway serves at once (default 1000). */
  readonly maxStreams?: number | undefined;
}

type Listener = (change: StoreChange) => void;

/**
 * One watch of the store's changes per gateway, fanned out to every open live stream, and the
 * admission of streams (per person and in all). The watch starts with the first stream and
 * stops with the last, so a gateway nobody watches holds no listening connection.
 */
export class ChangeHub {
  readonly #options: ChangeHubOptions;
  readonly #listeners = new Set<Listener>();
  readonly #perPerson = new Map<string, number>();
  readonly #enders = new Set<() => void>();
  #total = 0;
  #stop: Promise<StopWatching | undefined> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ChangeHubOptions) {
    this.#options = options;
  }

  /**
   * Counts a stream for `person`, or refuses it (429 too_many_streams) over a limit. The returned
   * function releases it (call it once, when the stream ends).
   */
  admit(person: string): () => void {
    if (this.#closed)
      throw new AirlockError(
        'gateway_draining',
        'This gateway is stopping; reconnect (another gateway will serve you).',
      );
    const perPerson = this.#options.maxStreamsPerPerson ?? 6;
    const total = this.#options.maxStreams ?? 1000;
    const held = this.#perPerson.get(person) ?? 0;
    if (held >= perPerson) {
      throw new AirlockError(
        'too_many_streams',
        `You already have ${held} live-update streams open on this gateway (at most ${perPerson}); close a console tab or a --follow command, then try again.`,
      );
    }
    if (this.#total >= total) {
      throw new AirlockError(
        'too_many_streams',
        `This gateway serves its maximum of ${total} live-update streams; try again shortly (or another gateway).`,
      );
    }
    this.#perPerson.set(person, held + 1);
    this.#total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total -= 1;
      const left = (this.#perPerson.get(person) ?? 1) - 1;
      if (left <= 0) this.#perPerson.delete(person);
      else this.#perPerson.set(person, left);
    };
  }

  /** Calls `listener` on every change hint (and every resync); returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#start();
    return () => {
      if (!this.#listeners.delete(listener)) return;
      if (this.#listeners.size === 0) this.#halt();
    };
  }

  get streams(): number {
    return this.#total;
  }

  /** `end` ends one stream when the gateway stops; returns the unregister. */
  onClose(end: () => void): () => void {
    this.#enders.add(end);
    return () => this.#enders.delete(end);
  }

  /** Ends every stream (clients reconnect, to another gateway behind the balancer) and the watch. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const end of [...this.#enders]) end();
    this.#listeners.clear();
    await this.#halt();
  }

  #emit(change: StoreChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#options.logger.error({ err: error }, 'live stream listener failed');
      }
    }
  }

  #start(): void {
    if (this.#closed) return;
    const logger = this.#options.logger;
    this.#every(this.#options.resyncMs ?? 30_000);
    this.#stop = this.#options.store
      .watchChanges((change) => this.#emit(change))
      .then(
        (stop) => stop,
        (error: unknown) => {
          // Not fatal: streams still update, by re-reading often instead of on a hint.
          logger.warn(
            { err: error },
            'cannot watch the store for changes; live streams re-read it every few seconds instead',
          );
          if (this.#listeners.size > 0) this.#every(this.#options.fallbackMs ?? 3_000);
          return undefined;
        },
      );
  }

  #every(ms: number): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = setInterval(() => this.#emit({ kind: 'resync' }), ms);
    this.#timer.unref();
  }

  async #halt(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const stopping = this.#stop;
    this.#stop = undefined;
    const stop = await stopping;
    await stop?.().catch((error: unknown) =>
      this.#options.logger.warn({ err: error }, 'stopping the change watch failed'),
    );
  }
}
