import type { HttpConnectionConfig } from '@airlock/core';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';

/** One request to the upstream's origin, as undici's `Dispatcher.request` takes it. */
export type UpstreamRequest = (options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/** What every HTTP upstream session of one connection shares (or one session: its signing). */
export interface HttpTarget {
  readonly name: string;
  readonly config: HttpConnectionConfig;
  /** config.headers with lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Sends one request to the server's origin (its keep-alive pool), signed with SigV4 when the
   * connection asks for it.
   */
  readonly request: UpstreamRequest;
  /** Path and query of the MCP endpoint (config.url without the origin). */
  readonly path: string;
  readonly maxMessageBytes: number;
  readonly logger: Logger;
}

/** Why a request failed, for messages: undici's error codes are more telling than its messages. */
export function describeFailure(error: unknown): string {
  const err = error as { code?: string; message?: string; cause?: { code?: string } };
  return err.cause?.code ?? err.code ?? err.message ?? String(error);
}

export function lowerCaseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const lowered: Record<string, string> = {};
  for (const name in headers) lowered[name.toLowerCase()] = headers[name]!;
  return lowered;
}
