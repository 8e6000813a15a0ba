import type { Logger } from 'pino';
import type { AwsCredentials, CredentialSource } from './credential-source.js';

export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** Refresh this long before expiry: servers started just before expiry still get a useful window. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
/** Treat credentials this close to expiry as already expired. */
const EXPIRY_SLACK_MS = 60_000;
const RETRY_MIN_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

async function defaultNodeProviderChain(): Promise<AwsCredentialProvider> {
  // Loaded lazily: the provider chain pulls in a large part of the AWS SDK, which an agent with
  // no AWS injection never needs.
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  return fromNodeProviderChain();
}

/**
 * The agent's AWS credentials, resolved once in the background at start (default: the AWS
 * default provider chain — env, SSO, shared files, web identity/IRSA, ECS, instance role) and
 * refreshed before they expire. Callers never wait long: `current` answers the cache, or waits a
 * bounded time for the first resolution. Credential values are never logged.
 */
export class AwsCredentialCache implements CredentialSource {
  private cached: AwsCredentials | undefined;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private warned = false;
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly provider?: AwsCredentialProvider,
  ) {}

  start(): void {
    this.stopped = false;
    if (!this.cached && !this.inFlight) void this.refresh();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async current(maxWaitMs: number): Promise<AwsCredentials | undefined> {
    if (this.isFresh()) return this.cached;
    const pending = this.inFlight ?? this.refresh();
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      pending,
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, maxWaitMs);
      }),
    ]);
    clearTimeout(timeout);
    // Credentials close to expiry still beat none for a short call; the refresh keeps trying.
    if (this.isUsable()) return this.cached;
    if (!this.warned) {
      this.warned = true;
      this.logger.warn(
        "No AWS credentials resolved yet; starting MCP servers without AWS credentials. Check the agent's AWS configuration (instance role, IRSA, or AWS_* environment).",
      );
    }
    return undefined;
  }

  private isUsable(): boolean {
    const expiration = this.cached?.expiration;
    return this.cached !== undefined && (!expiration || expiration.getTime() > Date.now());
  }

  private isFresh(): boolean {
    const expiration = this.cached?.expiration;
    return this.cached !== undefined && (!expiration || expiration.getTime() - EXPIRY_SLACK_MS > Date.now());
  }

  private refresh(): Promise<void> {
    const run = (async () => {
      try {
        const provider = this.provider ?? (await defaultNodeProviderChain());
        const credentials = await provider();
        this.cached = {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken,
          expiration: credentials.expiration,
        };
        this.retryMs = RETRY_MIN_MS;
        this.logger.debug({ expiration: credentials.expiration?.toISOString() }, 'AWS credentials resolved');
        if (credentials.expiration) {
          this.schedule(credentials.expiration.getTime() - Date.now() - REFRESH_BEFORE_EXPIRY_MS);
        }
      } catch (error) {
        // The SDK's messages name the providers tried, never a secret. Warn on the first failure
        // of a streak only: an agent without AWS credentials is a normal setup, not a fault.
        const firstFailure = this.retryMs === RETRY_MIN_MS;
        this.logger[firstFailure ? 'warn' : 'debug'](
          { err: { message: (error as Error).message }, retryInSeconds: this.retryMs / 1000 },
          'Could not resolve AWS credentials from the default provider chain; stdio servers start without them. Retrying with backoff.',
        );
        this.schedule(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      } finally {
        this.inFlight = undefined;
      }
    })();
    this.inFlight = run;
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), Math.max(delayMs, RETRY_MIN_MS));
    this.timer.unref();
  }
}
