import type { AwsCredentials } from './credential-source.js';

/** The environment variables the AWS SDKs (every language) read credentials and region from. */
export function awsEnvironment(
  credentials: AwsCredentials | undefined,
  region: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (credentials) {
    env['AWS_ACCESS_KEY_ID'] = credentials.accessKeyId;
    env['AWS_SECRET_ACCESS_KEY'] = credentials.secretAccessKey;
    if (credentials.sessionToken) env['AWS_SESSION_TOKEN'] = credentials.sessionToken;
  }
  if (region) {
    env['AWS_REGION'] = region;
    env['AWS_DEFAULT_REGION'] = region;
  }
  return env;
}
