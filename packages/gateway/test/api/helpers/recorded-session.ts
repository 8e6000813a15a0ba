import {
  canonicalEventText,
  GENESIS_HASH,
  RECORDING_SCHEMA_VERSION,
  type JsonRpcMessage,
  type MaskingFinding,
  type RecordedDecision,
  type RecordingEvent,
  type RecordingSource,
} from '@airlock/core';
import { sha256Hex } from '@airlock/recording';

export interface RecordedSessionOptions {
  readonly id: string;
  readonly subject: string;
  readonly connection: string;
  readonly startAt: Date;
  readonly groups?: readonly string[];
}

/**
 * A session as the gateway and the agent record it: per-source gap-free seq and hash chain
 * (canonicalEventText + sha256Hex, the contract `verify` checks), one second between events.
 */
export class RecordedSession {
  readonly events: RecordingEvent[] = [];
  readonly #options: RecordedSessionOptions;
  readonly #last = new Map<RecordingSource, RecordingEvent>();
  #tick = 0;
  #nextId = 1;

  constructor(options: RecordedSessionOptions) {
    this.#options = options;
  }

  get id(): string {
    return this.#options.id;
  }

  add(
    source: RecordingSource,
    fields: Pick<RecordingEvent, 'kind'> & Partial<RecordingEvent>,
  ): RecordingEvent {
    const previous = this.#last.get(source);
    const seq = (previous?.seq ?? 0) + 1;
    const unsigned: Omit<RecordingEvent, 'hash'> = {
      schema: RECORDING_SCHEMA_VERSION,
      id: `${this.#options.id}-${source}-${seq}`,
      sessionId: this.#options.id,
      source,
      seq,
      at: new Date(this.#options.startAt.getTime() + this.#tick++ * 1000).toISOString(),
      identity: {
        subject: this.#options.subject,
        email: `${this.#options.subject}@example.com`,
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

  start(): this {
    this.add('gateway', { kind: 'session_start', start: { clientInfo: { name: 'test-client' } } });
    this.add('agent', { kind: 'session_start' });
    return this;
  }

  /**
   * One tools/call through both records. `agentSees: false` leaves it out of the agent's record
   * (a request the gateway says it forwarded but the agent never got).
   */
  call(
    tool: string,
    args: Record<string, unknown>,
    result: { text: string; masked?: string; masking?: MaskingFinding[]; error?: boolean },
    options: { agentSees?: boolean; decision?: RecordedDecision } = {},
  ): this {
    const id = this.#nextId++;
    const request: JsonRpcMessage = {
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: tool, arguments: args },
    };
    this.add('gateway', {
      kind: 'message',
      direction: 'client_to_server',
      message: request,
      decision: options.decision ?? { action: 'pass' },
    });
    // An audited call passes, marked; the other decisions refuse it at the gateway.
    const forwarded = options.decision === undefined || ['pass', 'audit'].includes(options.decision.action);
    if (!forwarded) {
      this.add('gateway', {
        kind: 'message',
        direction: 'server_to_client',
        message: { jsonrpc: '2.0', id, error: { code: -32006, message: 'denied' } },
      });
      return this;
    }
    if (options.agentSees === false) return this;
    this.add('agent', { kind: 'message', direction: 'client_to_server', message: request });
    const text = result.masked ?? result.text;
    const response: JsonRpcMessage = result.error
      ? { jsonrpc: '2.0', id, error: { code: -32000, message: text } }
      : { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } };
    this.add('agent', {
      kind: 'message',
      direction: 'server_to_client',
      message: response,
      ...(result.masking ? { masking: result.masking } : {}),
    });
    this.add('gateway', {
      kind: 'message',
      direction: 'server_to_client',
      message: response,
      decision: { action: 'pass' },
    });
    return this;
  }

  end(reason = 'client closed'): this {
    this.add('gateway', { kind: 'session_end', end: { reason } });
    this.add('agent', { kind: 'session_end', end: { reason } });
    return this;
  }
}
