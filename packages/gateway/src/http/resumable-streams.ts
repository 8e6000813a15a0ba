import type { ServerResponse } from 'node:http';
import { SseWriter } from './sse-writer.js';

/** How much one session keeps for clients that resume a stream (SEP-1699), and when they retry. */
export interface ResumableStreamLimits {
  /** Events kept per session, across its streams; beyond it the oldest go. */
  readonly maxEvents: number;
  /** Bytes of event data kept per session. */
  readonly maxBytes: number;
  /** The `retry` hint on every stream the gateway opens, milliseconds. */
  readonly retryMs: number;
  /** Send the priming event (id, empty data) when a stream opens: 2025-11-25 clients expect it. */
  readonly prime: boolean;
}

export const DEFAULT_RESUMABLE_STREAM_LIMITS: ResumableStreamLimits = {
  maxEvents: 1000,
  maxBytes: 4 * 1024 * 1024,
  retryMs: 1000,
  prime: true,
};

interface StoredEvent {
  readonly stream: ResumableStream;
  readonly seq: number;
  /** Emptied when the event is no longer kept, so the FIFO's slot does not hold on to it. */
  json: string;
  /** No longer kept (delivered whole, or evicted); skipped when the budget evicts. */
  released?: boolean;
}

/**
 * One SSE stream of a session that a client can resume: every event gets the id
 * `<stream>_<seq>`, what was written is kept (within the session's budget), and a GET with
 * `Last-Event-ID` re-attaches a new response to the stream, replaying what followed that id.
 * Messages written while no response is attached (the client lost it, or the upstream asked it
 * to poll) are kept for that resume.
 */
export class ResumableStream {
  private seq = 0;
  /** The last event written to a live response: a plain reconnect replays what came after. */
  private liveSeq = 0;
  private writer: SseWriter | undefined;
  private ended = false;
  readonly events: StoredEvent[] = [];

  constructor(
    readonly id: string,
    private readonly owner: ResumableStreams,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** The last event written while a response was attached. */
  get lastLiveSeq(): number {
    return this.liveSeq;
  }

  /** The sequence number of the last event written (0: none yet). */
  get lastSeq(): number {
    return this.seq;
  }

  get attached(): boolean {
    return this.writer !== undefined && !this.writer.closed;
  }

  /**
   * Opens `res` as this stream: a new stream gets the priming event; a resumed one gets every
   * kept event after `afterSeq`, and is closed at once if the stream has ended meanwhile.
   * `keepalive: false` when the stream's whole answer is written right after (see SseWriter.open).
   */
  attach(
    res: ServerResponse,
    headers: Record<string, string>,
    { afterSeq, keepalive }: { afterSeq?: number; keepalive?: boolean } = {},
  ): void {
    this.writer?.end();
    const writer = new SseWriter(res);
    writer.open(headers, { keepalive });
    this.writer = writer;
    res.once('close', () => {
      if (this.writer === writer) this.writer = undefined;
    });
    if (afterSeq === undefined) {
      if (this.owner.limits.prime) writer.prime(this.eventId(this.seq), this.owner.limits.retryMs);
    } else {
      for (const event of this.events)
        if (event.seq > afterSeq) writer.write(event.json, this.eventId(event.seq));
    }
    this.liveSeq = this.seq;
    if (this.ended) this.close();
  }

  /** Writes one message: to the attached response, and kept for a resume. Returns backpressure. */
  write(json: string): boolean {
    const event = { stream: this, seq: ++this.seq, json };
    this.events.push(event);
    this.owner.kept(event);
    if (this.writer === undefined || this.writer.closed) return true;
    this.liveSeq = event.seq;
    return this.writer.write(json, this.eventId(event.seq));
  }

  /** Closes the client's response (telling it when to come back); the stream goes on. */
  detach(retryMs: number | undefined): void {
    const writer = this.writer;
    this.writer = undefined;
    writer?.closeForPolling(retryMs ?? this.owner.limits.retryMs);
  }

  /** The stream's last message was written: close the response; keep the events for a late resume. */
  end(): void {
    this.ended = true;
    const deliveredLive = this.attached;
    this.close();
    this.owner.ended(this, deliveredLive);
  }

  /** Whether the client has drained what it was sent (always, when nothing is attached). */
  onWritable(res: ServerResponse, callback: () => void): void {
    if (!this.attached || !res.writableNeedDrain) callback();
    else this.writer?.onDrain(callback);
  }

  private close(): void {
    const writer = this.writer;
    this.writer = undefined;
    writer?.end();
  }

  private eventId(seq: number): string {
    return `${this.id}_${seq}`;
  }
}

/** The resumable streams of one session, and the budget their kept events share. */
export class ResumableStreams {
  private nextId = 0;
  private readonly streams = new Map<string, ResumableStream>();
  /** Every kept event, oldest first: eviction takes from the front. */
  private readonly fifo: StoredEvent[] = [];
  private fifoStart = 0;
  private bytes = 0;
  private count = 0;

