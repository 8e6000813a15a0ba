import type { RunningServer } from '../http/listen.js';
import { createKitchenSinkServer } from './kitchen-sink.js';
import { serveLegacyHttp } from './serve-legacy-http.js';

export interface KitchenSinkHttpOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

/** Serves the kitchen sink over stateful Streamable HTTP in this process; `url` ends in `/mcp`. */
export function startKitchenSinkHttp(options: KitchenSinkHttpOptions = {}): Promise<RunningServer> {
  return serveLegacyHttp(createKitchenSinkServer, options);
}
