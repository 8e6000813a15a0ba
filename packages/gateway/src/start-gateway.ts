import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  AirlockError,
  compileJitRules,
  noRecording,
  pinningModes,
  childLogger,
  type GatewayConfig,
  type IdentityResolver,
  type MessagePolicy,
  type MessageRecorder,
  type RecordingConfig,
} from '@airlock/core';
import {
  MemoryAccessGrants,
  MemoryApprovals,
  MemoryToolPins,
  PostgresStore,
  trimHeapWhenQuiet,
  type ApprovalStore,
  type SpoolIo,
} from '@airlock/recording';
import {
  GatewayMetrics,
  Readiness,
  spoolWritable,
  startOperationsListener,
  startTracing,
  type OperationsListener,
  type RelayTracer,
} from '@airlock/operations';
import { TunnelServer } from '@airlock/tunnel';
import type { Logger } from 'pino';
import { createAdminAccess } from './admin/admin-access.js';
import { createAgentsApi } from './admin/agents-api.js';
import { createToolsApi, TOOLS_API_PATH } from './admin/tools-api.js';
import { createApprovalNotifier, type ApprovalNotifier } from './approvals/approval-notifier.js';
import { AgentEnrollment } from './agents/agent-enrollment.js';
import { GrantBook, SHARED_GRANT_POLL_MS } from './access/grant-book.js';
import { createAccessApi } from './api/access-api.js';
import { createApprovalsApi } from './api/approvals-api.js';
import { createSessionAccess } from './api/session-access.js';
import { ApprovalDecisions } from './approvals/approval-decisions.js';
import { createSessionsApi } from './api/sessions-api.js';
import { ChangeHub } from './live/change-hub.js';
import { AgentSightings } from './agents/agent-views.js';
import { EnrollmentFile } from './agents/enrollment-file.js';
import { StoreEnrollments } from './agents/store-enrollments.js';
import { startGatewayHttp, type GatewayHttp } from './gateway-http.js';
import { newSessionTag } from './cluster/session-tag.js';
import { startCluster, type RunningCluster } from './cluster/start-cluster.js';
import { originPolicyFor } from './http/origin-policy.js';
import { trustedIssuers } from './identity/trusted-issuer.js';
import { startGatewayRecording, type GatewayRecording } from './recording/gateway-recording.js';
import { consoleAssetsDir } from '@airlock/console';
import { ConsoleAssets } from './console/console-assets.js';
import { ConsoleEndpoint } from './console/console-endpoint.js';

export interface StartGatewayOptions {
  readonly logger: Logger;
  /** The tunnel's TLS material; default: read `tunnel.tls.certFile` / `keyFile` (/ `clientCaFile`). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly clientCa?: Buffer };
  readonly identity?: IdentityResolver;
  readonly policy?: MessagePolicy;
  readonly recorder?: MessageRecorder;
  /**
   * The `recording` section: when given and enabled (and no `recorder` is), the gateway records
   * every message into its spool, delivers it to the store (and Kinesis) and stores the events
   * its agents send. The CLI always passes it; leaving it out records nothing (tests of other
   * concerns).
   */
  readonly recording?: RecordingConfig;
  /** Test hook: the spool's file system (e.g. one that reports a full disk). */
  readonly spoolIo?: SpoolIo;
  /** Who may use the admin API; default: from `auth` and `admin.groups` (see createAdminAccess). */
  readonly adminIdentity?: IdentityResolver;
  /** Where the built console is (default: the @airlock/console package's dist folder). */
  readonly consoleAssetsDir?: string;
}

