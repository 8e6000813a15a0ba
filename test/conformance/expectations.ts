// What the testkit's conformance fixture (packages/testkit/src/servers/conformance-server.ts) is
// meant to pass when run with `suite: 'all'`, and what it knowingly does not. Every scenario the
// pinned CLI runs must appear in exactly one list, so a new scenario in a CLI upgrade fails the
// direct test until someone classifies it.
// Lists: FIXTURE_PASSES (must pass), FIXTURE_KNOWN_FAILING (must not pass; a pass means the entry is
// stale), FIXTURE_NOT_APPLICABLE (outcome says nothing about the fixture; not asserted).

/** 2025-era scenarios (stateful wire, 2025-11-25): the fixture passes all of them. */
export const FIXTURE_PASSES: readonly string[] = [
  'server-initialize',
  'server-session-lifecycle',
  'logging-set-level',
  'ping',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'tools-call-sampling',
  'tools-call-elicitation',
  'json-schema-2020-12', // pending in the suite (its reference fixture fails it); ours passes
  'elicitation-sep1034-defaults',
  'server-sse-polling', // pending in the suite; ours passes (event store + closeSSEStream)
  'server-sse-multiple-streams',
  'elicitation-sep1330-enums',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
];

const MODERN_ONLY = 'runs on the 2026-07-28 stateless wire; the fixture is a 2025-era (v1 SDK) server';
const TASKS = 'tasks extension (2026-07-28 wire); not implemented by the fixture';
const SKILLS = 'skills extension (SEP-2640); not implemented by the fixture';

/** Scenarios the fixture does not pass, with the reason. */
export const FIXTURE_KNOWN_FAILING: ReadonlyMap<string, string> = new Map([
  ['server-stateless', MODERN_ONLY],
  ['sep-2164-resource-not-found', MODERN_ONLY],
  ['caching', MODERN_ONLY],
  ['http-header-validation', MODERN_ONLY],
  ['http-custom-header-server-validation', MODERN_ONLY],
  ['input-required-result-basic-elicitation', MODERN_ONLY],
  ['input-required-result-basic-sampling', MODERN_ONLY],
  ['input-required-result-basic-list-roots', MODERN_ONLY],
  ['input-required-result-request-state', MODERN_ONLY],
  ['input-required-result-multiple-input-requests', MODERN_ONLY],
  ['input-required-result-multi-round', MODERN_ONLY],
  ['input-required-result-missing-input-response', MODERN_ONLY],
  ['input-required-result-non-tool-request', MODERN_ONLY],
  ['input-required-result-result-type', MODERN_ONLY],
  ['input-required-result-unsupported-methods', MODERN_ONLY],
  ['input-required-result-tampered-state', MODERN_ONLY],
  ['input-required-result-capability-check', MODERN_ONLY],
  ['input-required-result-ignore-extra-params', MODERN_ONLY],
  ['sep-2640-skills-directory', SKILLS],
  ['sep-2640-skills-enumeration', SKILLS],
  ['sep-2640-skills-manifest', SKILLS],
  ['tasks-lifecycle', TASKS],
  ['tasks-capability-negotiation', TASKS],
  ['tasks-wire-fields', TASKS],
  ['tasks-request-state-removal', TASKS],
  ['tasks-mrtr-input', TASKS],
  ['tasks-request-headers', TASKS],
  ['tasks-dispatch-and-envelope', TASKS],
  ['tasks-required-task-error', TASKS],
  ['tasks-mrtr-composition', TASKS],
]);

/** Scenarios whose outcome against this fixture says nothing, so it is not asserted either way. */
export const FIXTURE_NOT_APPLICABLE: ReadonlyMap<string, string> = new Map([
  // Its checks only probe that malformed modern requests are rejected, which a 2025-era server
  // does too (400): it passes without the fixture implementing anything it tests.
  ['input-required-result-validate-input', `${MODERN_ONLY}; passes vacuously`],
  // Records no check at all without a tasks capability (the CLI prints "0 passed, 0 failed").
  ['tasks-status-notifications', `${TASKS}; records no checks`],
]);
