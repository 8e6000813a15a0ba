import type { AccessConfig } from '../config/schema.js';
import { compileGlob, type GlobMatcher } from './glob.js';

/** What an access rule governs inside a connection. */
export type AccessItemKind = 'tool' | 'prompt' | 'resource';

export interface CompiledGlob {
  readonly pattern: string;
  readonly matches: GlobMatcher;
}

export interface CompiledItemRules {
  readonly allow: readonly CompiledGlob[];
  readonly deny: readonly CompiledGlob[];
}

export interface CompiledAccessRule {
  /** 1-based position in `gateway.access.rules`, as messages name it ("access rule #2"). */
  readonly number: number;
  readonly groups: ReadonlySet<string>;
  /** The rule names the group "*": it applies to every caller. */
  readonly everyone: boolean;
  readonly connections: readonly CompiledGlob[];
  readonly items: Readonly<Record<AccessItemKind, CompiledItemRules>>;
  /**
   * The rule allows something (some `allow` is not empty), so it gives its groups the connection.
   * A rule whose every `allow` is empty only adds denials: it must not let anyone in.
   */
  readonly grants: boolean;
}

/**
 * Access rules compiled once at startup. `unrestricted` is dev mode without identity and without
 * rules: everything is allowed. Otherwise only what a rule gives is allowed; no rules at all (the
 * default with auth "oidc") therefore refuses everyone — fail closed.
 */
export interface AccessRules {
  readonly unrestricted: boolean;
  readonly rules: readonly CompiledAccessRule[];
}

const compileAll = (patterns: readonly string[]): CompiledGlob[] =>
  patterns.map((pattern) => ({ pattern, matches: compileGlob(pattern) }));

export function compileAccessRules(access: AccessConfig | undefined, authMode: 'none' | 'oidc'): AccessRules {
  if (access === undefined && authMode === 'none') return Object.freeze({ unrestricted: true, rules: [] });
  const rules = (access?.rules ?? []).map((rule, index): CompiledAccessRule =>
    Object.freeze({
      number: index + 1,
      grants: [rule.tools, rule.prompts, rule.resources].some((items) => items.allow.length > 0),
      groups: new Set(rule.groups),
      everyone: rule.groups.includes('*'),
      connections: compileAll(rule.connections),
      items: {
        tool: { allow: compileAll(rule.tools.allow), deny: compileAll(rule.tools.deny) },
        prompt: { allow: compileAll(rule.prompts.allow), deny: compileAll(rule.prompts.deny) },
        resource: { allow: compileAll(rule.resources.allow), deny: compileAll(rule.resources.deny) },
      },
    }),
  );
  return Object.freeze({ unrestricted: false, rules: Object.freeze(rules) });
}
