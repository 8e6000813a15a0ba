import { describe, expect, it } from 'vitest';
import type { AirlockError } from '../../src/index.js';
import {
  compileAccessRules,
  createAccessPolicy,
  type Caller,
  type JsonRpcMessage,
  type PolicyDecision,
  type RelayContext,
} from '../../src/index.js';
import { alice, carol, sharedRules } from './access-fixtures.js';

const policy = createAccessPolicy(sharedRules());

function contextOf(caller: Caller, connection = 'kitchen'): RelayContext {
  return { sessionId: 's1', connection, caller, era: 'legacy', protocolVersion: '2025-11-25' };
}

function request(method: string, params: Record<string, unknown>): JsonRpcMessage {
  return { jsonrpc: '2.0', id: 7, method, params };
}

function decide(caller: Caller, message: JsonRpcMessage, connection = 'kitchen'): PolicyDecision {
  return policy.evaluate(contextOf(caller, connection), message, 'client_to_server') as PolicyDecision;
}

function deniedError(decision: PolicyDecision): AirlockError {
  expect(decision.action).toBe('deny');
  return (decision as { error: AirlockError }).error;
}

const TOOLS = {
  jsonrpc: '2.0' as const,
  id: 3,
  result: {
    tools: [{ name: 'echo' }, { name: 'add' }, { name: 'crash' }, { name: 42 }],
    nextCursor: 'page-2',
  },
};

describe('the access policy', () => {
  it('passes calls the rules allow, untouched', () => {
    const call = request('tools/call', { name: 'echo', arguments: { text: 'hi' } });
    expect(decide(carol, call)).toEqual({ action: 'pass', message: call });
    expect(decide(carol, request('prompts/get', { name: 'greet' })).action).toBe('pass');
    expect(decide(carol, request('resources/read', { uri: 'kitchen://items/1' })).action).toBe('pass');
    expect(decide(carol, request('tools/list', {})).action).toBe('pass');
  });

  it('refuses a call with access_denied naming the rule, decided from the body', () => {
    const error = deniedError(decide(alice, request('tools/call', { name: 'delete_db' }), 'prod-db'));
    expect(error.code).toBe('access_denied');
    expect(error.jsonRpcCode).toBe(-32006);
    expect(error.httpStatus).toBe(403);
    expect(error.message).toBe(
      'tool "delete_db" on connection "prod-db" is denied for alice by access rule #4 (deny: delete_*).',
    );
    expect(error.toJsonRpcError().data).toEqual({
      airlockCode: 'access_denied',
      connection: 'prod-db',
      kind: 'tool',
      name: 'delete_db',
      rule: 4,
    });
  });

  it('checks prompts, resource reads, subscriptions and completions too', () => {
    expect(deniedError(decide(carol, request('prompts/get', { name: 'secret' }))).message).toMatch(
      /^prompt "secret" on connection "kitchen" is not allowed for carol/,
    );
    expect(deniedError(decide(carol, request('resources/read', { uri: 'kitchen://readme' }))).code).toBe(
      'access_denied',
    );
    expect(decide(carol, request('resources/subscribe', { uri: 'kitchen://readme' })).action).toBe('deny');
    const complete = (ref: Record<string, unknown>) =>
      request('completion/complete', { ref, argument: { name: 'n', value: '' } });
    expect(decide(carol, complete({ type: 'ref/prompt', name: 'greet' })).action).toBe('pass');
    expect(decide(carol, complete({ type: 'ref/prompt', name: 'other' })).action).toBe('deny');
    expect(decide(carol, complete({ type: 'ref/resource', uri: 'kitchen://readme' })).action).toBe('deny');
  });

  it('refuses a call that names nothing it could check (fail closed)', () => {
    expect(deniedError(decide(alice, request('tools/call', { name: 5 }))).message).toMatch(
      /tools\/call names no tool/,
    );
    expect(decide(alice, request('resources/read', {})).action).toBe('deny');
  });

  it('refuses every message on a connection the caller may not use, and admit() says so first', () => {
    expect(deniedError(decide(carol, request('ping', {}), 'prod-api')).code).toBe('access_denied');
    expect(policy.admit?.(carol, 'prod-api')?.message).toMatch(/connection "prod-api" is denied for carol/);
    expect(policy.admit?.(carol, 'kitchen')).toBeUndefined();
  });

  it('filters list results with the same evaluation, keeping the rest of the result', () => {
    const filtered = policy.evaluate(contextOf(carol), TOOLS, 'server_to_client', {
      requestMethod: 'tools/list',
    }) as PolicyDecision;
    expect(filtered).toEqual({
      action: 'pass',
      message: { ...TOOLS, result: { tools: [{ name: 'echo' }, { name: 'add' }], nextCursor: 'page-2' } },
    });
    // Nothing hidden: the very same message object passes (the gateway then relays the original bytes).
    const allowed = { ...TOOLS, result: { tools: [{ name: 'echo' }, { name: 'add' }] } };
    const kept = policy.evaluate(contextOf(carol), allowed, 'server_to_client', {
      requestMethod: 'tools/list',
    });
    expect(kept).toEqual({ action: 'pass', message: allowed });
    expect((kept as { message: unknown }).message).toBe(allowed);
  });

  it('filters prompts, resources and resource templates by their names, URIs and URI templates', () => {
    const list = (requestMethod: string, result: Record<string, unknown>) =>
      policy.evaluate(contextOf(carol), { jsonrpc: '2.0', id: 1, result }, 'server_to_client', {
        requestMethod,
      }) as Extract<PolicyDecision, { action: 'pass' }>;
    expect(list('prompts/list', { prompts: [{ name: 'greet' }, { name: 'x' }] }).message).toMatchObject({
      result: { prompts: [{ name: 'greet' }] },
    });
    expect(
      list('resources/list', { resources: [{ uri: 'kitchen://readme' }, { uri: 'kitchen://items/1' }] })
        .message,
    ).toMatchObject({ result: { resources: [{ uri: 'kitchen://items/1' }] } });
    expect(
      list('resources/templates/list', {
        resourceTemplates: [{ uriTemplate: 'kitchen://items/{id}' }, { uriTemplate: 'kitchen://logs/{day}' }],
      }).message,
    ).toMatchObject({ result: { resourceTemplates: [{ uriTemplate: 'kitchen://items/{id}' }] } });
  });

  it('leaves responses it cannot attribute, errors and server requests alone', () => {
    const untouched = [
      [TOOLS, {}],
      [TOOLS, { requestMethod: 'tools/call' }],
      [{ jsonrpc: '2.0', id: 3, error: { code: -1, message: 'x' } }, { requestMethod: 'tools/list' }],
      [{ jsonrpc: '2.0', id: 9, method: 'sampling/createMessage', params: {} }, {}],
    ] as const;
    for (const [message, info] of untouched) {
      const decision = policy.evaluate(contextOf(carol), message as JsonRpcMessage, 'server_to_client', info);
      expect(decision).toEqual({ action: 'pass', message });
    }
  });

  it('is a pass-through in dev mode without identity and without rules', () => {
    const open = createAccessPolicy(compileAccessRules(undefined, 'none'));
    const call = request('tools/call', { name: 'anything' });
    expect(open.evaluate(contextOf(carol, 'x'), call, 'client_to_server')).toEqual({
      action: 'pass',
      message: call,
    });
    expect(open.admit?.(carol, 'x')).toBeUndefined();
  });
});
