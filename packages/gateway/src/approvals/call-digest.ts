import { createHash } from 'node:crypto';
import { canonicalJson, type JsonRpcRequest } from '@airlock/core';

/**
 * The params of a request as approvers see and approve them: canonical JSON (keys sorted) without
 * `_meta`, which carries per-attempt data (progress tokens) that is not part of what the call does.
 */
export function canonicalParams(request: JsonRpcRequest): string {
  const { _meta: _ignored, ...params } = (request.params ?? {}) as Record<string, unknown>;
  return canonicalJson(params);
}

/**
 * What an approval is bound to: SHA-256 (hex) of the connection, the caller's subject, the method
 * and the canonical params. The same call retried (any JSON-RPC id, any key order, another
 * progress token) has the same digest; any changed argument gives another.
 */
export function callDigest(connection: string, subject: string, request: JsonRpcRequest): string {
  const text = canonicalJson({
    connection,
    subject,
    method: request.method,
    params: canonicalParams(request),
  });
  return createHash('sha256').update(text).digest('hex');
}

/** The tool, prompt or resource a request names (what approvers read first); empty when none. */
export function callTarget(request: JsonRpcRequest): string {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const named = request.method === 'resources/read' ? params['uri'] : params['name'];
  return typeof named === 'string' ? named : '';
}
