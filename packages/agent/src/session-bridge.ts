import {
  AirlockError,
  errorResponse,
  idKey,
  isRequest,
  messageBytes,
  noMasking,
  noRecording,
  parseJsonRpcMessage,
  type JsonRpcMessage,
  type MessageRecorder,
  type ResponseMasker,
  type SessionOpenRequest,
} from '@airlock/core';
import type { AgentMetrics } from '@airlock/operations';
import type { TunnelMessage, TunnelStream } from '@airlock/tunnel';
import type { Logger } from 'pino';
import type { AgentCalls } from './agent-calls.js';
import { RequestLog } from './request-log.js';
import type { UpstreamConnector, UpstreamMessageMeta, UpstreamSession } from './upstream/upstream.js';

export interface BridgeSessionOptions {
  readonly request: SessionOpenRequest;
  readonly stream: TunnelStream;
  readonly connector: UpstreamConnector;
  readonly logger: Logger;
  /** `logger` bound to this session already (the exchanges of a modern-era group share one). */
  readonly sessionLogger?: Logger | undefined;
  readonly masker?: ResponseMasker;
  readonly recorder?: MessageRecorder;
  /**
   * Record the session's end when it finishes (default true). Off for modern-era exchanges: the
   * gateway groups them into one recording session that outlives each exchange.
   */
  readonly recordEnd?: boolean;
  /** Counts the client's requests (metrics, spans, a stop's drain). */
  readonly calls?: AgentCalls | undefined;
  /** Counts what masking replaced. */
  readonly metrics?: AgentMetrics | undefined;
}

export interface BridgedSession {
  /** Resolves when both sides are done (stream ended and upstream closed). */
  readonly done: Promise<void>;
  /** Ends the session from the agent's side (agent shutdown). */
  close(failure?: AirlockError): Promise<void>;
}

/** Client messages being recorded/sent before the tunnel stream is paused. */
const INBOUND_HIGH_WATER = 16;

/**
 * Joins one tunnel session stream to one upstream session:
 * client → parse → record → upstream; upstream → mask → record → client.
 * Backpressure runs end to end: the upstream is not read while a send to the tunnel is pending
 * (connectors await the sink), and the tunnel is paused while client messages pile up.
 */
