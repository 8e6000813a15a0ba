import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startAgent, type Agent } from '@airlock/agent';
import { parseConfig, REDACTED_LOG_PATHS } from '@airlock/core';
import { startGateway, type RunningGateway } from '@airlock/gateway';
import { startPostgres, waitFor, type RunningPostgres } from '@airlock/testkit';
import { createSelfSignedCertificate, generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import { pino, type Logger } from 'pino';

export interface GatewayClusterOptions {
  readonly gateways: number;
  /** `agent.connections` as written in the YAML file. */
  readonly connections: Record<string, Record<string, unknown>>;
  /** Extra `gateway` keys for every gateway. */
  readonly gateway?: Record<string, unknown>;
  /** Extra `gateway.cluster` keys for gateway `index` (e.g. its own TLS certificate). */
  readonly cluster?: (index: number) => Record<string, unknown>;
  /** The agent is enrolled through the admin API (`enrollAgent`, revocable), not in the configuration. */
  readonly enrolled?: boolean;
  /**
   * Gateway i's tunnel listens on 127.0.0.<i+1> at this one port (a fleet behind one DNS name
   * shares a port); default: 127.0.0.1, a free port each.
   */
  readonly tunnelPort?: number;
  /** `agent.gateways` for `startAgent` (default: every running gateway's tunnel address). */
  readonly agentGateways?: (caFile: string) => Record<string, unknown>[];
  /** Extra `recording` keys for every gateway and the agent (e.g. `modernSessionIdleSeconds`). */
  readonly recording?: Record<string, unknown>;
  /** Passed to the agent: resolves a fleet's DNS name. */
  readonly resolveGateways?: (host: string) => Promise<string[]>;
}

export interface GatewayCluster {
  readonly postgres: RunningPostgres;
  readonly databaseUrl: string;
  /** The folder of the cluster's files (`cluster.secret`, the tunnel certificate), removed by `close`. */
  readonly dir: string;
  /** Index i: gateway "gw-i", or undefined once stopped. */
  readonly gateways: (RunningGateway | undefined)[];
  readonly logs: () => string;
  /** Starts gateway "gw-<index>" (a new one, or one stopped before, on fresh ports). */
  startGateway(index: number): Promise<RunningGateway>;
  stopGateway(index: number): Promise<void>;
  /** `POST /api/v1/agents` on gateway `index`: enrolls the agent; its token is used by `startAgent`. */
  enrollAgent(index: number): Promise<void>;
  /** `DELETE /api/v1/agents/cluster-agent` on gateway `index`. */
  revokeAgent(index: number): Promise<void>;
  /** Starts the agent dialling every gateway running now. */
  startAgent(): Promise<Agent>;
  /** Resolves once the agent serves `connection` on every running gateway. */
  waitForAgent(connection: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Several gateways in this process sharing one throwaway PostgreSQL (store, peers), each with its
 * own spool and internal listener, and one agent dialling all of them. Loopback only.
 */
export async function startGatewayCluster(options: GatewayClusterOptions): Promise<GatewayCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cluster-'));
  const postgres = await startPostgres();
  const databaseUrl = await postgres.createDatabase('cluster');
  const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'tunnel.crt'), cert);
  writeFileSync(join(dir, 'tunnel.key'), key);
  writeFileSync(join(dir, 'cluster.secret'), randomBytes(32).toString('hex'), { mode: 0o600 });
  let agentToken = generateAgentToken();
  const names = Object.keys(options.connections);
  const recording = {
    store: { kind: 'postgres', connectionString: databaseUrl },
    spool: { fsync: 'never' },
    ...options.recording,
  };

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

  const gateways: (RunningGateway | undefined)[] = [];
  let agent: Agent | undefined;
  const cluster: GatewayCluster = {
    postgres,
    databaseUrl,
    dir,
    gateways,
    logs: () => logText,
    async startGateway(index) {
      const config = parseConfig(
        JSON.stringify({
          gateway: {
            id: `gw-${index}`,
            listen: { host: '127.0.0.1', port: 0 },
            tunnel: {
              listen:
                options.tunnelPort === undefined
                  ? { host: '127.0.0.1', port: 0 }
                  : { host: `127.0.0.${index + 1}`, port: options.tunnelPort },
              tls: { certFile: join(dir, 'tunnel.crt'), keyFile: join(dir, 'tunnel.key') },
              heartbeatSeconds: 5,
            },
            agents: options.enrolled
              ? []
              : [{ id: 'cluster-agent', tokenSha256: hashAgentToken(agentToken), connections: names }],
            dataDir: join(dir, `gw-${index}`),
            cluster: {
              listen: { host: '127.0.0.1', port: 0 },
              secretFile: join(dir, 'cluster.secret'),
              heartbeatSeconds: 0.5,
              peerTimeoutSeconds: 3,
              ...options.cluster?.(index),
            },
            ...options.gateway,
          },
          recording,
        }),
      );
      const gateway = await startGateway(config.gateway!, { logger, recording: config.recording });
      gateways[index] = gateway;
      return gateway;
    },
    async stopGateway(index) {
      const gateway = gateways[index];
      gateways[index] = undefined;
      await gateway?.close();
    },
    async enrollAgent(index) {
      const response = await fetch(`${gateways[index]!.url}/api/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'cluster-agent', connections: names }),
      });
      if (response.status !== 201) throw new Error(`enrollment: ${response.status} ${await response.text()}`);
      agentToken = ((await response.json()) as { token: string }).token;
    },
    async revokeAgent(index) {
      const response = await fetch(`${gateways[index]!.url}/api/v1/agents/cluster-agent`, {
        method: 'DELETE',
      });
      if (response.status !== 200) throw new Error(`revocation: ${response.status} ${await response.text()}`);
    },
    async startAgent() {
      const running = gateways.filter((g): g is RunningGateway => g !== undefined);
      const config = parseConfig(
        JSON.stringify({
          agent: {
            id: 'cluster-agent',
            token: agentToken,
            gateways:
              options.agentGateways?.(join(dir, 'tunnel.crt')) ??
              running.map((g) => ({
                address: `127.0.0.1:${g.tunnel.port}`,
                caFile: join(dir, 'tunnel.crt'),
                serverName: 'localhost',
              })),
            heartbeatSeconds: 5,
            reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
            connections: options.connections,
            dataDir: join(dir, 'agent'),
          },
          recording,
        }),
      );
      agent = await startAgent(config.agent!, {
        logger,
        version: 'e2e',
        recording: config.recording,
        ...(options.resolveGateways ? { resolveGateways: options.resolveGateways } : {}),
      });
      await Promise.all(names.map((name) => cluster.waitForAgent(name)));
      return agent;
    },
    async waitForAgent(connection) {
      await waitFor(`the agent serving ${connection} on every gateway`, async () =>
        gateways.every((g) => g === undefined || g.tunnel.connection(connection) !== undefined)
          ? true
          : undefined,
      );
    },
    async close() {
      await agent?.stop();
      for (let i = 0; i < gateways.length; i++) await cluster.stopGateway(i);
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < options.gateways; i++) await cluster.startGateway(i);
  return cluster;
}
