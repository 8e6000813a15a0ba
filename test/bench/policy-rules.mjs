// The rule sets the policy benchmarks configure: none of them matches the benchmark's `echo` call,
// so every rule is checked and none decides.

/** 20 rules, none matching `echo` with this text: every one is checked, none decides. */
export const GUARDRAILS = {
  guardrails: {
    rules: [
      { pack: 'destructive-sql' },
      { pack: 'shell-danger' },
      { pack: 'cloud-destroy' },
      ...Array.from({ length: 12 }, (_, i) => ({
        name: `deny-tool-${i}`,
        tool: `dangerous_${i}_*`,
        action: 'deny',
      })),
      {
        name: 'no-users',
        tool: '*',
        when: 'has(arguments.table) && arguments.table == "users"',
        action: 'deny',
      },
      {
        name: 'sre-only-prod',
        tool: '*',
        when: 'has(arguments.env) && arguments.env == "prod" && !caller.groups.exists(g, g == "sre")',
        action: 'deny',
      },
      { name: 'no-huge', tool: '*', when: 'texts.exists(s, size(s) > 1000000)', action: 'deny' },
      { name: 'audit-admin', method: 'tools/call', when: 'caller.subject == "admin"', action: 'audit' },
    ],
  },
};

/**
 * 10 approval rules (action approve), none matching `echo` with this text: tool globs and CEL on
 * the arguments, as a team holding its dangerous calls for approval would write them.
 */
export const APPROVAL_RULES = {
  guardrails: {
    rules: [
      ...Array.from({ length: 8 }, (_, i) => ({
        name: `hold-tool-${i}`,
        tool: `deploy_${i}_*`,
        action: 'approve',
        approvers: ['sre-leads'],
      })),
      {
        name: 'hold-prod-writes',
        tool: '*',
        when: 'has(arguments.env) && arguments.env == "prod"',
        action: 'approve',
        approvers: ['sre-leads', 'security'],
        approval: { required: 2, requiredGroups: ['security'] },
      },
      {
        name: 'hold-big-deletes',
        tool: 'delete_*',
        when: 'has(arguments.count) && arguments.count > 100',
        action: 'approve',
        approvers: ['sre-leads'],
      },
    ],
  },
};
