import { randomUUID } from 'node:crypto';
import {
  AirlockError,
  childLogger,
  GENESIS_HASH,
  RECORDING_SCHEMA_VERSION,
  type RecordingEvent,
} from '@airlock/core';
import { pino, type Logger } from 'pino';
import { sealEvent } from '../recorder/build-event.js';
import type { EventAppender } from '../recorder/session-recorder.js';
import type { SpoolPurgeResult } from '../spool/spool.js';
import type { PurgeResult, RecordingStore } from '../store/recording-store.js';

export const DEFAULT_RETENTION_DAYS = 90;
export const DEFAULT_RETENTION_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionJobOptions {
  readonly store: Pick<RecordingStore, 'purgeOlderThan'>;
  readonly spool?: { purgeOlderThan(cutoff: Date): Promise<SpoolPurgeResult> } | undefined;
  /** Sessions whose last event is older than this many days are deleted. */
  readonly days: number;
  /** Time between runs (default one hour); the first run is at `start()`. */
  readonly intervalMs?: number | undefined;
  /** Where the audit trail of purges goes (the spool, like every other event). */
  readonly recorder?: EventAppender | undefined;
  readonly gatewayId?: string | undefined;
  readonly logger?: Logger | undefined;
  readonly now?: (() => Date) | undefined;
}

export interface RetentionRun extends PurgeResult {
  readonly cutoff: Date;
  readonly spool: SpoolPurgeResult;
}

/**
 * Retention: deletes what is older than `days` from the store (whole sessions, their events and
 * their wrapped keys) and from the spool, once at start and then every `intervalMs`, and records
 * that it did. Each run that deleted anything appends a hash-chained `warning` event (code
 * `retention_purge`, with the `purge` counts) to a system session `airlock-retention:<job id>`:
 * one session per job lifetime, because seq must be gap-free per session and this chain, like
 * every recorder's, lives in memory and is not resumed after a restart.
 */
export class RetentionJob {
  readonly sessionId = `airlock-retention:${randomUUID()}`;
  readonly #options: RetentionJobOptions;
  readonly #logger: Logger;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #seq = 0;
  #lastHash = GENESIS_HASH;

  constructor(options: RetentionJobOptions) {
    if (!Number.isFinite(options.days) || options.days <= 0) {
      throw new AirlockError(
        'config_invalid',
        `recording.retentionDays must be a positive number of days (got ${options.days}).`,
      );
    }
    this.#options = options;
    this.#logger = childLogger(options.logger ?? pino({ enabled: false }), { component: 'retention' });
    this.#now = options.now ?? (() => new Date());
  }

  /** Runs once now, then every interval; a failed run is logged and the next one tries again. */
  start(): void {
    if (this.#timer) return;
    const tick = (): void => {
      this.#running = this.runOnce().catch((error: unknown) =>
        this.#logger.error({ err: error }, 'recording retention run failed; retrying at the next interval'),
      );
    };
    tick();
    this.#timer = setInterval(tick, this.#options.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Stops the timer, waits for a run in progress and ends the audit session if it began. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
    if (this.#seq > 0) await this.#record({ kind: 'session_end', end: { reason: 'retention_stopped' } });
  }

  async runOnce(): Promise<RetentionRun> {
    const cutoff = new Date(this.#now().getTime() - this.#options.days * DAY_MS);
    const purged = await this.#options.store.purgeOlderThan(cutoff);
    const spool = (await this.#options.spool?.purgeOlderThan(cutoff)) ?? { segments: 0, quarantined: 0 };
    const run: RetentionRun = { ...purged, cutoff, spool };
    const spoolSegments = spool.segments + spool.quarantined;
    this.#logger.info(
      { cutoff: cutoff.toISOString(), sessions: purged.sessions, events: purged.events, spool },
      'recording retention run',
    );
    if (purged.sessions + purged.events + spoolSegments > 0) {
      if (this.#seq === 0) await this.#record({ kind: 'session_start', start: {} });
      await this.#record({
        kind: 'warning',
        warning: {
          code: 'retention_purge',
          message:
            `Retention (${this.#options.days} days) deleted ${purged.sessions} session(s) with ${purged.events} event(s) ` +
            `last active before ${cutoff.toISOString()}, and ${spoolSegments} spool segment(s).`,
        },
        purge: {
          cutoff: cutoff.toISOString(),
          days: this.#options.days,
          sessions: purged.sessions,
          events: purged.events,
          spoolSegments,
        },
      });
    }
    return run;
  }

  async #record(fields: Pick<RecordingEvent, 'kind'> & Partial<RecordingEvent>): Promise<void> {
    const recorder = this.#options.recorder;
    if (!recorder) return;
    const seq = this.#seq + 1;
    const { event, json } = sealEvent({
      schema: RECORDING_SCHEMA_VERSION,
      id: randomUUID(),
      sessionId: this.sessionId,
      source: 'gateway',
      seq,
      at: this.#now().toISOString(),
      identity: { subject: 'airlock-retention', groups: [] },
      connection: 'airlock',
      ...(this.#options.gatewayId === undefined ? {} : { gatewayId: this.#options.gatewayId }),
      era: 'legacy',
      protocolVersion: 'none',
      prevHash: this.#lastHash,
      ...fields,
    });
    this.#seq = seq;
    this.#lastHash = event.hash;
    await recorder.append(event, json);
  }
}
