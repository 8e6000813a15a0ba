/**
 * MCP methods as metric labels. A client may send any method name; labelling each would let one
 * client create unbounded time series, so names outside the protocol's own become `other`.
 */
const MCP_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'subscriptions/listen',
  'completion/complete',
  'logging/setLevel',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
]);

export function methodLabel(method: string): string {
  return MCP_METHODS.has(method) ? method : 'other';
}
