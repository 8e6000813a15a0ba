import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import {
  canonicalEventText,
  GENESIS_HASH,
  RECORDING_SCHEMA_VERSION,
  verifyChain,
  type JsonRpcMessage,
  type RecordingEvent,
  type RecordingSource,
} from '@airlock/core';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Asserts that `stored` (events read back from a store) are `recorded` in the store's order
 * (source, then seq), and that the gateway's and the agent's hash chains both verify.
 */
export function expectStoredAsRecorded(
  stored: readonly RecordingEvent[],
  recorded: readonly RecordingEvent[],
): void {
  expect(stored).toEqual([...recorded].sort((a, b) => a.source.localeCompare(b.source) || a.seq - b.seq));
  for (const source of ['gateway', 'agent'] as const) {
    expect(
      verifyChain(
        stored.filter((e) => e.source === source),
        sha256Hex,
      ),
    ).toEqual([]);
  }
}

export interface SessionScriptOptions {
  readonly sessionId: string;
  readonly subject: string;
  readonly connection: string;
  /** Time of the first event; each later event is one second after the previous one. */
  readonly startAt: Date;
  readonly email?: string;
  readonly groups?: readonly string[];
}

/**
 * Writes a session's events the way the recorder will: per-source gap-free seq and hash chain,
 * real JSON-RPC messages. Only for tests; the recorder has its own implementation.
 */
export class SessionScript {
  readonly events: RecordingEvent[] = [];
  readonly #options: SessionScriptOptions;
  readonly #last = new Map<RecordingSource, RecordingEvent>();
  #tick = 0;
  #requestId = 0;

  constructor(options: SessionScriptOptions) {
    this.#options = options;
  }

  get sessionId(): string {
    return this.#options.sessionId;
  }

  #append(
    source: RecordingSource,
    fields: Pick<RecordingEvent, 'kind'> & Partial<Omit<RecordingEvent, 'kind'>>,
  ): RecordingEvent {
    const previous = this.#last.get(source);
    const seq = (previous?.seq ?? 0) + 1;
    const at = new Date(this.#options.startAt.getTime() + this.#tick * 1000).toISOString();
    this.#tick += 1;
    const unsigned: Omit<RecordingEvent, 'hash'> = {
      schema: RECORDING_SCHEMA_VERSION,
      id: `${this.#options.sessionId}:${source}:${seq}`,
      sessionId: this.#options.sessionId,
      source,
      seq,
      at,
      identity: {
        subject: this.#options.subject,
        email: this.#options.email ?? `${this.#options.subject}@example.test`,
        groups: this.#options.groups ?? ['engineering'],
      },
      connection: this.#options.connection,
      gatewayId: 'gw-1',
      agentId: 'agent-1',
      era: 'legacy',
      protocolVersion: '2025-11-25',
      prevHash: previous?.hash ?? GENESIS_HASH,
      ...fields,
    };
    const event = { ...unsigned, hash: sha256Hex(canonicalEventText(unsigned)) } as RecordingEvent;
    this.#last.set(source, event);
    this.events.push(event);
    return event;
  }

  start(
    source: RecordingSource = 'gateway',
    clientInfo: Record<string, unknown> = { name: 'test-client' },
  ): this {
    this.#append(source, { kind: 'session_start', start: { clientInfo } });
    return this;
  }

  message(message: JsonRpcMessage, source: RecordingSource = 'gateway'): this {
    const direction = 'method' in message ? 'client_to_server' : 'server_to_client';
    this.#append(source, { kind: 'message', direction, message });
    return this;
  }

  /** A tools/call request and its result, on the given sources. */
  call(
    tool: string,
    args: Record<string, unknown> = {},
    resultText = 'ok',
    sources: readonly RecordingSource[] = ['gateway'],
  ): this {
    this.#requestId += 1;
    const id = this.#requestId;
    for (const source of sources) {
      this.message(
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } },
        source,
      );
      this.message({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: resultText }] } }, source);
    }
    return this;
  }

  /** A message with what the source decided and masked on it (guardrails, pinning, masking). */
  decided(
    message: JsonRpcMessage,
    fields: Pick<RecordingEvent, 'decision' | 'masking'>,
    source: RecordingSource = 'gateway',
  ): this {
    const direction = 'method' in message ? 'client_to_server' : 'server_to_client';
    this.#append(source, { kind: 'message', direction, message, ...fields });
    return this;
  }

  warning(code: string, message: string, source: RecordingSource = 'gateway'): this {
    this.#append(source, { kind: 'warning', warning: { code, message } });
    return this;
  }

  end(reason: string, source: RecordingSource = 'gateway'): this {
    this.#append(source, { kind: 'session_end', end: { reason } });
    return this;
  }
}
