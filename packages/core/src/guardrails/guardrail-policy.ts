import { AirlockError } from '../errors/airlock-error.js';
import { errorResponse, type JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { RecordedDecision } from '../recording/recording-event.js';
import type { Direction, RelayContext } from '../relay/relay-context.js';
import type { MessagePolicy, PolicyDecision, PolicyMessageInfo } from '../relay/seams.js';
import type { CompiledGuardrail, Guardrails } from './compile-guardrails.js';
import { evaluateGuardrails, type GuardrailVerdict } from './evaluate-guardrails.js';
import { requestActivation, requestTarget, responseActivation } from './guardrail-activation.js';
import { screenToolDefinition } from './screen-tool.js';

function refusal(rule: CompiledGuardrail, verdict: GuardrailVerdict, connection: string): AirlockError {
  const why = verdict.failure ? ` (${verdict.failure})` : '';
  const said = rule.message ? `: ${rule.message}` : '.';
  return new AirlockError(
    'guardrail_denied',
    `Refused by guardrail "${rule.name}" on connection "${connection}"${said}${why} Change the request, or ask an operator about the rule.`,
    { data: { rule: rule.name, connection } },
  );
}

function detailOf(
  verdict: GuardrailVerdict,
  action: RecordedDecision['action'],
  reason?: string,
): RecordedDecision {
  return {
    action,
    ...(verdict.decidedBy ? { rule: `guardrail:${verdict.decidedBy.name}` } : {}),
    ...(reason ? { reason } : {}),
    guardrails: verdict.matches,
  };
}

/**
 * Guardrails as a message policy at the gateway, on the parsed body only. Requests: first match
 * decides (deny, approve → held for a person's approval, allow), audits mark. Responses: a
 * matching deny rule replaces the answer with a JSON-RPC error for the same id. tools/list
 * answers: tools whose definitions match a description rule are hidden, and calls to them refused.
 */
export function createGuardrailPolicy(guardrails: Guardrails): MessagePolicy {
  /** Tools hidden per connection by description rules (name → rule). */
  const hidden = new Map<string, Map<string, string>>();

  const fromClient = (context: RelayContext, message: JsonRpcMessage): PolicyDecision => {
    if (!('method' in message)) return { action: 'pass', message };
    const target = requestTarget(message);
    const hiddenBy = target.tool === '' ? undefined : hidden.get(context.connection)?.get(target.tool);
    if (hiddenBy !== undefined) {
      const error = new AirlockError(
        'guardrail_denied',
        `Tool "${target.tool}" on connection "${context.connection}" is hidden by guardrail "${hiddenBy}": its description matched a rule for tool descriptions. Ask an operator to review the tool.`,
        { data: { rule: hiddenBy, connection: context.connection, tool: target.tool } },
      );
      return {
        action: 'deny',
        error,
        detail: {
          action: 'deny',
          rule: `guardrail:${hiddenBy}`,
          reason: error.message,
          guardrails: [{ rule: hiddenBy, action: 'deny' }],
        },
      };
    }
    const verdict = evaluateGuardrails(guardrails, context.connection, 'request', target, () =>
      requestActivation(target, context.caller, context.connection),
    );
    const rule = verdict.decidedBy;
    if (rule === undefined || rule.action === 'allow') {
      if (verdict.matches.length === 0) return { action: 'pass', message };
      const audited = verdict.matches.some((m) => m.action === 'audit');
      return { action: 'pass', message, detail: detailOf(verdict, audited ? 'audit' : 'pass') };
    }
    if (rule.action === 'approve') {
      return {
        action: 'hold',
        message,
        hold: { rule: rule.name, message: rule.message, approvers: rule.approvers, approval: rule.approval },
        detail: detailOf(verdict, 'hold', rule.message),
      };
    }
    const error = refusal(rule, verdict, context.connection);
    return { action: 'deny', error, detail: detailOf(verdict, 'deny', error.message) };
  };

  const fromServer = (context: RelayContext, message: JsonRpcMessage, method: string): PolicyDecision => {
    if ('method' in message || !('id' in message)) return { action: 'pass', message };
    if (method === 'tools/list') return filterTools(context, message);
    const verdict = evaluateGuardrails(
      guardrails,
      context.connection,
      'response',
      { method, tool: '', prompt: '', resource: '' },
      () => responseActivation(message, method, context.caller, context.connection),
    );
    const rule = verdict.decidedBy;
    if (rule === undefined) return { action: 'pass', message };
    const error = refusal(rule, verdict, context.connection);
    return {
      action: 'pass',
      message: errorResponse(message.id, error.toJsonRpcError()),
      detail: detailOf(verdict, 'deny', error.message),
    };
  };

  const filterTools = (context: RelayContext, message: JsonRpcMessage): PolicyDecision => {
    const result = 'result' in message ? (message.result as Record<string, unknown> | undefined) : undefined;
    const tools = result?.['tools'];
    if (!Array.isArray(tools) || guardrails.rulesFor(context.connection, 'description').length === 0) {
      return { action: 'pass', message };
    }
    const hiddenHere = new Map<string, string>();
    const kept = tools.filter((tool: Record<string, unknown>) => {
      const match = screenToolDefinition(guardrails, context.connection, tool, context.caller);
      if (match !== undefined && typeof tool['name'] === 'string') hiddenHere.set(tool['name'], match.rule);
      return match === undefined;
    });
    hidden.set(context.connection, hiddenHere);
    if (hiddenHere.size === 0) return { action: 'pass', message };
    return {
      action: 'pass',
      message: { ...message, result: { ...result, tools: kept } } as JsonRpcMessage,
      detail: {
        action: 'hide',
        rule: `guardrail:${[...hiddenHere.values()][0]}`,
        reason: `hidden tools: ${[...hiddenHere.keys()].join(', ')}`,
        guardrails: [...hiddenHere.values()].map((rule) => ({ rule, action: 'deny' as const })),
      },
    };
  };

  return Object.freeze({
    evaluate(context: RelayContext, message: JsonRpcMessage, direction: Direction, info?: PolicyMessageInfo) {
      return direction === 'client_to_server'
        ? fromClient(context, message)
        : fromServer(context, message, info?.requestMethod ?? '');
    },
  });
}
