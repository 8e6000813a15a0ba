#!/usr/bin/env node
// Usage: node kitchen-sink-stdio.js — speaks MCP (2025 era) as newline-delimited JSON-RPC on stdin/stdout.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createKitchenSinkServer } from '@airlock/demo';

const server = createKitchenSinkServer();
await server.connect(new StdioServerTransport());
// The transport does not watch for EOF: exit when the client closes our stdin, like a real stdio server.
process.stdin.once('end', () => {
  void server.close().finally(() => process.exit(0));
});
