import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { AccessItemKind } from './access-rules.js';

/** The item a client message asks to use; `name` undefined = the message names none it should. */
export interface AccessTarget {
  readonly kind: AccessItemKind;
  readonly name: string | undefined;
}

const stringAt = (params: Record<string, unknown> | undefined, key: string): string | undefined => {
  const value = params?.[key];
  return typeof value === 'string' ? value : undefined;
};

/**
 * What a client→server message uses, by its body (never by `Mcp-Name`). Besides the obvious three,
 * `resources/subscribe` (updates of a hidden resource would leak it) and `completion/complete`
 * (argument completions of a hidden prompt or template) are checked too.
 */
export function accessTargetOf(message: JsonRpcMessage): AccessTarget | undefined {
  if (!('method' in message)) return undefined;
  const params = message.params;
  switch (message.method) {
    case 'tools/call':
      return { kind: 'tool', name: stringAt(params, 'name') };
    case 'prompts/get':
      return { kind: 'prompt', name: stringAt(params, 'name') };
    case 'resources/read':
    case 'resources/subscribe':
      return { kind: 'resource', name: stringAt(params, 'uri') };
    case 'completion/complete': {
      const ref = params?.['ref'] as Record<string, unknown> | undefined;
      if (ref?.['type'] === 'ref/prompt') return { kind: 'prompt', name: stringAt(ref, 'name') };
      if (ref?.['type'] === 'ref/resource') return { kind: 'resource', name: stringAt(ref, 'uri') };
      return { kind: 'prompt', name: undefined };
    }
    default:
      return undefined;
  }
}

/** Where a list result keeps its items, and which field of an item access rules match. */
export interface ListShape {
  readonly field: string;
  readonly key: string;
  readonly kind: AccessItemKind;
}

const LIST_SHAPES: Readonly<Record<string, ListShape>> = Object.freeze({
  'tools/list': { field: 'tools', key: 'name', kind: 'tool' },
  'prompts/list': { field: 'prompts', key: 'name', kind: 'prompt' },
  'resources/list': { field: 'resources', key: 'uri', kind: 'resource' },
  // A template is matched as written (`kitchen://items/{id}`): `kitchen://items/*` covers it.
  'resources/templates/list': { field: 'resourceTemplates', key: 'uriTemplate', kind: 'resource' },
});

export function listShapeOf(requestMethod: string | undefined): ListShape | undefined {
  return requestMethod === undefined ? undefined : LIST_SHAPES[requestMethod];
}
