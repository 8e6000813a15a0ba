import type { Caller } from '../relay/caller.js';
import type { AccessItemKind, AccessRules, CompiledAccessRule, CompiledGlob } from './access-rules.js';

export type AccessDecision =
  | { readonly allowed: true; readonly rule: CompiledAccessRule | undefined }
  | { readonly allowed: false; readonly reason: string; readonly rule?: CompiledAccessRule };

const first = (globs: readonly CompiledGlob[], text: string): CompiledGlob | undefined =>
  globs.find((g) => g.matches(text));

function groupsLabel(caller: Caller): string {
  return caller.groups.length === 0 ? 'no groups in your token' : `groups: ${caller.groups.join(', ')}`;
}

/** The rules that apply to this caller on this connection (their groups match and they name it). */
export function applicableRules(
  access: AccessRules,
  caller: Caller,
  connection: string,
): readonly CompiledAccessRule[] {
  return access.rules.filter(
    (rule) =>
      (rule.everyone || caller.groups.some((g) => rule.groups.has(g))) &&
      first(rule.connections, connection) !== undefined,
  );
}

/**
 * May this caller use this connection at all: some rule for one of their groups names it and
 * allows something on it (a deny-only rule adds denials, never access).
 */
export function evaluateConnectionAccess(
  access: AccessRules,
  caller: Caller,
  connection: string,
): AccessDecision {
  if (access.unrestricted) return { allowed: true, rule: undefined };
  const rule = applicableRules(access, caller, connection).find((r) => r.grants);
  if (rule !== undefined) return { allowed: true, rule };
  if (access.rules.length === 0) {
    return {
      allowed: false,
      reason: `Access to connection "${connection}" is denied for ${caller.subject}: this gateway has no access rules (gateway.access.rules), so it refuses everyone. Ask an operator to add a rule that gives one of your groups (${groupsLabel(caller)}) this connection.`,
    };
  }
  return {
    allowed: false,
    reason: `Access to connection "${connection}" is denied for ${caller.subject}: no access rule gives your groups (${groupsLabel(caller)}) this connection. Ask an operator for access.`,
  };
}

/**
 * May `caller` use the tool, prompt or resource `name` on `connection`: some applicable rule allows
 * it and no applicable rule denies it (deny wins, whichever rule it comes from).
 */
export function evaluateItemAccess(
  rules: readonly CompiledAccessRule[],
  caller: Caller,
  connection: string,
  kind: AccessItemKind,
  name: string,
): AccessDecision {
  let allowedBy: CompiledAccessRule | undefined;
  for (const rule of rules) {
    const denied = first(rule.items[kind].deny, name);
    if (denied !== undefined) {
      return {
        allowed: false,
        rule,
        reason: `${kind} "${name}" on connection "${connection}" is denied for ${caller.subject} by access rule #${rule.number} (deny: ${denied.pattern}).`,
      };
    }
    if (allowedBy === undefined && first(rule.items[kind].allow, name) !== undefined) allowedBy = rule;
  }
  if (allowedBy !== undefined) return { allowed: true, rule: allowedBy };
  const which = rules.map((r) => `#${r.number}`).join(', ');
  const applying =
    rules.length === 0
      ? 'no rule gives you this connection'
      : rules.length === 1
        ? `rule ${which} applies`
        : `rules ${which} apply`;
  return {
    allowed: false,
    reason: `${kind} "${name}" on connection "${connection}" is not allowed for ${caller.subject}: no access rule allows it (${applying}). Ask an operator if you need it.`,
  };
}

/** Connection access, then the item: one evaluation for calls and for filtered lists alike. */
export function evaluateAccess(
  access: AccessRules,
  caller: Caller,
  connection: string,
  kind: AccessItemKind,
  name: string,
): AccessDecision {
  if (access.unrestricted) return { allowed: true, rule: undefined };
  const connectionDecision = evaluateConnectionAccess(access, caller, connection);
  if (!connectionDecision.allowed) return connectionDecision;
  return evaluateItemAccess(applicableRules(access, caller, connection), caller, connection, kind, name);
}
