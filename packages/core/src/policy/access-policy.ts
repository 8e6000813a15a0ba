import { AirlockError } from '../errors/airlock-error.js';
import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { Caller } from '../relay/caller.js';
import type { Direction, RelayContext } from '../relay/relay-context.js';
import type { MessagePolicy, PolicyDecision, PolicyMessageInfo } from '../relay/seams.js';
import type { AccessRules } from './access-rules.js';
import { accessTargetOf, listShapeOf, type ListShape } from './access-targets.js';
import {
  applicableRules,
  evaluateConnectionAccess,
  evaluateItemAccess,
  type AccessDecision,
} from './evaluate-access.js';

function denied(decision: Extract<AccessDecision, { allowed: false }>, data: Record<string, unknown>) {
  return {
    action: 'deny' as const,
    error: new AirlockError('access_denied', decision.reason, {
      data: { ...data, ...(decision.rule ? { rule: decision.rule.number } : {}) },
    }),
    detail: {
      action: 'deny' as const,
      rule: decision.rule ? `access:#${decision.rule.number}` : 'access',
      reason: decision.reason,
    },
  };
}

/**
 * Access rules as the gateway's message policy. Client→server: the connection, then the tool,
 * prompt or resource the message uses. Server→client: list results keep only what the caller may
 * use, decided by the same evaluation as the call, so a listed item is always callable.
 */
export function createAccessPolicy(access: AccessRules): MessagePolicy {
  const admit = (caller: Caller, connection: string): AirlockError | undefined => {
    const decision = evaluateConnectionAccess(access, caller, connection);
    return decision.allowed
      ? undefined
      : new AirlockError('access_denied', decision.reason, { data: { connection } });
  };

  const fromClient = (context: RelayContext, message: JsonRpcMessage): PolicyDecision => {
    const { caller, connection } = context;
    const connectionDecision = evaluateConnectionAccess(access, caller, connection);
    if (!connectionDecision.allowed) return denied(connectionDecision, { connection });
    const target = accessTargetOf(message);
    if (target === undefined) return { action: 'pass', message };
    const method = (message as { method: string }).method;
    if (target.name === undefined) {
      return denied(
        {
          allowed: false,
          reason: `${method} names no ${target.kind} (${target.kind === 'resource' ? 'uri' : 'name'}), so access rules cannot allow it.`,
        },
        { connection, kind: target.kind },
      );
    }
    const rules = applicableRules(access, caller, connection);
    const decision = evaluateItemAccess(rules, caller, connection, target.kind, target.name);
    if (!decision.allowed) return denied(decision, { connection, kind: target.kind, name: target.name });
    return { action: 'pass', message };
  };

  const filterList = (context: RelayContext, message: JsonRpcMessage, shape: ListShape): PolicyDecision => {
    const result = 'result' in message ? message.result : undefined;
    const items = result?.[shape.field];
    if (result === undefined || !Array.isArray(items)) return { action: 'pass', message };
    const { caller, connection } = context;
    const rules = applicableRules(access, caller, connection);
    const kept = items.filter((item: unknown) => {
      const name = (item as Record<string, unknown> | null)?.[shape.key];
      // An item without a usable name cannot be checked, so it is not shown.
      return (
        typeof name === 'string' && evaluateItemAccess(rules, caller, connection, shape.kind, name).allowed
      );
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
