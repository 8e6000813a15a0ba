import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AirlockError } from '@airlock/core/client';

/** The per-user folder the CLI keeps state in, and which setting chose it (for messages). */
export interface AirlockHome {
  readonly dir: string;
  readonly chosenBy: 'AIRLOCK_HOME' | 'XDG_CONFIG_HOME' | 'the home directory';
}

/**
 * The per-user folder the CLI keeps state in (today: login tokens): `$AIRLOCK_HOME`, else
 * `$XDG_CONFIG_HOME/airlock`, else `~/.config/airlock`. Without HOME, Node takes the home
 * directory from the user database; only when that fails too is there no folder at all.
 */
export function resolveAirlockHome(env: NodeJS.ProcessEnv = process.env): AirlockHome {
  const explicit = env['AIRLOCK_HOME'];
  if (explicit !== undefined && explicit !== '') return { dir: resolve(explicit), chosenBy: 'AIRLOCK_HOME' };
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg !== undefined && xdg !== '')
    return { dir: join(resolve(xdg), 'airlock'), chosenBy: 'XDG_CONFIG_HOME' };
  let home: string;
  try {
    home = homedir();
  } catch (cause) {
    throw new AirlockError(
      'unauthenticated',
      'Cannot tell where your airlock login is kept: AIRLOCK_HOME, XDG_CONFIG_HOME and HOME are unset and this user has no home directory. Set AIRLOCK_HOME to the folder `airlock login` used (by default ~/.config/airlock).',
      { cause },
    );
  }
  return { dir: join(home, '.config', 'airlock'), chosenBy: 'the home directory' };
}

/** The folder of resolveAirlockHome. */
export function airlockHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolveAirlockHome(env).dir;
}
