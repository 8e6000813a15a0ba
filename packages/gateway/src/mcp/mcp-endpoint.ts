import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AirlockError,
  classifyInbound,
  DEFAULT_LEGACY_PROTOCOL_VERSION,
  isRequest,
  isSupportedProtocolVersion,
  parseJsonRpcMessage,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Caller,
  type IdentityResolver,
  type JsonRpcId,
  type JsonRpcMessage,
  type ProtocolEra,
  unsupportedProtocolVersion,
} from '@airlock/core';
import type { Logger } from 'pino';
import type { SessionGrants } from '../access/grant-sessions.js';
import type { RequestOriginPolicy } from '../http/origin-policy.js';
import { readBody } from '../http/read-body.js';
import { sendError } from '../http/send-error.js';
import type { AgentDirectory } from './agent-directory.js';
import { ConnectionVersions, versionsOfEras } from './connection-versions.js';
import { newSessionId } from './session-id.js';
import { LegacySession } from './legacy-session.js';
import type { MessagePipeline } from './message-pipeline.js';
import { relayExchange } from './modern-exchange.js';
import type { ModernSessionGroups } from './modern-session-groups.js';
import type { SessionRegistry } from './session-registry.js';

export interface McpEndpointOptions {
  /** True while the gateway stops: new sessions and modern-era requests are refused (503). */
  readonly draining?: () => boolean;
  readonly directory: AgentDirectory;
  readonly identity: IdentityResolver;
  readonly pipeline: MessagePipeline;
  readonly sessions: SessionRegistry;
  /** Groups modern-era requests into recording sessions (see ModernSessionGroups). */
  readonly modernGroups: ModernSessionGroups;
  readonly maxBodyBytes: number;
  readonly originPolicy: RequestOriginPolicy;
  /** Whether a connection name is one this gateway knows (configured or announced by an agent). */
  readonly isKnownConnection: (name: string) => boolean;
  /** Just-in-time grants: legacy sessions that exist only because of one end with it. */
  readonly grants?: SessionGrants | undefined;
  readonly logger: Logger;
  /** In a cluster, the prefix naming this gateway in the session ids it issues. */
  readonly sessionTag?: string;
}

const ERA_LABEL: Record<ProtocolEra, string> = {
  legacy: 'MCP 2025-era sessions (initialize, Mcp-Session-Id)',
  modern: 'MCP 2026-07-28 stateless requests',
};

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function accepts(req: IncomingMessage, ...types: string[]): boolean {
  const accept = header(req, 'accept');
  if (accept === undefined) return false;
  if (accept.includes('*/*')) return true;
  return types.every((t) => accept.includes(t));
}

/**
 * `/mcp/<connection>`: Streamable HTTP for both protocol eras. Order matters and follows the
 * architecture: origin → connection → identity → body → era and header checks → session → relay.
 */
export class McpEndpoint {
  private readonly versions: ConnectionVersions;

  constructor(private readonly options: McpEndpointOptions) {
    this.versions = new ConnectionVersions(options.directory);
  }

  async handle(req: IncomingMessage, res: ServerResponse, connection: string): Promise<void> {
    let id: JsonRpcId | null = null;
    try {
      this.options.originPolicy.check(header(req, 'origin'), header(req, 'host'));
      if (!this.options.isKnownConnection(connection)) {
        throw new AirlockError(
          'connection_not_found',
          `This gateway has no connection named "${connection}". Check the URL (/mcp/<connection>); an operator can list connections with "airlock agents list".`,
        );
      }
      const caller = await this.options.identity.resolve({
        authorization: header(req, 'authorization'),
        connection,
      });
      // Access rules: a person without this connection is refused here (403), before any session.
      const refused = this.options.pipeline.admit(caller, connection);
      if (refused !== undefined) {
        // A session that ended with its grant: its client hears which grant ended, and how to ask
        // again. A grant refused at its exact expiry may not have been ended yet (its timer runs
        // late on a busy event loop): end it first, so the answer does not depend on the timing.
        const sessionId = header(req, 'mcp-session-id');
        if (sessionId) this.options.grants?.endExpired();
        throw (sessionId && this.options.sessions.endedByGrant(sessionId, caller.subject)) || refused;
      }
      switch (req.method) {
        case 'POST': {
          const body = await this.readMessage(req);
          if (isRequest(body.message)) id = body.message.id;
          await this.post(req, res, connection, caller, body.message, body.json);
          return;
        }
        case 'GET':
          this.get(req, res, connection, caller);
          return;
        case 'DELETE':
          this.delete(req, res, connection, caller);
          return;
        default:
          res.setHeader('allow', 'GET, POST, DELETE');
          throw new AirlockError(
            'method_not_allowed',
            `HTTP ${req.method} is not part of MCP Streamable HTTP; use POST, GET or DELETE.`,
          );
      }
    } catch (error) {
      const failure = AirlockError.from(error);
      if (failure.code === 'internal') this.options.logger.error({ err: error }, 'request failed');
      sendError(res, failure, id);
    }
  }

