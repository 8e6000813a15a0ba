import { AirlockError } from '../errors/airlock-error.js';
import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { Caller } from '../relay/caller.js';
import type { Direction, RelayContext } from '../relay/relay-context.js';
import type { MessagePolicy, PolicyDecision, PolicyMessageInfo } from '../relay/seams.js';
import { grantCovering, type ActiveGrant, type GrantLookup } from './active-grant.js';
import type { AccessItemKind, AccessRules } from './access-rules.js';
import { accessTargetOf, listShapeOf, type ListShape } from './access-targets.js';
import {
  applicableRules,
  evaluateConnectionAccess,
  evaluateItemAccess,
  type AccessDecision,
} from './evaluate-access.js';
import { accessRequestCommand, type JitRules } from './jit-rules.js';

/** Just-in-time access on top of the standing rules (see createAccessPolicy). */
export interface AccessPolicyGrants {
  /** The caller's grants in force on a connection; absent: no grants. */
  readonly lookup?: GrantLookup | undefined;
  /** Where JIT is configured, a refusal says how to ask for access. */
  readonly jit?: JitRules | undefined;
}

type Denial = Extract<AccessDecision, { allowed: false }>;

/**
 * Access rules as the gateway's message policy. Client→server: the connection, then the tool,
 * prompt or resource the message uses. Server→client: list results keep only what the caller may
 * use, decided by the same evaluation as the call, so a listed item is always callable.
 *
 * Grants add to the standing rules: what the rules refuse, a grant in force for the caller may
 * allow (the whole connection, or only the tools it names). The recording names the grant
 * (`rule: grant:<id>`). Where JIT is configured for the connection, a refusal says how to ask.
 */
export function createAccessPolicy(access: AccessRules, grants: AccessPolicyGrants = {}): MessagePolicy {
  const grantsOf = (caller: Caller, connection: string): readonly ActiveGrant[] =>
    grants.lookup?.(caller, connection) ?? [];

  const withHint = (reason: string, connection: string, tool?: string): string =>
    grants.jit?.ruleFor(connection) === undefined
      ? reason
      : `${reason} To ask for temporary access: ${accessRequestCommand(connection, tool)}`;

  const denied = (decision: Denial, data: Record<string, unknown>, connection: string, tool?: string) => {
    const reason = withHint(decision.reason, connection, tool);
    return {
      action: 'deny' as const,
      error: new AirlockError('access_denied', reason, {
        data: { ...data, ...(decision.rule ? { rule: decision.rule.number } : {}) },
      }),
      detail: {
        action: 'deny' as const,
        rule: decision.rule ? `access:#${decision.rule.number}` : 'access',
        reason,
      },
    };
  };

  const byGrant = (message: JsonRpcMessage, grant: ActiveGrant): PolicyDecision => ({
    action: 'pass',
    message,
    detail: { action: 'pass', rule: `grant:${grant.id}` },
  });

  const admit = (caller: Caller, connection: string): AirlockError | undefined => {
    const decision = evaluateConnectionAccess(access, caller, connection);
    if (decision.allowed || grantsOf(caller, connection).length > 0) return undefined;
    return new AirlockError('access_denied', withHint(decision.reason, connection), { data: { connection } });
  };

  /**
   * Judges items of one connection for one caller: the standing rules' answer, else the grant
   * that covers the item, else the refusal. Built once per message (a list judges many items).
   */
  const itemJudge = (caller: Caller, connection: string) => {
    const connectionDecision = evaluateConnectionAccess(access, caller, connection);
    const rules = connectionDecision.allowed ? applicableRules(access, caller, connection) : [];
    let held: readonly ActiveGrant[] | undefined;
    return (kind: AccessItemKind, name: string): AccessDecision | ActiveGrant => {
      const standing = connectionDecision.allowed
        ? evaluateItemAccess(rules, caller, connection, kind, name)
        : connectionDecision;
      if (standing.allowed) return standing;
      held ??= grantsOf(caller, connection);
      return grantCovering(held, kind, name) ?? standing;
    };
  };

  const fromClient = (context: RelayContext, message: JsonRpcMessage): PolicyDecision => {
    const { caller, connection } = context;
    const connectionDecision = evaluateConnectionAccess(access, caller, connection);
    const held = connectionDecision.allowed ? [] : grantsOf(caller, connection);
    if (!connectionDecision.allowed && held.length === 0)
      return denied(connectionDecision, { connection }, connection);
    const target = accessTargetOf(message);
    if (target === undefined) {
      // Initialize, ping, lists: the connection is what a grant gives.
      return held[0] === undefined ? { action: 'pass', message } : byGrant(message, held[0]);
    }
    const method = (message as { method: string }).method;
    if (target.name === undefined) {
      return denied(
        {
          allowed: false,
          reason: `${method} names no ${target.kind} (${target.kind === 'resource' ? 'uri' : 'name'}), so access rules cannot allow it.`,
        },
        { connection, kind: target.kind },
        connection,
      );
    }
    const decision = itemJudge(caller, connection)(target.kind, target.name);
    if ('id' in decision) return byGrant(message, decision);
    if (!decision.allowed) {
      return denied(
        decision,
        { connection, kind: target.kind, name: target.name },
        connection,
        target.kind === 'tool' ? target.name : undefined,
      );
    }
    return { action: 'pass', message };
  };

  const filterList = (context: RelayContext, message: JsonRpcMessage, shape: ListShape): PolicyDecision => {
    const result = 'result' in message ? message.result : undefined;
    const items = result?.[shape.field];
    if (result === undefined || !Array.isArray(items)) return { action: 'pass', message };
    const judge = itemJudge(context.caller, context.connection);
    const kept = items.filter((item: unknown) => {
      const name = (item as Record<string, unknown> | null)?.[shape.key];
      // An item without a usable name cannot be checked, so it is not shown.
      if (typeof name !== 'string') return false;
      const decision = judge(shape.kind, name);
      return 'id' in decision || decision.allowed;
    });
    if (kept.length === items.length) return { action: 'pass', message };
    return { action: 'pass', message: { ...message, result: { ...result, [shape.field]: kept } } };
  };

  return Object.freeze({
    admit,
    evaluate(
      context: RelayContext,
      message: JsonRpcMessage,
      direction: Direction,
      info?: PolicyMessageInfo,
    ): PolicyDecision {
      if (access.unrestricted) return { action: 'pass', message };
      if (direction === 'client_to_server') return fromClient(context, message);
      const shape = 'method' in message ? undefined : listShapeOf(info?.requestMethod);
      return shape === undefined ? { action: 'pass', message } : filterList(context, message, shape);
    },
  });
}
