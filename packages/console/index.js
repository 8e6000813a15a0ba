import { fileURLToPath } from 'node:url';

/** Where the built console lives (index.html and hashed assets); the gateway serves it at /console. */
export const consoleAssetsDir = fileURLToPath(new URL('./dist/', import.meta.url));
