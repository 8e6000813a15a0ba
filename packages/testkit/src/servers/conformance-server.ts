import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type GetPromptResult,
  type ReadResourceResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { serveLegacyHttp, type RunningServer } from '@airlock/demo';
import { createMemoryEventStore } from '../http/memory-event-store.js';
import {
  CONFORMANCE_PNG_BASE64,
  conformancePrompts,
  conformanceToolResults,
  STATIC_TEXT,
  templateResourceText,
  textResult,
  TOOL_ERROR_TEXT,
} from './conformance-content.js';

export { CONFORMANCE_PNG_BASE64, CONFORMANCE_WAV_BASE64 } from './conformance-content.js';

// The names, URIs and texts below are what the server scenarios of @modelcontextprotocol/conformance
// call and compare (each scenario's description in the CLI's dist states its fixture requirements).
// The low-level v1 `Server` is used instead of `McpServer` so tools/list can return input schemas
// verbatim: the json-schema-2020-12 scenario checks that `$defs`, `$anchor`, `if/then/else` survive.

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type ToolHandler = (args: Record<string, unknown>, extra: Extra) => Promise<CallToolResult> | CallToolResult;

const NO_ARGS = { type: 'object', properties: {} } as const satisfies Tool['inputSchema'];

const JSON_SCHEMA_2020_12: Tool['inputSchema'] = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

