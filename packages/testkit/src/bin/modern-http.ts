#!/usr/bin/env node
// Usage: node modern-http.js [--host 127.0.0.1] [--port N] [--legacy stateless|reject]
// Prints {"url":"http://127.0.0.1:N/mcp","pid":...} on stdout once listening.
import { startModernHttp } from '@airlock/demo';
import { announce, parseListenArgs } from './cli-args.js';

const args = process.argv.slice(2);
const legacyAt = args.indexOf('--legacy');
const legacy = legacyAt === -1 ? 'stateless' : args[legacyAt + 1];
if (legacy !== 'stateless' && legacy !== 'reject') throw new Error('--legacy must be stateless or reject');
if (legacyAt !== -1) args.splice(legacyAt, 2);
announce(await startModernHttp({ ...parseListenArgs(args), legacy }));
