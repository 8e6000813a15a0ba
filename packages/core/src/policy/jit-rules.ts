import type { AccessConfig } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import type { Caller } from '../relay/caller.js';
import type { CompiledGlob } from './access-rules.js';
import { compileGlob } from './glob.js';

/** One `gateway.access.jit` entry, compiled once at startup. */
export interface CompiledJitRule {
  /** 1-based position in `gateway.access.jit`. */
  readonly number: number;
  readonly connections: readonly CompiledGlob[];
  /** Groups whose members may grant, deny and revoke. */
  readonly approvers: ReadonlySet<string>;
  /** Groups whose members may ask; `*` is everyone signed in. */
  readonly requesters: ReadonlySet<string>;
  readonly maxDurationSeconds: number;
}

/** Just-in-time access settings: which rule (first naming it) governs a connection. */
export interface JitRules {
  readonly rules: readonly CompiledJitRule[];
  ruleFor(connection: string): CompiledJitRule | undefined;
}

export function compileJitRules(access: AccessConfig | undefined): JitRules {
  const rules = (access?.jit ?? []).map((rule, index): CompiledJitRule =>
    Object.freeze({
      number: index + 1,
      connections: rule.connections.map((pattern) => ({ pattern, matches: compileGlob(pattern) })),
      approvers: new Set(rule.approvers),
      requesters: new Set(rule.requesters),
      maxDurationSeconds: parseDuration(rule.maxDuration),
    }),
  );
  return Object.freeze({
    rules: Object.freeze(rules),
    ruleFor: (connection: string) => rules.find((r) => r.connections.some((g) => g.matches(connection))),
  });
}

const inGroups = (caller: Caller, groups: ReadonlySet<string>): boolean =>
  groups.has('*') || caller.groups.some((g) => groups.has(g));

/** May this caller ask for access under this rule. */
export const mayRequest = (rule: CompiledJitRule, caller: Caller): boolean =>
  !caller.anonymous && inGroups(caller, rule.requesters);

/** May this caller grant, deny or revoke under this rule (never their own request: the gateway checks). */
export const mayDecide = (rule: CompiledJitRule, caller: Caller): boolean =>
  !caller.anonymous && inGroups(caller, rule.approvers);

/** The command that asks for just-in-time access, for refusals to print. */
export function accessRequestCommand(connection: string, tool?: string): string {
  const quoted = /^[A-Za-z0-9._:/@-]+$/.test(connection)
    ? connection
    : `'${connection.replaceAll("'", "'\\''")}'`;
  const tools = tool === undefined ? '' : ` --tools '${tool.replaceAll("'", "'\\''")}'`;
  return `airlock access request ${quoted}${tools} --duration 1h --reason "…"`;
}
