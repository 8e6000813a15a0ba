import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startAgent, type RunningAgent } from '@airlock/agent';
import { parseConfig, REDACTED_LOG_PATHS, type AirlockConfig } from '@airlock/core';
import { startGateway, type RunningGateway } from '@airlock/gateway';
import { createSelfSignedCertificate, generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import type { SpoolIo } from '@airlock/recording';
import { pino, type Logger } from 'pino';

export interface HarnessOptions {
  /** `agent.connections` as written in the YAML file. */
  readonly connections: Record<string, Record<string, unknown>>;
  /** Extra `gateway` keys (merged over the harness defaults). */
  readonly gateway?: Record<string, unknown>;
  /** Extra `agent` keys (merged over the harness defaults), e.g. `masking`. */
  readonly agent?: Record<string, unknown>;
  /** Connections enrolled on the gateway for the agent (default: all of `connections`). */
  readonly enrolled?: readonly string[];
  /** Start the agent at once (default true). */
  readonly startAgent?: boolean;
  /**
   * Record, with this `recording` section (as written in the file); gateway and agent get their
   * own data directories in the harness's temporary directory. Absent: nothing is recorded.
   */
  readonly recording?: Record<string, unknown>;
  /** The spools' file systems (e.g. a disk that fills up). */
  readonly spoolIo?: { readonly gateway?: SpoolIo; readonly agent?: SpoolIo };
}

export interface AirlockHarness {
  readonly gateway: RunningGateway;
  /** The harness's temporary folder (spools, stores and certificates live under it). */
  readonly dir: string;
  readonly config: AirlockConfig;
  readonly agentToken: string;
  /** Every log line written by gateway and agent, as text. */
  readonly logs: () => string;
  /** The running agent (undefined before startAgent or after stopAgent). */
  readonly agent: RunningAgent | undefined;
  mcpUrl(connection: string): string;
  startAgent(): Promise<RunningAgent>;
  /**
   * Stops the gateway and starts it again on the same ports with the same data (store, spool,
   * enrollments); resolves once the agent is back.
   */
  restartGateway(): Promise<RunningGateway>;
  stopAgent(): Promise<void>;
  /** Resolves once a connected agent announces `connection`. */
  waitForConnection(connection: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A gateway and an agent in this process, talking gRPC over TLS on loopback to real MCP servers. */
export async function startAirlock(options: HarnessOptions): Promise<AirlockHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-e2e-'));
  const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'tunnel.crt'), cert);
  writeFileSync(join(dir, 'tunnel.key'), key);
  const agentToken = generateAgentToken();
  const names = Object.keys(options.connections);
  const gatewaySection = {
    listen: { host: '127.0.0.1', port: 0 },
    tunnel: {
      listen: { host: '127.0.0.1', port: 0 },
      tls: { certFile: join(dir, 'tunnel.crt'), keyFile: join(dir, 'tunnel.key') },
      heartbeatSeconds: 5,
    },
    agents: [
      { id: 'e2e-agent', tokenSha256: hashAgentToken(agentToken), connections: options.enrolled ?? names },
    ],
    ...(options.recording ? { dataDir: join(dir, 'gateway') } : {}),
    ...options.gateway,
  };
  const recordingSection = options.recording ? { recording: options.recording } : {};
  const gatewayConfig = parseConfig(JSON.stringify({ gateway: gatewaySection, ...recordingSection }));

  let logText = '';
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    logText += chunk.toString('utf8');
  });
  const logger: Logger = pino(
    {
      level: process.env['AIRLOCK_TEST_LOG_LEVEL'] ?? 'info',
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
    },
    sink,
  );
  const launchGateway = (section: NonNullable<typeof gatewayConfig.gateway>) =>
    startGateway(section, {
      logger,
      ...(options.recording ? { recording: gatewayConfig.recording } : {}),
      ...(options.spoolIo?.gateway ? { spoolIo: options.spoolIo.gateway } : {}),
    });
  let gateway = await launchGateway(gatewayConfig.gateway!);

  const config = parseConfig(
    JSON.stringify({
      gateway: gatewaySection,
      agent: {
        id: 'e2e-agent',
        token: agentToken,
        gateways: [
          {
            address: `127.0.0.1:${gateway.tunnel.port}`,
            caFile: join(dir, 'tunnel.crt'),
            serverName: 'localhost',
          },
        ],
        heartbeatSeconds: 5,
        reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
        connections: options.connections,
        ...(options.recording ? { dataDir: join(dir, 'agent') } : {}),
        ...options.agent,
      },
      ...recordingSection,
    }),
  );

  let agent: RunningAgent | undefined;
  const harness: AirlockHarness = {
    get gateway() {
      return gateway;
    },
    dir,
    config,
    agentToken,
    logs: () => logText,
    get agent() {
      return agent;
    },
    mcpUrl: (connection) => `${gateway.url}/mcp/${connection}`,
    async startAgent() {
      agent = await startAgent(config.agent!, {
        logger,
        version: 'e2e',
        ...(options.recording ? { recording: config.recording } : {}),
        ...(options.spoolIo?.agent ? { spoolIo: options.spoolIo.agent } : {}),
      });
      await Promise.all(names.map((name) => harness.waitForConnection(name)));
      return agent;
    },
    async restartGateway() {
      const http = gateway.http.port;
      const tunnel = gateway.tunnel.port;
      await gateway.close();
      // The same ports and data: the agent dials the tunnel again, clients use the same URL.
      gateway = await launchGateway({
        ...gatewayConfig.gateway!,
        listen: { ...gatewayConfig.gateway!.listen, port: http },
        tunnel: {
          ...gatewayConfig.gateway!.tunnel,
          listen: { ...gatewayConfig.gateway!.tunnel.listen, port: tunnel },
        },
      });
      await Promise.all(names.map((name) => harness.waitForConnection(name, 20_000)));
      return gateway;
    },
    async stopAgent() {
      await agent?.stop();
      agent = undefined;
    },
    async waitForConnection(connection, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (gateway.tunnel.connection(connection) === undefined) {
        if (Date.now() > deadline)
          throw new Error(`no agent announced connection "${connection}" within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await agent?.stop();
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (options.startAgent ?? true) await harness.startAgent();
  return harness;
}
