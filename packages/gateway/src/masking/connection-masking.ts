import {
  compileGlob,
  maskingPolicyFromRule,
  type GatewayConfig,
  type GlobMatcher,
  type MaskingPolicy,
} from '@airlock/core';
import type { AgentDirectory } from '../mcp/agent-directory.js';

/**
 * `gateway.masking` as a lookup: the first entry whose connection globs name the connection
 * decides; no entry means the `default` detectors. Custom patterns were checked when the
 * configuration was parsed, so every policy handed out here can run.
 */
export function connectionMaskingPolicies(config: GatewayConfig): (connection: string) => MaskingPolicy {
  const rules = config.masking.map((rule) => ({
    matchers: rule.connections.map((glob): GlobMatcher => compileGlob(glob)),
    policy: Object.freeze(maskingPolicyFromRule(rule)),
  }));
  const fallback = Object.freeze(maskingPolicyFromRule(undefined));
  const cache = new Map<string, MaskingPolicy>();
  return (connection) => {
    let policy = cache.get(connection);
    if (policy === undefined) {
      policy = rules.find((r) => r.matchers.some((m) => m(connection)))?.policy ?? fallback;
      if (cache.size < 10_000) cache.set(connection, policy);
    }
    return policy;
  };
}

/** The directory with each session's masking policy added to its open request. */
export function withMaskingPolicies(
  directory: AgentDirectory,
  policyFor: (connection: string) => MaskingPolicy,
): AgentDirectory {
  return {
    connection: (name) => directory.connection(name),
    openSession: (request) => directory.openSession({ ...request, masking: policyFor(request.connection) }),
  };
}
