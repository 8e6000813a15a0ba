#!/usr/bin/env node
// Usage: node modern-conformance-http.js [--host 127.0.0.1] [--port N]
// Prints {"url":"http://127.0.0.1:N/mcp","pid":...} on stdout once listening.
import { startModernConformanceHttp } from '../servers/modern-conformance-server.js';
import { announce, parseListenArgs } from './cli-args.js';

announce(await startModernConformanceHttp(parseListenArgs(process.argv.slice(2))));
