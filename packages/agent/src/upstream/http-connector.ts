import type { HttpConnectionConfig, SessionOpenRequest } from '@airlock/core';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { AwsCredentials, CredentialSource } from '../credentials/credential-source.js';
import type { AssumableRole, RoleCredentials } from '../credentials/role-credentials.js';
import { deferredSession } from './deferred-session.js';
import { eraMismatch } from './era-check.js';
import { failedSession } from './failed-session.js';
import { HttpExchangeUpstream } from './http-exchange-upstream.js';
import { HttpSessionUpstream } from './http-session-upstream.js';
import { lowerCaseHeaders, type HttpTarget } from './http-target.js';
import { sigv4Request } from './sigv4-request.js';
import { upstreamCredentialsError } from './upstream-credentials-error.js';
import type { UpstreamConnector, UpstreamSession, UpstreamSink } from './upstream.js';

export interface HttpConnectorOptions {
  readonly name: string;
  readonly config: HttpConnectionConfig;
  readonly logger: Logger;
  /** The agent's own AWS credentials: what SigV4 signs with when the connection has no role. */
  readonly credentials?: CredentialSource;
  /** Per-person role credentials, for a connection with `aws.roleArn`. */
  readonly roles?: RoleCredentials;
  /** Told the credentials a request is signed with (its session token travels to the server). */
  readonly onAwsInjected?: (credentials: AwsCredentials) => void;
  /** Largest single message accepted from the server. */
  readonly maxMessageBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const OWN_CREDENTIALS_WAIT_MS = 5_000;

/**
 * Talks to one Streamable HTTP MCP server: legacy sessions (a faithful Streamable HTTP client)
 * and modern-era exchanges (one POST each). One keep-alive pool per connection: it is the hot
 * path, and reusing warm sockets is most of the latency budget.
 */
export class HttpConnector implements UpstreamConnector {
  readonly transport = 'http' as const;
  private readonly target: HttpTarget;
  private readonly pool: Pool;
  private readonly url: URL;

  constructor(private readonly options: HttpConnectorOptions) {
    this.url = new URL(options.config.url);
    this.pool = new Pool(this.url.origin, {
      keepAliveTimeout: 30_000,
      headersTimeout: options.config.timeoutMs,
      bodyTimeout: options.config.timeoutMs,
    });
    this.target = {
      name: options.name,
      config: options.config,
      headers: lowerCaseHeaders(options.config.headers),
      request: (request) => this.pool.request(request),
      path: `${this.url.pathname}${this.url.search}`,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      logger: options.logger,
    };
  }

  open(request: SessionOpenRequest, sink: UpstreamSink): UpstreamSession {
    const mismatch = eraMismatch(this.target.name, this.target.config.eras, request);
    if (mismatch) return failedSession(sink, mismatch);
    const aws = this.options.config.aws;
    if (!aws) return this.openWith(this.target, request, sink);
    const credentials = this.credentialsFor(request);
    const target: HttpTarget = {
      ...this.target,
      request: sigv4Request(this.target.request, this.url, aws.sigv4, credentials),
    };
    if (aws.roleArn === undefined) return this.openWith(target, request, sink);
    // With a role, the person's credentials come first: a role that cannot be assumed fails the
    // session before anything reaches the server, and the recording names the role first.
    const { roles } = this.options;
    const role = this.role()!;
    const ready = (async () => {
      if (!roles) throw upstreamCredentialsError(this.options.name);
      const assumed = await roles.forSession({
        connection: this.options.name,
        role,
        caller: request.caller,
        sessionId: request.sessionId,
      });
      await sink.awsCredentials?.({ ...assumed.attribution, use: 'sigv4' });
    })();
    return deferredSession(ready, () => this.openWith(target, request, sink), sink);
  }

  async close(): Promise<void> {
    // Sessions are closed first (DELETE sent); what is left are idle sockets or abandoned streams.
    await this.pool.destroy();
  }

  private openWith(target: HttpTarget, request: SessionOpenRequest, sink: UpstreamSink): UpstreamSession {
    return request.kind === 'exchange'
      ? new HttpExchangeUpstream(target, request, sink)
      : new HttpSessionUpstream(target, request, sink);
  }

  /** The connection's role, if it has one; STS in the signing region unless `aws.region` says otherwise. */
  private role(): AssumableRole | undefined {
    const aws = this.options.config.aws;
    if (aws?.roleArn === undefined) return undefined;
    return { ...aws, roleArn: aws.roleArn, region: aws.region ?? aws.sigv4.region };
  }

  /** What each request of the session signs with: the person's role credentials (refreshed as they near expiry) or the agent's own. */
  private credentialsFor(request: SessionOpenRequest): () => Promise<AwsCredentials> {
    const { roles, credentials: own, name } = this.options;
    const role = this.role();
    return async () => {
      let current: AwsCredentials | undefined;
      if (role) {
        // Never fall back to the agent's own credentials for a connection that names a role.
        if (!roles) throw upstreamCredentialsError(name);
        current = (
          await roles.forSession({
            connection: name,
            role,
            caller: request.caller,
            sessionId: request.sessionId,
          })
        ).credentials;
      } else {
        current = await own?.current(OWN_CREDENTIALS_WAIT_MS);
      }
      if (!current) throw upstreamCredentialsError(name);
      this.options.onAwsInjected?.(current);
      return current;
    };
  }
}
