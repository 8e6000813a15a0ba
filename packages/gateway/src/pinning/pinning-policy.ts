import {
  AirlockError,
  errorResponse,
  pinningModes,
  type Direction,
  type GatewayConfig,
  type JsonRpcMessage,
  type MessagePolicy,
  type MessageRecorder,
  type PinningMode,
  type PolicyDecision,
  type PolicyMessageInfo,
  type RelayContext,
} from '@airlock/core';
import type { ToolPin, ToolPinStore } from '@airlock/recording';
import type { Logger } from 'pino';
import { pinStoreAnswer } from './pin-store-deadline.js';
import { definitionDiff, toolSighting } from './tool-fingerprint.js';

/** How long a gateway trusts its copy of a connection's pins: another gateway's accept shows within this. */
const PIN_CACHE_MS = 2_000;
/**
 * The longest a tools/list answer or a tool call waits for the pin store. While a tools/list
 * answer is checked, the session's later messages wait behind it (its tunnel stream is paused,
 * so they keep their order): a store that does not answer (PostgreSQL waiting on a lock another
 * gateway holds, a network partition) must not stall the session, nor its client. 20 s: past the
 * slowest store work measured (a text search over 100,000 sessions, 8.7 s, which the embedded
 * store runs before anything queued behind it), and well before an MCP SDK client's own request
 * timeout (60 s), so the client hears why.
 */
const PIN_STORE_DEADLINE_MS = 20_000;

export interface PinningPolicyOptions {
  readonly config: GatewayConfig;
  readonly store: ToolPinStore;
  readonly recorder: MessageRecorder;
  readonly logger: Logger;
  /** How long to wait for the pin store (default 20 s); then the list or call goes on as its mode says. */
  readonly storeDeadlineMs?: number;
}

interface CachedPins {
  readonly at: number;
  readonly pending: ReadonlyMap<string, ToolPin>;
}

/**
 * Tool pinning (rug-pull detection) as a message policy. Every tools/list answer is fingerprinted
 * and compared with the connection's pins in the store (trust on first use); a new or changed
 * tool is recorded as a `tool_changed` event and, by the connection's mode, passed (`warn`),
 * hidden with its calls refused (`hide`), or every tool call on the connection refused (`block`)
 * until an administrator accepts it (`airlock tools accept`).
 */
