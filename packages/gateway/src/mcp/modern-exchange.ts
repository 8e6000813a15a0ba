import type { ServerResponse } from 'node:http';
import {
  AirlockError,
  errorResponse,
  fixedFieldsLogger,
  idKey,
  isRequest,
  type HoldRequest,
  type JsonRpcMessage,
  type RelayContext,
} from '@airlock/core';
import type { Logger } from 'pino';
import { ResponseChannel } from '../http/response-channel.js';
import type { AgentDirectory } from './agent-directory.js';
import type { MessagePipeline } from './message-pipeline.js';
import { createServerMessageReader } from './server-message-reader.js';

export interface ExchangeRequest {
  readonly context: RelayContext;
  readonly message: JsonRpcMessage;
  readonly json: string;
  readonly forwardHeaders: Record<string, string>;
  readonly res: ServerResponse;
  /**
   * What every log line of the request names (session, connection, subject). Bound per line, not
   * in a pino child made per request: a child cost about 14 µs of each request, and a request
   * logs one line.
   */
  readonly logBindings: Record<string, unknown>;
  /** Sees the server's answer to the request (after policy), e.g. to learn from server/discover. */
  readonly onAnswer?: (reply: JsonRpcMessage) => void;
}

/**
 * One modern-era (2026-07-28) request: stateless, so it gets its own tunnel stream (and its own
 * recording session id) that lives until the server's response, or until the client leaves (a
 * `subscriptions/listen` stream ends when the client closes it).
 */
export async function relayExchange(
  request: ExchangeRequest,
  directory: AgentDirectory,
  pipeline: MessagePipeline,
  logger: Logger,
): Promise<void> {
  const { context, message, res } = request;
  const requestId = isRequest(message) ? message.id : null;
  const channel = new ResponseChannel(res, requestId);
  const method = 'method' in message ? message.method : '';
  const startedAt = performance.now();
  let child: Logger | undefined;
  const warnings: Pick<Logger, 'warn' | 'error'> = {
    warn: (...args: Parameters<Logger['warn']>) =>
      (child ??= logger.child(request.logBindings)).warn(...args),
    error: (...args: Parameters<Logger['error']>) =>
      (child ??= logger.child(request.logBindings)).error(...args),
  };
  let inbound;
  try {
    inbound = await pipeline.process(context, message, request.json, 'client_to_server');
  } catch (error) {
    // Not recordable (strict mode, spool full): refused as the request's JSON-RPC answer.
    const failure = AirlockError.from(error);
    if (requestId !== null)
      channel.deliver(JSON.stringify(errorResponse(requestId, failure.toJsonRpcError())), true);
    else channel.fail(failure);
    return;
  }
  if (inbound.decision.action === 'deny') {
    if (requestId !== null) pipeline.refuseCall(context, method, startedAt);
    if (requestId !== null)
      channel.deliver(
        JSON.stringify(errorResponse(requestId, inbound.decision.error.toJsonRpcError())),
        true,
      );
    else channel.fail(inbound.decision.error);
    return;
  }
  let approvalId: string | undefined;
  if (inbound.decision.action === 'hold') {
    approvalId = await holdForApproval(request, inbound.decision.hold, channel, pipeline);
    if (approvalId === undefined) return;
  }
  const released = (json: string) => {
    if (approvalId === undefined) return;
    pipeline.approvals?.released(context, approvalId, json);
    approvalId = undefined;
  };
  const stream = await directory.openSession({
    ...context,
    kind: 'exchange',
    forwardHeaders: request.forwardHeaders,
  });
  const span = requestId === null ? undefined : pipeline.startCall(context, method);
  let finished = false;
  const finish = (outcome: 'ok' | 'error') => {
    if (finished || requestId === null) return;
    finished = true;
    pipeline.finishCall(context, method, outcome, startedAt, span);
  };
  const responseKey = requestId === null ? undefined : idKey(requestId);
  let answered = false;

  res.once('close', () => {
    // An approved call runs to its answer even without its client: the outcome is stored for a retry.
    if (!answered && approvalId === undefined) stream.end();
  });

  const deliver = (reply: JsonRpcMessage, json: string, httpStatus: number | undefined) => {
    // An upstream that rejects the request outright may answer with `"id": null` (e.g. a 400 body):
    // that is still the answer, relayed as the upstream sent it.
    const final =
      !('method' in reply) && (reply.id === null ? 'error' in reply : idKey(reply.id) === responseKey);
    // A notification's exchange has no response id: an upstream error body (e.g. 400 -32020) ends it.
    const finalForNotification = responseKey === undefined && !('method' in reply);
    if (final || finalForNotification) {
      answered = true;
      released(json);
      request.onAnswer?.(reply);
      finish('error' in reply ? 'error' : 'ok');
      // Fixed fields (strings and numbers, the bindings too): no redaction (see fixedFieldsLogger).
      (logger.isLevelEnabled('info') ? fixedFieldsLogger(logger) : logger).info(
        {
          ...request.logBindings,
          method: 'method' in message ? message.method : undefined,
          id: requestId,
          ms: Math.round((performance.now() - startedAt) * 100) / 100,
          outcome: 'error' in reply ? 'error' : 'ok',
        },
        'mcp call',
      );
    }
    const writable = channel.deliver(json, final || finalForNotification, httpStatus);
    if (answered) stream.end();
    else if (!writable) {
      stream.pause();
      channel.onWritable(() => stream.resume());
    }
  };

  stream.setHandler({
    onMessage: createServerMessageReader({
      stream,
      pipeline,
      context,
      logger: warnings,
      // The exchange's one request is what its response answers (policy filters e.g. tools/list by it).
      requestMethodOf: (reply) =>
        !('method' in reply) && 'method' in message && reply.id !== null && idKey(reply.id) === responseKey
          ? message.method
          : undefined,
      deliver: (reply, json, frame) => deliver(reply, json, frame.httpStatus),
      fail: (error) => {
        channel.fail(error);
        stream.end();
      },
    }),
    onEnd: (failure) => {
      finish('error');
      if (approvalId !== undefined && requestId !== null) {
        const error =
          failure ??
          new AirlockError(
            'upstream_closed',
            'The MCP server ended the approved request without answering it.',
          );
        released(JSON.stringify(errorResponse(requestId, error.toJsonRpcError())));
      }
      if (channel.done) return;
      if (failure) channel.fail(failure);
      else if (requestId === null) channel.accept();
      else
        channel.fail(
          new AirlockError(
            'upstream_closed',
            `The MCP server for connection "${context.connection}" ended the request without answering it. Retry; if it persists, check the server's logs.`,
          ),
        );
    },
  });

  try {
    await stream.send(inbound.json, span ? { traceparent: span.traceparent } : undefined);
  } catch (cause) {
    finish('error');
    const failure = AirlockError.from(cause, 'tunnel_closed');
    if (requestId !== null) released(JSON.stringify(errorResponse(requestId, failure.toJsonRpcError())));
    channel.fail(failure);
    stream.end();
  }
}

