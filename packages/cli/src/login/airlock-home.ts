import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The per-user folder the CLI keeps state in (today: login tokens): `$AIRLOCK_HOME`, else
 * `$XDG_CONFIG_HOME/airlock`, else `~/.config/airlock`.
 */
export function airlockHome(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['AIRLOCK_HOME'];
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg !== undefined && xdg !== '') return join(resolve(xdg), 'airlock');
  return join(homedir(), '.config', 'airlock');
}
