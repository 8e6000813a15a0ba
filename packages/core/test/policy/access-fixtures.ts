import {
  compileAccessRules,
  configSchema,
  type AccessRules,
  type Caller,
  type GatewayConfig,
} from '../../src/index.js';

export function person(subject: string, ...groups: string[]): Caller {
  return { subject, groups, anonymous: false };
}

export const alice = person('alice', 'sre');
export const bob = person('bob', 'auditors');
export const carol = person('carol', 'contractors');
export const dana = person('dana');

/** A gateway section as a file would hold it, parsed by the real schema (defaults included). */
export function gatewayWith(extra: Record<string, unknown>): GatewayConfig {
  return configSchema.parse({
    gateway: { tunnel: { tls: { certFile: 'c.pem', keyFile: 'k.pem' } }, ...extra },
  }).gateway as GatewayConfig;
}

/**
 * The rules the tests share: SREs get everything; auditors read-only tools on prod-* except
 * anything with "secret" in it; contractors two tools, one prompt and the items on kitchen;
 * everyone is denied delete_* on prod-db; everyone may use the help tool of the lobby.
 */
export const SHARED_RULES = [
  { groups: ['sre'], connections: ['*'] },
  {
    groups: ['auditors'],
    connections: ['prod-*'],
    tools: { allow: ['get_*', 'list_*'], deny: ['*secret*'] },
    resources: { allow: ['db://*'], deny: ['db://secrets/*'] },
  },
  {
    groups: ['contractors'],
    connections: ['kitchen'],
    tools: { allow: ['echo', 'add'] },
    prompts: { allow: ['greet'] },
    resources: { allow: ['kitchen://items/*'] },
  },
  // Deny-only: every allow is empty, so it gives nobody the connection; it only takes away.
  {
    groups: ['*'],
    connections: ['prod-db'],
    tools: { allow: [], deny: ['delete_*'] },
    prompts: { allow: [] },
    resources: { allow: [] },
  },
  { groups: ['*'], connections: ['lobby'], tools: { allow: ['help'] } },
];

export function sharedRules(): AccessRules {
  return compileAccessRules(gatewayWith({ access: { rules: SHARED_RULES } }).access, 'none');
}
