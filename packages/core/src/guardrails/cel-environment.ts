import { Environment } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';
import { PACK_FUNCTIONS } from './pack-patterns.js';

/**
 * The CEL environment guardrail expressions compile in. Variables (see guardrail-activation.ts):
 * `method`, `tool`, `name`, `arguments`, `texts` (every string in the arguments, at any depth),
 * `caller` ({ subject, email, groups }), `connection`, `direction`, and for responses `text`
 * (the result's text content) and `error`; for tool descriptions `description` and `annotations`.
 *
 * Cost bound: CEL has no loops, so an expression's cost is its size times the size of its input.
 * The size is bounded at compile time (AST nodes and depth, from `maxEvaluationCost`), the input
 * by the gateway's body limit, and every pattern runs on RE2 (linear time): CEL's `matches` is
 * defined over RE2 syntax, and is compiled to re2js here rather than to a backtracking RegExp.
 */
const patterns = new Map<string, RE2JS>();

function re2(text: string, pattern: string): boolean {
  let compiled = patterns.get(pattern);
  if (compiled === undefined) {
    compiled = RE2JS.compile(pattern);
    if (patterns.size < 1000) patterns.set(pattern, compiled);
  }
  return compiled.matcher(text).find();
}

const SQL_WRITE = /^\s*(?:delete\s+from|update\s+\S+\s+set)\b/i;
const SQL_WHERE = /\bwhere\b/i;

/** A DELETE or UPDATE statement without a WHERE clause, in any statement of `text`. */
export function sqlWriteWithoutWhere(text: string): boolean {
  if (!/delete|update/i.test(text)) return false;
  return text.split(';').some((statement) => SQL_WRITE.test(statement) && !SQL_WHERE.test(statement));
}

export function guardrailEnvironment(maxAstNodes: number): Environment {
  let environment = new Environment({
    homogeneousAggregateLiterals: false,
    limits: { maxAstNodes, maxDepth: 32, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 8 },
  })
    .registerVariable('method', 'string')
    .registerVariable('tool', 'string')
    .registerVariable('name', 'string')
    .registerVariable('arguments', 'map')
    .registerVariable('texts', 'list<string>')
    .registerVariable('caller', 'map')
    .registerVariable('connection', 'string')
    .registerVariable('direction', 'string')
    .registerVariable('text', 'string')
    .registerVariable('error', 'map')
    .registerVariable('description', 'string')
    .registerVariable('annotations', 'map')
    .registerFunction('string.re2(string): bool', re2)
    .registerFunction('sqlWriteWithoutWhere(string): bool', sqlWriteWithoutWhere);
  for (const [name, test] of Object.entries(PACK_FUNCTIONS)) {
    environment = environment.registerFunction(`${name}(string): bool`, test);
  }
  return environment;
}

/**
 * Rewrites `x.matches(p)` to `x.re2(p)` outside string literals, so the standard CEL spelling
 * runs on RE2 as the CEL specification says it should.
 */
export function useRe2ForMatches(source: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (quote !== undefined) {
      out += c;
      if (c === '\\') out += source[++i] ?? '';
      else if (source.startsWith(quote, i)) {
        out += quote.slice(1);
        i += quote.length - 1;
        quote = undefined;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      quote = source.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      out += quote;
      i += quote.length - 1;
      continue;
    }
    if (source.startsWith('.matches(', i)) {
      out += '.re2(';
      i += '.matches('.length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * Compiles one guardrail expression (`matches` running on RE2), checking that it gives a bool.
 * Throws an Error saying what is wrong.
 */
export function compileCelExpression(
  expression: string,
  maxAstNodes: number,
): (activation: Record<string, unknown>) => unknown {
  const environment = guardrailEnvironment(maxAstNodes);
  const source = useRe2ForMatches(expression);
  const checked = environment.check(source) as { valid: boolean; type?: string; error?: Error };
  if (!checked.valid) throw checked.error ?? new Error('the expression does not type-check');
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw new Error(`it gives a ${String(checked.type)}, not a bool`);
  }
  return environment.parse(source);
}
