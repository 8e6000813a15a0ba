import type { Caller } from '../relay/caller.js';
import type { AccessItemKind, CompiledGlob } from './access-rules.js';
import { compileGlob } from './glob.js';

/** A just-in-time grant in force: the requester may use `connection` (only `tools`, when given). */
export interface ActiveGrant {
  readonly id: string;
  readonly connection: string;
  /** Tool globs; empty: the whole connection (tools, prompts and resources). */
  readonly tools: readonly string[];
  readonly expiresAt: string;
}

/**
 * The grants in force for this caller on this connection. Synchronous: policy runs on every
 * message, so the gateway keeps grants in memory and refreshes them from the store.
 */
export type GrantLookup = (caller: Caller, connection: string) => readonly ActiveGrant[];

// Grant objects are reused until the gateway refreshes them, so their globs compile once.
const compiled = new WeakMap<ActiveGrant, readonly CompiledGlob[]>();

function toolGlobs(grant: ActiveGrant): readonly CompiledGlob[] {
  let globs = compiled.get(grant);
  if (globs === undefined) {
    globs = grant.tools.map((pattern) => ({ pattern, matches: compileGlob(pattern) }));
    compiled.set(grant, globs);
  }
  return globs;
}

/**
 * The first grant that lets its holder use this item. A grant without tools covers everything on
 * the connection; a grant with tools covers only tools matching them (no prompts, no resources).
 */
export function grantCovering(
  grants: readonly ActiveGrant[],
  kind: AccessItemKind,
  name: string,
): ActiveGrant | undefined {
  return grants.find((grant) => {
    if (grant.tools.length === 0) return true;
    return kind === 'tool' && toolGlobs(grant).some((g) => g.matches(name));
  });
}
