import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A deliberately naive HTTP MCP server (2025 era, JSON answers, no sessions) whose JSON parser
 * keeps the FIRST copy of a duplicated key, as some real parsers do; JSON.parse keeps the last.
 * It logs every tool it executes, so a test can see what a request really ran. Its tools:
 * `echo` and `get-env` (the one policy forbids), plus `deep` and `duplicate`, which answer with a
 * result nested 50,000 levels deep or carrying a duplicated key, for the agent's side.
 */
export interface FirstWinsUpstream {
  readonly url: string;
  /** Tool names in the order they were executed. */
  readonly executed: string[];
  close(): Promise<void>;
}

export async function startFirstWinsUpstream(): Promise<FirstWinsUpstream> {
  const executed: string[] = [];
  const server: Server = createServer((req, res) => {
    void readText(req).then((text) => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const message = parseFirstWins(text) as {
        id?: unknown;
        method?: string;
        params?: Record<string, unknown>;
      };
      if (message.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      const answer = (result: string): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${result}}`);
      };
      switch (message.method) {
        case 'initialize':
          answer(
            JSON.stringify({
              protocolVersion: (message.params?.['protocolVersion'] as string | undefined) ?? '2025-11-25',
              capabilities: { tools: {} },
              serverInfo: { name: 'first-wins', version: '1.0.0' },
            }),
          );
          return;
        case 'tools/list':
          answer(
            JSON.stringify({
              tools: ['echo', 'get-env', 'deep', 'duplicate'].map((name) => ({
                name,
                inputSchema: { type: 'object' },
              })),
            }),
          );
          return;
        case 'tools/call': {
          const name = String(message.params?.['name']);
          executed.push(name);
          if (name === 'deep')
            answer(`{"content":[],"structuredContent":${'['.repeat(50_000)}${']'.repeat(50_000)}}`);
          else if (name === 'duplicate') answer('{"content":[{"type":"text","text":"one","text":"two"}]}');
          else answer(JSON.stringify({ content: [{ type: 'text', text: `${name} ran` }] }));
          return;
        }
        default:
          answer('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    executed,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON.parse, except that an object keeps the first value of a repeated key. */
export function parseFirstWins(text: string): unknown {
  let i = 0;
  const space = (): void => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      space();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        space();
        const key = value() as string;
        space();
        i++; // ':'
        const v = value();
        if (!Object.hasOwn(out, key)) out[key] = v;
        space();
        if (text[i++] === '}') return out;
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        space();
        if (text[i++] === ']') return out;
      }
    }
    // A scalar: find where it ends and let JSON.parse read it.
    const start = i;
    if (c === '"') {
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i] as string)) i++;
    }
    return JSON.parse(text.slice(start, i));
  };
  return value();
}