export interface RunningGateway {
  readonly id: string;
  /** Base URL for MCP clients; connections live at `${url}/mcp/<connection>`. */
  readonly url: string;
  readonly http: GatewayHttp;
  readonly tunnel: TunnelServer;
  readonly enrollment: AgentEnrollment;
  /** The recording (spool, pumps, store), when the gateway records. */
  readonly recording: GatewayRecording | undefined;
  /** Notifies `gateway.approvals.webhooks` of held calls and decisions (no webhooks: does nothing). */
  readonly approvalNotifier: ApprovalNotifier;
  /** Just-in-time grants in force (when gateway.access.jit is configured). */
  readonly grants: GrantBook | undefined;
  /**
   * Where held calls live: the recording store when there is one (shared by gateways), else
   * memory. The approvals API votes on this store; the relay holds, releases and answers from it.
   */
  readonly approvals: ApprovalStore;
  /** Decisions made through this gateway's approvals API, as they happen (to wake a held call). */
  readonly approvalDecisions: ApprovalDecisions;
  /** What `/readyz` reports (store, spool, tunnel listener; unready once stopping). */
  readonly readiness: Readiness;
  /** The operations listener (`gateway.operations`: metrics, health, readiness), when configured. */
  readonly operations: OperationsListener | undefined;
  /**
   * Turns unready and refuses new sessions, lets calls in flight finish for up to `graceMs`
   * (default 0; the CLI passes `gateway.shutdown.graceSeconds` on SIGTERM), then stops accepting,
   * ends sessions (recording their ends), tells its agents, delivers the spool (bounded) and
   * closes the store.
   */
  close(graceMs?: number): Promise<void>;
  /** With gateway.cluster: this gateway's session tag and internal listener (docs/multi-gateway.md). */
  readonly cluster: RunningCluster | undefined;
}

async function readTlsFile(path: string, key: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new AirlockError(
      'config_invalid',
      `Cannot read ${key} (${path}): ${(cause as NodeJS.ErrnoException).code ?? String(cause)}. Point it at a PEM file.`,
      { cause },
    );
  }
}

/** The gateway composition root: the agents' tunnel listener plus the MCP clients' HTTP listener. */
export async function startGateway(
  config: GatewayConfig,
  options: StartGatewayOptions,
): Promise<RunningGateway> {
  const id = config.id ?? hostname();
  const logger = options.logger.child({ gatewayId: id });
  // Tracing only where configured (the SDK loads lazily).
  const tracer: RelayTracer | undefined = await startTracing(
    config.telemetry.tracing,
    'airlock-gateway',
    logger,
  );
  try {
    return await startTraced(config, options, { id, logger, tracer });
  } catch (error) {
    // Each part below closes what it started when a later one fails; the tracer is closed here.
    await tracer?.shutdown().catch(() => undefined);
    throw error;
  }
}

