import type { GuardrailMatch } from '../recording/recording-event.js';
import type { CompiledGuardrail, GuardrailDirection, Guardrails } from './compile-guardrails.js';
import type { RequestTarget } from './guardrail-activation.js';

/** What guardrails decided for one message. */
export interface GuardrailVerdict {
  /** Every rule that matched, in order (audits, then the deciding rule if any). */
  readonly matches: readonly GuardrailMatch[];
  /** The first deny, approve or allow rule that matched: it decides. */
  readonly decidedBy?: CompiledGuardrail | undefined;
  /** Why the deciding rule matched when it matched by failing (fail closed), for the error. */
  readonly failure?: string | undefined;
}

const NO_MATCH: GuardrailVerdict = Object.freeze({ matches: [] });

const any = (matchers: CompiledGuardrail['tools'], value: string): boolean =>
  matchers === undefined || (value !== '' && matchers.some((m) => m(value)));

/** Whether a rule's globs name this request (before its CEL expression is asked). */
export function namesTarget(
  rule: CompiledGuardrail,
  target: Pick<RequestTarget, 'method' | 'tool' | 'prompt' | 'resource'>,
): boolean {
  return (
    (rule.methods === undefined || rule.methods.some((m) => m(target.method))) &&
    any(rule.tools, target.tool) &&
    any(rule.prompts, target.prompt) &&
    any(rule.resources, target.resource)
  );
}

/**
 * Evaluates the rules for one message, first match wins in file order: `audit` marks and goes on,
 * `deny`, `approve` and `allow` decide. A CEL expression that fails (a missing key, a type error)
 * fails closed for `deny` and `approve` rules (the rule matches) and does not match for `allow`
 * and `audit` rules, so an error can only make Airlock stricter.
 */
export function evaluateGuardrails(
  guardrails: Guardrails,
  connection: string,
  direction: GuardrailDirection,
  target: Pick<RequestTarget, 'method' | 'tool' | 'prompt' | 'resource'>,
  activation: () => Record<string, unknown>,
): GuardrailVerdict {
  const rules = guardrails.rulesFor(connection, direction);
  if (rules.length === 0) return NO_MATCH;
  let matches: GuardrailMatch[] | undefined;
  let variables: Record<string, unknown> | undefined;
  for (const rule of rules) {
    if (!namesTarget(rule, target)) continue;
    let failure: string | undefined;
    if (rule.when !== undefined) {
      let result: unknown;
      try {
        result = rule.when((variables ??= activation()));
      } catch (error) {
        if (rule.action === 'allow' || rule.action === 'audit') continue;
        failure = `its expression could not be evaluated (${(error as Error).message.split('\n')[0]}), so it fails closed`;
        result = true;
      }
      if (result !== true) continue;
    }
    (matches ??= []).push({
      rule: rule.name,
      action: rule.action,
      ...(rule.pack ? { pack: rule.pack } : {}),
    });
    if (rule.action !== 'audit') return { matches, decidedBy: rule, ...(failure ? { failure } : {}) };
  }
  return matches === undefined ? NO_MATCH : { matches };
}