export function bridgeSession(options: BridgeSessionOptions): BridgedSession {
  const { request, stream, connector } = options;
  const masker = options.masker ?? noMasking;
  const recorder = options.recorder ?? noRecording;
  const logger =
    options.sessionLogger ??
    options.logger.child({
      sessionId: request.sessionId,
      connection: request.connection,
      subject: request.caller.subject,
    });
  // Each side numbers its own requests, so each direction gets its own log.
  const requests = new RequestLog(
    logger,
    options.calls ? { tracker: options.calls, connection: request.connection } : undefined,
  );
  const serverRequests = new RequestLog(logger);
  let finished = false;
  // The role a session was given is recorded after its first client message, so the chain's
  // session_start still carries the client's self-description (taken from that first message).
  let firstRecorded = false;
  let awaitingFirst: (() => void) | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  /** `reason` is the recorded end reason (a word an auditor filters on); `failure` says more. */
  const finish = (failure: AirlockError | undefined, reason: string): void => {
    if (finished) return;
    finished = true;
    awaitingFirst?.();
    stream.end(failure);
    const closing = upstream.close().catch((error: unknown) => {
      logger.warn({ reason: (error as Error).message }, 'Closing the upstream failed');
    });
    const ended = Promise.resolve()
      .then(() => (options.recordEnd === false ? undefined : recorder.end(request, reason)))
      .catch((error: unknown) =>
        logger.warn({ reason: (error as Error).message }, 'Recording the session end failed'),
      );
    const level = failure ? 'warn' : 'debug';
    logger[level](
      { reason: failure?.message ?? reason, code: failure?.code, unanswered: requests.unanswered },
      'session ended',
    );
    requests.abandon();
    void Promise.all([closing, ended]).then(() => resolveDone());
  };

  const toClient = async (message: JsonRpcMessage, meta: UpstreamMessageMeta): Promise<void> => {
    if (finished) throw new AirlockError('tunnel_closed', 'The client side of this session is gone.');
    try {
      const { message: masked, findings } = await masker.mask(request, message);
      if (findings.length > 0) options.metrics?.maskedValues(request.connection, findings);
      await recorder.record(request, {
        source: 'agent',
        direction: 'server_to_client',
        message: masked,
        at: Date.now(),
        ...(findings.length > 0 ? { masking: findings } : {}),
      });
      serverRequests.started(masked);
      // As UTF-8 straight from the message: a large result is never one more string of its size.
      await stream.send(messageBytes(masked), findings.length > 0 ? { ...meta, masking: findings } : meta);
      // Answered once the answer is on its way: a draining agent waits for this before it closes.
      requests.answered(masked);
    } catch (error) {
      // A masker or recorder that fails must not let the message out (strict recording fails closed).
      const failure = AirlockError.from(error);
      finish(failure, failure.code === 'recording_unavailable' ? 'recording_unavailable' : 'relay_failed');
      throw failure;
    }
  };

  const upstream: UpstreamSession = connector.open(request, {
    message: toClient,
    // A signal, not a message: nothing to mask or record (the messages around it are).
    streamPolled: async (relatedRequest, retryMs) => {
      if (finished) throw new AirlockError('tunnel_closed', 'The client side of this session is gone.');
      await stream.send('', { relatedRequest, streamPolled: true, ...(retryMs ? { retryMs } : {}) });
    },
    awsCredentials: async (credentials) => {
      if (!firstRecorded) await new Promise<void>((resolve) => (awaitingFirst = resolve));
      if (finished) throw new AirlockError('tunnel_closed', 'The client side of this session is gone.');
      await recorder.recordAwsCredentials?.(request, credentials, Date.now());
      logger.info(
        {
          roleArn: credentials.roleArn,
          sourceIdentity: credentials.sourceIdentity,
          sessionTags: credentials.sessionTags.length > 0,
        },
        'AWS role assumed for the session',
      );
    },
    // The server went away: on its own (closed) or with an error (crashed, refused, unreachable).
    end: (failure) => finish(failure, failure ? 'upstream_crashed' : 'upstream_closed'),
  });

  let inbound: Promise<void> = Promise.resolve();
  let inboundPending = 0;
  let paused = false;

  const toUpstream = async (message: JsonRpcMessage, parentTrace: string | undefined): Promise<void> => {
    try {
      await recorder.record(request, {
        source: 'agent',
        direction: 'client_to_server',
        message,
        at: Date.now(),
      });
    } catch (error) {
      const failure = AirlockError.from(error);
      logger.warn(
        { code: failure.code, reason: failure.message },
        'Refused a client message that could not be recorded',
      );
      if (isRequest(message)) {
        await stream.send(JSON.stringify(errorResponse(message.id, failure.toJsonRpcError())), {
          relatedRequest: idKey(message.id),
        });
      }
      return;
    } finally {
      if (!firstRecorded) {
        firstRecorded = true;
        awaitingFirst?.();
      }
    }
    const traceparent = requests.started(message, parentTrace);
    serverRequests.answered(message);
    try {
      await upstream.send(message, traceparent === undefined ? undefined : { traceparent });
    } catch (error) {
      if (!finished) logger.debug({ reason: (error as Error).message }, 'Upstream refused a client message');
    }
  };

  const onMessage = (frame: TunnelMessage): void => {
    if (finished) return;
    let message: JsonRpcMessage;
    try {
      message = parseJsonRpcMessage(frame.data.toString('utf8'));
    } catch (error) {
      // The gateway validated it already; a bad frame here is a bug, not a client mistake.
      logger.warn({ reason: (error as Error).message }, 'Dropped an unparsable message from the tunnel');
      return;
    }
    inboundPending++;
    if (inboundPending >= INBOUND_HIGH_WATER && !paused) {
      paused = true;
      stream.pause();
    }
    inbound = inbound
      .then(() => toUpstream(message, frame.traceparent))
      .catch((error: unknown) =>
        logger.warn({ reason: (error as Error).message }, 'Relaying a client message failed'),
      )
      .finally(() => {
        inboundPending--;
        if (paused && inboundPending === 0 && !finished) {
          paused = false;
          stream.resume();
        }
      });
  };

  stream.setHandler({
    onMessage,
    // The gateway ended it (DELETE, expiry, its shutdown) or the tunnel to it broke.
    onEnd: (failure) => finish(failure, failure?.code === 'tunnel_closed' ? 'gateway_lost' : 'client_closed'),
  });

  return {
    done,
    close: (failure) => {
      finish(failure, 'agent_shutdown');
      return done;
    },
  };
}
