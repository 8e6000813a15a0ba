import { readFileSync } from 'node:fs';

/**
 * Set by scripts/build-agent-binary.mjs (an esbuild `define`): a single-file executable has no
 * package.json beside it to read the version from.
 */
declare const AIRLOCK_BUNDLED_VERSION: string | undefined;

/** This build's version, from the CLI package's manifest. */
export const AIRLOCK_VERSION: string =
  typeof AIRLOCK_BUNDLED_VERSION === 'string'
    ? AIRLOCK_BUNDLED_VERSION
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
        .version;
