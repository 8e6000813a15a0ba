import { approvalSchema, type ApprovalConfig } from '../config/approval-schema.js';
import type { GuardrailAction, GuardrailRuleConfig, GuardrailsConfig } from '../config/guardrails-schema.js';
import { compileGlob, type GlobMatcher } from '../policy/glob.js';
import { guardrailEnvironment, useRe2ForMatches } from './cel-environment.js';
import { RULE_PACKS, type PackRule } from './rule-packs.js';

export type GuardrailDirection = 'request' | 'response' | 'description';

/** One rule, ready to evaluate: globs compiled, CEL parsed once. */
export interface CompiledGuardrail {
  /** `name`, or `<pack>/<name>` for a pack's rule. */
  readonly name: string;
  readonly pack?: string | undefined;
  readonly direction: GuardrailDirection;
  readonly action: GuardrailAction;
  readonly message: string | undefined;
  readonly approvers: readonly string[];
  /** How a held call is decided (action approve; defaults otherwise). */
  readonly approval: ApprovalConfig;
  readonly connections: readonly GlobMatcher[];
  readonly methods: readonly GlobMatcher[] | undefined;
  readonly tools: readonly GlobMatcher[] | undefined;
  readonly prompts: readonly GlobMatcher[] | undefined;
  readonly resources: readonly GlobMatcher[] | undefined;
  readonly when: ((activation: Record<string, unknown>) => unknown) | undefined;
}

export interface Guardrails {
  readonly rules: readonly CompiledGuardrail[];
  /** The rules that apply to a connection and direction, in order (cached). */
  rulesFor(connection: string, direction: GuardrailDirection): readonly CompiledGuardrail[];
}

/** A rule that cannot be compiled, with where it is (`rules[2].when`). */
export class GuardrailCompileError extends Error {
  constructor(
    readonly path: readonly (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

const globs = (value: string | readonly string[] | undefined): GlobMatcher[] | undefined =>
  value === undefined ? undefined : (typeof value === 'string' ? [value] : value).map(compileGlob);

function compileRule(
  rule: PackRule & {
    readonly connections: readonly string[];
    readonly approvers?: readonly string[] | undefined;
    readonly approval?: ApprovalConfig | undefined;
  },
  path: (string | number)[],
  maxNodes: number,
  pack: string | undefined,
): CompiledGuardrail {
  const name = pack === undefined ? rule.name : `${pack}/${rule.name}`;
  if (rule.direction !== 'request' && rule.action !== 'deny') {
    throw new GuardrailCompileError(
      [...path, 'action'],
      `a ${rule.direction} rule can only deny (got "${rule.action}"); use action: deny`,
    );
  }
  if (rule.action === 'approve' && (rule.approvers ?? []).length === 0) {
    throw new GuardrailCompileError(
      [...path, 'approvers'],
      `rule "${name}" holds calls for approval (action approve) but names no approvers: add approvers: [<group>, ...]`,
    );
  }
  let when: CompiledGuardrail['when'];
  if (rule.when !== undefined) {
    try {
      const environment = guardrailEnvironment(maxNodes);
      const source = useRe2ForMatches(rule.when);
      const checked = environment.check(source) as { valid: boolean; type?: string; error?: Error };
      if (!checked.valid) throw checked.error ?? new Error('the expression does not type-check');
      if (checked.type !== 'bool' && checked.type !== 'dyn') {
        throw new Error(`it gives a ${String(checked.type)}, not a bool`);
      }
      when = environment.parse(source);
    } catch (error) {
      throw new GuardrailCompileError(
        [...path, 'when'],
        `the CEL expression of rule "${name}" does not compile: ${(error as Error).message.split('\n')[0]}. Variables: method, tool, name, arguments, texts, caller, connection, direction, text, error, description, annotations`,
      );
    }
  }
  // `tool: x` alone means tools/call, `prompt:` prompts/get, `resource:` the resource methods.
  const impliedMethods =
    rule.method !== undefined || rule.direction === 'description'
      ? rule.method
      : rule.tool !== undefined
        ? 'tools/call'
        : rule.prompt !== undefined
          ? 'prompts/get'
          : rule.resource !== undefined
            ? ['resources/read', 'resources/subscribe', 'resources/unsubscribe']
            : undefined;
  return Object.freeze({
    name,
    pack,
    direction: rule.direction,
    action: rule.action,
    message: rule.message,
    approvers: rule.approvers ?? [],
    approval: rule.approval ?? approvalSchema.parse({}),
    connections: rule.connections.map(compileGlob),
    methods: globs(impliedMethods),
    tools: globs(rule.tool),
    prompts: globs(rule.prompt),
    resources: globs(rule.resource),
    when,
  });
}

/**
 * Compiles `gateway.guardrails` once, at startup: packs expanded in place, globs and CEL compiled.
 * Throws GuardrailCompileError (with the path in the configuration) for an unknown pack, a CEL
 * expression that does not compile, a non-deny response or description rule, or a repeated name.
 */
export function compileGuardrails(config: GuardrailsConfig): Guardrails {
  const rules: CompiledGuardrail[] = [];
  const names = new Set<string>();
  config.rules.forEach((entry, index) => {
    const path: (string | number)[] = ['rules', index];
    if ('pack' in entry) {
      const pack = RULE_PACKS[entry.pack];
      if (pack === undefined) {
        throw new GuardrailCompileError(
          [...path, 'pack'],
          `unknown rule pack "${entry.pack}"; the packs are: ${Object.keys(RULE_PACKS).join(', ')}`,
        );
      }
      for (const rule of pack) {
        rules.push(
          compileRule(
            {
              ...rule,
              connections: entry.connections,
              action: entry.action ?? rule.action,
              approvers: entry.approvers,
              approval: entry.approval,
            },
            path,
            config.maxExpressionNodes,
            entry.pack,
          ),
        );
      }
      return;
    }
    if (names.has(entry.name)) {
      throw new GuardrailCompileError(
        [...path, 'name'],
        `rule name "${entry.name}" is used twice; names identify rules in recordings`,
      );
    }
    names.add(entry.name);
    rules.push(compileRule(entry as GuardrailRuleConfig, path, config.maxExpressionNodes, undefined));
  });
  const cache = new Map<string, readonly CompiledGuardrail[]>();
  return {
    rules,
    rulesFor(connection, direction) {
      const key = `${direction}\u0000${connection}`;
      let found = cache.get(key);
      if (found === undefined) {
        found = rules.filter((r) => r.direction === direction && r.connections.some((m) => m(connection)));
        if (cache.size < 10_000) cache.set(key, found);
      }
      return found;
    },
  };
}
