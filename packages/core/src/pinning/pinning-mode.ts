import type { PinningMode, PinningRuleConfig } from '../config/pinning-schema.js';
import { compileGlob } from '../policy/glob.js';

/**
 * The pinning mode of each connection: the first `gateway.pinning` entry naming it, else `warn`.
 * The gateway's pinning policy acts by it; the tools API reports it, so administrators see what
 * a change does to clients.
 */
export function pinningModes(rules: readonly PinningRuleConfig[]): (connection: string) => PinningMode {
  const compiled = rules.map((rule) => ({ matchers: rule.connections.map(compileGlob), mode: rule.mode }));
  return (connection) => compiled.find((r) => r.matchers.some((m) => m(connection)))?.mode ?? 'warn';
}
