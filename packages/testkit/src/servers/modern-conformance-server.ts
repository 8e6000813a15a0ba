import { createServer } from 'node:http';
import {
  McpServer,
  completable,
  ResourceTemplate,
  createMcpHandler,
  inputRequired,
  type CallToolResult,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import {
  closeServer,
  isLoopbackRequest,
  listen,
  MCP_PATH,
  toNodeListener,
  urlHost,
  type RunningServer,
} from '@airlock/demo';
import {
  CONFORMANCE_PNG_BASE64,
  conformancePrompts,
  conformanceToolResults,
  STATIC_TEXT,
  templateResourceText,
  textResult,
  TOOL_ERROR_TEXT,
} from './conformance-content.js';

// An independent 2026-07-28 conformance fixture: built on the v2 SDK's McpServer and served
// statelessly by its createMcpHandler (no hand-written wire code), with the names the suite's
// 2026-07-28 scenarios call. `server-stateless` (SEP-2575) looks up its diagnostic tools by name:
// test_missing_capability, test_streaming_elicitation, test_logging_tool, test_trigger_tool_change
// and test_trigger_prompt_change. The 2025-era fixture is conformance-server.ts.

const text = (value: string): CallToolResult => textResult(value);

/** What the list-mutation tools change between requests (the factory runs once per request). */
interface MutableSurface {
  extraTool: boolean;
  extraPrompt: boolean;
}

function registerContentTools(server: McpServer): void {
  const results = conformanceToolResults;
  server.registerTool(
    'test_simple_text',
    { description: 'Returns simple text content' },
    results.test_simple_text,
  );
  server.registerTool(
    'test_image_content',
    { description: 'Returns image content' },
    results.test_image_content,
  );
  server.registerTool(
    'test_audio_content',
    { description: 'Returns audio content' },
    results.test_audio_content,
  );
  server.registerTool(
    'test_multiple_content_types',
    { description: 'Returns text, image and resource content' },
    results.test_multiple_content_types,
  );
  server.registerTool(
    'test_embedded_resource',
    { description: 'Returns an embedded resource' },
    results.test_embedded_resource,
  );
  server.registerTool('test_error_handling', { description: 'Always fails' }, () => {
    throw new Error(TOOL_ERROR_TEXT);
  });
}

function registerDiagnosticTools(
  server: McpServer,
  surface: MutableSurface,
  notify: () => ServerNotifier,
): void {
  // Asks the client for sampling inside its result; the SDK refuses that with -32021 when the
  // request's client capabilities do not declare sampling (McpServer turns a thrown error into an
  // isError result, so the refusal has to come from the SDK's own check).
  server.registerTool(
    'test_missing_capability',
    { description: 'Needs the sampling client capability; without it: -32021 (SEP-2575)' },
    (ctx) => {
      if (ctx.mcpReq.inputResponses?.['llm'] !== undefined) return text('Sampled.');
      return inputRequired({
        inputRequests: {
          llm: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'capability probe' } }],
            maxTokens: 50,
          }),
        },
      });
    },
  );
  server.registerTool(
    'test_streaming_elicitation',
    { description: 'Asks for input inside its result (input_required), never as its own request' },
    (ctx) => {
      if (ctx.mcpReq.inputResponses?.['confirm'] !== undefined) return text('Confirmed.');
      return inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({
            message: 'Confirm the conformance probe?',
            requestedSchema: {
              type: 'object',
              properties: { ok: { type: 'boolean' } },
              required: ['ok'],
            },
          }),
        },
      });
    },
  );
  server.registerTool(
    'test_logging_tool',
    { description: 'Logs through the SDK, which sends it only when the request set a log level' },
    async (ctx) => {
      await ctx.mcpReq.log('info', 'test_logging_tool ran');
      return text('Logged.');
    },
  );
  server.registerTool(
    'test_trigger_tool_change',
    { description: 'Adds or removes a tool and tells the open subscriptions' },
    () => {
      surface.extraTool = !surface.extraTool;
      notify().toolsChanged();
      return text(`Extra tool ${surface.extraTool ? 'added' : 'removed'}.`);
    },
  );
  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'Adds or removes a prompt and tells the open subscriptions' },
    () => {
      surface.extraPrompt = !surface.extraPrompt;
      notify().promptsChanged();
      return text(`Extra prompt ${surface.extraPrompt ? 'added' : 'removed'}.`);
    },
  );
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50, 100 of 100' },
    async (ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (token !== undefined)
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: {
              progressToken: token,
              progress,
              total: 100,
              message: `Completed step ${progress} of 100`,
            },
          });
      }
      return text(String(token ?? 'no progress token'));
    },
  );
  if (surface.extraTool) {
    server.registerTool('test_added_tool', { description: 'Exists after test_trigger_tool_change' }, () =>
      text('added'),
    );
  }
}