  private async readMessage(req: IncomingMessage): Promise<{ message: JsonRpcMessage; json: string }> {
    if (!accepts(req, 'application/json', 'text/event-stream')) {
      throw new AirlockError(
        'not_acceptable',
        'An MCP POST must accept both application/json and text/event-stream (Accept header); the answer may come as either.',
      );
    }
    const contentType = header(req, 'content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('application/json')) {
      throw new AirlockError(
        'unsupported_media_type',
        `An MCP POST carries Content-Type application/json, not "${contentType || '(none)'}".`,
      );
    }
    const json = await readBody(req, this.options.maxBodyBytes);
    return { message: parseJsonRpcMessage(json), json };
  }

  private async post(
    req: IncomingMessage,
    res: ServerResponse,
    connection: string,
    caller: Caller,
    message: JsonRpcMessage,
    json: string,
  ): Promise<void> {
    const { era, protocolVersion } = classifyInbound(
      message,
      {
        protocolVersion: header(req, 'mcp-protocol-version'),
        mcpMethod: header(req, 'mcp-method'),
        mcpName: header(req, 'mcp-name'),
      },
      { supportedVersions: () => this.versions.supported(connection) },
    );
    const log = this.options.logger;
    const opensSomething = era === 'modern' || ('method' in message && message.method === 'initialize');
    if (opensSomething && this.options.draining?.()) {
      // Stopping: sessions already open finish their calls; new ones go to another gateway.
      throw new AirlockError(
        'gateway_draining',
        'This gateway is shutting down and takes no new sessions or requests; retry, and the load balancer will send you to another gateway.',
      );
    }
    if (era === 'modern') {
      this.checkEra(connection, era, protocolVersion);
      if (this.versions.refusedByServer(connection, protocolVersion)) {
        throw unsupportedProtocolVersion(protocolVersion, this.versions.supported(connection));
      }
      const { context, release } = await this.options.modernGroups.join(
        caller,
        connection,
        message,
        era,
        protocolVersion,
      );
      const { sessionId } = context;
      res.once('close', release);
      await relayExchange(
        {
          context,
          message,
          json,
          forwardHeaders: paramHeaders(req),
          res,
          logBindings: { sessionId, connection, subject: caller.subject },
          ...('method' in message && message.method === 'server/discover'
            ? { onAnswer: (reply: JsonRpcMessage) => this.versions.learn(connection, reply) }
            : {}),
        },
        this.options.directory,
        this.options.pipeline,
        log,
      );
      return;
    }

    const sessionId = header(req, 'mcp-session-id');
    if ('method' in message && message.method === 'initialize') {
      if (sessionId !== undefined) {
        throw new AirlockError(
          'invalid_request',
          'initialize starts a new session and must not carry Mcp-Session-Id. Drop the header to start a new session.',
        );
      }
      await this.initialize(res, connection, caller, message, json);
      return;
    }
    if (sessionId === undefined) {
      throw new AirlockError(
        'invalid_request',
        'This request needs the Mcp-Session-Id header from the initialize response. Send initialize first to start a session.',
      );
    }
    const versionHeader = header(req, 'mcp-protocol-version');
    if (versionHeader !== undefined && !isSupportedProtocolVersion(versionHeader)) {
      throw new AirlockError(
        'unsupported_protocol_version',
        `MCP-Protocol-Version ${versionHeader} is not supported; supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}.`,
      );
    }
    const session = this.options.sessions.find(sessionId, connection, caller.subject);
    await session.fromClient(message, json, session.channelFor(res, isRequest(message) ? message.id : null));
  }

