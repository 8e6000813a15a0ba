import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Serves a fetch-style handler (`(Request) => Promise<Response>`, as the v2 SDK's
 * `createMcpHandler` returns) from node:http, streaming the response body so SSE works and a
 * client that goes away cancels the handler's stream.
 */
export function nodeHandler(fetchHandler: (request: Request) => Promise<Response>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const response = await fetchHandler(
      new Request(`http://127.0.0.1${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        signal: controller.signal,
        ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) {
      res.end();
      return;
    }
    const reader = response.body.getReader();
    res.on('close', () => void reader.cancel().catch(() => undefined));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) await new Promise((resolve) => res.once('drain', resolve));
      }
    } catch {
      // The client went away.
    }
    res.end();
  };
}
