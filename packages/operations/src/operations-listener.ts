import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenFailure } from '@airlock/core';
import type { Registry } from 'prom-client';
import { serveHealth } from './health/health-routes.js';
import type { Readiness } from './health/readiness.js';

export interface OperationsListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly readiness: Readiness;
  /** Added to the `/healthz` body (e.g. the role). */
  readonly health?: () => Record<string, unknown>;
}

export interface OperationsListener {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The operations listener: `/metrics` (Prometheus text format), `/healthz`, `/readyz`. Separate
 * from the public MCP port so a scraper needs no MCP access and the metrics are not public.
 */
export async function startOperationsListener(
  options: OperationsListenerOptions,
): Promise<OperationsListener> {
  const { registry, readiness } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    if (serveHealth(req, res, path, readiness, options.health)) return;
    req.resume();
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`collecting metrics failed: ${String(error)}\n`);
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: `Nothing is served at ${path} on the operations listener; it serves /metrics, /healthz and /readyz.`,
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        listenFailure(
          cause,
          'the operations listener',
          `${options.host}:${options.port}`,
          'operations.listen',
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
