import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, fromJsonSchema, McpServer } from '@modelcontextprotocol/server';
import { nodeHandler } from './node-fetch-adapter.js';

export interface ModernServer {
  readonly url: string;
  /** tools/call arguments the server saw, in order. */
  readonly calls: Record<string, unknown>[];
  /** How many `wait` calls were cancelled because the client went away. */
  readonly aborted: { count: number };
  close(): Promise<void>;
}

/**
 * A 2026-07-28 (modern-era only) MCP server from the v2 SDK, in process on 127.0.0.1:
 * `echo` (with an `x-mcp-header` parameter, so `Mcp-Param-Region` is checked against the body),
 * `progress` (sends progress first, which turns the answer into an SSE stream) and `wait`
 * (answers only when aborted or after 30 s).
 */
// `x-mcp-header` (SEP-2243) is an MCP extension keyword the JSON Schema type does not know.
const echoSchema = {
  type: 'object',
  properties: { text: { type: 'string' }, region: { type: 'string', 'x-mcp-header': 'Region' } },
  required: ['text'],
} as Parameters<typeof fromJsonSchema>[0];

export async function startModernServer(): Promise<ModernServer> {
  const calls: Record<string, unknown>[] = [];
  const aborted = { count: 0 };
  const handler = createMcpHandler(
    () => {
      const server = new McpServer({ name: 'modern-test', version: '1.0.0' });
      server.registerTool(
        'echo',
        {
          description: 'Echoes text back',
          inputSchema: fromJsonSchema<{ text: string; region?: string }>(echoSchema),
        },
        async (args) => {
          calls.push(args);
          return { content: [{ type: 'text', text: `echo: ${args.text}` }] };
        },
      );
      server.registerTool(
        'progress',
        {
          description: 'Reports progress, then answers',
          inputSchema: fromJsonSchema<{ steps: number }>({
            type: 'object',
            properties: { steps: { type: 'number' } },
          }),
        },
        async (args, ctx) => {
          const token = ctx.mcpReq._meta?.progressToken;
          for (let i = 1; i <= args.steps; i++) {
            if (token !== undefined) {
              await ctx.mcpReq.notify({
                method: 'notifications/progress',
                params: { progressToken: token, progress: i, total: args.steps },
              });
            }
          }
          return { content: [{ type: 'text', text: `done after ${args.steps} steps` }] };
        },
      );
      server.registerTool('wait', { description: 'Waits until cancelled' }, async (ctx) => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 30_000);
          ctx.mcpReq.signal.addEventListener('abort', () => {
            aborted.count++;
            clearTimeout(timer);
            resolve();
          });
        });
        return { content: [{ type: 'text', text: 'waited' }] };
      });
      return server;
    },
    { legacy: 'reject' },
  );
  const http: Server = createServer((req, res) => void nodeHandler(handler.fetch)(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    aborted,
    close: async () => {
      await handler.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
