import { readFileSync } from 'node:fs';

/** This build's version, from the CLI package's manifest. */
export const AIRLOCK_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
