import { approvalSchema, type ApprovalConfig } from '../config/approval-schema.js';
import type { GuardrailAction, GuardrailRuleConfig, GuardrailsConfig } from '../config/guardrails-schema.js';
import { compileGlob, type GlobMatcher } from '../policy/glob.js';
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

/** A rule with its pack expanded and its structure checked; its CEL expression not compiled yet. */
type CheckedRule = Omit<CompiledGuardrail, 'when'> & {
  readonly expression: string | undefined;
  readonly path: readonly (string | number)[];
};

function checkRule(
  rule: PackRule & {
    readonly connections: readonly string[];
    readonly approvers?: readonly string[] | undefined;
    readonly approval?: ApprovalConfig | undefined;
  },
  path: (string | number)[],
  pack: string | undefined,
): CheckedRule {
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
  return {
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
    expression: rule.when,
    path,
  };
}

/**
 * Expands packs in place and checks what needs no expression language: a known pack, names used
 * once, response and description rules that only deny, approvers for approve. Throws
 * GuardrailCompileError with the path in the configuration. The configuration schema runs this.
 */
export function checkGuardrailRules(config: GuardrailsConfig): readonly CheckedRule[] {
  const rules: CheckedRule[] = [];
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
          checkRule(
            {
              ...rule,
              connections: entry.connections,
              action: entry.action ?? rule.action,
              approvers: entry.approvers,
              approval: entry.approval,
            },
            path,
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
    rules.push(checkRule(entry as GuardrailRuleConfig, path, undefined));
  });
  return rules;
}

/**
 * Compiles `gateway.guardrails` once, at startup: packs expanded in place, globs and CEL compiled.
 * Rejects with GuardrailCompileError (with the path in the configuration) for an unknown pack, a
 * CEL expression that does not compile, a non-deny response or description rule, or a repeated
 * name. The CEL library (about 10 MB in a process) is imported only when a rule has an expression.
 */
export async function compileGuardrails(config: GuardrailsConfig): Promise<Guardrails> {
  const checked = checkGuardrailRules(config);
  const cel = checked.some((rule) => rule.expression !== undefined)
    ? await import('./cel-environment.js')
    : undefined;
  const rules = checked.map(({ expression, path, ...rule }): CompiledGuardrail => {
    let when: CompiledGuardrail['when'];
    if (expression !== undefined && cel !== undefined) {
      try {
        when = cel.compileCelExpression(expression, config.maxExpressionNodes);
      } catch (error) {
        throw new GuardrailCompileError(
          [...path, 'when'],
          `the CEL expression of rule "${rule.name}" does not compile: ${(error as Error).message.split('\n')[0]}. Variables: method, tool, name, arguments, texts, caller, connection, direction, text, error, description, annotations`,
        );
      }
    }
    return Object.freeze({ ...rule, when });
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
