import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { Caller } from '../relay/caller.js';

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};

/** Every string in a value, at any depth (the `texts` variable: patterns that may hide anywhere). */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, out);
  else if (typeof value === 'object' && value !== null)
    for (const item of Object.values(value)) stringsIn(item, out);
  return out;
}

/** What a client request names: its method, tool, and the tool, prompt or resource it uses. */
export interface RequestTarget {
  readonly method: string;
  readonly tool: string;
  readonly prompt: string;
  readonly resource: string;
  readonly arguments: Json;
}

export function requestTarget(message: JsonRpcMessage): RequestTarget {
  const method = 'method' in message ? message.method : '';
  const params = asObject('params' in message ? message.params : undefined);
  const name = typeof params['name'] === 'string' ? params['name'] : '';
  const uri = typeof params['uri'] === 'string' ? params['uri'] : '';
  const withArguments = method === 'tools/call' || method === 'prompts/get';
  return {
    method,
    tool: method === 'tools/call' ? name : '',
    prompt: method === 'prompts/get' ? name : '',
    resource: uri,
    arguments: withArguments ? asObject(params['arguments']) : params,
  };
}

function callerOf(caller: Caller): Json {
  return { subject: caller.subject, email: caller.email ?? '', groups: [...caller.groups] };
}

/** The CEL variables for a client request. */
export function requestActivation(target: RequestTarget, caller: Caller, connection: string): Json {
  return {
    method: target.method,
    tool: target.tool,
    name: target.tool || target.prompt || target.resource,
    arguments: target.arguments,
    texts: stringsIn(target.arguments),
    caller: callerOf(caller),
    connection,
    direction: 'request',
    text: '',
    error: {},
    description: '',
    annotations: {},
  };
}

/** The text a response shows a person: its text content items, joined. */
export function responseText(message: JsonRpcMessage): string {
  const result = asObject('result' in message ? message.result : undefined);
  const content = Array.isArray(result['content']) ? (result['content'] as unknown[]) : [];
  const parts = content
    .map((item) => asObject(item)['text'])
    .filter((t): t is string => typeof t === 'string');
  if (result['structuredContent'] !== undefined) parts.push(JSON.stringify(result['structuredContent']));
  return parts.join('\n');
}

/** The CEL variables for a server response to `method`. */
export function responseActivation(
  message: JsonRpcMessage,
  method: string,
  caller: Caller,
  connection: string,
): Json {
  const error = asObject('error' in message ? message.error : undefined);
  const text = responseText(message);
  return {
    method,
    tool: '',
    name: '',
    arguments: {},
    texts: text === '' ? [] : [text],
    caller: callerOf(caller),
    connection,
    direction: 'response',
    text,
    error,
    description: '',
    annotations: {},
  };
}

/** The CEL variables for one tool definition in a tools/list answer. */
export function descriptionActivation(tool: Json, caller: Caller, connection: string): Json {
  const name = typeof tool['name'] === 'string' ? tool['name'] : '';
  const description = [tool['title'], tool['description']].filter((t) => typeof t === 'string').join('\n');
  return {
    method: 'tools/list',
    tool: name,
    name,
    arguments: asObject(tool['inputSchema']),
    texts: stringsIn(tool['inputSchema']),
    caller: callerOf(caller),
    connection,
    direction: 'description',
    text: '',
    error: {},
    description,
    annotations: asObject(tool['annotations']),
  };
}
