import type { DemoConnection } from './demo-upstreams.js';

/** What `airlock dev` tells the person who started it: where to point a client, and how. */
export function devBanner(options: {
  url: string;
  connections: readonly DemoConnection[];
  tunnelPort: number;
  dataDir: string;
}): string {
  const { url, connections } = options;
  const width = Math.max(...connections.map((c) => c.name.length));
  const first = connections[0]?.name ?? 'everything';
  const lines = [
    '',
    'Airlock dev is running.',
    '  Unauthenticated: this gateway accepts requests without identity, so it listens on loopback only.',
    '',
    '  MCP endpoints (Streamable HTTP):',
    ...connections.map(
      (c) => `    ${c.name.padEnd(width)}  ${url}/mcp/${c.name}\n    ${' '.repeat(width)}  ${c.summary}`,
    ),
    '',
    '  Connect a client, for example:',
    `    claude mcp add --transport http ${first} ${url}/mcp/${first}`,
    `    { "mcpServers": { "${first}": { "type": "http", "url": "${url}/mcp/${first}" } } }`,
    `    npx @modelcontextprotocol/inspector   (transport "Streamable HTTP", URL ${url}/mcp/${first})`,
    '',
    `  Tunnel: agent "dev-agent" dialled 127.0.0.1:${options.tunnelPort} over TLS (certificate in ${options.dataDir}).`,
    '  Press Ctrl-C to stop.',
    '',
    'airlock dev: ready',
    '',
  ];
  return lines.join('\n');
}
