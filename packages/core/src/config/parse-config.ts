import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { AirlockError } from '../errors/airlock-error.js';
import {
  compileGuardrails,
  GuardrailCompileError,
  type Guardrails,
} from '../guardrails/compile-guardrails.js';
import type { GuardrailsConfig } from './guardrails-schema.js';
import { configSchema, type AirlockConfig } from './schema.js';

const ENV_PREFIX = 'AIRLOCK_';

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Overlays environment variables onto the parsed file. `AIRLOCK_GATEWAY__LISTEN__PORT=9000`
 * sets `gateway.listen.port`: `__` separates levels, each level is UPPER_SNAKE of the camelCase
 * key, and the value is read as YAML (so numbers, booleans and `[a, b]` lists work).
 * `AIRLOCK_CONFIG`, `AIRLOCK_TRACE` and `AIRLOCK_LOG_*` are not config keys and are skipped.
 */
export function applyEnvironment(raw: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  const root: Record<string, unknown> =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw)
      ? (structuredClone(raw as object) as Record<string, unknown>)
      : {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || !name.includes('__')) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map(camel);
    let node = root;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      node =
        typeof next === 'object' && next !== null && !Array.isArray(next)
          ? (next as Record<string, unknown>)
          : (node[key] = {});
    }
    node[path[path.length - 1] as string] = parseYaml(value) ?? value;
  }
  return root;
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path)
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(top level)' : out;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const where = formatIssuePath(issue.path);
    if (issue.code === 'invalid_key')
      return `${where}: invalid name: ${issue.issues.map((i) => i.message).join('; ')}`;
    if (issue.code === 'unrecognized_keys')
      return `${where}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${where}: ${issue.message}`;
  });
}

/**
 * Parses configuration text (YAML; JSON is YAML too) plus environment overrides into a frozen,
 * validated config. Every mistake is reported at once with its path; nothing starts on error.
 */
export function parseConfig(
  text: string,
  options: { source?: string; env?: Readonly<Record<string, string | undefined>> } = {},
): AirlockConfig {
  const source = options.source ?? 'configuration';
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : parseYaml(text, { prettyErrors: true });
  } catch (cause) {
    const detail = cause instanceof YAMLParseError ? cause.message : String(cause);
    throw new AirlockError('config_invalid', `${source} is not valid YAML: ${detail}`, { cause });
  }
  const result = configSchema.safeParse(applyEnvironment(raw, options.env ?? {}));
  if (!result.success) throw invalidConfig(source, describeIssues(result.error.issues));
  return deepFreeze(result.data);
}

function invalidConfig(source: string, problems: readonly string[]): AirlockError {
  return new AirlockError(
    'config_invalid',
    `${source} has ${problems.length} problem(s); fix them and start again:\n  - ${problems.join('\n  - ')}`,
    { data: { problems } },
  );
}

/**
 * Compiles `gateway.guardrails` of a parsed configuration, CEL expressions included (parseConfig
 * checks everything else, and leaves these to the gateway so that no other process loads CEL). A
 * rule that does not compile is a config_invalid error worded as parseConfig's, with its path.
 */
export async function compileConfiguredGuardrails(
  guardrails: GuardrailsConfig,
  options: { source?: string } = {},
): Promise<Guardrails> {
  try {
    return await compileGuardrails(guardrails);
  } catch (error) {
    if (!(error instanceof GuardrailCompileError)) throw error;
    const where = formatIssuePath(['gateway', 'guardrails', ...error.path]);
    throw invalidConfig(options.source ?? 'configuration', [`${where}: ${error.message}`]);
  }
}
