import { startKitchenSinkHttp, startModernHttp, testkitBins, type RunningServer } from '@airlock/testkit';

/** The upstream servers the end-to-end tests relay to, and their connection configs. */
export interface Upstreams {
  readonly connections: Record<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startUpstreams(): Promise<Upstreams> {
  const servers: RunningServer[] = [];
  const kitchenHttp = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  servers.push(kitchenHttp);
  const modern = await startModernHttp({ host: '127.0.0.1', port: 0, legacy: 'reject' });
  servers.push(modern);
  return {
    connections: {
      'kitchen-stdio': {
        transport: 'stdio',
        command: process.execPath,
        args: [testkitBins.kitchenSinkStdio],
        aws: { inject: true, region: 'eu-west-1' },
        killGraceMs: 500,
      },
      'kitchen-http': { transport: 'http', url: kitchenHttp.url },
      modern: { transport: 'http', url: modern.url, eras: ['modern'] },
    },
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

/** Fake AWS credentials in the agent's environment: the default provider chain stops at the env provider. */
export const TEST_AWS_ACCESS_KEY_ID = 'AKIAAIRLOCKE2ETEST01';
export function useTestAwsCredentials(): void {
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  process.env['AWS_ACCESS_KEY_ID'] = TEST_AWS_ACCESS_KEY_ID;
  process.env['AWS_SECRET_ACCESS_KEY'] = 'airlock-e2e-secret-access-key-not-real';
  delete process.env['AWS_SESSION_TOKEN'];
  delete process.env['AWS_PROFILE'];
}
