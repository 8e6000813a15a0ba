import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  AirlockError,
  compileAccessRules,
  compileConfiguredGuardrails,
  compileJitRules,
  composePolicies,
  createAccessPolicy,
  createGuardrailPolicy,
  policyByDirection,
  type AccessRules,
  listenFailure,
  noRecording,
  childLogger,
  type GatewayConfig,
  type Guardrails,
  type IdentityResolver,
  type MessagePolicy,
  type MessageRecorder,
} from '@airlock/core';
import { MemoryApprovals, MemoryToolPins, type ApprovalStore, type ToolPinStore } from '@airlock/recording';
import { Readiness, serveHealth } from '@airlock/operations';
import { ApprovalGate, type ApprovalNotifications } from './approvals/approval-gate.js';
import type { Logger } from 'pino';
import { ACCESS_API_PATH } from './api/access-api.js';
import { APPROVALS_API_PATH } from './api/approvals-api.js';
import { SESSIONS_API_PATH } from './api/sessions-api.js';
import type { GrantBook } from './access/grant-book.js';
import { GrantSessions } from './access/grant-sessions.js';
import { sendApiError } from './http/api-json.js';
import { enforceListenerLimits, listenerServerOptions } from './http/listener-limits.js';
import { readListenerCertificate, reloadCertificateOnChange } from './http/listener-tls.js';
import { originPolicyFor } from './http/origin-policy.js';
import { sendError, sendJson } from './http/send-error.js';
import type { AgentDirectory } from './mcp/agent-directory.js';
import { connectionMaskingPolicies, withMaskingPolicies } from './masking/connection-masking.js';
import { createPinningPolicy } from './pinning/pinning-policy.js';
import { McpEndpoint } from './mcp/mcp-endpoint.js';
import { MessagePipeline, type RelayObservers } from './mcp/message-pipeline.js';
import { ModernSessionGroups, type SharedGroupOptions } from './mcp/modern-session-groups.js';
import { SessionRegistry } from './mcp/session-registry.js';
import { AuthChallenges } from './identity/bearer-challenge.js';
import { gatewayIdentity } from './identity/gateway-identity.js';
import type { TrustedIssuer } from './identity/trusted-issuer.js';
import { CONSOLE_PATH, type ConsoleEndpoint } from './console/console-endpoint.js';
import { protectedResourceMetadataFor } from './identity/protected-resource-metadata.js';
import { resourceMetadataUrl } from './identity/resource-url.js';

