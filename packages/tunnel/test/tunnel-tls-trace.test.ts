import { afterEach, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../src/index.js';
import {
  captureLog,
  collect,
  connected,
  sessionRequest,
  startClient,
  startServer,
  testCertificate,
} from './tunnel-harness.js';

describe('tunnel: mTLS and tracing', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    delete process.env.AIRLOCK_TRACE;
  });

  it('requires a client certificate signed by clientCa when mTLS is on', async () => {
    const agentCert = await createSelfSignedCertificate({ hosts: ['agent-a'] });
    const server = await startServer({
      tls: { ...(await testCertificate()), clientCa: Buffer.from(agentCert.cert) },
    });
    cleanup.push(() => server.close());

    const anonymous = await startClient(server.port);
    cleanup.push(() => anonymous.stop());
    const [reason, wasConnected] = await new Promise<[Error, boolean]>((resolve) =>
      anonymous.once('disconnected', (r, w) => resolve([r, w])),
    );
    expect(wasConnected).toBe(false);
    expect(reason.message).not.toBe('');
    await anonymous.stop();

    const withCert = await startClient(server.port, {
      tls: {
        ca: (await testCertificate()).cert,
        serverName: 'localhost',
        cert: Buffer.from(agentCert.cert),
        key: Buffer.from(agentCert.key),
      },
    });
    cleanup.push(() => withCert.stop());
    await connected(withCert);
    expect(server.agents()).toHaveLength(1);
  });

  it('logs every frame at debug level with AIRLOCK_TRACE=tunnel, and none without', async () => {
    const quietLog = captureLog('debug');
    const quietServer = await startServer({ logger: quietLog.logger });
    cleanup.push(() => quietServer.close());
    const quietClient = await startClient(quietServer.port);
    cleanup.push(() => quietClient.stop());
    await connected(quietClient);

    const quiet = await quietServer.openSession(sessionRequest('q-1'));
    const quietReceived = collect(quiet);
    await quiet.send('{"a":1}');
    await quietReceived.next();
    expect(quietLog.text()).not.toContain('tunnel frame');

    // Read when the tunnel server (and the agent's connection) is made, not for every stream.
    process.env.AIRLOCK_TRACE = 'recording,tunnel';
    const serverLog = captureLog('debug');
    const server = await startServer({ logger: serverLog.logger });
    cleanup.push(() => server.close());
    const client = await startClient(server.port);
    cleanup.push(() => client.stop());
    await connected(client);
    const traced = await server.openSession(sessionRequest('t-1'));
    const tracedReceived = collect(traced);
    await traced.send('{"b":2}');
    await tracedReceived.next();
    const lines = serverLog.lines
      .filter((l) => l.includes('tunnel frame'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(['tunnel frame sent', 'tunnel frame received']);
    expect(lines[0]).toMatchObject({ level: 20, sessionId: 't-1', bytes: 7, more: false });
    quiet.end();
    traced.end();
  });
});
