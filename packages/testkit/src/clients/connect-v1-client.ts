import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  type CreateMessageRequest,
  type CreateMessageResult,
  type ElicitRequest,
  type ElicitResult,
  type Root,
} from '@modelcontextprotocol/sdk/types.js';

export interface V1ClientOptions {
  /** Answers sampling/createMessage. A string becomes the assistant's text. Default: `sampled: <last user text>`. */
  onSampling?: (
    params: CreateMessageRequest['params'],
  ) => string | CreateMessageResult | Promise<string | CreateMessageResult>;
  /** Answers elicitation/create. Default: decline. */
  onElicitation?: (params: ElicitRequest['params']) => ElicitResult | Promise<ElicitResult>;
  /** Answers roots/list. Default: no roots. */
  roots?: Root[];
  /** Sent with every HTTP request (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** Client name in `clientInfo`. Default `airlock-testkit-v1`. */
  name?: string;
}

/** The text of the last user message with text content, for default sampling answers. */
export function lastUserText(messages: readonly { role: string; content: unknown }[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    const blocks: unknown[] = Array.isArray(message.content) ? message.content : [message.content];
    for (const block of blocks) {
      if (message.role === 'user' && typeof block === 'object' && block !== null && 'text' in block) {
        return String(block.text);
      }
    }
  }
  return '';
}

function samplingResult(answer: string | CreateMessageResult): CreateMessageResult {
  if (typeof answer !== 'string') return answer;
  return {
    role: 'assistant',
    content: { type: 'text', text: answer },
    model: 'airlock-testkit',
    stopReason: 'endTurn',
  };
}

/** Registers the sampling/elicitation/roots handlers (and their capabilities) on a v1 client. */
export function createV1Client(options: V1ClientOptions = {}): Client {
  const client = new Client(
    { name: options.name ?? 'airlock-testkit-v1', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    const answer = options.onSampling
      ? await options.onSampling(request.params)
      : `sampled: ${lastUserText(request.params.messages)}`;
    return samplingResult(answer);
  });
  client.setRequestHandler(ElicitRequestSchema, async (request) =>
    options.onElicitation ? options.onElicitation(request.params) : { action: 'decline' },
  );
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: options.roots ?? [] }));
  return client;
}

/**
 * A v1 SDK client connected over Streamable HTTP (2025-era: initialize, Mcp-Session-Id). Note the
 * v1 transport opens the standalone GET SSE stream right after `notifications/initialized` and
 * treats a 405 answer as "server has no GET stream" without failing.
 */
export async function connectV1Client(url: string, options: V1ClientOptions = {}): Promise<Client> {
  const client = createV1Client(options);
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
  });
  await client.connect(transport);
  return client;
}