/** Everything after tracing: listeners, recording, tunnel, APIs. */
async function startTraced(
  config: GatewayConfig,
  options: StartGatewayOptions,
  base: { readonly id: string; readonly logger: Logger; readonly tracer: RelayTracer | undefined },
): Promise<RunningGateway> {
  const { id, logger, tracer } = base;
  // Metrics only where something scrapes them.
  const metrics = config.operations ? new GatewayMetrics() : undefined;
  // First: a webhook whose secret is missing stops startup before anything listens.
  const approvalNotifier = createApprovalNotifier({
    webhooks: config.approvals.webhooks,
    publicUrl: config.publicUrl,
    gatewayId: id,
    logger,
  });
  const tlsConfig = config.tunnel.tls;
  const tls = options.tls ?? {
    cert: await readTlsFile(tlsConfig.certFile, 'gateway.tunnel.tls.certFile'),
    key: await readTlsFile(tlsConfig.keyFile, 'gateway.tunnel.tls.keyFile'),
    ...(tlsConfig.clientCaFile
      ? { clientCa: await readTlsFile(tlsConfig.clientCaFile, 'gateway.tunnel.tls.clientCaFile') }
      : {}),
  };
  const recording =
    options.recording?.enabled && options.recorder === undefined
      ? await startGatewayRecording(config, id, options.recording, logger, options.spoolIo)
      : undefined;
  // A store other gateways share (PostgreSQL): what they write there, this gateway must look for.
  const sharedStore = recording?.store instanceof PostgresStore ? recording.store : undefined;
  let enrollment: AgentEnrollment;
  try {
    const enrollmentFile = config.enrollment.file ?? (config.dataDir && join(config.dataDir, 'agents.json'));
    const file = enrollmentFile === undefined ? undefined : await EnrollmentFile.open(enrollmentFile, logger);
    // With the shared store, enrollments live there (every gateway sees a revocation); else the file.
    const source = sharedStore
      ? await StoreEnrollments.open(sharedStore.enrollments, file?.records ?? [], logger)
      : file;
    enrollment = new AgentEnrollment(config.agents, source, logger);
  } catch (error) {
    await recording?.close(0);
    throw error;
  }
  const recorder = options.recorder ?? recording?.running.recorder;
  let tunnel: TunnelServer;
  try {
    tunnel = await TunnelServer.listen({
      host: config.tunnel.listen.host,
      port: config.tunnel.listen.port,
      tls,
      gatewayId: id,
      authenticator: enrollment,
      logger,
      heartbeatIntervalMs: config.tunnel.heartbeatSeconds * 1000,
      standbyStreams: config.tunnel.standbyStreams,
      maxMessageBytes: config.limits.maxMessageBytes,
      openTimeoutMs: config.limits.openTimeoutMs,
      ...(recording
        ? { onRecord: (agentId, payloads) => recording.storeAgentEvents(agentId, payloads) }
        : {}),
    });
  } catch (error) {
    await recording?.close(0);
    enrollment.close();
    throw error;
  }
  enrollment.onCutOff((agentId, reason) => tunnel.disconnectAgent(agentId, reason));
  // One origin policy for the admin and sessions APIs (the MCP endpoints build theirs from the same config).
  const originPolicy = originPolicyFor(config);
  const toolPins = recording?.store ?? new MemoryToolPins();
  if (recording?.store === undefined) {
    logger.warn(
      'tool pins are kept in memory (no recording store): they are lost on restart and not shared with other gateways',
    );
  }
  const approvals: ApprovalStore = recording?.store ?? new MemoryApprovals();
  // Live updates of the sessions and approvals lists (the API's event streams), from the store's
  // change feed: PostgreSQL LISTEN (every gateway's commits) or PGlite's own NOTIFY.
  const liveHub = recording?.store
    ? new ChangeHub({ store: recording.store, logger: childLogger(logger, { component: 'live-updates' }) })
    : undefined;
  if (recording?.store === undefined) {
    logger.warn(
      'held calls (approvals) are kept in memory (no recording store): they are lost on restart and not shared with other gateways',
    );
  }
  const approvalDecisions = new ApprovalDecisions(childLogger(logger, { component: 'approvals' }));
  const readiness = readinessOf(tunnel, recording);
  // The identity providers, discovered once (metadata, then keys) for every resolver below that
  // verifies tokens itself (not when both resolvers were given).
  const issuers =
    config.auth.mode === 'oidc' && (options.identity === undefined || options.adminIdentity === undefined)
      ? trustedIssuers(config.auth.issuers, { logger: childLogger(logger, { component: 'identity' }) })
      : undefined;
  // One caller identity (and its token verification caches) for the sessions, approvals and access APIs.
  const sessionAccess = createSessionAccess(
    config,
    childLogger(logger, { component: 'sessions-api' }),
    options.adminIdentity,
    issuers,
  );
  // One admin identity (and its token verification caches) for the agents and tools APIs.
  const adminAccess = createAdminAccess(
    config,
    childLogger(logger, { component: 'admin-api' }),
    options.adminIdentity,
    issuers,
  );
  const agentsApi = createAgentsApi({
    gatewayId: id,
    enrollment,
    agents: () => tunnel.agents(),
    sightings: new AgentSightings(tunnel),
    access: adminAccess,
    originPolicy,
    logger: childLogger(logger, { component: 'admin-api' }),
  });
  const toolsApi = createToolsApi({
    store: toolPins,
    modeOf: pinningModes(config.pinning),
    access: adminAccess,
    originPolicy,
    logger: childLogger(logger, { component: 'tools-api' }),
  });
  const adminApi = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    if (path === TOOLS_API_PATH || path.startsWith(`${TOOLS_API_PATH}/`)) toolsApi(req, res);
    else agentsApi(req, res);
  };
  logger.info({ host: tunnel.host, port: tunnel.port }, 'gateway listening for agents (gRPC over TLS)');
  // Just-in-time access: requests and grants in the store (shared, durable) or, without one, memory.
  const jit = compileJitRules(config.access);
  const accessGrants = recording?.store ?? new MemoryAccessGrants();
  let grantBook: GrantBook | undefined;
  let http: GatewayHttp;
  const sessionTag = config.cluster ? newSessionTag() : undefined;
  let cluster: RunningCluster | undefined;
  try {
    const clusterStore = config.cluster ? clusterStoreOf(recording?.store) : undefined;
    if (jit.rules.length > 0) {
      if (recording?.store === undefined) {
        logger.warn(
          'just-in-time access grants are kept in memory (no recording store): they are lost on restart and not shared with other gateways',
        );
      }
      grantBook = new GrantBook({
        store: accessGrants,
        // Only a store other gateways write to holds grants this gateway has not made itself.
        pollMs: sharedStore ? SHARED_GRANT_POLL_MS : undefined,
        logger: childLogger(logger, { component: 'access-grants' }),
      });
      await grantBook.start();
    }
    const accessLogger = childLogger(logger, { component: 'access-api' });
    const accessApi = createAccessApi({
      store: accessGrants,
      jit,
      access: sessionAccess,
      book: grantBook,
      recorder: recorder ?? noRecording,
      originPolicy,
      logger: accessLogger,
    });
    const consoleEndpoint = config.console.enabled
      ? new ConsoleEndpoint({
          config,
          assets: await loadConsoleAssets(options.consoleAssetsDir ?? consoleAssetsDir, logger),
          originPolicy,
          logger: childLogger(logger, { component: 'console' }),
          records: recording?.store,
        })
      : undefined;
    http = await startGatewayHttp({
      config,
      ...(consoleEndpoint ? { console: consoleEndpoint } : {}),
      directory: tunnel,
      logger,
      ...(options.identity ? { identity: options.identity } : {}),
      ...(issuers ? { issuers } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
      ...(recorder ? { recorder } : {}),
      ...(options.recording
        ? { modernSessionIdleMs: options.recording.modernSessionIdleSeconds * 1000 }
        : {}),
      adminApi,
      observers: { metrics, tracer },
      readiness,
      toolPins,
      gatewayId: id,
      approvals,
      approvalNotifications: approvalNotifier,
      accessApi,
      ...(grantBook ? { grantBook } : {}),
      ...(recording?.store
        ? {
            sessionsApi: createSessionsApi({
              store: recording.store,
              hub: liveHub,
              access: sessionAccess,
              originPolicy,
              logger: childLogger(logger, { component: 'sessions-api' }),
            }),
          }
        : {}),
      approvalsApi: createApprovalsApi({
        store: approvals,
        access: sessionAccess,
        originPolicy,
        logger: childLogger(logger, { component: 'approvals-api' }),
        publicUrl: config.publicUrl,
        onDecided: (approval) => approvalDecisions.publish(approval),
        live: liveHub && recording?.store ? { hub: liveHub, store: recording.store } : undefined,
      }),
      configuredConnections: enrollment.known().flatMap((agent) => agent.connections),
      ...(sessionTag === undefined
        ? {}
        : { sessionTag, sessionRouter: (req, res) => cluster?.route(req, res) ?? false }),
      ...(sessionTag !== undefined && recording?.store instanceof PostgresStore
        ? { sharedModernGroups: { store: recording.store.modernGroups, chain: sessionTag } }
        : {}),
    });
    if (config.cluster && clusterStore && sessionTag) {
      const server = http.server;
      const started = http;
      cluster = await startCluster({
        config: config.cluster,
        gatewayId: id,
        tag: sessionTag,
        store: clusterStore,
        serve: (req, res) => server.emit('request', req, res),
        logger,
      }).catch(async (error: unknown) => {
        await started.close();
        throw error;
      });
    }
  } catch (error) {
    grantBook?.close();
    await approvalNotifier.close();
    await tunnel.close({ graceMs: 0 });
    await recording?.close(0);
    enrollment.close();
    throw error;
  }
  // A decision made here wakes the calls held on it at once (others see it at their next poll).
  approvalDecisions.subscribe((approval) => http.approvalGate.wake(approval.id));
  const known = new Set(enrollment.known().flatMap((agent) => agent.connections));
  for (const agent of config.agents) for (const c of agent.connections) known.add(c);
  metrics?.observe({
    activeSessions: () => http.sessions.size,
    agents: () => tunnel.agents(),
    connections: () => known,
    approvalsPending: () => http.approvalGate.waiting,
    recording: () => recording?.running,
    recordingStoreBacklog: () => (recording?.store ? recording.storeBacklog.events : undefined),
  });
  let operations: OperationsListener | undefined;
  let closing: Promise<void> | undefined;
  if (config.operations && metrics) {
    try {
      operations = await startOperationsListener({
        host: config.operations.listen.host,
        port: config.operations.listen.port,
        registry: metrics.registry,
        readiness,
        health: () => ({ role: 'gateway', gatewayId: id, sessions: http.sessions.size }),
      });
      logger.info({ url: operations.url }, 'gateway operations listener (metrics, health, readiness)');
    } catch (error) {
      grantBook?.close();
      await http.close();
      await tunnel.close({ graceMs: 0 });
      await approvalNotifier.close();
      await recording?.close(0);
      enrollment.close();
      throw error;
    }
  }
  // After a large message or a busy spell, a quiet gateway would keep what it left for a long time
  // (see trimHeapWhenQuiet). Started last: a start-up that fails leaves no timer behind.
  const stopHeapTrim = trimHeapWhenQuiet();
  return {
    id,
    url: http.url,
    http,
    tunnel,
    enrollment,
    recording,
    approvalNotifier,
    grants: grantBook,
    approvals,
    approvalDecisions,
    readiness,
    cluster,
    operations,
    close: (graceMs = 0) => (closing ??= stop(graceMs)),
  };

  async function stop(graceMs: number): Promise<void> {
    readiness.stopping();
    if (graceMs > 0 && http.pipeline.callsInFlight > 0) {
      logger.info(
        { calls: http.pipeline.callsInFlight, graceMs },
        'stopping: no new sessions; waiting for calls in flight',
      );
      if (!(await http.pipeline.drained(graceMs)))
        logger.warn(
          { calls: http.pipeline.callsInFlight },
          'grace period over: ending calls still in flight',
        );
    }
    // Out of the cluster: peers stop forwarding here (its sessions answer 404 there from now on).
    await cluster?.close();
    grantBook?.close();
    await liveHub?.close();
    await http.close();
    stopHeapTrim();
    await tunnel.close();
    await approvalNotifier.close();
    await recording?.close();
    enrollment.close();
    await operations?.close();
    await tracer?.shutdown().catch(() => undefined);
  }
}