  private async initialize(
    res: ServerResponse,
    connection: string,
    caller: Caller,
    message: JsonRpcMessage,
    json: string,
  ): Promise<void> {
    const requested = 'method' in message ? message.params?.['protocolVersion'] : undefined;
    const protocolVersion = typeof requested === 'string' ? requested : DEFAULT_LEGACY_PROTOCOL_VERSION;
    this.checkEra(connection, 'legacy', protocolVersion);
    const sessionId = newSessionId(this.options.sessionTag);
    const context = { sessionId, connection, caller, era: 'legacy' as const, protocolVersion };
    const stream = await this.options.directory.openSession({
      ...context,
      kind: 'session',
      forwardHeaders: {},
    });
    const session = new LegacySession({
      context,
      stream,
      pipeline: this.options.pipeline,
      logger: this.options.logger.child({ sessionId, connection, subject: caller.subject }),
      onEnded: (s, reason) => {
        this.options.grants?.detach(s);
        this.options.sessions.remove(s, reason?.message ?? 'closed', reason);
      },
    });
    this.options.sessions.add(session);
    const grant = this.options.grants?.admittingGrant(caller, connection);
    await session.fromClient(
      message,
      json,
      session.channelFor(res, isRequest(message) ? message.id : null, { 'mcp-session-id': sessionId }),
    );
    // After initialize is recorded, so the grant's `used` event follows the session's start.
    if (grant !== undefined && !session.isEnded) this.options.grants?.attach(session, grant);
  }

  private get(req: IncomingMessage, res: ServerResponse, connection: string, caller: Caller): void {
    if (!accepts(req, 'text/event-stream')) {
      throw new AirlockError(
        'not_acceptable',
        'The MCP GET stream is Server-Sent Events: send Accept: text/event-stream.',
      );
    }
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId === undefined) {
      throw new AirlockError(
        'invalid_request',
        'The GET stream belongs to a session: send the Mcp-Session-Id header from the initialize response.',
      );
    }
    this.options.sessions
      .find(sessionId, connection, caller.subject)
      .openGetStream(res, {}, header(req, 'last-event-id'));
  }

  private delete(req: IncomingMessage, res: ServerResponse, connection: string, caller: Caller): void {
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId === undefined) {
      throw new AirlockError(
        'invalid_request',
        'DELETE ends a session: send the Mcp-Session-Id header of the session to end.',
      );
    }
    this.options.sessions
      .find(sessionId, connection, caller.subject)
      .terminate(new AirlockError('session_not_found', 'the client ended it with DELETE'), 'client_closed');
    res.writeHead(200).end();
  }

  /** A request in one era for a connection whose server speaks only the other: a clear 400. */
  private checkEra(connection: string, era: ProtocolEra, protocolVersion: string): void {
    const announced = this.options.directory.connection(connection);
    if (announced === undefined || announced.eras.includes(era)) return;
    const serves = announced.eras.map((e) => ERA_LABEL[e]).join(' and ');
    // Name versions, not only eras: a client is configured with a version string, not an era.
    const versions = versionsOfEras(announced.eras);
    throw new AirlockError(
      'protocol_era_mismatch',
      `Connection "${connection}" serves ${serves} only (protocol version${versions.length === 1 ? '' : 's'} ${versions.join(', ')}), but this request speaks MCP ${protocolVersion} (${ERA_LABEL[era]}). Use a client that speaks ${versions.length === 1 ? versions[0] : `one of ${versions.join(', ')}`}, or ask the operator to add the ${era} era to the connection if its server speaks ${protocolVersion}.`,
      { data: { supported: versions, requested: protocolVersion, connectionEras: announced.eras } },
    );
  }
}

/** 2026-07-28 `Mcp-Param-*` headers mirror tool arguments the gateway cannot derive; they go upstream as sent. */
function paramHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('mcp-param-') && typeof value === 'string') out[name] = value;
  }
  return out;
}
