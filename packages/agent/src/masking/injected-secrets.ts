import type { AgentConfig, InjectedSecret } from '@airlock/core';
import type { AwsCredentials } from '../credentials/credential-source.js';

/** Configured env variables whose names say they hold a secret. */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH/i;
/** How many credential sets per connection stay masked after rotation (older processes still hold them). */
const REMEMBERED_SETS = 8;
/**
 * Sets with an expiry stay masked until they expire, however many there are (each person on a
 * role connection has their own), up to this bound per connection.
 */
const MAX_UNEXPIRED_SETS = 4096;

/**
 * Every value the agent handed to an MCP server, per connection, so the masker can replace it
 * wherever it shows up, whatever the masking policy: the AWS credentials injected into a stdio
 * server (remembered across refreshes, since a running process keeps the old ones; role
 * credentials, one set per person, until they expire), static
 * upstream headers, and configured environment values with secret-sounding names.
 */
export class InjectedSecrets {
  private readonly fixed = new Map<string, InjectedSecret[]>();
  private readonly aws = new Map<string, AwsCredentials[]>();
  private readonly generations = new Map<string, number>();

  constructor(config: AgentConfig) {
    for (const [name, connection] of Object.entries(config.connections)) {
      const values: InjectedSecret[] =
        connection.transport === 'http'
          ? Object.values(connection.headers).map((value) => ({ type: 'UPSTREAM_HEADER', value }))
          : Object.entries(connection.env)
              .filter(([key]) => SECRET_NAME.test(key))
              .map(([, value]) => ({ type: 'INJECTED_ENV', value }));
      // A header such as "Bearer abc..." also leaks its token alone.
      const tokens = values.flatMap((v) => {
        const parts = v.value.split(/\s+/).filter((p) => p.length >= 8 && p !== v.value);
        return parts.map((value) => ({ type: v.type, value }));
      });
      this.fixed.set(name, [...values, ...tokens]);
    }
  }

  /** The AWS credentials put into a server of `connection` (before it starts). */
  rememberAws(connection: string, credentials: AwsCredentials): void {
    const sets = this.aws.get(connection) ?? [];
    if (
      sets.some(
        (c) => c.accessKeyId === credentials.accessKeyId && c.secretAccessKey === credentials.secretAccessKey,
      )
    )
      return;
    sets.unshift(credentials);
    const now = Date.now();
    const kept = sets.filter(
      (c, index) => index < REMEMBERED_SETS || (c.expiration !== undefined && c.expiration.getTime() > now),
    );
    this.aws.set(connection, kept.slice(0, MAX_UNEXPIRED_SETS));
    this.generations.set(connection, (this.generations.get(connection) ?? 0) + 1);
  }

  /** Changes whenever the values of `connection` change (a compiled masker cache key). */
  generation(connection: string): number {
    return this.generations.get(connection) ?? 0;
  }

  of(connection: string): InjectedSecret[] {
    const secrets = [...(this.fixed.get(connection) ?? [])];
    for (const c of this.aws.get(connection) ?? []) {
      secrets.push({ type: 'AWS_ACCESS_KEY_ID', value: c.accessKeyId });
      secrets.push({ type: 'AWS_SECRET_ACCESS_KEY', value: c.secretAccessKey });
      if (c.sessionToken) secrets.push({ type: 'AWS_SESSION_TOKEN', value: c.sessionToken });
    }
    return secrets;
  }
}
