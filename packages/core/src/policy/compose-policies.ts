import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { Caller } from '../relay/caller.js';
import type { Direction, RelayContext } from '../relay/relay-context.js';
import type { MessagePolicy, PolicyDecision, PolicyMessageInfo } from '../relay/seams.js';

/**
 * Runs `first`, then (if it passes or holds) `second` on what `first` let through. A hold stays a
 * hold unless `second` denies: a call that would be refused anyway is never held for approval.
 * A caller is admitted to a connection only when both admit it.
 */
export function composePolicies(first: MessagePolicy, second: MessagePolicy): MessagePolicy {
  const chain = (
    context: RelayContext,
    decided: PolicyDecision,
    direction: Direction,
    info: PolicyMessageInfo | undefined,
  ): PolicyDecision | Promise<PolicyDecision> => {
    if (decided.action === 'deny') return decided;
    const next = second.evaluate(context, decided.message, direction, info);
    const merge = (d: PolicyDecision): PolicyDecision => {
      if (decided.action === 'hold' && d.action === 'pass') return { ...decided, message: d.message };
      return d.detail === undefined && decided.detail !== undefined ? { ...d, detail: decided.detail } : d;
    };
    return next instanceof Promise ? next.then(merge) : merge(next);
  };
  const admits = [first.admit, second.admit].filter((a) => a !== undefined);
  return Object.freeze({
    ...(admits.length > 0
      ? {
          admit: (caller: Caller, connection: string) => {
            for (const admit of admits) {
              const refused = admit(caller, connection);
              if (refused !== undefined) return refused;
            }
            return undefined;
          },
        }
      : {}),
    evaluate(context: RelayContext, message: JsonRpcMessage, direction: Direction, info?: PolicyMessageInfo) {
      const decided = first.evaluate(context, message, direction, info);
      return decided instanceof Promise
        ? decided.then((d) => chain(context, d, direction, info))
        : chain(context, decided, direction, info);
    },
  });
}

/**
 * One policy for client messages and another for server messages (each usually a chain: the
 * order of stages can differ by direction). `admit` is the client side's.
 */
export function policyByDirection(requests: MessagePolicy, responses: MessagePolicy): MessagePolicy {
  return Object.freeze({
    ...(requests.admit ? { admit: requests.admit } : {}),
    evaluate(context: RelayContext, message: JsonRpcMessage, direction: Direction, info?: PolicyMessageInfo) {
      return (direction === 'client_to_server' ? requests : responses).evaluate(
        context,
        message,
        direction,
        info,
      );
    },
  });
}
