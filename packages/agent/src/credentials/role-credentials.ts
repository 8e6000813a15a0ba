import type { AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import { AirlockError, type AwsRoleConfig, type Caller, type RecordedAwsCredentials } from '@airlock/core';
import type { Logger } from 'pino';
import { assumeRoleError, refusalOf } from './assume-role-error.js';
import type { AwsCredentials, CredentialSource } from './credential-source.js';
import { roleSessionName, sessionTags, sourceIdentity } from './sts-identity.js';

/** The role settings of a connection that assumes one (`aws.roleArn` set). */
export type AssumableRole = AwsRoleConfig & { readonly roleArn: string };

/** Temporary credentials for one (connection, person), with how the person was attributed. */
export interface AssumedRole {
  readonly credentials: AwsCredentials;
  /** What the recording keeps (no credential); `use` is filled in by the caller. */
  readonly attribution: Omit<RecordedAwsCredentials, 'use'>;
}

export interface RoleSessionRequest {
  readonly connection: string;
  readonly role: AssumableRole;
  readonly caller: Caller;
  readonly sessionId: string;
}

export interface RoleCredentialsOptions {
  /** The agent's own credentials: what it calls STS with. */
  readonly source: CredentialSource;
  readonly logger: Logger;
  /** Refresh credentials this long before they expire (default 5 minutes). */
  readonly refreshBeforeMs?: number;
  /** How long to wait for the agent's own credentials (default 5 s). */
  readonly sourceWaitMs?: number;
}

const DEFAULT_REFRESH_BEFORE_MS = 5 * 60_000;
const DEFAULT_SOURCE_WAIT_MS = 5_000;
/** Cached (connection, person) entries beyond which expired ones are dropped. */
const PRUNE_ABOVE = 1_000;

/**
 * Temporary credentials per (connection, person), from STS AssumeRole with the person as role
 * session name and SourceIdentity, and session tags. Cached until `refreshBeforeMs` before they
 * expire; one STS call per key at a time (concurrent sessions of one person wait for the same
 * answer). A role that refuses tags is remembered and assumed without them from then on.
 * Credential values are never logged.
 */
export class RoleCredentials {
  private readonly cache = new Map<string, AssumedRole>();
  private readonly inFlight = new Map<string, Promise<AssumedRole>>();
  private readonly clients = new Map<string, STSClient>();
  private readonly untaggedRoles = new Set<string>();
  private readonly refreshBeforeMs: number;

  constructor(private readonly options: RoleCredentialsOptions) {
    this.refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  }

  /** Credentials for the session's person: cached, or assumed now. Rejects with `aws_role_unavailable`. */
  forSession(request: RoleSessionRequest): Promise<AssumedRole> {
    if (request.caller.anonymous) {
      // Fail closed: a role session must name a person (dev mode without login assumes no roles).
      return Promise.reject(
        new AirlockError(
          'aws_role_unavailable',
          `Connection "${request.connection}" assumes role ${request.role.roleArn} per person, and this session has no authenticated person. Turn on authentication (gateway.auth) to use roles.`,
          { data: { connection: request.connection, roleArn: request.role.roleArn } },
        ),
      );
    }
    const key = `${request.connection}\u0000${request.caller.subject}`;
    const cached = this.cache.get(key);
    if (cached && this.isFresh(cached)) return Promise.resolve(cached);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const run = this.assume(request)
      .then((assumed) => {
        this.cache.set(key, assumed);
        this.prune();
        return assumed;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  /** Releases the STS clients' sockets. */
  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private isFresh(assumed: AssumedRole): boolean {
    const expiration = assumed.credentials.expiration;
    return expiration === undefined || expiration.getTime() - this.refreshBeforeMs > Date.now();
  }

  private prune(): void {
    if (this.cache.size <= PRUNE_ABOVE) return;
    for (const [key, assumed] of this.cache) if (!this.isFresh(assumed)) this.cache.delete(key);
  }

  private async assume(request: RoleSessionRequest): Promise<AssumedRole> {
    const { role, caller, connection, sessionId } = request;
    const tags = role.sessionTags && !this.untaggedRoles.has(role.roleArn);
    const input: AssumeRoleCommandInput = {
      RoleArn: role.roleArn,
      RoleSessionName: roleSessionName(caller),
      DurationSeconds: role.durationSeconds,
      ...(role.externalId === undefined ? {} : { ExternalId: role.externalId }),
      ...(role.policy === undefined ? {} : { Policy: role.policy }),
      ...(role.sourceIdentity ? { SourceIdentity: sourceIdentity(caller) } : {}),
    };
    // Loaded on the first role assumed: an agent whose connections assume no role never holds the
    // STS client's modules (about 17 MB resident).
    const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
    const client = this.clientFor(role, STSClient);
    const send = (withTags: boolean) =>
      client.send(
        new AssumeRoleCommand(
          withTags ? { ...input, Tags: sessionTags(caller, connection, sessionId) } : input,
        ),
      );
    let tagged = tags;
    let output;
    try {
      output = await send(tags);
    } catch (error) {
      if (!(tags && refusalOf(error) === 'tagging_refused')) {
        throw assumeRoleError(error, connection, role.roleArn);
      }
      // Tags are set where the trust policy allows them: this role does not, so go without,
      // from now on, and say so once.
      this.untaggedRoles.add(role.roleArn);
      this.options.logger.warn(
        { connection, roleArn: role.roleArn },
        "The role's trust policy does not allow sts:TagSession: assuming it without session tags from now on (CloudTrail still names the person). Add sts:TagSession to the trust policy to get the airlock:* tags.",
      );
      tagged = false;
      try {
        output = await send(false);
      } catch (retryError) {
        throw assumeRoleError(retryError, connection, role.roleArn);
      }
    }
    const issued = output.Credentials;
    if (!issued?.AccessKeyId || !issued.SecretAccessKey) {
      throw assumeRoleError(
        { name: 'InvalidResponse', message: 'STS answered without credentials' },
        connection,
        role.roleArn,
      );
    }
    const credentials: AwsCredentials = {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
      expiration: issued.Expiration,
    };
    this.options.logger.debug(
      { connection, roleArn: role.roleArn, expiration: issued.Expiration?.toISOString(), tagged },
      'assumed the role for a person',
    );
    return {
      credentials,
      attribution: {
        roleArn: role.roleArn,
        roleSessionName: input.RoleSessionName!,
        ...(input.SourceIdentity === undefined ? {} : { sourceIdentity: input.SourceIdentity }),
        sessionTags: tagged ? sessionTags(caller, connection, sessionId).map((t) => t.Key) : [],
        ...(issued.Expiration ? { expiresAt: issued.Expiration.toISOString() } : {}),
      },
    };
  }

  private clientFor(role: AssumableRole, Client: typeof STSClient): STSClient {
    const key = `${role.region ?? ''} ${role.stsEndpoint ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      const { source } = this.options;
      const wait = this.options.sourceWaitMs ?? DEFAULT_SOURCE_WAIT_MS;
      client = new Client({
        ...(role.region === undefined ? {} : { region: role.region }),
        ...(role.stsEndpoint === undefined ? {} : { endpoint: role.stsEndpoint }),
        credentials: async () => {
          const own = await source.current(wait);
          if (!own) {
            throw Object.assign(new Error('the agent resolved no AWS credentials of its own'), {
              name: 'CredentialsProviderError',
            });
          }
          return own;
        },
      });
      this.clients.set(key, client);
    }
    return client;
  }
}