/** `/readyz`: the tunnel listener is up, the spool takes writes, the store answers. */
function readinessOf(tunnel: TunnelServer, recording: GatewayRecording | undefined): Readiness {
  const readiness = new Readiness().add('tunnel', () =>
    tunnel.listening ? undefined : "the agents' tunnel listener is not up",
  );
  if (recording) {
    readiness.add('spool', spoolWritable(recording.spoolDir));
    const store = recording.store;
    if (store) {
      readiness.add('store', async () => {
        try {
          // A real round trip: a lookup of a session id that never exists.
          await store.getSession('airlock-readiness-probe');
          return undefined;
        } catch (error) {
          return `the recording store does not answer (${(error as Error).message}): check the database and gateway.recording.store`;
        }
      });
    }
  }
  return readiness;
}

/** Several gateways share sessions only through a shared store: PostgreSQL. */
function clusterStoreOf(store: unknown): PostgresStore['peers'] {
  if (store instanceof PostgresStore) return store.peers;
  throw new AirlockError(
    'config_invalid',
    'gateway.cluster needs the shared store: set recording.enabled true and recording.store.kind "postgres" (every gateway of the cluster on the same database), or remove gateway.cluster for a single gateway.',
  );
}

async function loadConsoleAssets(dir: string, logger: Logger): Promise<ConsoleAssets | undefined> {
  const assets = await ConsoleAssets.load(dir);
  if (assets === undefined) {
    logger.warn(
      { dir },
      'the console is not built, so /console answers console_unavailable; run node scripts/pnpm.mjs run build',
    );
  }
  return assets;
}
