import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where and how to reach Kinesis; shared by the sink and the audit consumer. */
export interface KinesisConnectionOptions {
  /** AWS region; default: the SDK's chain (AWS_REGION, the shared config file). */
  readonly region?: string | undefined;
  /** Endpoint override (a VPC endpoint, LocalStack, kinesalite); default: the region's public one. */
  readonly endpoint?: string | undefined;
  /**
   * Default: the Node default provider chain — environment, shared files, SSO, web identity,
   * ECS, then EC2 instance metadata (set AWS_EC2_METADATA_DISABLED=true where there is none).
   */
  readonly credentials?: KinesisClientConfig['credentials'];
  /** TCP connect timeout. Default 3 s. */
  readonly connectionTimeoutMs?: number | undefined;
  /**
   * Socket idle timeout of one request. Default 30 s: a black-holed path must end in an error the
   * caller retries, not a request that waits forever.
   */
  readonly requestTimeoutMs?: number | undefined;
}

/**
 * A Kinesis client on HTTP/1.1 keep-alive. Kinesis speaks HTTP/1.1 and the default handler would
 * open a connection per request under load; kinesalite (the test server) does not speak HTTP/2
 * at all, so the HTTP/2 handler is not an option either. The SDK's own retries are off
 * (`maxAttempts: 1`): callers retry with their own policy, so they can retry only failed entries
 * and count what they did.
 */
export function createKinesisClient(options: KinesisConnectionOptions): KinesisClient {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });
  return new KinesisClient({
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    credentials: options.credentials ?? fromNodeProviderChain(),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent,
      httpsAgent,
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      // Without this the handler only logs a warning when the timeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    }),
  });
}
