import type { HttpConnectionConfig, SessionOpenRequest } from '@airlock/core';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import { eraMismatch } from './era-check.js';
import { failedSession } from './failed-session.js';
import { HttpExchangeUpstream } from './http-exchange-upstream.js';
import { HttpSessionUpstream } from './http-session-upstream.js';
import { lowerCaseHeaders, type HttpTarget } from './http-target.js';
import type { UpstreamConnector, UpstreamSession, UpstreamSink } from './upstream.js';

export interface HttpConnectorOptions {
  readonly name: string;
  readonly config: HttpConnectionConfig;
  readonly logger: Logger;
  /** Largest single message accepted from the server. */
  readonly maxMessageBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Talks to one Streamable HTTP MCP server: legacy sessions (a faithful Streamable HTTP client)
 * and modern-era exchanges (one POST each). One keep-alive pool per connection: it is the hot
 * path, and reusing warm sockets is most of the latency budget.
 */
export class HttpConnector implements UpstreamConnector {
  readonly transport = 'http' as const;
  private readonly target: HttpTarget;
  private readonly pool: Pool;

  constructor(options: HttpConnectorOptions) {
    const url = new URL(options.config.url);
    this.pool = new Pool(url.origin, {
      keepAliveTimeout: 30_000,
      headersTimeout: options.config.timeoutMs,
      bodyTimeout: options.config.timeoutMs,
    });
    this.target = {
      name: options.name,
      config: options.config,
      headers: lowerCaseHeaders(options.config.headers),
      dispatcher: this.pool,
      path: `${url.pathname}${url.search}`,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      logger: options.logger,
    };
  }

  open(request: SessionOpenRequest, sink: UpstreamSink): UpstreamSession {
    const mismatch = eraMismatch(this.target.name, this.target.config.eras, request);
    if (mismatch) return failedSession(sink, mismatch);
    return request.kind === 'exchange'
      ? new HttpExchangeUpstream(this.target, request, sink)
      : new HttpSessionUpstream(this.target, request, sink);
  }

  async close(): Promise<void> {
    // Sessions are closed first (DELETE sent); what is left are idle sockets or abandoned streams.
    await this.pool.destroy();
  }
}
