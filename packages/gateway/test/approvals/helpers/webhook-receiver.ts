import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver does with one request, in arrival order; after the script runs out: 200. */
export type ReceiverAnswer =
  { readonly status: number; readonly body?: string; readonly headers?: Record<string, string> } | 'hang';

export interface ReceivedDelivery {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  readonly body: Buffer;
  readonly answeredWith: number | 'hang';
}

/**
 * A real HTTP webhook receiver on 127.0.0.1: records every request (body as raw bytes, so the
 * signature is checked on what was sent) and answers from a script.
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  private readonly hung: ServerResponse[] = [];

  private constructor(
    private readonly server: Server,
    private readonly script: ReceiverAnswer[],
  ) {}

  static async start(script: ReceiverAnswer[] = []): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server, [...script]);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = receiver.script.shift() ?? { status: 200, body: 'ok' };
        receiver.received.push({
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks),
          answeredWith: answer === 'hang' ? 'hang' : answer.status,
        });
        if (answer === 'hang') {
          receiver.hung.push(res);
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hooks/approvals'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
