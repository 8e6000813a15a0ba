import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Fetch } from './authorized-fetch.js';
import { gatewayRefusal } from './gateway-refusal.js';

export interface StdioRelayOptions {
  /** The gateway's MCP endpoint of the connection. */
  readonly url: string;
  readonly fetch: Fetch;
  /** Diagnostics (stderr: stdout carries the protocol). */
  readonly log: (line: string) => void;
}

type Id = string | number;

function requestId(message: JSONRPCMessage): Id | undefined {
  return 'method' in message && 'id' in message ? (message.id as Id) : undefined;
}

/**
 * Newline-delimited JSON-RPC on stdin/stdout relayed, message for message, to the gateway's
 * Streamable HTTP endpoint. The SDK's client transport keeps the session id, opens the GET stream
 * after initialization and ends the session on close; this relay only watches `initialize` to
 * learn the negotiated protocol version (the transport sends it as a header on later requests),
 * and answers a request the gateway could not take with a JSON-RPC error, so the client does not
 * wait forever.
 */
export async function runStdioRelay(options: StdioRelayOptions): Promise<{ closed: Promise<void> }> {
  const http = new StreamableHTTPClientTransport(new URL(options.url), { fetch: options.fetch });
  const stdio = new StdioServerTransport();
  const initializeIds = new Set<Id>();
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing = false;
  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    // Ends the gateway session (DELETE) when there is one, then stops.
    await http.terminateSession().catch(() => undefined);
    await http.close().catch(() => undefined);
    await stdio.close().catch(() => undefined);
    resolveClosed();
  };

  stdio.onmessage = (message) => {
    const id = requestId(message);
    if (id !== undefined && 'method' in message && message.method === 'initialize') initializeIds.add(id);
    http.send(message).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      options.log(`airlock connect: ${reason}`);
      if (id === undefined) return;
      // The gateway's own refusal goes to the client as it was sent; anything else means no answer.
      void stdio.send({
        jsonrpc: '2.0',
        id,
        error: gatewayRefusal(error) ?? {
          code: -32603,
          message: `airlock connect could not reach the gateway: ${reason}`,
        },
      });
    });
  };
  http.onmessage = (message) => {
    if ('id' in message && !('method' in message) && initializeIds.delete(message.id as Id)) {
      const version = (message as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
      if (typeof version === 'string') http.setProtocolVersion(version);
    }
    stdio.send(message).catch((error: unknown) => options.log(`airlock connect: stdout: ${String(error)}`));
  };
  http.onerror = (error) => options.log(`airlock connect: ${error.message}`);
  stdio.onerror = (error) => options.log(`airlock connect: stdin: ${error.message}`);
  stdio.onclose = () => void close();
  process.stdin.once('end', () => void close());

  await http.start();
  await stdio.start();
  return { closed };
}
