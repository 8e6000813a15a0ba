import type { GuardrailRuleConfig } from '../config/guardrails-schema.js';

/** A rule of a built-in pack: a guardrail rule without connections (the pack reference gives them). */
export type PackRule = Omit<GuardrailRuleConfig, 'connections' | 'approvers'>;

/**
 * The built-in rule packs, switched on by name in `gateway.guardrails.rules` (`- pack: NAME`).
 * Each rule is CEL over the same variables as configured rules, with the packs' own matchers
 * (pack-patterns.ts) as functions; the README lists what each matches.
 */
export const RULE_PACKS: Readonly<Record<string, readonly PackRule[]>> = Object.freeze({
  'destructive-sql': [
    {
      name: 'drop-or-truncate',
      direction: 'request',
      method: 'tools/call',
      when: 'texts.exists(s, isDropOrTruncate(s))',
      action: 'deny',
      message: 'DROP and TRUNCATE statements are refused (rule pack destructive-sql).',
    },
    {
      name: 'write-without-where',
      direction: 'request',
      method: 'tools/call',
      when: 'texts.exists(s, sqlWriteWithoutWhere(s))',
      action: 'deny',
      message: 'DELETE or UPDATE without a WHERE clause is refused (rule pack destructive-sql).',
    },
  ],
  'shell-danger': [
    {
      name: 'destructive-command',
      direction: 'request',
      method: 'tools/call',
      when: 'texts.exists(s, isShellDanger(s))',
      action: 'deny',
      message:
        'A destructive shell command (rm -rf /, mkfs, dd to a device, a fork bomb, curl | sh) is refused (rule pack shell-danger).',
    },
  ],
  'cloud-destroy': [
    {
      name: 'destroy-tool',
      direction: 'request',
      method: 'tools/call',
      when: 'isDestroyToolName(tool)',
      action: 'deny',
      message: 'Tools that delete cloud resources are refused (rule pack cloud-destroy).',
    },
    {
      name: 'destroy-call',
      direction: 'request',
      method: 'tools/call',
      when: 'texts.exists(s, isAwsDeleteCall(s))',
      action: 'deny',
      message: 'Arguments that delete AWS resources are refused (rule pack cloud-destroy).',
    },
  ],
  'prompt-injection-in-descriptions': [
    {
      name: 'hidden-instructions',
      direction: 'description',
      when: 'hasHiddenInstructions(description) || size(description) > 4000',
      action: 'deny',
      message:
        'The tool description holds instructions aimed at the model (rule pack prompt-injection-in-descriptions).',
    },
  ],
});
