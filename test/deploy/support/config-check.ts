import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from './repository.js';

export interface ConfigCheck {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `airlock config check` on a configuration's text, as the CLI runs it. */
export function checkConfigText(text: string, name = 'airlock.yaml'): ConfigCheck {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-config-check-'));
  const file = join(dir, name);
  try {
    writeFileSync(file, text);
    return spawnSync(
      process.execPath,
      [join(repositoryRoot, 'packages/cli/dist/main.js'), 'config', 'check', '--config', file],
      { encoding: 'utf8', env: { ...process.env, AIRLOCK_CONFIG: '' } },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
