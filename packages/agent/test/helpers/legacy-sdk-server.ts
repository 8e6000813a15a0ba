import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  StreamableHTTPServerTransport,
  type EventStore,
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** Keeps every event so a dropped stream can resume (Last-Event-ID). */
class MemoryEventStore implements EventStore {
  private readonly events: { id: string; streamId: string; message: JSONRPCMessage }[] = [];

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}_${this.events.length}`;
    this.events.push({ id, streamId, message });
    return id;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const index = this.events.findIndex((e) => e.id === lastEventId);
    const streamId = this.events[index]?.streamId ?? '';
    for (const event of this.events.slice(index + 1)) {
      if (event.streamId === streamId) await send(event.id, event.message);
    }
    return streamId;
  }
}

export interface LegacySdkServer {
  readonly url: string;
  /** The Last-Event-ID of every GET stream request (undefined for a fresh stream). */
  readonly getRequests: (string | undefined)[];
  /** Sends a logging notification to every session (it travels on the GET stream). */
  log(text: string): Promise<void>;
  /** Closes every GET stream from the server side (a dropped connection, SEP-1699 style). */
  dropGetStreams(): void;
  /** Drops every session, as a restarted server would: their ids now get 404. */
  forgetSessions(): void;
  close(): Promise<void>;
}

/**
 * A stateful 2025-era server from the v1 SDK with the session routing the spec asks for
 * (unknown session id → 404), which server-everything's own routing does not do (it answers 400).
 */
export async function startLegacySdkServer(): Promise<LegacySdkServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const servers = new Map<string, McpServer>();
  const getRequests: (string | undefined)[] = [];
  const http: Server = createServer((req: IncomingMessage, res) => {
    void (async () => {
      const sessionId = req.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const transport = transports.get(sessionId);
        if (!transport) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              jsonrpc: '2.0',
              error: { code: -32001, message: 'Session not found' },
              id: null,
            }),
          );
          return;
        }
        if (req.method === 'GET') {
          const lastEventId = req.headers['last-event-id'];
          getRequests.push(typeof lastEventId === 'string' ? lastEventId : undefined);
        }
        await transport.handleRequest(req, res);
        return;
      }
      const server = new McpServer(
        { name: 'legacy-sdk', version: '1.0.0' },
        { capabilities: { logging: {} } },
      );
      server.registerTool('ping-tool', { description: 'answers pong' }, async () => ({
        content: [{ type: 'text', text: 'pong' }],
      }));
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new MemoryEventStore(),
        retryInterval: 50,
        onsessioninitialized: (id) => {
          transports.set(id, transport);
          servers.set(id, server);
        },
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
    })();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    getRequests,
    log: async (text) => {
      for (const server of servers.values())
        await server.server.sendLoggingMessage({ level: 'info', data: text });
    },
    dropGetStreams: () => {
      for (const transport of transports.values()) transport.closeStandaloneSSEStream();
    },
    forgetSessions: () => {
      for (const transport of transports.values()) void transport.close();
      transports.clear();
      servers.clear();
    },
    close: async () => {
      for (const transport of transports.values()) await transport.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
