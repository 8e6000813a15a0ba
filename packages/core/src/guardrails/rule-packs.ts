import type { GuardrailRuleConfig } from '../config/guardrails-schema.js';

/** A rule of a built-in pack: a guardrail rule without connections (the pack reference gives them). */
export type PackRule = Omit<GuardrailRuleConfig, 'connections' | 'approvers'>;

const SHELL_DANGER = [
  String.raw`\brm\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*[rR][a-zA-Z]*\s+(-[a-zA-Z]+\s+)*(/|/\*|~|~/|\$HOME|/[a-z]+)(\s|$|;)`,
  String.raw`\bmkfs(\.[a-z0-9]+)?\s`,
  String.raw`\bdd\s+[^;|]*\bof=/dev/`,
  String.raw`:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:`,
  String.raw`\b(curl|wget)\s[^|;]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b`,
  String.raw`\bchmod\s+(-[a-zA-Z]+\s+)*777\s+/(\s|$)`,
  String.raw`>\s*/dev/[sh]d[a-z]\b`,
].join('|');

const AWS_DELETE_CALLS = String.raw`\b(DeleteBucket|DeleteObjects|TerminateInstances|DeleteDBInstance|DeleteDBCluster|DeleteStack|DeleteTable|DeleteFunction|DeleteRole|DeleteUser|DeleteVpc|DeleteVolume|DeleteSnapshot|ScheduleKeyDeletion|DeleteSecret|DeleteCluster|DeleteRepository|DeleteHostedZone)\b|\baws\s+[a-z0-9-]+\s+(rb|delete-[a-z0-9-]+|terminate-instances|remove-[a-z0-9-]+)\b`;

const INJECTION = [
  String.raw`(?i)\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier|system)\s+(instructions|prompts?|rules|messages)`,
  String.raw`(?i)\bdo\s+not\s+(tell|inform|mention|reveal|show)\b[^.]{0,60}\buser\b`,
  String.raw`(?i)<\s*/?\s*(important|system|instructions?|secret|hidden)\s*>`,
  String.raw`(?i)(~/\.ssh|id_rsa|id_ed25519|\.aws/credentials|/etc/passwd|\.env\b)`,
  String.raw`[\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}\x{2066}-\x{2069}\x{FEFF}]`,
].join('|');

/**
 * The built-in rule packs, switched on by name in `gateway.guardrails.rules` (`- pack: NAME`).
 * Each rule is CEL over the same variables as configured rules; the README lists what each matches.
 */
export const RULE_PACKS: Readonly<Record<string, readonly PackRule[]>> = Object.freeze({
  'destructive-sql': [
    {
      name: 'drop-or-truncate',
      direction: 'request',
      method: 'tools/call',
      when: String.raw`texts.exists(s, s.matches("(?i)\\b(drop\\s+(table|database|schema|view|index|user|role)|truncate(\\s+table)?\\s+[\\w\"\x60.]+)"))`,
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
      when: `texts.exists(s, s.matches(${JSON.stringify(SHELL_DANGER)}))`,
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
      when: String.raw`tool.matches("(?i)(^|[_.-])(delete|terminate|destroy|drop|purge)[_.-]?(bucket|instance|db|database|cluster|stack|table|function|lambda|role|user|vpc|volume|snapshot|key|secret|queue|topic|repository|zone)s?($|[_.-])")`,
      action: 'deny',
      message: 'Tools that delete cloud resources are refused (rule pack cloud-destroy).',
    },
    {
      name: 'destroy-call',
      direction: 'request',
      method: 'tools/call',
      when: `texts.exists(s, s.matches(${JSON.stringify(AWS_DELETE_CALLS)}))`,
      action: 'deny',
      message: 'Arguments that delete AWS resources are refused (rule pack cloud-destroy).',
    },
  ],
  'prompt-injection-in-descriptions': [
    {
      name: 'hidden-instructions',
      direction: 'description',
      when: `description.matches(${JSON.stringify(INJECTION)}) || size(description) > 4000`,
      action: 'deny',
      message:
        'The tool description holds instructions aimed at the model (rule pack prompt-injection-in-descriptions).',
    },
  ],
});
