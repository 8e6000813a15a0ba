import { createRequire } from 'node:module';
import { join } from 'node:path';
import { startKitchenSinkHttp, startModernHttp, VAULT_STDIO_BIN, type RunningServer } from '@airlock/demo';

export interface DemoConnection {
  readonly name: string;
  readonly summary: string;
  readonly config: Record<string, unknown>;
}

export interface DemoUpstreams {
  readonly connections: readonly DemoConnection[];
  close(): Promise<void>;
}

/**
 * The demo's MCP servers: the reference "everything" server over stdio, a 2025-era Streamable HTTP
 * server and a 2026-07-28 server, both on loopback ports (never on a public interface).
 */
export async function startDemoUpstreams(dataDir: string): Promise<DemoUpstreams> {
  const everything = createRequire(import.meta.url).resolve(
    '@modelcontextprotocol/server-everything/dist/index.js',
  );
  const servers: RunningServer[] = [];
  try {
    const kitchen = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
    servers.push(kitchen);
    const modern = await startModernHttp({ host: '127.0.0.1', port: 0, legacy: 'reject' });
    servers.push(modern);
    return {
      connections: [
        {
          name: 'everything',
          summary: 'stdio  @modelcontextprotocol/server-everything, one process per session',
          config: { transport: 'stdio', command: process.execPath, args: [everything, 'stdio'] },
        },
        {
          name: 'vault',
          summary: 'stdio  demo vault: secrets and personal data, destructive tools, a tool that changes',
          config: {
            transport: 'stdio',
            command: process.execPath,
            args: [VAULT_STDIO_BIN, join(dataDir, 'vault')],
            aws: { inject: true, region: 'eu-west-1' },
          },
        },
        {
          name: 'kitchen',
          summary: `http   2025-era Streamable HTTP server at ${kitchen.url}`,
          config: { transport: 'http', url: kitchen.url },
        },
        {
          name: 'modern',
          summary: `http   2026-07-28 server at ${modern.url}`,
          config: { transport: 'http', url: modern.url, eras: ['modern'] },
        },
      ],
      close: async () => {
        await Promise.all(servers.map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    throw error;
  }
}