const text = (value: string): CallToolResult => textResult(value);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function elicit(
  extra: Extra,
  message: string,
  requestedSchema: Record<string, unknown>,
): Promise<string> {
  const result = await extra.sendRequest(
    { method: 'elicitation/create', params: { mode: 'form', message, requestedSchema } as never },
    ElicitResultSchema,
  );
  return `action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
}

interface ToolEntry {
  tool: Tool;
  run: ToolHandler;
}

function tools(): ToolEntry[] {
  const entry = (
    name: string,
    description: string,
    run: ToolHandler,
    inputSchema: Tool['inputSchema'] = NO_ARGS,
  ) => ({
    tool: { name, description, inputSchema },
    run,
  });
  const progress = async (extra: Extra, progressToken: string | number | undefined, value: number) => {
    if (progressToken === undefined) return;
    await extra.sendNotification({
      method: 'notifications/progress',
      params: { progressToken, progress: value, total: 100, message: `Completed step ${value} of 100` },
    });
  };
  const log = (extra: Extra, data: string) =>
    extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data } });

  return [
    entry('test_simple_text', 'Returns simple text content', conformanceToolResults.test_simple_text),
    entry('test_image_content', 'Returns image content', conformanceToolResults.test_image_content),
    entry('test_audio_content', 'Returns audio content', conformanceToolResults.test_audio_content),
    entry(
      'test_embedded_resource',
      'Returns an embedded resource',
      conformanceToolResults.test_embedded_resource,
    ),
    entry(
      'test_multiple_content_types',
      'Returns text, image and resource content',
      conformanceToolResults.test_multiple_content_types,
    ),
    entry(
      'test_tool_with_logging',
      'Sends three info log messages during execution',
      async (_args, extra) => {
        await log(extra, 'Tool execution started');
        await sleep(50);
        await log(extra, 'Tool processing data');
        await sleep(50);
        await log(extra, 'Tool execution completed');
        return text('Tool with logging executed successfully');
      },
    ),
    entry('test_tool_with_progress', 'Reports progress 0, 50, 100 of 100', async (_args, extra) => {
      const token = extra._meta?.progressToken;
      await progress(extra, token, 0);
      await sleep(50);
      await progress(extra, token, 50);
      await sleep(50);
      await progress(extra, token, 100);
      return text(String(token ?? 'no progress token'));
    }),
    entry('test_error_handling', 'Always fails', () => {
      throw new Error(TOOL_ERROR_TEXT);
    }),
    entry(
      'test_reconnection',
      'Closes its SSE stream mid-call; the client must reconnect (SEP-1699)',
      async (_args, extra) => {
        extra.closeSSEStream?.();
        await sleep(100);
        return text('Reconnection test completed successfully.');
      },
    ),
    entry(
      'test_sampling',
      'Requests LLM sampling from the client',
      async (args, extra) => {
        const result = await extra.sendRequest(
          {
            method: 'sampling/createMessage',
            params: {
              messages: [{ role: 'user', content: { type: 'text', text: String(args['prompt']) } }],
              maxTokens: 100,
            },
          },
          CreateMessageResultSchema,
        );
        const answer = result.content.type === 'text' ? result.content.text : `(${result.content.type})`;
        return text(`LLM response: ${answer}`);
      },
      {
        type: 'object',
        properties: { prompt: { type: 'string', description: 'The prompt to send' } },
        required: ['prompt'],
      },
    ),
    entry(
      'test_elicitation',
      'Requests user input from the client',
      async (args, extra) =>
        text(
          `User response: ${await elicit(extra, String(args['message']), {
            type: 'object',
            properties: {
              username: { type: 'string', description: "User's response" },
              email: { type: 'string', description: "User's email address" },
            },
            required: ['username', 'email'],
          })}`,
        ),
      {
        type: 'object',
        properties: { message: { type: 'string', description: 'The message to show' } },
        required: ['message'],
      },
    ),
    entry(
      'test_elicitation_sep1034_defaults',
      'Elicitation with defaults for every primitive type',
      async (_args, extra) =>
        text(
          `Elicitation completed: ${await elicit(
            extra,
            'Please review and update the form fields with defaults',
            {
              type: 'object',
              properties: {
                name: { type: 'string', description: 'User name', default: 'John Doe' },
                age: { type: 'integer', description: 'User age', default: 30 },
                score: { type: 'number', description: 'User score', default: 95.5 },
                status: {
                  type: 'string',
                  description: 'User status',
                  enum: ['active', 'inactive', 'pending'],
                  default: 'active',
                },
                verified: { type: 'boolean', description: 'Verification status', default: true },
              },
              required: [],
            },
          )}`,
        ),
    ),
    entry(
      'test_elicitation_sep1330_enums',
      'Elicitation with all five enum schema variants',
      async (_args, extra) => {
        const titled = (prefix: string, labels: string[]) =>
          labels.map((title, i) => ({ const: `${prefix}${i + 1}`, title }));
        return text(
          `Elicitation completed: ${await elicit(extra, 'Please select options from the enum fields', {
            type: 'object',
            properties: {
              untitledSingle: {
                type: 'string',
                description: 'Select one option',
                enum: ['option1', 'option2', 'option3'],
              },
              titledSingle: {
                type: 'string',
                description: 'Select one option with titles',
                oneOf: titled('value', ['First Option', 'Second Option', 'Third Option']),
              },
              legacyEnum: {
                type: 'string',
                description: 'Select one option (legacy)',
                enum: ['opt1', 'opt2', 'opt3'],
                enumNames: ['Option One', 'Option Two', 'Option Three'],
              },
              untitledMulti: {
                type: 'array',
                description: 'Select multiple options',
                minItems: 1,
                maxItems: 3,
                items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
              },
              titledMulti: {
                type: 'array',
                description: 'Select multiple options with titles',
                minItems: 1,
                maxItems: 3,
                items: { anyOf: titled('value', ['First Choice', 'Second Choice', 'Third Choice']) },
              },
            },
            required: [],
          })}`,
        );
      },
    ),
    entry(
      'json_schema_2020_12_tool',
      'Tool whose input schema uses JSON Schema 2020-12 keywords (SEP-1613, SEP-2106)',
      (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
      JSON_SCHEMA_2020_12,
    ),
  ];
}

const STATIC_RESOURCES = [
  {
    uri: 'test://static-text',
    name: 'static-text',
    description: 'A static text resource',
    mimeType: 'text/plain',
    read: { text: STATIC_TEXT },
  },
  {
    uri: 'test://static-binary',
    name: 'static-binary',
    description: 'A static binary resource (a PNG image)',
    mimeType: 'image/png',
    read: { blob: CONFORMANCE_PNG_BASE64 },
  },
  {
    uri: 'test://watched-resource',
    name: 'watched-resource',
    description: 'A resource clients can subscribe to',
    mimeType: 'text/plain',
    read: { text: 'Watched resource content' },
  },
] as const;

const TEMPLATE = /^test:\/\/template\/([^/]+)\/data$/;

function readResource(uri: string): ReadResourceResult {
  const known = STATIC_RESOURCES.find((r) => r.uri === uri);
  if (known) return { contents: [{ uri, mimeType: known.mimeType, ...known.read }] };
  const id = TEMPLATE.exec(uri)?.[1];
  if (id !== undefined) {
    return {
      contents: [
        {
          uri,
          mimeType: 'application/json',
          text: templateResourceText(id),
        },
      ],
    };
  }
  throw new McpError(-32002, `Resource not found: ${uri}`, { uri });
}

const PROMPTS = [
  { name: 'test_simple_prompt', description: 'A prompt without arguments' },
  {
    name: 'test_prompt_with_arguments',
    description: 'A prompt with two required arguments',
    arguments: [
      { name: 'arg1', description: 'First test argument', required: true },
      { name: 'arg2', description: 'Second test argument', required: true },
    ],
  },
  {
    name: 'test_prompt_with_embedded_resource',
    description: 'A prompt that embeds a resource',
    arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
  },
  { name: 'test_prompt_with_image', description: 'A prompt with image content' },
];

function getPrompt(name: string, args: Record<string, string>): GetPromptResult {
  switch (name) {
    case 'test_simple_prompt':
      return conformancePrompts.test_simple_prompt();
    case 'test_prompt_with_arguments':
      return conformancePrompts.test_prompt_with_arguments(args['arg1'], args['arg2']);
    case 'test_prompt_with_embedded_resource':
      return conformancePrompts.test_prompt_with_embedded_resource(
        args['resourceUri'] ?? 'test://embedded-resource',
      );
    case 'test_prompt_with_image':
      return conformancePrompts.test_prompt_with_image();
    default:
      throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
  }
}

/** The upstream fixture the conformance server scenarios target (one instance per session). */
export function createConformanceServer(): Server {
  const server = new Server(
    { name: 'airlock-conformance-fixture', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
    },
  );
  const toolTable = tools();
  const subscriptions = new Set<string>();

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolTable.map((t) => t.tool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const entry = toolTable.find((t) => t.tool.name === request.params.name);
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    try {
      return await entry.run(request.params.arguments ?? {}, extra);
    } catch (error) {
      // Tool failures are results with isError, not JSON-RPC errors: the model should see them.
      return {
        isError: true,
        content: [{ type: 'text', text: error instanceof Error ? error.message : String(error) }],
      };
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: STATIC_RESOURCES.map(({ uri, name, description, mimeType }) => ({
      uri,
      name,
      description,
      mimeType,
    })),
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: 'test://template/{id}/data',
        name: 'template',
        description: 'A resource template with parameter substitution',
        mimeType: 'application/json',
      },
    ],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => readResource(request.params.uri));
  server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: PROMPTS }));
  server.setRequestHandler(GetPromptRequestSchema, (request) =>
    getPrompt(request.params.name, request.params.arguments ?? {}),
  );

  server.setRequestHandler(SetLevelRequestSchema, async (request, extra) => {
    await extra.sendNotification({
      method: 'notifications/message',
      params: {
        level: 'info',
        logger: 'conformance-fixture',
        data: `Log level set to: ${request.params.level}`,
      },
    });
    return {};
  });
  server.setRequestHandler(CompleteRequestSchema, () => ({
    completion: { values: [], total: 0, hasMore: false },
  }));

  return server;
}

export interface ConformanceHttpOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

/**
 * Serves the conformance fixture over stateful Streamable HTTP, with DNS-rebinding protection
 * (loopback Host/Origin only) and an event store so SSE streams are resumable (SEP-1699).
 */
export function startConformanceHttp(options: ConformanceHttpOptions = {}): Promise<RunningServer> {
  return serveLegacyHttp(createConformanceServer, {
    ...options,
    loopbackOnly: true,
    eventStore: () => createMemoryEventStore(),
    retryInterval: 500,
  });
}