export function createPinningPolicy(options: PinningPolicyOptions): MessagePolicy {
  const { store, recorder, logger } = options;
  const deadlineMs = options.storeDeadlineMs ?? PIN_STORE_DEADLINE_MS;
  const modeOf = pinningModes(options.config.pinning);
  const cache = new Map<string, CachedPins>();

  const freshPins = (connection: string): ReadonlyMap<string, ToolPin> | undefined => {
    const cached = cache.get(connection);
    return cached && Date.now() - cached.at < PIN_CACHE_MS ? cached.pending : undefined;
  };

  const pendingPins = async (connection: string): Promise<ReadonlyMap<string, ToolPin>> => {
    const fresh = freshPins(connection);
    if (fresh !== undefined) return fresh;
    const pins = await pinStoreAnswer(
      store.toolPins(connection),
      deadlineMs,
      `read the pins of connection "${connection}"`,
    );
    const pending = new Map(pins.filter((p) => p.status !== 'pinned').map((p) => [p.tool, p]));
    cache.set(connection, { at: Date.now(), pending });
    return pending;
  };

  const refuse = (
    message: string,
    tool: string,
    connection: string,
    code: 'tool_not_accepted' | 'recording_unavailable' = 'tool_not_accepted',
  ): PolicyDecision => {
    const error = new AirlockError(code, message, { data: { connection, tool } });
    return { action: 'deny', error, detail: { action: 'deny', rule: 'pinning', reason: message } };
  };

  /** Synchronous while the pins are fresh in memory, so an ordinary call allocates no promise. */
  const onCall = (
    context: RelayContext,
    message: JsonRpcMessage,
    mode: PinningMode,
  ): PolicyDecision | Promise<PolicyDecision> => {
    const fresh = freshPins(context.connection);
    if (fresh !== undefined) return decideCall(context, message, mode, fresh);
    return pendingPins(context.connection).then(
      (pending) => decideCall(context, message, mode, pending),
      // Unknown pins: the call is refused (fail closed), saying why.
      (error: unknown) =>
        refuse(
          `${AirlockError.from(error).message} Tool calls on connection "${context.connection}" (pinning mode ${mode}) are refused until it answers: retry in a moment; if it persists, an operator checks the recording store.`,
          toolOf(message),
          context.connection,
          'recording_unavailable',
        ),
    );
  };

  const decideCall = (
    context: RelayContext,
    message: JsonRpcMessage,
    mode: PinningMode,
    pending: ReadonlyMap<string, ToolPin>,
  ): PolicyDecision => {
    const tool = toolOf(message);
    const connection = context.connection;
    if (mode === 'block' && pending.size > 0) {
      const tools = [...pending.keys()].join(', ');
      return refuse(
        `Tool calls on connection "${connection}" are blocked: tool definitions changed or appeared (${tools}) and are not yet accepted. An administrator reviews them with \`airlock tools list ${connection}\` and accepts with \`airlock tools accept ${connection} --all\`.`,
        tool,
        connection,
      );
    }
    const pin = pending.get(tool);
    if (mode === 'hide' && pin !== undefined) {
      return refuse(
        `Tool "${tool}" on connection "${connection}" is ${pin.status === 'new' ? 'new' : 'changed'} and hidden until an administrator accepts it: \`airlock tools list ${connection}\`, then \`airlock tools accept ${connection} ${tool}\`.`,
        tool,
        connection,
      );
    }
    return { action: 'pass', message };
  };

  const onList = async (
    context: RelayContext,
    message: JsonRpcMessage,
    mode: PinningMode,
  ): Promise<PolicyDecision> => {
    const result = ('result' in message ? message.result : undefined) as Record<string, unknown> | undefined;
    const tools = result?.['tools'];
    if (!Array.isArray(tools)) return { action: 'pass', message };
    const sightings = tools.flatMap((t: Record<string, unknown>) => toolSighting(t) ?? []);
    let seen;
    try {
      seen = await pinStoreAnswer(
        store.recordToolSightings(context.connection, sightings, new Date()),
        deadlineMs,
        `recorded the tools of connection "${context.connection}"`,
      );
    } catch (error) {
      return unchecked(context, message, mode, AirlockError.from(error));
    }
    cache.delete(context.connection);
    for (const change of seen.changes) {
      logger.warn(
        { connection: context.connection, tool: change.tool, change: change.change, mode },
        'a tool definition changed since it was accepted',
      );
      await recorder.recordToolChange?.(
        context,
        {
          tool: change.tool,
          change: change.change,
          ...(change.oldFingerprint ? { oldFingerprint: change.oldFingerprint } : {}),
          newFingerprint: change.newFingerprint,
          diff: definitionDiff(change.oldDefinition, change.newDefinition),
          outcome: mode,
        },
        Date.now(),
      );
    }
    if (mode !== 'hide') return { action: 'pass', message };
    let pending;
    try {
      pending = await pendingPins(context.connection);
    } catch (error) {
      return unchecked(context, message, mode, AirlockError.from(error));
    }
    if (pending.size === 0) return { action: 'pass', message };
    const kept = tools.filter((t: Record<string, unknown>) => !pending.has(String(t['name'])));
    if (kept.length === tools.length) return { action: 'pass', message };
    return {
      action: 'pass',
      message: { ...message, result: { ...result, tools: kept } } as JsonRpcMessage,
      detail: { action: 'hide', rule: 'pinning', reason: `not accepted: ${[...pending.keys()].join(', ')}` },
    };
  };

  /**
   * A tools/list answer the pin store could not check. `hide` cannot leave out what it cannot
   * see, so the list is refused (fail closed) with an error answer for the same request; `warn`
   * and `block` let it pass (block refuses the calls instead, while the store is away).
   */
  const unchecked = (
    context: RelayContext,
    message: JsonRpcMessage,
    mode: PinningMode,
    error: AirlockError,
  ): PolicyDecision => {
    logger.warn(
      { connection: context.connection, mode, code: error.code, reason: error.message },
      'tool pinning could not check a tools/list answer',
    );
    if (mode !== 'hide' || !('id' in message) || message.id === null) return { action: 'pass', message };
    const refusal = new AirlockError(
      'recording_unavailable',
      `${error.message} The tools of connection "${context.connection}" (pinning mode hide) cannot be listed until it answers: retry in a moment; if it persists, an operator checks the recording store.`,
      { data: { connection: context.connection } },
    );
    return {
      action: 'pass',
      message: errorResponse(message.id, refusal.toJsonRpcError()),
      detail: { action: 'deny', rule: 'pinning', reason: refusal.message },
    };
  };

  return Object.freeze({
    evaluate(
      context: RelayContext,
      message: JsonRpcMessage,
      direction: Direction,
      info?: PolicyMessageInfo,
    ): PolicyDecision | Promise<PolicyDecision> {
      const mode = modeOf(context.connection);
      if (mode === 'off') return { action: 'pass', message };
      if (direction === 'client_to_server') {
        // `warn` never refuses, so calls need no look-up.
        return mode !== 'warn' && 'method' in message && message.method === 'tools/call' && 'id' in message
          ? onCall(context, message, mode)
          : { action: 'pass', message };
      }
      return info?.requestMethod === 'tools/list' && !('method' in message)
        ? onList(context, message, mode)
        : { action: 'pass', message };
    },
  });
}

/** The tool a tools/call names ('' when it names none). */
function toolOf(message: JsonRpcMessage): string {
  const params = ('params' in message ? message.params : undefined) as { name?: unknown } | undefined;
  return typeof params?.name === 'string' ? params.name : '';
}
