import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A load balancer as a cloud one behaves without stickiness: every HTTP request goes to the next
 * backend in turn (round-robin), streaming both ways. A backend that refuses the connection is
 * skipped for that request (the balancer's health check, in one line). Loopback only.
 */
export interface RoundRobinBalancer {
  readonly url: string;
  /** Which backend served each request, in order (index into `backends`). */
  readonly served: number[];
  backends: string[];
  close(): Promise<void>;
}

export async function startRoundRobinBalancer(
  backends: string[],
  options: { readonly port?: number } = {},
): Promise<RoundRobinBalancer> {
  let next = 0;
  const served: number[] = [];
  const balancer: RoundRobinBalancer = {
    url: '',
    served,
    backends: [...backends],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const attempt = (tries: number): void => {
      const index = next++ % balancer.backends.length;
      const target = new URL(req.url ?? '/', balancer.backends[index]);
      const out = request(target, { method: req.method, headers: req.headers });
      out.on('response', (answer) => {
        served.push(index);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        answer.pipe(res);
      });
      out.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' && tries < balancer.backends.length) attempt(tries + 1);
        else if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      res.on('close', () => {
        if (!res.writableFinished) out.destroy();
      });
      // The body is buffered only to replay it on a refused backend (MCP bodies are small).
      out.end(body);
    };
    const chunks: Buffer[] = [];
    let body: Buffer;
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      body = Buffer.concat(chunks);
      attempt(1);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  (balancer as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return balancer;
}
