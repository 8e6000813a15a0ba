/** AWS credentials as the agent hands them to the MCP servers it starts. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}

/**
 * Where the agent's AWS credentials come from. Injectable so tests and embedders can pass fixed
 * credentials; the default is {@link AwsCredentialCache} over the AWS default provider chain.
 */
export interface CredentialSource {
  /** Starts resolving in the background (agent start). Idempotent. */
  start(): void;
  /**
   * The cached credentials, waiting at most `maxWaitMs` for a resolution in progress. Resolves
   * `undefined` when none are available; never rejects.
   */
  current(maxWaitMs: number): Promise<AwsCredentials | undefined>;
  /** Stops background refreshes. */
  stop(): void;
}

/** A source that always answers the same credentials (tests, or credentials managed elsewhere). */
export function fixedCredentials(credentials: AwsCredentials | undefined): CredentialSource {
  return {
    start: () => undefined,
    current: () => Promise.resolve(credentials),
    stop: () => undefined,
  };
}