function registerResourcesAndPrompts(server: McpServer, surface: MutableSurface): void {
  server.registerResource(
    'static-text',
    'test://static-text',
    { description: 'A static text resource', mimeType: 'text/plain' },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: STATIC_TEXT }],
    }),
  );
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { description: 'A static binary resource (a PNG image)', mimeType: 'image/png' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: CONFORMANCE_PNG_BASE64 }] }),
  );
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'A resource template with parameter substitution', mimeType: 'application/json' },
    (uri, { id }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: templateResourceText(String(id)),
        },
      ],
    }),
  );
  const prompts = conformancePrompts;
  server.registerPrompt(
    'test_simple_prompt',
    { description: 'A prompt without arguments' },
    prompts.test_simple_prompt,
  );
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'A prompt with two required arguments',
      argsSchema: z.object({ arg1: completable(z.string(), () => []), arg2: z.string() }),
    },
    ({ arg1, arg2 }) => prompts.test_prompt_with_arguments(arg1, arg2),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { description: 'A prompt that embeds a resource', argsSchema: z.object({ resourceUri: z.string() }) },
    ({ resourceUri }) => prompts.test_prompt_with_embedded_resource(resourceUri),
  );
  server.registerPrompt(
    'test_prompt_with_image',
    { description: 'A prompt with image content' },
    prompts.test_prompt_with_image,
  );
  if (surface.extraPrompt) {
    server.registerPrompt(
      'test_added_prompt',
      { description: 'Exists after test_trigger_prompt_change' },
      () => ({
        messages: [{ role: 'user', content: { type: 'text', text: 'added' } }],
      }),
    );
  }
}

export interface ModernConformanceHttpOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

/**
 * Serves the 2026-07-28 conformance fixture statelessly (2025-era requests are refused with the
 * SDK's unsupported-version error: this fixture speaks only the modern era).
 */
export async function startModernConformanceHttp(
  options: ModernConformanceHttpOptions = {},
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const surface: MutableSurface = { extraTool: false, extraPrompt: false };
  const factory = (): McpServer => {
    const server = new McpServer(
      { name: 'airlock-modern-conformance-fixture', version: '1.0.0' },
      {
        capabilities: {
          tools: { listChanged: true },
          prompts: { listChanged: true },
          resources: { listChanged: true },
          logging: {},
        },
      },
    );
    registerContentTools(server);
    registerDiagnosticTools(server, surface, () => handler.notify);
    registerResourcesAndPrompts(server, surface);
    return server;
  };
  const handler = createMcpHandler(factory, { legacy: 'reject' });
  const listener = toNodeListener((request) => {
    if (new URL(request.url).pathname !== MCP_PATH)
      return Promise.resolve(new Response('not found', { status: 404 }));
    return handler.fetch(request);
  });
  const http = createServer((req, res) => {
    if (isLoopbackRequest(req)) return listener(req, res);
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32000, message: 'Forbidden: Host/Origin is not a loopback address' },
      }),
    );
  });
  const port = await listen(http, host, options.port ?? 0);
  return {
    url: `http://${urlHost(host)}:${port}${MCP_PATH}`,
    async close() {
      await handler.close();
      await closeServer(http);
    },
  };
}
