import { AirlockError } from '../errors/airlock-error.js';
import type { JsonRpcMessage } from './jsonrpc.js';
import { parseUntrustedJson } from './untrusted-json.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Checks that a parsed value is one JSON-RPC 2.0 message. Hand-written rather than a schema
 * library because it runs on every message in the hot path; it checks the envelope only, the
 * MCP payload is the endpoints' business.
 */
export function assertJsonRpcMessage(value: unknown): JsonRpcMessage {
  if (!isPlainObject(value) || value['jsonrpc'] !== '2.0') {
    throw new AirlockError(
      'invalid_request',
      'The body is not a JSON-RPC 2.0 message: expected an object with "jsonrpc": "2.0". Send one JSON-RPC request, notification or response per POST.',
    );
  }
  const hasId = 'id' in value;
  if ('method' in value) {
    if (typeof value['method'] !== 'string' || value['method'].length === 0) {
      throw new AirlockError('invalid_request', 'The JSON-RPC "method" must be a non-empty string.');
    }
    if (hasId && !isId(value['id'])) {
      throw new AirlockError('invalid_request', 'The JSON-RPC "id" must be a string or a number.');
    }
    if ('params' in value && value['params'] !== undefined && !isPlainObject(value['params'])) {
      throw new AirlockError('invalid_request', 'MCP "params" must be an object.');
    }
    return value as unknown as JsonRpcMessage;
  }
  if ('result' in value || 'error' in value) {
    if (!hasId || (value['id'] !== null && !isId(value['id']))) {
      throw new AirlockError(
        'invalid_request',
        'A JSON-RPC response needs the "id" of the request it answers.',
      );
    }
    if ('error' in value && !isPlainObject(value['error'])) {
      throw new AirlockError('invalid_request', 'A JSON-RPC error response needs an "error" object.');
    }
    return value as unknown as JsonRpcMessage;
  }
  throw new AirlockError(
    'invalid_request',
    'The body is neither a JSON-RPC request, notification nor response: it has no "method", "result" or "error".',
  );
}

/**
 * Parses JSON text into one JSON-RPC message: a syntax error is `parse_error` (-32700); duplicate
 * keys and nesting past MAX_JSON_DEPTH are `invalid_request` (-32600), see parseUntrustedJson.
 * Every message entering Airlock (client bodies, tunnel frames, MCP servers' output) comes here.
 */
export function parseJsonRpcMessage(text: string): JsonRpcMessage {
  const value = parseUntrustedJson(text);
  if (Array.isArray(value)) {
    throw new AirlockError(
      'invalid_request',
      'JSON-RPC batches are not supported (MCP removed them in 2025-06-18): send one message per POST.',
    );
  }
  return assertJsonRpcMessage(value);
}
