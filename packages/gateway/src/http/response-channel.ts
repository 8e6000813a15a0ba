import type { ServerResponse } from 'node:http';
import type { AirlockError } from '@airlock/core';
import { errorResponse, type JsonRpcId } from '@airlock/core';
import type { ResumableStream, ResumableStreams } from './resumable-streams.js';
import { sendError } from './send-error.js';
import { SseWriter } from './sse-writer.js';

/**
 * The HTTP response to one client POST that expects an answer. The gateway does not know in
 * advance whether the server will answer at once or stream first, so it decides on the first
 * message: the final response alone → `application/json` (unless the server answered on an event
 * stream: then so does the gateway); anything before it → `text/event-stream` and every message as
 * an event until the response. Both are valid Streamable HTTP answers.
 *
 * With `streams` (a legacy session's), the event stream is resumable (SEP-1699): event ids, a
 * priming event, and what the client missed is kept for its GET with `Last-Event-ID`; messages
 * keep flowing into the stream after the client's connection is gone, until the answer.
 */
export class ResponseChannel {
  private sse: SseWriter | undefined;
  private resumable: ResumableStream | undefined;
  private finished = false;

  constructor(
    private readonly res: ServerResponse,
    readonly requestId: JsonRpcId | null,
    private readonly headers: Record<string, string> = {},
    private readonly streams?: ResumableStreams,
  ) {
    res.once('close', () => {
      this.finished = true;
    });
  }

  /**
   * True once the answer is complete, or the client went away and nothing can reach it any more
   * (a resumable stream is done only when answered: until then a resume can still reach it).
   */
  get done(): boolean {
    return this.resumable ? this.resumable.isEnded : this.finished;
  }

  get streaming(): boolean {
    return this.sse !== undefined || this.resumable !== undefined;
  }

  /**
   * Delivers one server message (JSON text). Returns false when the client reads slowly: the
   * caller should stop reading from the agent until `onWritable` fires. `eventStream`: the server
   * sent it on an event stream, so the answer is one too.
   */
  deliver(json: string, final: boolean, httpStatus?: number, eventStream?: boolean): boolean {
    if (this.resumable) {
      if (this.resumable.isEnded) return true;
      const writable = this.resumable.write(json);
      if (final) {
        this.finished = true;
        this.resumable.end();
      }
      return writable;
    }
    if (this.finished) return true;
    if (this.sse === undefined) {
      if (this.streams && (!final || eventStream)) {
        // The whole answer at once (an SDK server answers a call on an event stream): headers,
        // priming event, message and end leave in one write, not one system call each (the
        // separate header flush alone was 6 % of the gateway's busy time). The socket is corked,
        // not the response: Node 22 drops what a corked response writes after flushHeaders()
        // (the answer arrived as an empty event stream).
        // Such a stream closes at once: no keepalive timer for it.
        const socket = final ? this.res.socket : null;
        socket?.cork();
        this.openResumable({ keepalive: !final });
        const writable = this.deliver(json, final, httpStatus);
        socket?.uncork();
        return writable;
      }
      if (final && !eventStream) {
        this.finished = true;
        this.res.writeHead(httpStatus || 200, {
          ...this.headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(json),
        });
        return this.res.end(json) !== undefined;
      }
      this.sse = new SseWriter(this.res);
      this.sse.open(this.headers, { keepalive: !final });
    }
    const writable = this.sse.write(json);
    if (final) {
      this.finished = true;
      this.sse.end();
    }
    return writable;
  }

  /**
   * The server closed this request's event stream before answering, for its client to come back
   * later (SEP-1699 polling): close the client's stream the same way; what follows is kept for it.
   */
  poll(retryMs: number | undefined): void {
    if (!this.streams || this.done) return;
    if (!this.resumable) {
      if (this.finished || this.sse) return;
      this.openResumable();
    }
    this.resumable?.detach(retryMs);
  }

  /**
   * Opens the answer as an event stream before any message: a held call waits on it, kept alive by
   * the stream's comments (and progress notifications), so the client's request stays open.
   */
  openStream(): void {
    if (this.done || this.streaming) return;
    if (this.streams) {
      this.openResumable();
      return;
    }
    this.sse = new SseWriter(this.res);
    this.sse.open(this.headers);
  }

  private openResumable({ keepalive = true }: { keepalive?: boolean } = {}): void {
    this.resumable = (this.streams as ResumableStreams).open();
    this.resumable.attach(this.res, this.headers, { keepalive });
  }

  /** Calls back once the client has drained what it was sent, or went away. */
  onWritable(callback: () => void): void {
    if (this.resumable) {
      this.resumable.onWritable(this.res, callback);
      return;
    }
    if (this.finished || !this.res.writableNeedDrain) {
      callback();
      return;
    }
    let called = false;
    const once = () => {
      if (called) return;
      called = true;
      this.res.off('drain', once);
      this.res.off('close', once);
      callback();
    };
    this.res.on('drain', once);
    this.res.on('close', once);
  }

  /** Answers with an error: an HTTP error before anything was sent, else a final error event. */
  fail(error: AirlockError): void {
    if (this.done) return;
    if (this.sse === undefined && this.resumable === undefined) {
      this.finished = true;
      sendError(this.res, error, this.requestId, this.headers);
      return;
    }
    this.deliver(JSON.stringify(errorResponse(this.requestId, error.toJsonRpcError())), true);
  }

  /**
   * Answers a request that reached the server with a JSON-RPC error (HTTP 200, or the final SSE
   * event): the request was accepted, so its failure is the request's answer, not a transport
   * error. SDK clients then show the message as the call's error.
   */
  answerWithError(error: AirlockError): void {
    if (this.done) return;
    this.deliver(JSON.stringify(errorResponse(this.requestId, error.toJsonRpcError())), true);
  }

  /** Accepted with nothing to say (a notification or response the client posted). */
  accept(): void {
    if (this.finished) return;
    this.finished = true;
    this.res.writeHead(202, this.headers).end();
  }

  /** Ends the answer without a response (the client cancelled the request). */
  abandon(): void {
    if (this.resumable) {
      this.finished = true;
      this.resumable.end();
      return;
    }
    if (this.finished) return;
    this.finished = true;
    if (this.sse) this.sse.end();
    else this.res.writeHead(204, this.headers).end();
  }
}