/**
 * Holds the exchange's request for approval on its own POST (an event stream kept alive while it
 * waits). Returns the approval that released it, or undefined once the client has its answer
 * (denied, expired, a stored outcome) or has gone.
 */
async function holdForApproval(
  request: ExchangeRequest,
  hold: HoldRequest,
  channel: ResponseChannel,
  pipeline: MessagePipeline,
): Promise<string | undefined> {
  const { context, message, res } = request;
  const gate = pipeline.approvals;
  if (!isRequest(message) || gate === undefined) {
    const error = new AirlockError(
      'approval_unavailable',
      `Guardrail "${hold.rule}" holds this message for approval, but ${isRequest(message) ? 'this gateway holds no calls' : 'only requests can be held'}; it was refused. Ask an operator about the rule.`,
      { data: { rule: hold.rule } },
    );
    if (isRequest(message))
      channel.deliver(JSON.stringify(errorResponse(message.id, error.toJsonRpcError())), true);
    else channel.fail(error);
    return undefined;
  }
  // The client leaving stops the wait; the approval stays in the store for its retry.
  const abort = new AbortController();
  const leave = () => abort.abort();
  res.once('close', leave);
  let verdict;
  try {
    verdict = await gate.hold({ context, request: message, hold, channel, signal: abort.signal });
  } catch (error) {
    channel.deliver(
      JSON.stringify(errorResponse(message.id, AirlockError.from(error).toJsonRpcError())),
      true,
    );
    return undefined;
  } finally {
    res.off('close', leave);
  }
  if (verdict.kind === 'abandoned') return undefined;
  if (verdict.kind === 'answer') {
    channel.deliver(verdict.json, true);
    return undefined;
  }
  try {
    await pipeline.recordRelease(context, message, verdict.approvalId);
  } catch (error) {
    const answer = JSON.stringify(errorResponse(message.id, AirlockError.from(error).toJsonRpcError()));
    gate.released(context, verdict.approvalId, answer);
    channel.deliver(answer, true);
    return undefined;
  }
  return verdict.approvalId;
}
