/** What `childLogger` needs of a pino logger (core does not depend on pino). */
export interface BindingLogger<L> {
  bindings(): Record<string, unknown>;
  child(bindings: Record<string, unknown>): L;
}

/**
 * A child of `logger` that binds only what `logger` does not already carry. Pino appends a child's
 * bindings to its parent's, so a key bound twice appears twice in every line
 * (`"component":"recording","component":"retention"`), and log tools keep one or the other.
 *
 * - A key the parent already has keeps the parent's value (the caller's logger knows better, e.g.
 *   the agent's `agentId`).
 * - `component` inside another component becomes `subcomponent`: the recording's retention job
 *   logs `"component":"recording","subcomponent":"retention"`. A third level keeps the second's name.
 */
export function childLogger<L extends BindingLogger<L>>(
  logger: L,
  bindings: Readonly<Record<string, unknown>>,
): L {
  const bound = logger.bindings();
  const fresh: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(bindings)) {
    if (value === undefined) continue;
    if (!(key in bound)) fresh[key] = value;
    else if (key === 'component' && !('subcomponent' in bound) && bound[key] !== value) {
      fresh['subcomponent'] = value;
    }
  }
  return logger.child(fresh);
}
