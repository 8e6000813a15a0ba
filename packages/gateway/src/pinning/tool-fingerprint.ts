import { createHash } from 'node:crypto';
import { canonicalJson } from '@airlock/core';
import type { ToolSighting } from '@airlock/recording';

/** The fields of a tool definition a change of which must be noticed (MCP Tool). */
export const PINNED_FIELDS = [
  'name',
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
] as const;

/** The pinned fields of a tool, as canonical JSON, and its SHA-256: equal for equal definitions. */
export function toolSighting(tool: Record<string, unknown>): ToolSighting | undefined {
  if (typeof tool['name'] !== 'string') return undefined;
  const pinned: Record<string, unknown> = {};
  for (const field of PINNED_FIELDS) if (tool[field] !== undefined) pinned[field] = tool[field];
  const definition = canonicalJson(pinned);
  return {
    tool: tool['name'],
    definition,
    fingerprint: createHash('sha256').update(definition).digest('hex'),
  };
}

const MAX_DIFF_VALUE = 2000;

const shorten = (value: unknown): unknown => {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length <= MAX_DIFF_VALUE
    ? value
    : `${text.slice(0, MAX_DIFF_VALUE)}… (${text.length} characters)`;
};

/** Which pinned fields differ between two definitions, with old and new values (long ones cut). */
export function definitionDiff(
  oldDefinition: string | undefined,
  newDefinition: string,
): { field: string; old?: unknown; new?: unknown }[] {
  const before = (oldDefinition === undefined ? {} : JSON.parse(oldDefinition)) as Record<string, unknown>;
  const after = JSON.parse(newDefinition) as Record<string, unknown>;
  return PINNED_FIELDS.filter(
    (f) => canonicalJson(before[f] ?? null) !== canonicalJson(after[f] ?? null),
  ).map((field) => ({
    field,
    ...(before[field] === undefined ? {} : { old: shorten(before[field]) }),
    ...(after[field] === undefined ? {} : { new: shorten(after[field]) }),
  }));
}
