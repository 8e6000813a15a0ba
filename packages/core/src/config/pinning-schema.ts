import { z } from 'zod';
import { connectionGlobs } from './glob-schema.js';

/**
 * Tool pinning: the gateway fingerprints every tool it sees in `tools/list` answers, per
 * connection, in the recording store. A new or changed tool is recorded (`tool_changed`) and then,
 * by the first entry naming the connection: `warn` passes it, `hide` filters it out of
 * `tools/list` and refuses calls to it until accepted, `block` refuses every tool call on the
 * connection until accepted. No entry: `warn`.
 */
export const pinningModeSchema = z.enum(['off', 'warn', 'hide', 'block']);

export const pinningRuleSchema = z.strictObject({
  connections: connectionGlobs,
  mode: pinningModeSchema,
});

export type PinningMode = z.infer<typeof pinningModeSchema>;
export type PinningRuleConfig = z.infer<typeof pinningRuleSchema>;