  constructor(readonly limits: ResumableStreamLimits = DEFAULT_RESUMABLE_STREAM_LIMITS) {}

  open(): ResumableStream {
    const stream = new ResumableStream((this.nextId++).toString(36), this);
    this.streams.set(stream.id, stream);
    return stream;
  }

  /**
   * The stream a `Last-Event-ID` names and the sequence number to replay after; undefined when
   * the id is not one of this session's, or some of what followed it is no longer kept.
   */
  find(lastEventId: string): { stream: ResumableStream; afterSeq: number } | undefined {
    const match = /^([0-9a-z]+)_(\d+)$/.exec(lastEventId.trim());
    if (!match) return undefined;
    const stream = this.streams.get(match[1] as string);
    const afterSeq = Number(match[2]);
    if (stream === undefined || afterSeq > stream.lastSeq) return undefined;
    if (afterSeq === stream.lastSeq) return { stream, afterSeq };
    const first = stream.events[0];
    return first !== undefined && first.seq <= afterSeq + 1 ? { stream, afterSeq } : undefined;
  }

  /**
   * Called by a stream when it ends. One whose last event went to a live response is forgotten
   * at once (keeping every answered stream would hold every session's traffic); one that ended
   * while the client was away keeps its events for the client's resume.
   */
  ended(stream: ResumableStream, deliveredLive: boolean): void {
    if (deliveredLive) {
      for (const event of stream.events.splice(0)) this.release(event);
    }
    if (stream.events.length === 0) this.streams.delete(stream.id);
  }

  /** Called by a stream for each event it keeps; evicts the oldest beyond the budget. */
  kept(event: StoredEvent): void {
    this.fifo.push(event);
    this.bytes += event.json.length;
    this.count++;
    while (this.count > this.limits.maxEvents || this.bytes > this.limits.maxBytes) {
      const oldest = this.fifo[this.fifoStart++] as StoredEvent;
      if (oldest.released) continue;
      this.release(oldest);
      oldest.stream.events.shift();
      if (oldest.stream.isEnded && oldest.stream.events.length === 0) this.streams.delete(oldest.stream.id);
    }
    // Released entries linger behind a long-kept one: compact when they outnumber the kept ones.
    if (this.fifo.length - this.fifoStart > 2 * this.count + 1024) {
      const live = this.fifo.slice(this.fifoStart).filter((e) => !e.released);
      this.fifo.length = 0;
      this.fifo.push(...live);
      this.fifoStart = 0;
    }
  }

  /**
   * Characters of event text the FIFO still references, kept or not: what this session holds in
   * memory for resumes. Equal to the budget's count once released events have let go of their text.
   */
  retainedChars(): number {
    let chars = 0;
    for (const event of this.fifo) chars += event.json.length;
    return chars;
  }

  /**
   * Stops keeping an event. Its FIFO slot stays until the next compaction, so the text goes now:
   * a released event's text was held until over a thousand more had passed (a 100 MiB answer
   * stayed in the gateway's memory as long as its session lived).
   */
  private release(event: StoredEvent): void {
    event.released = true;
    this.bytes -= event.json.length;
    this.count--;
    event.json = '';
  }
}
