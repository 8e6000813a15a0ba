import {
  AirlockError,
  idKey,
  isRequest,
  parseJsonRpcMessage,
  type JsonRpcId,
  type JsonRpcMessage,
  type SessionOpenRequest,
} from '@airlock/core';
import type { Logger } from 'pino';
import { AbortEmitter } from './abort-emitter.js';
import type { Dispatcher } from 'undici';
import {
  errorAnswer,
  headerValue,
  isEventStream,
  readBodyText,
  relayResponseBody,
  upstreamFailure,
} from './http-response.js';
import { describeFailure, type HttpTarget } from './http-target.js';
import { OrderedSink } from './ordered-sink.js';
import { isRefusedMessage, refusedAnswerText } from './refused-message.js';
import { readSseEvents } from './sse-reader.js';
import type { UpstreamSendMeta, UpstreamSession, UpstreamSink } from './upstream.js';

const MAX_QUEUED_SENDS = 256;
/** POSTs open at once per session; beyond it `send` waits, which pauses the tunnel stream. */
const MAX_OPEN_POSTS = 64;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const GET_RETRY_MIN_MS = 500;
const GET_RETRY_MAX_MS = 30_000;
const DELETE_TIMEOUT_MS = 5_000;
/** GET + Last-Event-ID attempts for one request whose event stream the server closed early. */
const MAX_RESUMES = 20;

/** Where a request's event stream can be resumed: its last event id and the server's retry hint. */
interface ResumePoint {
  lastEventId: string | undefined;
  retryMs: number | undefined;
}

/**
 * A legacy (2025-era) MCP session over Streamable HTTP, relayed faithfully: each client message
 * is one POST; the session id and negotiated protocol version come from the initialize exchange;
 * after `notifications/initialized` the GET stream carries the server's unrelated messages.
 */
export class HttpSessionUpstream implements UpstreamSession {
  private readonly logger: Logger;
  private readonly sink: OrderedSink;
  private readonly open = new Set<AbortEmitter>();
  /**
   * Open POSTs by the id key of the request they carry. A cancelled request gets no response (MCP
   * cancellation), so its POST would stay open until the session ends, holding one of the
   * MAX_OPEN_POSTS slots: after the cancellation is relayed, its POST is aborted.
   */
  private readonly requestPosts = new Map<string, AbortEmitter>();
  private readonly cancelledPosts = new WeakSet<AbortEmitter>();
  /** Headers of every POST; rebuilt only when the session id or protocol version changes. */
  private postHeaders: Record<string, string>;
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  /** Set while initialize is in flight: later messages need its session id. */
  private initializing: Promise<void> | undefined;
  private queued = 0;
  private openPosts = 0;
  private readonly postSlotWaiters: (() => void)[] = [];
  private getStreamStarted = false;
  private closed = false;

  constructor(
    private readonly target: HttpTarget,
    request: SessionOpenRequest,
    sink: UpstreamSink,
  ) {
    this.logger = target.logger.child({ sessionId: request.sessionId });
    this.sink = new OrderedSink(sink);
    this.postHeaders = this.buildPostHeaders();
  }

