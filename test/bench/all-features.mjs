// `--all-features` for the relay benchmark: the gateway settings a careful production install
// runs with, on top of authentication (OIDC bearer token + access rules) and recording (spool +
// embedded store), which the benchmark switches on itself.
//
// - Masking: the `default` detectors (secrets + pii) on every connection, applied by the agent to
//   every string of every answer.
// - 20 guardrail rules, realistic ones: every call is evaluated against all that match a
//   `tools/call` (CEL over the arguments, the caller and the answer's text), none denies the
//   benchmark's echo call. Four of them are the built-in packs.

/** `gateway.guardrails.rules`: 20 entries. */
export const BENCH_GUARDRAIL_RULES = Object.freeze([
  { pack: 'destructive-sql' },
  { pack: 'shell-danger' },
  { pack: 'cloud-destroy' },
  { pack: 'prompt-injection-in-descriptions' },
  { name: 'no-drop', tool: 'drop_*', action: 'deny', message: 'Use a change request.' },
  {
    name: 'no-users-table',
    tool: 'query',
    when: 'has(arguments.sql) && arguments.sql.matches("(?i)\\\\busers\\\\b") && !caller.groups.exists(g, g == "dba")',
    action: 'deny',
  },
  { name: 'watch-deletes', tool: 'delete_*', action: 'audit' },
  {
    name: 'prod-hosts',
    tool: '*',
    when: 'has(arguments.host) && arguments.host.endsWith(".prod.internal")',
    action: 'approve',
    approvers: ['sre-leads'],
  },
  {
    name: 'only-sre-calls',
    tool: '*',
    when: '!caller.groups.exists(g, g == "sre" || g == "platform")',
    action: 'deny',
    message: 'Tool calls are for the SRE and platform groups.',
  },
  { name: 'known-caller', tool: '*', when: 'caller.subject == ""', action: 'deny' },
  {
    name: 'no-private-keys-in',
    tool: '*',
    when: 'texts.exists(t, t.contains("PRIVATE KEY-----"))',
    action: 'deny',
    message: 'Do not send private keys to tools.',
  },
  {
    name: 'no-aws-keys-in',
    tool: '*',
    when: 'texts.exists(t, t.matches("A(KIA|SIA)[0-9A-Z]{16}"))',
    action: 'deny',
  },
  { name: 'no-path-traversal', tool: '*', when: 'texts.exists(t, t.contains("../"))', action: 'deny' },
  {
    name: 'no-shadow-file',
    tool: '*',
    when: 'texts.exists(t, t.contains("/etc/shadow") || t.contains("/etc/sudoers"))',
    action: 'deny',
  },
  { name: 'huge-arguments', tool: '*', when: 'texts.exists(t, size(t) > 200000)', action: 'deny' },
  {
    name: 'watch-long-echo',
    tool: 'echo',
    when: 'has(arguments.text) && size(arguments.text) > 10000',
    action: 'audit',
  },
  {
    name: 'no-keys-out',
    direction: 'response',
    when: 'text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN OPENSSH PRIVATE KEY")',
    action: 'deny',
  },
  {
    name: 'no-aws-secret-out',
    direction: 'response',
    when: 'text.matches("(?i)aws_secret_access_key\\\\s*[=:]")',
    action: 'deny',
  },
  {
    name: 'no-kubeconfig-out',
    direction: 'response',
    when: 'text.contains("client-key-data:")',
    action: 'deny',
  },
  {
    name: 'no-hidden-instructions',
    direction: 'description',
    when: 'description.contains("<SYSTEM>")',
    action: 'deny',
  },
]);

/** The `gateway` keys `--all-features` adds (authentication and recording come from their own switches). */
export const allFeaturesGateway = () => ({
  masking: [{ connections: ['*'], detectors: ['default'] }],
  guardrails: { rules: BENCH_GUARDRAIL_RULES },
});
