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

// An `airlock` command starts in about half a second, and what it loads is most of that: the
// configuration schema (zod, yaml) alone was about 200 ms. Commands that parse no configuration
// load `@airlock/core/client`, and the roles' logger and operations stack load when a role runs.
describe('airlock commands at start-up', () => {
  it('load neither the configuration schema nor the roles’ logger, metrics and tracing', async () => {
    const roles = ['pino', 'prom-client', '@opentelemetry/api', '@grpc/grpc-js'];
    for (const [args, unneeded] of [
      [['--version'], ['zod', 'yaml', ...roles]],
      // whoami reads the token cache, which checks its files with zod.
      [
        ['whoami', '--gateway', 'http://127.0.0.1:9'],
        ['yaml', ...roles],
      ],
    ] as const) {
      const loaded = await packagesLoadedBy([...args]);
      // The reporter works: yargs, which parses every command line, is seen.
      expect(loaded, args.join(' ')).toContain('yargs');
      for (const name of unneeded) expect(loaded, `${args.join(' ')}: ${name}`).not.toContain(name);
    }
  });

  it('load the configuration schema where a configuration is parsed', async () => {
    const loaded = await packagesLoadedBy(['config', 'check', '--config', '/nonexistent/airlock.yaml']);
    expect(loaded).toContain('zod');
    expect(loaded).toContain('yaml');
  });
});
