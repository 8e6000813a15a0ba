import { fileURLToPath } from 'node:url';

/** The repository root (test/deploy/support is three levels below it). */
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
