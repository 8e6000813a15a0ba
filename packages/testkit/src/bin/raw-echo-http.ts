#!/usr/bin/env node
// Usage: node raw-echo-http.js [--host 127.0.0.1] [--port N]
// Prints {"url":"http://127.0.0.1:N/mcp","pid":...} on stdout once listening.
import { startRawEchoHttp } from '../http/raw-echo-http.js';
import { announce, parseListenArgs } from './cli-args.js';

announce(await startRawEchoHttp(parseListenArgs(process.argv.slice(2))));