  async send(message: JsonRpcMessage, meta?: UpstreamSendMeta): Promise<void> {
    const traceparent = meta?.traceparent;
    if (this.closed || this.sink.isEnded) throw this.closedError();
    if (this.initializing) {
      if (this.queued >= MAX_QUEUED_SENDS) {
        throw new AirlockError(
          'upstream_failed',
          `Too many messages are waiting for connection "${this.target.name}" to initialize; retry shortly.`,
        );
      }
      this.queued++;
      await this.initializing;
      this.queued--;
      if (this.closed || this.sink.isEnded) throw this.closedError();
    }
    const cancels = cancelledRequestKey(message);
    // A cancellation frees a slot, so it must not wait for one (all slots may hold hung calls).
    while (cancels === undefined && this.openPosts >= MAX_OPEN_POSTS) {
      await new Promise<void>((resolve) => this.postSlotWaiters.push(resolve));
      if (this.closed || this.sink.isEnded) throw this.closedError();
    }
    if (cancels !== undefined) {
      void this.post(message, undefined, traceparent).finally(() => this.abandonRequest(cancels));
      return;
    }
    if (isRequest(message) && message.method === 'initialize') {
      let initialized!: () => void;
      const done = new Promise<void>((resolve) => (initialized = resolve));
      this.initializing = done;
      void this.post(message, initialized, traceparent).finally(() => {
        initialized();
        if (this.initializing === done) this.initializing = undefined;
      });
      return;
    }
    void this.post(message, undefined, traceparent).then((accepted) => {
      if (accepted && 'method' in message && message.method === 'notifications/initialized')
        this.startGetStream();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.open) controller.abort();
    this.open.clear();
    for (const wake of this.postSlotWaiters.splice(0)) wake();
    if (this.sessionId !== undefined) {
      try {
        const response = await this.target.request({
          path: this.target.path,
          method: 'DELETE',
          headers: this.sessionHeaders({}),
          headersTimeout: DELETE_TIMEOUT_MS,
          bodyTimeout: DELETE_TIMEOUT_MS,
        });
        await response.body.dump();
        // 405: the server does not let clients end sessions; it will expire the session itself.
        if (response.statusCode >= 400 && response.statusCode !== 405 && response.statusCode !== 404) {
          this.logger.warn({ status: response.statusCode }, 'MCP server refused to end the session');
        }
      } catch (error) {
        this.logger.debug({ reason: describeFailure(error) }, 'DELETE of the MCP session failed');
      }
    }
    this.sink.end();
  }

  /**
   * POSTs one client message and relays what comes back. Never rejects: failures become a
   * JSON-RPC error for the request (the client is waiting on it) or end the session.
   * Resolves true when the server accepted the message (2xx).
   */
  private async post(
    message: JsonRpcMessage,
    onInitializeAnswered: (() => void) | undefined,
    traceparent?: string,
  ): Promise<boolean> {
    const requestId = isRequest(message) ? message.id : undefined;
    const related = requestId === undefined ? undefined : idKey(requestId);
    // One per POST, so an AbortEmitter (see abort-emitter.ts), not an AbortController.
    const controller = new AbortEmitter();
    this.open.add(controller);
    if (related !== undefined) this.requestPosts.set(related, controller);
    this.openPosts++;
    try {
      const response = await this.target.request({
        path: this.target.path,
        method: 'POST',
        headers: traceparent === undefined ? this.postHeaders : { ...this.postHeaders, traceparent },
        body: JSON.stringify(message),
        signal: controller,
      });
      const status = response.statusCode;
      if (onInitializeAnswered) this.captureSessionId(response.headers);
      if (status === 404 && this.sessionId !== undefined) {
        await response.body.dump();
        this.endSessionGone();
        return false;
      }
      if (status >= 400) {
        const text = await readBodyText(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
        const answer = errorAnswer(this.target.name, status, text, requestId);
        if (answer) await this.sink.deliver(answer, { relatedRequest: related, httpStatus: status });
        else this.logger.warn({ status, method: methodOf(message) }, 'MCP server refused a client message');
        return false;
      }
      let answered = false;
      const eventStream = isEventStream(response.headers);
      const resume: ResumePoint = { lastEventId: undefined, retryMs: undefined };
      const deliver = async (reply: JsonRpcMessage): Promise<boolean> => {
        if (!('method' in reply) && reply.id === requestId) answered = true;
        if (onInitializeAnswered && requestId !== undefined && 'result' in reply && reply.id === requestId) {
          this.captureProtocolVersion(reply.result['protocolVersion']);
          onInitializeAnswered();
        }
        await this.sink.deliver(reply, { relatedRequest: related, ...(eventStream ? { eventStream } : {}) });
        return false;
      };
      await relayResponseBody(response.headers, response.body, {
        maxMessageBytes: this.target.maxMessageBytes,
        deliver,
        onEventId: (id) => (resume.lastEventId = id),
        onRetry: (ms) => (resume.retryMs = ms),
      });
      const unanswered = () =>
        requestId !== undefined &&
        !answered &&
        status !== 202 &&
        !this.closed &&
        !this.cancelledPosts.has(controller);
      if (unanswered() && related !== undefined && resume.lastEventId !== undefined) {
        // SEP-1699: the server closed the stream on purpose and expects the client to come back
        // with Last-Event-ID. The client's own stream is closed the same way, then resumed here.
        await this.sink.streamPolled(related, resume.retryMs);
        await this.resumeStream(resume, controller, deliver, () => answered);
      }
      if (unanswered()) {
        await this.sink.deliver(
          upstreamFailure(
            requestId as JsonRpcId,
            `The MCP server for connection "${this.target.name}" closed the response stream before answering${resume.lastEventId === undefined ? '' : ', and resuming it with Last-Event-ID did not bring the answer'}; retry the request.`,
          ),
          { relatedRequest: related },
        );
      }
      return true;
    } catch (error) {
      if (this.closed || this.sink.isEnded || this.cancelledPosts.has(controller)) return false;
      this.logger.warn(
        { reason: describeFailure(error), method: methodOf(message) },
        'POST to the MCP server failed',
      );
      if (requestId !== undefined) {
        const answer = upstreamFailure(
          requestId,
          isRefusedMessage(error)
            ? refusedAnswerText(this.target.name, error)
            : `The request to the MCP server for connection "${this.target.name}" failed (${describeFailure(error)}); retry, or start a new session if it keeps failing.`,
        );
        await this.sink.deliver(answer, { relatedRequest: related }).catch(() => undefined);
      }
      return false;
    } finally {
      this.open.delete(controller);
      if (related !== undefined && this.requestPosts.get(related) === controller) {
        this.requestPosts.delete(related);
      }
      this.openPosts--;
      this.postSlotWaiters.shift()?.();
    }
  }

  /**
   * Resumes a request's event stream with GET + Last-Event-ID after the server closed it (SEP-1699),
   * waiting its `retry` hint first, until the answer arrives, the server stops offering a resumable
   * stream, or MAX_RESUMES attempts have passed.
   */
  private async resumeStream(
    resume: ResumePoint,
    controller: AbortEmitter,
    deliver: (reply: JsonRpcMessage) => Promise<boolean>,
    answered: () => boolean,
  ): Promise<void> {
    for (let attempt = 0; attempt < MAX_RESUMES && !answered(); attempt++) {
      const lastEventId = resume.lastEventId;
      if (lastEventId === undefined || this.closed || controller.aborted) return;
      await controller.sleep(Math.min(resume.retryMs ?? GET_RETRY_MIN_MS, GET_RETRY_MAX_MS));
      if (this.closed || controller.aborted) return;
      const response = await this.target.request({
        path: this.target.path,
        method: 'GET',
        headers: this.sessionHeaders({ accept: 'text/event-stream', 'last-event-id': lastEventId }),
        signal: controller,
        bodyTimeout: 0,
      });
      if (response.statusCode !== 200 || !isEventStream(response.headers)) {
        await response.body.dump();
        this.logger.warn(
          { status: response.statusCode },
          'MCP server did not resume a response stream with Last-Event-ID',
        );
        return;
      }
      const before = resume.lastEventId;
      await relayResponseBody(response.headers, response.body, {
        maxMessageBytes: this.target.maxMessageBytes,
        deliver,
        onEventId: (id) => (resume.lastEventId = id),
        onRetry: (ms) => (resume.retryMs = ms),
      });
      // A resumed stream that brought nothing new would loop forever on the same id.
      if (!answered() && resume.lastEventId === before) attempt = Math.max(attempt, MAX_RESUMES - 2);
    }
  }

  /** The client cancelled this request: it wants no answer, so stop waiting for one upstream. */
  private abandonRequest(key: string): void {
    const controller = this.requestPosts.get(key);
    if (controller === undefined) return;
    this.requestPosts.delete(key);
    this.cancelledPosts.add(controller);
    controller.abort();
  }

  /** Keeps the GET stream open while the session lives, resuming with Last-Event-ID after a drop. */
  private startGetStream(): void {
    if (this.getStreamStarted || this.closed) return;
    this.getStreamStarted = true;
    void this.runGetStream();
  }

  private async runGetStream(): Promise<void> {
    let lastEventId: string | undefined;
    let delay = GET_RETRY_MIN_MS;
    while (!this.closed && !this.sink.isEnded) {
      const controller = new AbortEmitter();
      this.open.add(controller);
      try {
        const extra: Record<string, string> = { accept: 'text/event-stream' };
        if (lastEventId !== undefined) extra['last-event-id'] = lastEventId;
        const response = await this.target.request({
          path: this.target.path,
          method: 'GET',
          headers: this.sessionHeaders(extra),
          signal: controller,
          // The stream may be quiet for hours; only the server or close() ends it.
          bodyTimeout: 0,
        });
        const status = response.statusCode;
        if (status === 405) {
          await response.body.dump();
          this.logger.debug('MCP server offers no GET stream (405)');
          return;
        }
        if (status === 404 && this.sessionId !== undefined) {
          await response.body.dump();
          this.endSessionGone();
          return;
        }
        if (
          status !== 200 ||
          !headerValue(response.headers, 'content-type')?.startsWith('text/event-stream')
        ) {
          await response.body.dump();
          this.logger.warn(
            { status },
            'MCP server answered the GET stream without an event stream; not retrying',
          );
          return;
        }
        delay = GET_RETRY_MIN_MS;
        await readSseEvents(response.body, {
          maxEventChars: this.target.maxMessageBytes,
          onRetry: (ms) => (delay = Math.min(Math.max(ms, GET_RETRY_MIN_MS), GET_RETRY_MAX_MS)),
          onEvent: async (event) => {
            if (event.id !== undefined) lastEventId = event.id;
            if (event.data.length === 0) return;
            let message: JsonRpcMessage;
            try {
              message = parseJsonRpcMessage(event.data);
            } catch (error) {
              this.logger.warn(
                { err: { message: (error as Error).message } },
                'Skipped a GET stream event that is not JSON-RPC',
              );
              return;
            }
            await this.sink.deliver(message, {});
          },
        });
      } catch (error) {
        if (this.closed || this.sink.isEnded) return;
        this.logger.debug({ reason: describeFailure(error) }, 'GET stream dropped');
      } finally {
        this.open.delete(controller);
      }
      if (this.closed || this.sink.isEnded) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, GET_RETRY_MAX_MS);
    }
  }

  private captureSessionId(headers: Dispatcher.ResponseData['headers']): void {
    const sessionId = headerValue(headers, 'mcp-session-id');
    if (sessionId === undefined || sessionId === this.sessionId) return;
    this.sessionId = sessionId;
    this.postHeaders = this.buildPostHeaders();
  }

  private captureProtocolVersion(version: unknown): void {
    if (typeof version !== 'string' || version === this.protocolVersion) return;
    this.protocolVersion = version;
    this.postHeaders = this.buildPostHeaders();
  }

  private buildPostHeaders(): Record<string, string> {
    return this.sessionHeaders({
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    });
  }

  private sessionHeaders(extra: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { ...this.target.headers, ...extra };
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion !== undefined) headers['mcp-protocol-version'] = this.protocolVersion;
    return headers;
  }

  private endSessionGone(): void {
    this.closed = true;
    for (const controller of this.open) controller.abort();
    for (const wake of this.postSlotWaiters.splice(0)) wake();
    this.sink.end(
      new AirlockError(
        'upstream_closed',
        `The MCP server for connection "${this.target.name}" ended the session; start a new session.`,
        { data: { connection: this.target.name } },
      ),
    );
  }

  private closedError(): AirlockError {
    return new AirlockError(
      'upstream_closed',
      `The session with connection "${this.target.name}" is closed; start a new session.`,
    );
  }
}

/** The id key of the request a `notifications/cancelled` names, if this is one. */
function cancelledRequestKey(message: JsonRpcMessage): string | undefined {
  if (!('method' in message) || message.method !== 'notifications/cancelled' || 'id' in message) {
    return undefined;
  }
  const requestId = message.params?.['requestId'];
  return typeof requestId === 'string' || typeof requestId === 'number' ? idKey(requestId) : undefined;
}

function methodOf(message: JsonRpcMessage): string {
  return 'method' in message ? message.method : 'response';
}
