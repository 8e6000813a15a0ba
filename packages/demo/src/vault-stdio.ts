#!/usr/bin/env node
// Usage: node vault-stdio.js — the `vault` demo MCP server over stdio. VAULT_STATE_DIR (or the
// first argument) names where the weather tool's description is kept between sessions.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createVaultServer } from './vault-server.js';

const stateDir = process.argv[2] ?? process.env['VAULT_STATE_DIR'] ?? join(tmpdir(), 'airlock-demo-vault');
const server = createVaultServer(stateDir);
await server.connect(new StdioServerTransport());
// The transport does not watch for EOF: exit when the client closes stdin, like a real stdio server.
process.stdin.once('end', () => {
  void server.close().finally(() => process.exit(0));
});
