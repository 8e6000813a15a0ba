import { spawnNode } from '@airlock/testkit';
import { describe, expect, it } from 'vitest';

const AIRLOCK = new URL('../dist/main.js', import.meta.url).pathname;
const REPORTER = new URL('./fixtures/report-loaded-packages.mjs', import.meta.url).pathname;

/** The packages `airlock <args>` loads before it gets to work (it fails on a missing config file). */
async function packagesLoadedBy(args: string[]): Promise<Set<string>> {
  const child = spawnNode(AIRLOCK, args, { env: { CI: 'true', NODE_OPTIONS: `--import=${REPORTER}` } });
  await child.exited;
  const loaded = child
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('loaded '))
    .map((line) => line.slice('loaded '.length));
  return new Set(loaded);
}

// Every module an agent loads stays resident: the stores and the AWS SDK clients it does not use
// cost it about 40 MB (see docs/operations.md, sizing). They load when configured, not at start-up.
describe('airlock agent at start-up', () => {
  it('loads the tunnel, but no store, no AWS SDK client and no certificate generator', async () => {
    const loaded = await packagesLoadedBy(['agent', '--config', '/nonexistent/airlock.yaml']);
    expect(loaded).toContain('@grpc/grpc-js');
    for (const unneeded of [
      '@electric-sql/pglite',
      'pg',
      '@aws-sdk/client-kinesis',
      '@aws-sdk/client-kms',
      '@aws-sdk/client-sts',
      'selfsigned',
    ]) {
      expect(loaded, unneeded).not.toContain(unneeded);
    }
  });
});
