import { join } from 'node:path';
import type { Logger } from 'pino';
import { fixedCredentials, startAgent, type Agent } from '@airlock/agent';
import { AirlockError, parseConfig } from '@airlock/core';
import { startLoopbackIdentityProvider, type LoopbackIdentityProvider } from '@airlock/dev-identity';
import { startGateway, type RunningGateway } from '@airlock/gateway';
import { keepHelperThreadsLow } from '@airlock/operations';
import { generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import { createLogger } from '../logging/create-logger.js';
import { reportStartupFailure, stopOnSignals } from '../process-lifecycle.js';
import { AIRLOCK_VERSION } from '../version.js';
import { devBanner } from './dev-banner.js';
import { prepareDevFiles, type DevFiles } from './dev-files.js';
import { addressInUse, onFreePort } from './free-port.js';
import { startDemoUpstreams, type DemoUpstreams } from './demo-upstreams.js';

export interface DevOptions {
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: string;
  /** Run the dev identity provider and require logins (default); false = the unauthenticated mode. */
  readonly auth: boolean;
  readonly accessTokenTtlSeconds: number;
}

const HOST = '127.0.0.1';

/**
 * What each demo person may use, so the access rules show on one machine: the SRE everything, the
 * auditor the harmless tools of every connection, the contractor one connection without the
 * tools that reveal the environment or crash the server. `get-env` (everything) prints the
 * server's environment, the AWS credentials the agent injected included: masking hides their
 * values, but an auditor has no business with an environment dump.
 */
const DEV_ACCESS_RULES = [
  { groups: ['sre'], connections: ['*'] },
  {
    groups: ['auditors'],
    connections: ['*'],
    tools: { allow: ['echo', 'add', 'get*', 'list*'], deny: ['get-env'] },
  },
  { groups: ['contractors'], connections: ['kitchen'], tools: { deny: ['env', 'crash'] } },
];

/**
 * What the demo shows of masking, guardrails and pinning (on the `vault` connection): every
 * detector with the last characters kept, so people see what was masked; one destructive tool
 * denied, one audited, SQL checked by a rule pack and a CEL rule; tool descriptions screened;
 * changed tools hidden until accepted.
 */
const DEV_MASKING = [
  { connections: ['vault'], detectors: ['all'], replacement: { style: 'partial', keepLast: 4 } },
  { connections: ['*'], detectors: ['default'] },
];
const DEV_GUARDRAILS = {
  rules: [
    {
      name: 'no-drop-table',
      connections: ['vault'],
      tool: 'drop_table',
      action: 'deny',
      message: 'Tables are dropped through a change request, not by an assistant.',
    },
    { name: 'audit-bucket-deletes', connections: ['vault'], tool: 'delete_bucket', action: 'audit' },
    {
      name: 'approve-restarts',
      connections: ['vault'],
      tool: 'restart_service',
      action: 'approve',
      message: 'Restarting a production service needs an auditor to approve it.',
      approvers: ['auditors'],
    },
    {
      name: 'no-customers-table',
      connections: ['vault'],
      tool: 'query',
      when: 'arguments.sql.matches("(?i)\\bcustomers\\b") && !caller.groups.exists(g, g == "sre")',
      action: 'deny',
      message: 'Only SREs may query the customers table.',
    },
    { pack: 'destructive-sql', connections: ['vault'] },
    { pack: 'prompt-injection-in-descriptions' },
  ],
};
const DEV_PINNING = [
  { connections: ['vault'], mode: 'hide' },
  { connections: ['*'], mode: 'warn' },
];
/**
 * A developer's machine has no AWS credentials to hand out: the dev agent injects these made-up
 * ones into the vault server, to show that what a server prints of them leaves the agent masked.
 */
const DEV_AWS_CREDENTIALS = {
  accessKeyId: 'ASIAAIRLOCKDEVEXAMPL',
  secretAccessKey: 'airlockDevSecretKeyNotReal/K7MDENG/EXAMPLE',
  sessionToken: 'IQoJb3JpZ2luX2VjEAirlockDevSessionTokenNotRealAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
};
/** Just-in-time access in the demo: anyone may ask for `everything`; auditors decide. */
const DEV_JIT = [{ connections: ['everything'], approvers: ['auditors'], maxDuration: '1h' }];
const DEV_ACCESS_SUMMARY = [
  'sre: every connection, every tool',
  'auditors: every connection, tools echo, add, get*, list* but not get-env; every recorded session',
  'contractors: kitchen only, without env and crash',
  'just in time: anyone may ask for everything (up to 1h); auditors grant',
];

/**
 * `airlock dev`: demo MCP servers, the dev identity provider, a gateway requiring its tokens, and
 * an agent, all on loopback in this process. Loaded only when `airlock dev` runs, so the gateway
 * and agent commands never load oidc-provider or the demo servers.
 */
export async function runDev(options: DevOptions): Promise<void> {
  // A developer's machine is no EC2 instance: do not let the AWS provider chain probe the
  // instance metadata service (a link-local address) while looking for credentials.
  process.env['AWS_EC2_METADATA_DISABLED'] ??= 'true';
  let upstreams: DemoUpstreams | undefined;
  let identity: LoopbackIdentityProvider | undefined;
  let gateway: RunningGateway | undefined;
  let agent: Agent | undefined;
  let logger: Logger;
  let dataDir: string | undefined;
  try {
    const files = await prepareDevFiles(options.dataDir);
    dataDir = files.dir;
    upstreams = await startDemoUpstreams(files.dir);
    const token = generateAgentToken();
    const names = upstreams.connections.map((c) => c.name);
    // `--port 0` with logins: the gateway's public URL (the token audience) is fixed before it
    // listens, so it starts on a port picked free, and again on another if that one was taken.
    ({ identity, gateway, logger } =
      options.auth && options.port === 0
        ? await onFreePort(HOST, (port) => startFrontDoor(options, files, token, names, port))
        : await startFrontDoor(options, files, token, names, options.port).catch((error: unknown) => {
            throw addressInUse(error)
              ? new AirlockError(
                  'config_invalid',
                  `Cannot start the gateway on ${HOST}:${options.port}: another process is listening on that port (another airlock dev?). Stop it, or run airlock dev --port <port> (0 picks a free one).`,
                  { cause: error },
                )
              : error;
          }));
    const agentConfig = parseConfig(
      JSON.stringify({
        recording: { encryption: { keyFile: files.recordingKeyFile } },
        agent: {
          id: 'dev-agent',
          token,
          // The agent's own recording spool (a separate process in production: its own directory).
          dataDir: join(files.dir, 'agent'),
          gateways: [
            {
              address: `${HOST}:${gateway.tunnel.port}`,
              caFile: files.certFile,
              serverName: 'localhost',
            },
          ],
          connections: Object.fromEntries(upstreams.connections.map((c) => [c.name, c.config])),
        },
      }),
      { source: 'airlock dev' },
    );
    agent = await startAgent(agentConfig.agent!, {
      logger,
      credentials: fixedCredentials(DEV_AWS_CREDENTIALS),
      version: AIRLOCK_VERSION,
      recording: agentConfig.recording,
    });
    await waitForConnections(gateway, names);
    // As the gateway and agent commands do: the relay's thread first when the cores are busy.
    await keepHelperThreadsLow();
    process.stdout.write(
      devBanner({
        url: gateway.url,
        connections: upstreams.connections,
        tunnelPort: gateway.tunnel.port,
        dataDir: files.dir,
        ...(gateway.recording
          ? {
              recording: {
                spool: gateway.recording.spoolDir,
                store: join(files.dir, 'store'),
                keyFile: files.recordingKeyFile,
              },
            }
          : {}),
        ...(identity === undefined
          ? {}
          : { identity: { issuer: identity.issuer, people: identity.people, access: DEV_ACCESS_SUMMARY } }),
      }),
    );
    const running = { gateway, agent, upstreams, identity };
    stopOnSignals(logger, async () => {
      await running.agent.stop();
      await running.gateway.close();
      await running.identity?.close();
      await running.upstreams.close();
    });
  } catch (error) {
    await agent?.stop().catch(() => undefined);
    await gateway?.close().catch(() => undefined);
    await identity?.close().catch(() => undefined);
    await upstreams?.close().catch(() => undefined);
    reportStartupFailure(dataDir === undefined ? error : anotherDevRunning(error, dataDir));
  }
}

/**
 * A spool of this data directory locked by a live process: another `airlock dev` runs on the same
 * directory. Said as such, with the way to run a second one beside it.
 */
function anotherDevRunning(error: unknown, dataDir: string): unknown {
  const data = error instanceof AirlockError ? error.data : undefined;
  const spoolDir = data?.['spoolDir'];
  if (typeof spoolDir !== 'string' || !spoolDir.startsWith(dataDir)) return error;
  return new AirlockError(
    'config_invalid',
    `Another airlock dev (process ${String(data?.['ownerPid'])}) is running on ${dataDir}. Stop it, or run this one beside it with its own directory and port: airlock dev --data-dir <dir> --port 0.`,
    { cause: error },
  );
}

interface FrontDoor {
  readonly identity: LoopbackIdentityProvider | undefined;
  readonly gateway: RunningGateway;
  readonly logger: Logger;
}

/** The dev identity provider (with logins) and the gateway on `port`; nothing left running if either fails. */
async function startFrontDoor(
  options: DevOptions,
  files: DevFiles,
  token: string,
  names: readonly string[],
  port: number,
): Promise<FrontDoor> {
  const publicUrl = `http://${HOST}:${port}`;
  const identity = options.auth
    ? await startLoopbackIdentityProvider({
        host: HOST,
        accessTokenTtlSeconds: options.accessTokenTtlSeconds,
        // The console at <publicUrl>/console signs people in with the airlock-console client.
        consoleUrls: [publicUrl],
        // Tokens only for this gateway: itself (its admin API) and its connections.
        resources: (resource) =>
          resource === publicUrl || resource.startsWith(`${publicUrl}/mcp/`)
            ? { audience: resource, scopes: ['mcp'] }
            : undefined,
      })
    : undefined;
  try {
    const gatewayConfig = parseConfig(
      JSON.stringify({
        logging: { level: options.logLevel },
        // Encrypted at rest, as production should be: the demo's store and spools hold ciphertext.
        recording: { encryption: { keyFile: files.recordingKeyFile } },
        gateway: {
          id: 'dev-gateway',
          // `airlock agents create` against the dev gateway keeps its enrollments here.
          dataDir: files.dir,
          listen: { host: HOST, port },
          ...(identity === undefined
            ? {}
            : {
                publicUrl,
                auth: {
                  mode: 'oidc',
                  issuers: [{ issuer: identity.issuer }],
                  // Advertised in the RFC 9728 metadata: a plain OAuth client (no OpenID scopes)
                  // asks for it, and so is granted something.
                  requiredScopes: ['mcp'],
                },
                // The SRE may enroll and revoke agents (`airlock agents ...`).
                admin: { groups: ['sre'] },
                // The auditor sees every recorded session (`airlock sessions ...`, `airlock verify`).
                audit: { groups: ['auditors'] },
                // Carol may ask for `everything` for up to an hour; an auditor (bob) grants it.
                access: { rules: DEV_ACCESS_RULES, jit: DEV_JIT },
              }),
          tunnel: {
            listen: { host: HOST, port: 0 },
            tls: { certFile: files.certFile, keyFile: files.keyFile },
          },
          agents: [{ id: 'dev-agent', tokenSha256: hashAgentToken(token), connections: names }],
          masking: DEV_MASKING,
          guardrails: DEV_GUARDRAILS,
          pinning: DEV_PINNING,
        },
      }),
      { source: 'airlock dev', env: process.env },
    );
    const logger = createLogger(gatewayConfig.logging.level, { name: 'airlock-dev' });
    if (identity === undefined) {
      logger.warn('dev mode: the gateway accepts unauthenticated requests and listens on loopback only');
    }
    // Recording on, as in production: spool and PGlite store in the dev data directory.
    const gateway = await startGateway(gatewayConfig.gateway!, {
      logger,
      recording: gatewayConfig.recording,
    });
    return { identity, gateway, logger };
  } catch (error) {
    await identity?.close().catch(() => undefined);
    throw error;
  }
}

async function waitForConnections(gateway: RunningGateway, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (names.some((n) => gateway.tunnel.connection(n) === undefined)) {
    if (Date.now() > deadline) {
      throw new Error(
        `the dev agent did not connect to the gateway within 15 s; run with --log-level debug to see why`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