export interface GatewayHttpOptions {
  readonly config: GatewayConfig;
  readonly directory: AgentDirectory;
  /** Connections known before any agent announces them (enrolled agents' connections). */
  readonly configuredConnections?: readonly string[];
  readonly identity?: IdentityResolver;
  /** The gateway's identity providers, shared with its APIs' resolvers (see `trustedIssuers`). */
  readonly issuers?: readonly TrustedIssuer[];
  readonly policy?: MessagePolicy;
  readonly recorder?: MessageRecorder;
  /** How long a modern-era recording session (a client's stateless requests) outlives its last request. */
  readonly modernSessionIdleMs?: number;
  /** In a cluster: where the gateways agree on modern-era recording groups (one session across gateways). */
  readonly sharedModernGroups?: Omit<SharedGroupOptions, 'logger'>;
  readonly logger: Logger;
  /** Serves `/api/...` (the admin API); without it those paths are not found. */
  readonly adminApi?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Where held calls live (the recording store); default: memory. */
  readonly approvals?: ApprovalStore;
  /** Where new approval requests are announced (webhooks). */
  readonly approvalNotifications?: ApprovalNotifications;
  /** Names this gateway in what it records and releases (default: `gateway`). */
  readonly gatewayId?: string;
  /** Where tool pins live (the recording store); default: memory. */
  readonly toolPins?: ToolPinStore;
  /**
   * Serves `/api/v1/sessions...` (recorded sessions: search, export, verify; see createSessionsApi);
   * without it (no recording store) those paths answer `recording_unavailable`.
   */
  readonly sessionsApi?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Just-in-time grants in force (see GrantBook); without it nobody holds a grant. */
  readonly grantBook?: GrantBook;
  /** Serves `/api/v1/access...` (just-in-time access requests; see createAccessApi). */
  readonly accessApi?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Serves `/api/v1/approvals...` (held calls: list, show, approve, deny; see createApprovalsApi). */
  readonly approvalsApi?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Serves `/console` and turns its session cookie into a bearer token on `/api/...` requests. */
  readonly console?: ConsoleEndpoint;
  /** Metrics and tracing of the relay. */
  readonly observers?: RelayObservers;
  /** What `/readyz` checks; when it is stopping, new sessions are refused (the gateway drains). */
  readonly readiness?: Readiness;
  /** In a cluster: this gateway's tag, the prefix of the session ids it issues (docs/multi-gateway.md). */
  readonly sessionTag?: string;
  /** In a cluster: takes a request for another gateway's session (forwards it); false = serve it here. */
  readonly sessionRouter?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface GatewayHttp {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  readonly sessions: SessionRegistry;
  /** Holds calls for approval; the approvals API wakes it when a decision is made here. */
  readonly approvalGate: ApprovalGate;
  /** The relay's messages (calls in flight, for draining). */
  readonly pipeline: MessagePipeline;
  /** Modern-era recording groups (in a cluster, shared through the store). */
  readonly modernGroups: ModernSessionGroups;
  close(): Promise<void>;
}

const MCP_PATH = /^\/mcp\/([^/?#]+)\/?$/;

/** The gateway's HTTP side: MCP endpoints per connection plus health. */
export async function startGatewayHttp(options: GatewayHttpOptions): Promise<GatewayHttp> {
  const { config, logger } = options;
  const directory = withMaskingPolicies(options.directory, connectionMaskingPolicies(config));
  const identity = gatewayIdentity(config, { logger, identity: options.identity, issuers: options.issuers });
  const publicUrl = config.publicUrl;
  const challenges =
    config.auth.mode === 'oidc' && publicUrl !== undefined
      ? new AuthChallenges((c) => resourceMetadataUrl(publicUrl, c), undefined)
      : undefined;
  const sessions = new SessionRegistry(config.limits.sessionIdleSeconds * 1000);
  const known = new Set(options.configuredConnections ?? []);
  for (const agent of config.agents) for (const c of agent.connections) known.add(c);
  const isKnownConnection = (name: string): boolean => {
    if (known.has(name)) return true;
    if (directory.connection(name) === undefined) return false;
    known.add(name);
    return true;
  };
  const recorder = options.recorder ?? noRecording;
  const approvalGate = new ApprovalGate({
    store: options.approvals ?? new MemoryApprovals(),
    recorder,
    gatewayId: options.gatewayId ?? 'gateway',
    pollMs: config.approvals.pollMs,
    notifications: options.approvalNotifications,
    logger,
  });
  const rules = compileAccessRules(config.access, config.auth.mode);
  const guardrails =
    options.policy === undefined ? await compileConfiguredGuardrails(config.guardrails) : undefined;
  const pipeline = new MessagePipeline(
    options.policy ??
      messagePolicyFor(config, rules, guardrails, logger, {
        store: options.toolPins ?? new MemoryToolPins(),
        recorder,
        grantBook: options.grantBook,
      }),
    recorder,
    approvalGate,
    options.observers,
  );
  const readiness = options.readiness ?? new Readiness();
  const grants =
    options.grantBook === undefined
      ? undefined
      : new GrantSessions({
          book: options.grantBook,
          rules,
          recorder,
          logger: childLogger(logger, { component: 'access-grants' }),
        });
  const modernGroups = new ModernSessionGroups(
    options.modernSessionIdleMs ?? 300_000,
    (context, reason) => pipeline.end(context, reason, logger),
    options.sharedModernGroups
      ? { ...options.sharedModernGroups, logger: childLogger(logger, { component: 'modern-groups' }) }
      : undefined,
  );
  const originPolicy = originPolicyFor(config);
  const endpoint = new McpEndpoint({
    draining: () => readiness.isStopping,
    directory,
    identity,
    pipeline,
    sessions,
    modernGroups,
    maxBodyBytes: config.limits.maxBodyBytes,
    originPolicy,
    isKnownConnection,
    grants,
    logger,
    ...(options.sessionTag === undefined ? {} : { sessionTag: options.sessionTag }),
  });

  const consoleEndpoint = options.console;
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const match = MCP_PATH.exec(path);
    if (match) {
      let connection: string;
      try {
        connection = decodeURIComponent(match[1] as string);
      } catch {
        sendError(
          res,
          new AirlockError(
            'connection_not_found',
            'The connection name in the URL is not valid percent-encoding.',
          ),
        );
        return;
      }
      void endpoint.handle(req, res, connection);
      return;
    }
    const bare = path.split('?', 1)[0] as string;
    const withQuery = path.includes('?') ? MCP_PATH.exec(bare) : null;
    if (withQuery) {
      // Tokens in URLs end up in logs, proxies and browser history (RFC 6750 §2.3, OAuth 2.1): refused.
      const message =
        'MCP endpoints take no query string, and access tokens in URLs are refused: send the token in the Authorization header (Bearer) and put nothing after /mcp/<connection>.';
      const hasToken = new URLSearchParams(path.slice(bare.length + 1)).has('access_token');
      sendError(
        res,
        hasToken && challenges
          ? challenges.tokenInQuery(safeDecode(withQuery[1] as string), message)
          : new AirlockError(hasToken ? 'token_in_query' : 'invalid_request', message),
      );
      return;
    }
    if (bare.startsWith('/.well-known/oauth-protected-resource')) {
      const metadata = protectedResourceMetadataFor(bare, config, isKnownConnection);
      if (metadata === undefined) {
        sendError(
          res,
          new AirlockError('connection_not_found', `No protected resource metadata is served at ${bare}.`),
        );
        return;
      }
      // A public document; browser-based MCP clients read it cross-origin.
      sendJson(res, 200, metadata, { 'access-control-allow-origin': '*', 'cache-control': 'max-age=300' });
      return;
    }
    if (bare === SESSIONS_API_PATH || bare.startsWith(`${SESSIONS_API_PATH}/`)) {
      if (options.sessionsApi) options.sessionsApi(req, res);
      else {
        req.resume();
        sendApiError(
          res,
          new AirlockError(
            'recording_unavailable',
            'This gateway keeps no recording store, so it has no sessions to search; configure recording (a store) on the gateway.',
          ),
        );
      }
      return;
    }
    if (options.accessApi && (bare === ACCESS_API_PATH || bare.startsWith(`${ACCESS_API_PATH}/`))) {
      options.accessApi(req, res);
      return;
    }
    if (options.approvalsApi && (bare === APPROVALS_API_PATH || bare.startsWith(`${APPROVALS_API_PATH}/`))) {
      options.approvalsApi(req, res);
      return;
    }
    if (options.adminApi && (bare === '/api' || bare.startsWith('/api/'))) {
      options.adminApi(req, res);
      return;
    }
    // Public: which checks fail, not why (their messages name paths); the operations listener says why.
    if (serveHealth(req, res, bare, readiness, () => ({ sessions: sessions.size }), false)) return;
    if (consoleEndpoint && (bare === CONSOLE_PATH || bare.startsWith(`${CONSOLE_PATH}/`))) {
      consoleEndpoint.handle(req, res, bare);
      return;
    }
    sendError(
      res,
      new AirlockError(
        'connection_not_found',
        `Nothing is served at ${path.split('?')[0]}. MCP endpoints live at /mcp/<connection>.`,
      ),
    );
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // In a cluster, a request for another gateway's session goes to its owner.
    if (options.sessionRouter?.(req, res)) return;
    const bare = (req.url ?? '/').split('?', 1)[0] as string;
    if (consoleEndpoint === undefined || !(bare === '/api' || bare.startsWith('/api/'))) {
      route(req, res);
      return;
    }
    // A console request to the API: its session cookie becomes the person's bearer token first.
    consoleEndpoint.authorizeApiRequest(req).then(
      () => route(req, res),
      (error: unknown) => {
        req.resume();
        sendApiError(res, AirlockError.from(error));
      },
    );
  };
  // TLS here only without a TLS-terminating load balancer in front (gateway.tls).
  const tls = config.tls;
  const https = tls
    ? createHttpsServer({ ...listenerServerOptions(config.limits), ...readListenerCertificate(tls) }, handler)
    : undefined;
  const server: Server = https ?? createServer(listenerServerOptions(config.limits), handler);
  const stopWatching = https && tls ? reloadCertificateOnChange(https, tls, logger) : undefined;
  enforceListenerLimits(server, config.limits, logger);

  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        listenFailure(
          cause,
          "the gateway's MCP listener",
          `${config.listen.host}:${config.listen.port}`,
          'gateway.listen',
        ),
      ),
    );
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const url = config.publicUrl?.replace(/\/$/, '') ?? `${https ? 'https' : 'http'}://${host}:${port}`;
  logger.info({ url }, 'gateway listening for MCP clients');

