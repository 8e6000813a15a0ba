import { createServer, type Server } from 'node:net';
import { configSchema, type GatewayConfig } from '@airlock/core';
import { createSelfSignedCertificate } from '@airlock/tunnel';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/index.js';

/** Intervals set and not cleared while `run` runs (an unref'd one shows nowhere else). */
async function intervalsLeftBy(run: () => Promise<unknown>): Promise<number> {
  const live = new Set<unknown>();
  const set = globalThis.setInterval;
  const clear = globalThis.clearInterval;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = set(...args);
    live.add(timer);
    return timer;
  }) as typeof setInterval;
  globalThis.clearInterval = ((timer: Parameters<typeof clearInterval>[0]) => {
    live.delete(timer);
    clear(timer);
  }) as typeof clearInterval;
  try {
    await run();
  } finally {
    globalThis.setInterval = set;
    globalThis.clearInterval = clear;
  }
  for (const timer of live) clear(timer as NodeJS.Timeout);
  return live.size;
}

describe('a gateway that cannot start', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

  it('says which listener failed and leaves no timer behind', async () => {
    // Something else holds the tunnel's port.
    const taken = createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const pem = await createSelfSignedCertificate({ hosts: ['127.0.0.1'] });
    const config = configSchema.parse({
      gateway: {
        listen: { host: '127.0.0.1', port: 0 },
        tunnel: { listen: { host: '127.0.0.1', port }, tls: { certFile: 'x.pem', keyFile: 'x.key' } },
      },
    }).gateway as GatewayConfig;
    const left = await intervalsLeftBy(() =>
      expect(
        startGateway(config, {
          logger: pino({ enabled: false }),
          tls: { cert: Buffer.from(pem.cert), key: Buffer.from(pem.key) },
        }),
      ).rejects.toThrow(/tunnel listener/),
    );
    expect(left).toBe(0);
  });
});
