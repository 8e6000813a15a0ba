import { AirlockError, type AirlockConfig } from '@airlock/core';
import { loadConfig } from './load-config.js';
import { resolveConfigPaths } from './resolve-paths.js';

type Role = 'gateway' | 'agent';

/**
 * The configuration a role needs to run: loaded (file + AIRLOCK_* variables), paths resolved,
 * and its section present, or a config_invalid error saying what to add.
 */
export function loadRoleConfig<R extends Role>(
  path: string | undefined,
  role: R,
): { config: AirlockConfig; section: NonNullable<AirlockConfig[R]> } {
  const { config: raw, resolvePath } = loadConfig(path);
  const config = resolveConfigPaths(raw, resolvePath);
  const section = config[role];
  if (!section) {
    throw new AirlockError(
      'config_invalid',
      `The configuration has no "${role}" section; add one (see the README) to run ${role === 'agent' ? 'an agent' : 'a gateway'}.`,
    );
  }
  return { config, section: section as NonNullable<AirlockConfig[R]> };
}
