import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { AirlockError, parseConfig, type AirlockConfig } from '@airlock/core';

export interface LoadedConfig {
  readonly config: AirlockConfig;
  /** Resolves a path from the file relative to the file's folder (cwd for env-only configs). */
  readonly resolvePath: (path: string) => string;
}

/**
 * Reads the configuration from `--config` (or AIRLOCK_CONFIG) and overlays AIRLOCK_* variables.
 * With no file at all, the environment alone is the configuration (container deployments).
 */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const file = path ?? env['AIRLOCK_CONFIG'];
  let text = '';
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new AirlockError(
        'config_invalid',
        `Cannot read the configuration file ${file} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}). Pass an existing file with --config, or set AIRLOCK_CONFIG.`,
        { cause },
      );
    }
  }
  const config = parseConfig(text, { source: file ?? 'the AIRLOCK_* environment', env });
  const base = file === undefined ? process.cwd() : dirname(resolve(file));
  return { config, resolvePath: (p) => (isAbsolute(p) ? p : resolve(base, p)) };
}

/** Reads a file the configuration names, with an error that says which key named it. */
export function readConfiguredFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new AirlockError(
      'config_invalid',
      `Cannot read ${key} (${path}): ${(cause as NodeJS.ErrnoException).code ?? String(cause)}. Fix the path in the configuration.`,
      { cause },
    );
  }
}
