import {
  Client,
  StreamableHTTPClientTransport,
  type CreateMessageRequest,
  type CreateMessageResult,
  type ElicitRequest,
  type ElicitResult,
  type Root,
} from '@modelcontextprotocol/client';
import { withOwnAbortSignal } from '@airlock/core';
import { lastUserText } from './connect-v1-client.js';

/** The protocol revision the modern era pins. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

export interface V2ClientOptions {
  /**
   * `'modern'` pins 2026-07-28: connect() sends `server/discover` and fails unless the server offers
   * that revision (no fallback). `'legacy'` runs the plain 2025 initialize handshake (the v2 SDK's
   * default). `'auto'` probes with `server/discover` and falls back to initialize.
   */
  era: 'legacy' | 'modern' | 'auto';
  /** Answers sampling (a server→client request in legacy, an input_required round in modern). */
  onSampling?: (
    params: CreateMessageRequest['params'],
  ) => string | CreateMessageResult | Promise<string | CreateMessageResult>;
  /** Answers elicitation. Default: decline. */
  onElicitation?: (params: ElicitRequest['params']) => ElicitResult | Promise<ElicitResult>;
  /** Answers roots/list. Default: no roots. */
  roots?: Root[];
  /** Sent with every HTTP request (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** Client name in `clientInfo`. Default `airlock-testkit-v2`. */
  name?: string;
}

/** Registers the sampling/elicitation/roots handlers (and their capabilities) on a v2 client. */
export function createV2Client(options: V2ClientOptions): Client {
  const mode = options.era === 'modern' ? { pin: MODERN_PROTOCOL_VERSION } : options.era;
  const client = new Client(
    { name: options.name ?? 'airlock-testkit-v2', version: '1.0.0' },
    {
      capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
      versionNegotiation: { mode },
    },
  );
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const answer = options.onSampling
      ? await options.onSampling(request.params)
      : `sampled: ${lastUserText(request.params.messages)}`;
    if (typeof answer !== 'string') return answer;
    return {
      role: 'assistant',
      content: { type: 'text', text: answer },
      model: 'airlock-testkit',
      stopReason: 'endTurn',
    };
  });
  client.setRequestHandler('elicitation/create', async (request) =>
    options.onElicitation ? options.onElicitation(request.params) : { action: 'decline' },
  );
  client.setRequestHandler('roots/list', () => ({ roots: options.roots ?? [] }));
  return client;
}

/**
 * A v2 SDK client connected over Streamable HTTP in the requested era. In the modern era every
 * request is a stateless POST carrying the `_meta` envelope (protocol version, client info and
 * capabilities) plus `MCP-Protocol-Version`, `Mcp-Method` and (for named methods) `Mcp-Name`
 * headers; check `client.getProtocolEra()` to see what was negotiated.
 */
export async function connectV2Client(url: string, options: V2ClientOptions): Promise<Client> {
  const client = createV2Client(options);
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
    // Each request gets a signal of its own (see withOwnAbortSignal): no listener pile-up under load.
    fetch: (input, init) => fetch(input, withOwnAbortSignal(init)),
  });
  await client.connect(transport);
  return client;
}
