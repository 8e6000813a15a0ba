import { AirlockError } from '@airlock/core';

/** A SigV4 connection, and the agent has no AWS credentials to sign with: fail the request, never send it unsigned. */
export function upstreamCredentialsError(connection: string): AirlockError {
  return new AirlockError(
    'aws_role_unavailable',
    `Connection "${connection}" signs its requests with AWS SigV4, and the agent has no AWS credentials to sign with. Give the agent an instance role, IRSA or AWS_* environment (see docs/aws-credentials.md).`,
    { data: { connection } },
  );
}
