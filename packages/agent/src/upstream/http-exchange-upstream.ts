import {
  AirlockError,
  idKey,
  isRequest,
  standardHeadersFor,
  type JsonRpcMessage,
  type SessionOpenRequest,
} from '@airlock/core';
import type { Logger } from 'pino';
import { AbortEmitter } from './abort-emitter.js';
import { errorAnswer, readBodyText, relayResponseBody, upstreamFailure } from './http-response.js';
import { describeFailure, lowerCaseHeaders, type HttpTarget } from './http-target.js';
import { isRefusedMessage, refusedAnswerText } from './refused-message.js';
import type { UpstreamSendMeta, UpstreamSession, UpstreamSink } from './upstream.js';

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * One modern-era (2026-07-28) exchange: exactly one client message, POSTed statelessly with the
 * standard headers derived from its body; the response (JSON, or SSE with related messages first)
 * is relayed and the exchange ends when the answer for the request arrived or the body ended.
 */
export class HttpExchangeUpstream implements UpstreamSession {
  /** Stops the POST when the client leaves (an AbortEmitter: one is made for every exchange). */
  private readonly abortSignal = new AbortEmitter();
  private sent = false;
  private ended = false;

  constructor(
    private readonly target: HttpTarget,
    private readonly request: SessionOpenRequest,
    private readonly sink: UpstreamSink,
  ) {}

  /** Made for a warning only: most exchanges log nothing here. */
  private get logger(): Logger {
    return this.target.logger.child({ sessionId: this.request.sessionId });
  }

  send(message: JsonRpcMessage, meta?: UpstreamSendMeta): Promise<void> {
    if (this.ended) {
      return Promise.reject(
        new AirlockError(
          'upstream_closed',
          'This exchange is over; send the next request as a new exchange.',
        ),
      );
    }
    if (this.sent) {
      return Promise.reject(
        new AirlockError(
          'invalid_request',
          'A modern-era exchange carries exactly one client message; this one already has it.',
        ),
      );
    }
    this.sent = true;
    void this.post(message, meta?.traceparent);
    return Promise.resolve();
  }

  close(): Promise<void> {
    // The client went away (e.g. it dropped a long subscriptions/listen stream): stop the upstream
    // too. Not after the POST is over, the usual case: an abort builds an AbortError with its stack
    // on every exchange, and the socket is back in the pool already.
    if (!this.ended) this.abortSignal.abort();
    this.end();
    return Promise.resolve();
  }

  private async post(message: JsonRpcMessage, traceparent: string | undefined): Promise<void> {
    const requestId = isRequest(message) ? message.id : undefined;
    const related = requestId === undefined ? undefined : idKey(requestId);
    try {
      const response = await this.target.request({
        path: this.target.path,
        method: 'POST',
        headers:
          traceparent === undefined ? this.headersFor(message) : { ...this.headersFor(message), traceparent },
        body: JSON.stringify(message),
        signal: this.abortSignal,
      });
      const status = response.statusCode;
      // The gateway answers the client with the upstream's status; it rides on the first message only.
      let httpStatus: number | undefined = status === 200 ? undefined : status;
      if (status >= 400) {
        const text = await readBodyText(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
        const answer = errorAnswer(this.target.name, status, text, requestId);
        if (answer) await this.sink.message(answer, { relatedRequest: related, httpStatus, last: true });
        else this.logger.warn({ status }, 'MCP server refused a client notification');
        return;
      }
      await relayResponseBody(response.headers, response.body, {
        maxMessageBytes: this.target.maxMessageBytes,
        deliver: async (reply) => {
          if (this.ended) return true;
          const answer = !('method' in reply) && requestId !== undefined && reply.id === requestId;
          await this.sink.message(reply, {
            relatedRequest: related,
            httpStatus,
            ...(answer ? { last: true } : {}),
          });
          httpStatus = undefined;
          return answer;
        },
      });
    } catch (error) {
      if (this.ended) return;
      this.logger.warn({ reason: describeFailure(error) }, 'POST to the MCP server failed');
      if (requestId !== undefined) {
        const answer = upstreamFailure(
          requestId,
          isRefusedMessage(error)
            ? refusedAnswerText(this.target.name, error)
            : `The request to the MCP server for connection "${this.target.name}" failed (${describeFailure(error)}); retry.`,
        );
        await this.sink.message(answer, { relatedRequest: related, last: true }).catch(() => undefined);
      }
    } finally {
      this.end();
    }
  }

  /**
   * The client's forwarded `Mcp-Param-*` headers, then the configured ones (a client cannot
   * replace the agent's API key), then those the protocol derives from the body (nothing can
   * contradict the body). Names are lower-cased so a later layer replaces, never duplicates.
   */
  private headersFor(message: JsonRpcMessage): Record<string, string> {
    return {
      ...lowerCaseHeaders(this.request.forwardHeaders),
      ...this.target.headers,
      ...standardHeadersFor(message, this.request.protocolVersion),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink.end();
  }
}
