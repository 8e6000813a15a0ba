import type { Direction, JsonRpcMessage, RecordingEvent, RecordingSource } from '@airlock/core';

/**
 * What the agreement check needs of one recorded message, without its body: a verifier holds a
 * few hundred bytes per message instead of messages of up to 20 MiB.
 */
export interface MessageDigest {
  readonly source: RecordingSource;
  /** The chain within its source, when the source has several (see `RecordingEvent.chain`). */
  readonly chain: string | undefined;
  readonly seq: number;
  /** When it was recorded (ms since the epoch): orders several chains of one source against each other. */
  readonly atMs: number;
  readonly eventId: string;
  readonly direction: Direction | undefined;
  /** No policy decision, or `pass` / `approve`: the gateway sent it on. */
  readonly forwarded: boolean;
  /** A request has a method and an id, a response an id and no method; anything else is `other`. */
  readonly shape: 'request' | 'response' | 'other';
  /** The JSON-RPC id as recorded (1 and "1" differ). */
  readonly jsonRpcId: unknown;
  readonly method: string | undefined;
  /** The tool a `tools/call` request names. */
  readonly tool: string | undefined;
  readonly outcome: 'result' | 'error';
}

/** The digest of a message event; undefined for any other event. */
export function digestMessage(event: RecordingEvent): MessageDigest | undefined {
  if (event.kind !== 'message' || event.message === undefined) return undefined;
  const message: JsonRpcMessage = event.message;
  const isObject = typeof message === 'object' && message !== null;
  const hasId = isObject && 'id' in message;
  const hasMethod = isObject && 'method' in message;
  const method = hasMethod ? String((message as { method: unknown }).method) : undefined;
  const action = event.decision?.action;
  return {
    source: event.source,
    chain: event.chain,
    seq: event.seq,
    atMs: Date.parse(event.at),
    eventId: event.id,
    direction: event.direction,
    // `audit` marks a call and lets it pass; deny, hold, reject and hide stop it at the gateway.
    forwarded: action === undefined || action === 'pass' || action === 'audit' || action === 'approve',
    shape: hasId ? (hasMethod ? 'request' : 'response') : 'other',
    jsonRpcId: hasId ? (message as { id: unknown }).id : undefined,
    method,
    tool: method === 'tools/call' ? toolName(message) : undefined,
    outcome: isObject && 'error' in message ? 'error' : 'result',
  };
}

function toolName(message: JsonRpcMessage): string | undefined {
  const name = (message as { params?: Record<string, unknown> }).params?.['name'];
  return typeof name === 'string' ? name : undefined;
}
