import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * The 2026-07-28 test server's definition (v2 SDK). `createMcpHandler` calls this factory once per
 * HTTP request, for both eras, so it must be cheap and hold no state.
 */
export function createModernServer(): McpServer {
  const server = new McpServer({ name: 'airlock-modern', version: '1.0.0' });

  server.registerTool(
    'echo',
    { description: 'Returns its text', inputSchema: z.object({ text: z.string() }) },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );

  server.registerTool(
    'progress',
    {
      description: 'Sends one notifications/progress per step during the call',
      inputSchema: z.object({ steps: z.number().int().min(0), delayMs: z.number().int().min(0).default(0) }),
    },
    async ({ steps, delayMs }, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      // Pause after each notification (not before): see the kitchen sink's progress tool for why.
      for (let step = 1; step <= steps; step++) {
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress: step, total: steps, message: `step ${step} of ${steps}` },
          });
        }
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      return { content: [{ type: 'text', text: `completed ${steps} steps` }] };
    },
  );

  server.registerResource(
    'readme',
    'modern://readme',
    { title: 'Modern readme', mimeType: 'text/plain' },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Served statelessly, 2026-07-28.' }],
    }),
  );

  server.registerPrompt(
    'greet',
    { description: 'Greets someone', argsSchema: z.object({ name: z.string() }) },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello, ${name}!` } }] }),
  );

  return server;
}
