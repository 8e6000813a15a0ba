#!/usr/bin/env node
// Usage: node kitchen-sink-http.js [--host 127.0.0.1] [--port N]
// Prints {"url":"http://127.0.0.1:N/mcp","pid":...} on stdout once listening.
import { startKitchenSinkHttp } from '@airlock/demo';
import { announce, parseListenArgs } from './cli-args.js';

announce(await startKitchenSinkHttp(parseListenArgs(process.argv.slice(2))));