  return {
    server,
    url,
    port,
    sessions,
    approvalGate,
    pipeline,
    modernGroups,
    close: async () => {
      stopWatching?.();
      sessions.closeAll(new AirlockError('tunnel_closed', 'the gateway is shutting down'));
      modernGroups.closeAll('gateway_shutdown');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The gateway's message policy. Client messages: access rules (who may use what; with auth
 * "oidc" and no rules nobody may), then tool pinning (a changed tool's calls), then guardrails
 * (what a permitted call may ask for). Server messages: tool pinning first, so it fingerprints the
 * whole tools/list whoever asked (what it trusts on first use must not depend on a caller's access
 * rules), then the access filter, then guardrails (output and description rules).
 */
function messagePolicyFor(
  config: GatewayConfig,
  rules: AccessRules,
  compiled: Guardrails | undefined,
  logger: Logger,
  seams: {
    readonly store: ToolPinStore;
    readonly recorder: MessageRecorder;
    readonly grantBook: GrantBook | undefined;
  },
): MessagePolicy {
  const { grantBook, ...pins } = seams;
  if (!rules.unrestricted && rules.rules.length === 0) {
    logger.warn(
      'gateway.access has no rules, so every MCP request is refused (403 access_denied). Add gateway.access.rules giving groups their connections.',
    );
  }
  // Grants in force add to the standing rules; where JIT is configured, refusals say how to ask.
  const access = createAccessPolicy(rules, {
    lookup: grantBook?.lookup,
    jit: compileJitRules(config.access),
  });
  const pinning = createPinningPolicy({
    config,
    ...pins,
    logger: childLogger(logger, { component: 'pinning' }),
  });
  const guardrails =
    compiled === undefined || compiled.rules.length === 0 ? undefined : createGuardrailPolicy(compiled);
  const chain = (...stages: MessagePolicy[]): MessagePolicy => stages.reduce((a, b) => composePolicies(a, b));
  return policyByDirection(
    chain(access, pinning, ...(guardrails ? [guardrails] : [])),
    chain(pinning, access, ...(guardrails ? [guardrails] : [])),
  );
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
