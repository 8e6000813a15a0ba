import { describe, expect, it } from 'vitest';
import { AGENT_ID, captureLog, connected, startClient, startServer } from './tunnel-harness.js';

/** Keys that appear more than once in one JSON log line (pino writes a key bound twice twice). */
function repeatedKeys(line: string): string[] {
  const keys = [...line.matchAll(/"([A-Za-z]+)":/g)].map((m) => m[1] as string);
  return [...new Set(keys.filter((key, i) => keys.indexOf(key) !== i))];
}

describe("the tunnel server's log lines", () => {
  it('name the gateway once when the caller already bound it (a log shipper may refuse repeated keys)', async () => {
    const log = captureLog('info');
    const server = await startServer({ logger: log.logger.child({ gatewayId: 'gw-test' }) });
    await server.close();
    expect(log.lines.length).toBeGreaterThan(0);
    for (const line of log.lines) expect(repeatedKeys(line), line).toEqual([]);
    expect(log.text()).toContain('"component":"tunnel-server"');
  });
});

describe("the tunnel client's log lines", () => {
  it('name the agent and the gateway once when the caller already bound them', async () => {
    const server = await startServer();
    const log = captureLog('info');
    const address = `127.0.0.1:${server.port}`;
    const client = await startClient(server.port, {
      logger: log.logger.child({ agentId: AGENT_ID, gateway: address }),
    });
    await connected(client);
    await client.stop();
    await server.close();
    expect(log.text()).toContain('connected to gateway');
    for (const line of log.lines) expect(repeatedKeys(line), line).toEqual([]);
    expect(log.text()).toContain('"component":"tunnel-client"');
  });
});
