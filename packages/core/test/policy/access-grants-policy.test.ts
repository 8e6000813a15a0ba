import { describe, expect, it } from 'vitest';
import {
  compileAccessRules,
  compileJitRules,
  createAccessPolicy,
  mayDecide,
  mayRequest,
  type ActiveGrant,
  type AirlockError,
  type Caller,
  type JsonRpcMessage,
  type PolicyDecision,
  type RelayContext,
} from '../../src/index.js';
import { alice, bob, carol, gatewayWith, SHARED_RULES } from './access-fixtures.js';

const config = gatewayWith({
  access: {
    rules: SHARED_RULES,
    jit: [
      { connections: ['prod-*'], approvers: ['auditors'], requesters: ['contractors'], maxDuration: '2h' },
    ],
  },
});
const rules = compileAccessRules(config.access, 'oidc');
const jit = compileJitRules(config.access);

/** Grants in force, by subject: what the gateway's grant book would answer. */
const held = new Map<string, ActiveGrant[]>();
const policy = createAccessPolicy(rules, {
  jit,
  lookup: (caller, connection) => (held.get(caller.subject) ?? []).filter((g) => g.connection === connection),
});

const wholeDb: ActiveGrant = {
  id: 'g-whole',
  connection: 'prod-db',
  tools: [],
  expiresAt: '2099-01-01T00:00:00Z',
};
const readOnly: ActiveGrant = {
  id: 'g-read',
  connection: 'prod-api',
  tools: ['get_*'],
  expiresAt: '2099-01-01T00:00:00Z',
};

const contextOf = (caller: Caller, connection: string): RelayContext => ({
  sessionId: 's1',
  connection,
  caller,
  era: 'legacy',
  protocolVersion: '2025-11-25',
});
const request = (method: string, params: Record<string, unknown>): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id: 7,
  method,
  params,
});
const decide = (caller: Caller, message: JsonRpcMessage, connection: string): PolicyDecision =>
  policy.evaluate(contextOf(caller, connection), message, 'client_to_server') as PolicyDecision;
const errorOf = (decision: PolicyDecision): AirlockError => {
  expect(decision.action).toBe('deny');
  return (decision as { error: AirlockError }).error;
};

describe('the access policy with just-in-time grants', () => {
  it('refuses without a grant and says how to ask where JIT is configured', () => {
    held.clear();
    const refused = policy.admit?.(carol, 'prod-db');
    expect(refused?.code).toBe('access_denied');
    expect(refused?.message).toContain(
      'To ask for temporary access: airlock access request prod-db --duration 1h --reason "…"',
    );
    // No JIT for the lobby's neighbour: no hint.
    expect(policy.admit?.(carol, 'elsewhere')?.message).not.toContain('airlock access request');
  });

  it('admits and passes everything on the connection for a grant without tools, naming the grant', () => {
    held.set('carol', [wholeDb]);
    expect(policy.admit?.(carol, 'prod-db')).toBeUndefined();
    const call = request('tools/call', { name: 'get_rows' });
    expect(decide(carol, call, 'prod-db')).toEqual({
      action: 'pass',
      message: call,
      detail: { action: 'pass', rule: 'grant:g-whole' },
    });
    expect(decide(carol, request('resources/read', { uri: 'db://x' }), 'prod-db').action).toBe('pass');
    expect(decide(carol, request('tools/list', {}), 'prod-db')).toMatchObject({
      detail: { rule: 'grant:g-whole' },
    });
    // Another person holds no grant: still refused.
    expect(policy.admit?.(person('erin'), 'prod-db')?.code).toBe('access_denied');
  });

  it('covers only the named tools of a grant with tools, and no prompts or resources', () => {
    held.set('carol', [readOnly]);
    expect(policy.admit?.(carol, 'prod-api')).toBeUndefined();
    expect(decide(carol, request('tools/call', { name: 'get_user' }), 'prod-api')).toMatchObject({
      action: 'pass',
      detail: { rule: 'grant:g-read' },
    });
    const refused = errorOf(decide(carol, request('tools/call', { name: 'drop_user' }), 'prod-api'));
    expect(refused.message).toContain("airlock access request prod-api --tools 'drop_user'");
    errorOf(decide(carol, request('resources/read', { uri: 'db://tables/users' }), 'prod-api'));
    errorOf(decide(carol, request('prompts/get', { name: 'p' }), 'prod-api'));
  });

  it('filters lists to what rules and grants allow', () => {
    held.set('carol', [readOnly]);
    const answer: JsonRpcMessage = {
      jsonrpc: '2.0',
      id: 3,
      result: { tools: [{ name: 'get_user' }, { name: 'drop_user' }, { name: 'get_secret' }] },
    };
    const filtered = policy.evaluate(contextOf(carol, 'prod-api'), answer, 'server_to_client', {
      requestMethod: 'tools/list',
    }) as PolicyDecision;
    expect(
      (
        filtered as unknown as { message: { result: { tools: { name: string }[] } } }
      ).message.result.tools.map((t) => t.name),
    ).toEqual(['get_user', 'get_secret']);
  });

  it('adds to standing rules: a grant allows what a standing rule denies the holder', () => {
    // bob (auditors) may use prod-api, except *secret*; a grant for prod-api's get_* covers get_secret.
    held.set('bob', [readOnly]);
    expect(decide(bob, request('tools/call', { name: 'get_secret' }), 'prod-api')).toMatchObject({
      detail: { rule: 'grant:g-read' },
    });
    // Standing access needs no grant, and the recording names no grant then.
    expect(decide(bob, request('tools/call', { name: 'get_user' }), 'prod-api')).toEqual({
      action: 'pass',
      message: request('tools/call', { name: 'get_user' }),
    });
  });

  it('compiles who may ask and who may decide, and the maximum duration', () => {
    const rule = jit.ruleFor('prod-db');
    expect(rule?.maxDurationSeconds).toBe(7200);
    expect(jit.ruleFor('kitchen')).toBeUndefined();
    expect(mayRequest(rule!, carol)).toBe(true);
    expect(mayRequest(rule!, alice)).toBe(false);
    expect(mayDecide(rule!, bob)).toBe(true);
    expect(mayDecide(rule!, carol)).toBe(false);
  });
});

function person(subject: string): Caller {
  return { subject, groups: ['contractors'], anonymous: false };
}
